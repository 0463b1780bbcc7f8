//! `spawn` in `runtime:wasm`: a WASI command run as a process with piped stdio. Output streams
//! while the guest runs, stdin is written and closed, `status` says how it ended (an exit status,
//! or 134 trap, 137 killed, 124 timeout), `kill()` stops a guest that computes, sleeps or blocks,
//! a slow reader holds back a fast writer without the host buffering it, spawn refuses what it
//! cannot run, and no thread outlives the processes and pools that used it.
//!
//! Nothing here asserts a duration tightly: where an app times something, it only tells "stopped"
//! from "ran on" (a guest that would sleep 60 s or loop forever), with room for a loaded machine.

use std::time::{Duration, Instant};

use kiln_test_support::{kiln_bin, App};

/// A manifest that also grants `runtime:fs` reads, for /proc/self/status.
const WITH_FS_READ: &str = "[capabilities.wasm]\nload = true\nexecute = true\n[capabilities.fs]\nread = true\n";

/// A command whose `_start` calls an import nobody provides: instantiation fails after spawn.
const NEEDS_IMPORT: &str = r#"(module
  (import "env" "missing" (func $missing))
  (func (export "_start") (call $missing)))"#;

/// An app with the command fixtures.
fn app(main: &str) -> App {
  App::new(main).c("talker.c", "talker.wasm").c("cat.c", "cat.wasm")
}

#[test]
fn piped_output_streams_while_the_guest_runs_and_stdin_reaches_it() {
  app("process_stream.ts").allow_all().run().ok(concat!(
    // "one" is read while the guest sleeps: its status is still pending.
    "first chunk: \"one\\n\"\n",
    "status after the first chunk: pending\n",
    "rest: \"two\\n\"\n",
    "read at the end: null\n",
    "status: 0 exit\n",
    // 6 + 5 + 300 KiB + 6 bytes written in four pieces, then closed.
    "cat: 0 exit 307217 of 307217 bytes, equal: true\n",
    "output: 0 exit \"out\\n\" \"err\\n\"\n",
    "bytes stdin: 0 exit \"from bytes\\n\" 0\n",
    "unclosed stdin: 0 exit \"left open\\n\"\n",
    "exit 7: 7 exit 0 0\n",
    "stdin (default): 5010 WasiError\n",
    "stdout null: 5010 WasiError\n",
    "stderr inherit: 5010 WasiError\n",
    "status: 0 exit\n",
  ));
}

#[test]
fn status_reports_exits_traps_kills_and_timeouts() {
  app("process_status.ts").allow_all().run().ok(concat!(
    "exit 0: 0 exit\n",
    "main returns: 0 exit\n",
    "exit 3: 3 exit\n",
    "trap: 134 trap, message: true\n",
    "out of fuel: 134 trap, message: true\n",
    "spin: \"ready\\n\"\n",
    "killed while computing: 137 killed, message: true\n",
    "killed while computing settled within 1000 ms: true\n",
    "sleep: \"ready\\n\"\n",
    "killed while sleeping: 137 killed, message: true\n",
    "killed while sleeping settled within 1000 ms: true\n",
    "killed while reading stdin: 137 killed, message: true\n",
    "killed while reading stdin settled within 1000 ms: true\n",
    "killed while writing to a full pipe: 137 killed, message: true\n",
    "killed while writing to a full pipe settled within 1000 ms: true\n",
    "killed at once, twice: 137 killed, message: true\n",
    "killed again after it ended: 137 killed, message: true\n",
    "kill after exit: 0 exit\n",
    "same status: true\n",
    "timeout while computing: 124 timeout, message: true\n",
    "timeout while computing settled within 5000 ms: true\n",
    "timeout while sleeping: 124 timeout, message: true\n",
    "timeout while sleeping settled within 5000 ms: true\n",
    "timeout while reading stdin: 124 timeout, message: true\n",
  ));
}

#[test]
fn a_slowly_read_flood_is_held_back_not_buffered() {
  // 200 MiB through a piped stdout while the host's peak RSS grows by less than 100 MiB.
  let run = app("process_flood.ts").manifest(WITH_FS_READ).run();
  run.ok(concat!(
    "warm-up: 0 exit true\n",
    "status: 0 exit\n",
    "bytes: 209715200 (200 MiB), all 'x': true\n",
    "peak RSS grew by less than 100 MiB: true\n",
  ));
}

#[test]
fn spawn_refuses_bad_options_and_modules_it_cannot_run() {
  app("process_errors.ts")
    .allow_all()
    .wat("pool_worker.wat", "pool_worker.wasm")
    .file("needs_import.wasm", wat::parse_str(NEEDS_IMPORT).unwrap())
    .run()
    .ok(concat!(
      "stdout capture: 5010 WasiError\n",
      "stderr capture: 5010 WasiError\n",
      "stdin capture: 5010 WasiError\n",
      "stdin a number: 5010 WasiError\n",
      "stdout unknown: 5010 WasiError\n",
      "unknown option: 5010 WasiError\n",
      "interruptible false: 5010 WasiError\n",
      "a JS host function: 5010 WasiError\n",
      "preopen outside the grant: 5009 PermissionDenied\n",
      "dropped module: 5004 InvalidModuleHandle\n",
      "unknown module: 5004 InvalidModuleHandle\n",
      "no _start: 5001 InstantiateError\n",
      "with limits: 0 exit\n",
      "missing import: spawned\n",
      "missing import status: 5001 InstantiateError\n",
      "missing import output: 5001 InstantiateError\n",
      "instantiate stdout piped: 5010 WasiError\n",
      "instantiate stderr piped: 5010 WasiError\n",
    ));
}

#[test]
fn spawn_and_create_pool_need_execute() {
  app("process_denied.ts")
    .manifest("[capabilities.wasm]\nload = true\n")
    .wat("pool_worker.wat", "pool_worker.wasm")
    .run()
    .ok("spawn: 5009 PermissionDenied\ncreatePool: 5009 PermissionDenied\n");
}

#[test]
fn no_thread_outlives_processes_and_pools() {
  let app = app("process_threads.ts").manifest(WITH_FS_READ).wat("pool_worker.wat", "pool_worker.wasm");
  // A first run compiles the modules into the shared cache, so that the measured run starts no
  // compiler or cache-writer thread of its own.
  app.run_with_args(&["warm"]).ok("warm\n");
  app.run().ok(concat!(
    "more threads while processes run: true\n",
    "processes: 0 exit, 0 exit, 3 exit, 134 trap, 124 timeout, 0 exit, 137 killed, 137 killed, 0 exit\n",
    "after the processes: back to the baseline\n",
    "at least 3 more threads with a pool of 3: true\n",
    "pool: 30 calls, 5002 CallError 5011 FuelExhausted checks: 0 0 0 0 0 0\n",
    "after the pool: back to the baseline\n",
    "dropped pool: 5005 InvalidInstanceHandle 5005 InvalidInstanceHandle\n",
    "after the dropped pool: back to the baseline\n",
  ));
}

/// Runs `process_exit.ts` in `mode`; returns the run and how long kiln took.
fn exit_run(mode: &str) -> (kiln_test_support::Run, Duration) {
  let app = app("process_exit.ts").allow_all().wat("pool_worker.wat", "pool_worker.wasm");
  kiln_bin(); // built (if need be) before the clock starts
  let started = Instant::now();
  let run = app.run_with_args(&[mode]);
  (run, started.elapsed())
}

// "Promptly" below is under 45 s: the sleeper would sleep 60 s and the pool's spins never end, so
// a kiln that waited for either would take 60 s or more (or be killed by the harness at 120 s).
// Kiln exits in well under a second here; 45 s leaves room for a CI machine many times slower (one
// CI run took 13 times as long as this machine for the benchmark smoke run).

#[test]
fn kiln_exit_does_not_wait_for_running_processes_or_pools() {
  let (run, elapsed) = exit_run("exit");
  run.ok("sleeper: ready\nexiting\n");
  assert!(elapsed < Duration::from_secs(45), "kiln took {elapsed:?} to exit; stderr:\n{}", run.stderr);

  let (run, elapsed) = exit_run("code");
  assert_eq!(run.status, Some(3), "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
  assert_eq!(run.stdout, "sleeper: ready\nexiting\n", "stderr:\n{}", run.stderr);
  assert!(elapsed < Duration::from_secs(45), "kiln took {elapsed:?} to exit; stderr:\n{}", run.stderr);
}

#[test]
fn a_killed_child_does_not_change_kilns_exit_code() {
  let (run, elapsed) = exit_run("kill");
  run.ok("sleeper: ready\nstatus: 137 killed\npool: 285\nending\n");
  assert!(elapsed < Duration::from_secs(45), "kiln took {elapsed:?} to exit; stderr:\n{}", run.stderr);
}
