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
