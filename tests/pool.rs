//! `createPool` in `runtime:wasm`: a fixed number of instances of one module, each on its own
//! thread, serving `call`s in FIFO order. A member that traps or passes its deadline is replaced by
//! a fresh instance while the others keep serving; `drop()` rejects what is running or queued.

use kiln_test_support::App;

fn app(main: &str) -> App {
  App::new(main).allow_all().wat("pool_worker.wat", "pool_worker.wasm")
}

#[test]
fn a_pool_serves_a_thousand_queued_calls_each_once_and_calls_one_at_a_time() {
  app("pool_serve.ts").run().ok(concat!(
    "size: 2\n",
    "results: 1000, wrong: 0\n",
    "settled exactly once: true\n",
    "again: true\n",
    "one at a time: 200, wrong: 0\n",
    "FIFO: in order\n",
  ));
}

#[test]
fn trapped_and_timed_out_members_are_replaced_while_others_serve() {
  app("pool_replace.ts").run().ok(concat!(
    // Size 1: the member after the trap has a fresh global, so it is a new instance.
    "size 1, check: resolved [0]\n",
    "size 1, poison: 5002 CallError\n",
    "size 1, check after the trap: resolved [0]\n",
    "size 1, work: 5 right\n",
    "size 2, poison: 5002 CallError meanwhile: 40 right\n",
    "size 2, checks after the trap: all 0\n",
    "size 2, two poisons: 5002 CallError, 5002 CallError\n",
    "size 2, checks after both: all 0\n",
    "beside an endless call: resolved [285]\n",
    "the endless call after drop: 5005 InvalidInstanceHandle\n",
    "timeout: 5011 FuelExhausted meanwhile: 20 right\n",
    "timeout, then: 20 right\n",
    "size 1, spin: 5011 FuelExhausted\n",
    "size 1, after the timeout: resolved [285] resolved [0]\n",
  ));
}

#[test]
fn dropping_a_pool_rejects_running_and_queued_calls() {
  app("pool_drop.ts").run().ok(concat!(
    "settled before drop: 0\n",
    "drop resolved within 5000 ms: true\n",
    "queued spin: 5005 InvalidInstanceHandle\n",
    "queued work 1: 5005 InvalidInstanceHandle\n",
    "queued work 2: 5005 InvalidInstanceHandle\n",
    "running spin 1: 5005 InvalidInstanceHandle\n",
    "running spin 2: 5005 InvalidInstanceHandle\n",
    "work after drop: 5005 InvalidInstanceHandle\n",
    "check after drop: 5005 InvalidInstanceHandle\n",
    "idle pool work: 5\n",
    "idle pool after drop: 5005 InvalidInstanceHandle\n",
  ));
}

#[test]
fn create_pool_refuses_bad_sizes_and_options() {
  app("pool_errors.ts").run().ok(concat!(
    "size 0: 5010 WasiError\n",
    "size -1: 5010 WasiError\n",
    "size 1.5: 5010 WasiError\n",
    "size 65: 5010 WasiError\n",
    "size NaN: 5010 WasiError\n",
    "size \"2\": 5010 WasiError\n",
    "stdout capture: 5010 WasiError\n",
    "stderr capture: 5010 WasiError\n",
    "stdout piped: 5010 WasiError\n",
    "stderr piped: 5010 WasiError\n",
    "stdin piped: 5010 WasiError\n",
    "interruptible false: 5010 WasiError\n",
    "a JS host function: 5010 WasiError\n",
    "unknown option: 5010 WasiError\n",
    "size 1: pool.size 1, 1 results, all 14: true\n",
    "size 64: pool.size 64, 64 results, all 14: true\n",
    "missing export: 5003 ExportNotFound\n",
    "missing argument: 5007 TypeError\n",
    "wrong argument: 5007 TypeError\n",
    "then work(4): 14\n",
  ));
}
