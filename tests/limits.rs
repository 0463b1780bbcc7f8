//! Fuel, timeouts, the live event loop during long calls, memory caps, and recovery after a trap.

use kiln_test_support::App;

#[test]
fn limits_and_liveness() {
  App::new("limits.ts").allow_all().wat("loop.wat", "loop.wasm").run().ok(concat!(
    "spin: 5011 FuelExhausted timed out: true\n",
    "stopped within 2x deadline: true\n",
    "interval kept firing: true\n",
    "small call: 100n\n",
    "again: 100n\n",
    "big call: 5011 FuelExhausted\n",
    "guest grow 2: 1\n",
    "guest grow 5: -1\n",
    "host grow: 5006 MemoryError\n",
    "pages: 3\n",
    "recurse: 5002 CallError\n",
    "after overflow: 42\n",
  ));
}

#[test]
fn max_instances_caps_live_instances() {
  App::new("max_instances.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\nmax_instances = 2\n")
    .run()
    .ok("from WAT text: 7\nthird: 5001 InstantiateError true\nafter drop: 7\n");
}

#[test]
fn app_wide_limits_contain_runaway_guests() {
  App::new("runaway.ts")
    .manifest(concat!(
      "[capabilities.wasm]\nload = true\nexecute = true\n",
      "timeout_ms = 200\nmax_memory_bytes = 4194304\nmax_table_elements = 1000\nmax_modules = 3\n",
    ))
    .wat("bomb.wat", "bomb.wasm")
    .wat("loop.wat", "loop.wasm")
    .run()
    .ok(concat!(
      "spin: 5011 FuelExhausted; within 2x: true; timers fired: true\n",
      "own deadline honoured: true\n",
      "memory bomb stopped at 64 pages\n",
      "host grow past cap: 5006 MemoryError\n",
      "rss bounded: true\n",
      "table grow 10: 1; past cap: -1\n",
      "recursion: 5002 CallError\n",
      "uninterruptible under timeout_ms: 5010 WasiError\n",
      "fourth module: 5000 CompileError\n",
      "after dropModule: loaded\n",
    ));
}

#[test]
fn compiled_bytes_are_capped() {
  App::from_source(
    "import { compileFile, isWasmError } from \"runtime:wasm\";\n\
     await compileFile(\"./loop.wasm\");\n\
     try { await compileFile(\"./loop.wasm\"); } catch (e) { if (isWasmError(e)) console.log(e.code, /max_compiled_bytes/.test(e.message)); }\n",
  )
  .manifest("[capabilities.wasm]\nload = true\nmax_compiled_bytes = 300\n")
  .wat("loop.wat", "loop.wasm")
  .run()
  .ok("5000 true\n");
}
