//! Nothing leaks and nothing is freed under a running call: lifecycle cycles measured by RSS,
//! forgotten instances reclaimed by GC, drops during calls, and many concurrent calls.

use kiln_test_support::App;

fn app(max_instances: usize) -> App {
  App::new("leaks.ts")
    .manifest(&format!("[capabilities.wasm]\nload = true\nexecute = true\nmax_instances = {max_instances}\n[capabilities.fs]\nread = [\"./all_export_kinds.wasm\", \"./held_values.wasm\"]\n"))
    .wat("loop.wat", "loop.wasm")
    .wat("all_export_kinds.wat", "all_export_kinds.wasm")
    .wat("components/host_imports.wat", "host_imports.wasm")
    .wat("components/numbers.wat", "numbers.wasm")
    .wat("held_values.wat", "held_values.wasm")
}

#[test]
fn instantiate_and_compile_cycles_do_not_grow_rss() {
  let run = app(100).run_with_args(&["cycles"]);
  let out: serde_json::Value = serde_json::from_str(run.success().trim()).unwrap();
  let (instances, modules) = (out["instances"].as_f64().unwrap(), out["modules"].as_f64().unwrap());
  assert!(instances < 10.0, "100,000 instantiate/drop cycles grew RSS by {instances:.1} MiB");
  assert!(modules < 10.0, "10,000 compile/dropModule cycles grew RSS by {modules:.1} MiB");
}

#[test]
fn thrown_values_and_read_stacks_do_not_grow_rss() {
  let run = app(100).run_with_args(&["throws"]);
  let out: serde_json::Value = serde_json::from_str(run.success().trim()).unwrap();
  assert_eq!(out["caught"], 40_000, "{out}");
  let (thrown, read) = (out["thrown"].as_f64().unwrap(), out["read"].as_f64().unwrap());
  assert!(thrown < 10.0, "40,000 thrown non-Errors grew RSS by {thrown:.1} MiB");
  assert!(read < 10.0, "5,000 `new Error().stack` reads grew RSS by {read:.1} MiB");
}

#[test]
fn weak_ref_reads_in_one_run_do_not_grow_rss() {
  let run = app(100).run_with_args(&["derefs"]);
  let out: serde_json::Value = serde_json::from_str(run.success().trim()).unwrap();
  assert_eq!(out["found"], 2_000_000, "{out}");
  let grown = out["grown"].as_f64().unwrap();
  assert!(grown < 10.0, "2,000,000 reads of one WeakRef grew RSS by {grown:.1} MiB");
}

#[test]
fn forgotten_instances_are_reclaimed_and_do_not_count() {
  app(100).run_with_args(&["forget"]).ok("{\"made\":10000,\"failures\":0}\n");
}

#[test]
fn forgotten_instances_with_host_functions_are_reclaimed_without_a_turn_of_the_event_loop() {
  let run = app(100).run_with_args(&["forgetHost"]);
  run.ok("{\"made\":10000,\"failures\":0,\"held\":42}\n");
}

#[test]
fn forgotten_instances_of_the_webassembly_global_are_reclaimed_without_the_cycle_collector() {
  let run = app(12).run_with_args(&["forgetGlobal"]);
  run.ok("{\"made\":10000,\"failures\":0,\"held\":42}\n");
}

#[test]
fn forgotten_instances_that_their_host_functions_refer_to_are_reclaimed_when_instances_run_out() {
  let run = app(12).run_with_args(&["forgetCycles"]);
  run.ok("{\"made\":2200,\"failures\":0,\"sync\":1000}\n");
}

#[test]
fn forgotten_instances_whose_externref_values_refer_back_to_them_are_reclaimed() {
  let run = app(12).run_with_args(&["forgetValues"]);
  run.ok("{\"made\":1201,\"failures\":0,\"kept\":true}\n");
}

#[test]
fn processes_pools_and_components_take_the_room_of_forgotten_instances() {
  let run = app(12).run_with_args(&["forgetThenSpawn"]);
  run.ok("{\"filled\":12,\"spawned\":0,\"filledAgain\":12,\"pool\":[2],\"filledOnceMore\":12,\"component\":5}\n");
}

#[test]
fn instances_forgotten_in_a_loop_that_never_yields_are_reclaimed() {
  let run = app(12).run_with_args(&["forgetSync"]);
  run.ok("{\"made\":10000,\"failures\":0,\"held\":42,\"memory\":42,\"div\":2}\n");
}

#[test]
fn host_calls_that_read_their_callers_memory_do_not_grow_rss() {
  let run = app(100).run_with_args(&["callers"]);
  let out: serde_json::Value = serde_json::from_str(run.success().trim()).unwrap();
  assert_eq!(out["sum"], 200_000, "{out}");
  let grown = out["grown"].as_f64().unwrap();
  assert!(grown < 16.0, "200,000 host calls reading caller.memory in one export call grew RSS by {grown:.1} MiB");
}

#[test]
fn dropping_during_a_call_is_safe() {
  app(100).run_with_args(&["inflight"]).ok(concat!(
    "still running at drop: true\n",
    "in-flight call: result 300000000\n",
    "after drop: 5005 InvalidInstanceHandle\n",
    "memory after drop: 5005 InvalidInstanceHandle\n",
    "second drop: 5005 InvalidInstanceHandle\n",
  ));
}

#[test]
fn concurrent_calls_return_every_result_once() {
  app(200)
    .run_with_args(&["concurrent"])
    .ok(concat!("{\"results\":1000,\"distinct\":1000,\"exact\":true}\n", "{\"made\":150,\"refused\":250}\n",));
}
