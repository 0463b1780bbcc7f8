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

#[test]
fn max_memory_bytes_bounds_all_the_memories_of_a_store_together() {
  App::new("memory_cap.ts")
    .allow_all()
    .wat("two_memories.wat", "two_memories.wasm")
    .wat("cap_provider.wat", "cap_provider.wasm")
    .wat("cap_user.wat", "cap_user.wasm")
    .run()
    .ok(concat!(
      "4-page cap, grow a by 1: [-1]\n",
      "4-page cap, grow b by 1: [-1]\n",
      "4-page cap, grow a by 2 (4 pages alone): [-1]\n",
      "4-page cap, memory.grow(1) from JS: 5006 MemoryError\n",
      "4-page cap, sizes: [2,2]\n",
      "6-page cap, grow a by 1: [2]\n",
      "6-page cap, grow b by 1: [2]\n",
      "6-page cap, grow a by 1 again: [-1]\n",
      "6-page cap, grow b by 1 again: [-1]\n",
      "6-page cap, memory.grow(1) from JS: 5006 MemoryError\n",
      "6-page cap, sizes: [3,3]\n",
      "3-page cap, instantiate: 5001 InstantiateError\n",
      "linked, user grows by 1: [2]\n",
      "linked, provider grows by 1 (from the user): [-1]\n",
      "linked, provider grows by 1 (its own call): [-1]\n",
      "linked, provider memory.grow(1) from JS: 5006 MemoryError\n",
      "linked, user memory.grow(1) from JS: 5006 MemoryError\n",
      "linked, pages: [3,2]\n",
      "linked, 3-page cap, instantiate: 5001 InstantiateError\n",
      "alone, grow by 3: [2]\n",
      "alone, grow by 1: [-1]\n",
      "instantiate message names the cap: true\n",
    ));
}

#[test]
fn the_manifests_max_memory_bytes_is_a_total_too() {
  App::from_source(
    "import { compileFile, instantiate } from \"runtime:wasm\";\n\
     const i = await instantiate(await compileFile(\"./two_memories.wasm\"));\n\
     console.log(\"grow a:\", (await i.call(\"grow_a\", 1))[0]);\n\
     console.log(\"grow b:\", (await i.call(\"grow_b\", 1))[0]);\n\
     console.log(\"grow a again:\", (await i.call(\"grow_a\", 1))[0]);\n\
     const wider = await instantiate(await compileFile(\"./two_memories.wasm\"), { maxMemoryBytes: 6 * 65536 });\n\
     console.log(\"maxMemoryBytes overrides it:\", (await wider.call(\"grow_a\", 2))[0]);\n",
  )
  .manifest("[capabilities.wasm]\nload = true\nexecute = true\nmax_memory_bytes = 327680\n")
  .wat("two_memories.wat", "two_memories.wasm")
  .run()
  .ok("grow a: 2\ngrow b: -1\ngrow a again: -1\nmaxMemoryBytes overrides it: 2\n");
}

#[test]
fn calls_and_instantiations_that_do_not_end_at_once_let_the_event_loop_run() {
  App::new("call_turns.ts").allow_all().run().ok(concat!(
    "numbers path: 7\n",
    "slots path: bigint 1099511627785n\n",
    "in turn: wait=1 add=5 add64=42\n",
    "failed call: 5002 CallError\n",
    "then: 42\n",
    "sleeping start: timer instantiated started = 1\n",
    "sleeping start that traps: 5001 InstantiateError\n",
    "made with fuel: 41 42 43\n",
  ));
}

/// The interruption checks on loop back-edges call the host through a trampoline that preserves
/// every register (patches/wasmtime-cranelift.patch). A loop that keeps sixteen values in registers
/// must give the answer it gives without checks, whether its deadlines let it go on (`exports`),
/// yield to the event loop (`call`) or stop it (`timeoutMs`), and with fuel metering as well.
#[test]
fn interruption_checks_leave_a_loops_registers_as_they_were() {
  App::new("epoch_registers.ts").allow_all().wat("live_registers.wat", "live_registers.wasm").run().ok(concat!(
    "short loops agree: true\n",
    "exports, with checks: true\n",
    "call, yielding: true timers ran during it: true\n",
    "call, with a deadline: true\n",
    "short deadline: 5011 FuelExhausted\n",
    "after the trap: true\n",
    "call, with fuel: true\n",
    "fuel runs out: 5011 FuelExhausted\n",
    "after running out: true\n",
  ));
}
