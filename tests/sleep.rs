//! WASI waits (`sleep`, `nanosleep`, `clock_nanosleep`, `sched_yield` loops, stdin reads) under
//! deadlines, on both call paths: `await instance.call` lets the event loop run while the guest
//! waits and stops it at the deadline; synchronous `instance.exports` blocks, but is stopped at the
//! deadline too, and a wait without a deadline still ends. Bounds are generous (2x the 500 ms
//! deadline): they tell "stopped at the deadline" from "stopped when the 3 to 5 s sleep ended".

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kiln_test_support::{kiln_bin, test_cache_dir, App};

/// What tests/fixtures/sleeper.c prints when it starts with `args`.
fn started(args: &str) -> String {
  format!("sleeper: {args}\n")
}

#[test]
fn sleeping_guests_let_the_event_loop_run_and_stop_at_the_deadline() {
  let run = App::new("sleep.ts").allow_all().c("sleeper.c", "sleeper.wasm").run();
  let expected = [
    started("sleep 3"),
    "sleep 3 s under timeoutMs 500: 5011 FuelExhausted timed out: true\n".into(),
    "stopped within 1000 ms: true\n".into(),
    "not before the deadline: true\n".into(),
    "interval ticked during the sleep: true\n".into(),
    "nap after the deadline: 50\n".into(),
    "nap slept: true\n".into(),
    "nap on the synchronous path: 20\n".into(),
    started("nanosleep 5000"),
    "nanosleep 5 s under timeoutMs 500: 5011 FuelExhausted timed out: true; within 1000 ms: true\n".into(),
    started("abs 5000"),
    "abs 5 s under timeoutMs 500: 5011 FuelExhausted timed out: true; within 1000 ms: true\n".into(),
    started("yield 5000"),
    "yield loop under timeoutMs 500: 5011 FuelExhausted timed out: true; within 1000 ms: true\n".into(),
    started("nanosleep 300"),
    "sleeper: awake\n".into(),
    "nanosleep 300 ms without a deadline: completed\n".into(),
    "slept at least 300 ms: true\n".into(),
    "interval ticked during the sleep: true\n".into(),
    started("abs 200"),
    "sleeper: awake\n".into(),
    "abs 200 ms under timeoutMs 2000: completed; slept: true\n".into(),
  ]
  .concat();
  run.ok(&expected);
}

#[test]
fn synchronous_sleeps_stop_at_the_deadline_and_finish_without_one() {
  let run = App::new("sleep_sync.ts").allow_all().c("sleeper.c", "sleeper.wasm").run();
  let expected = [
    started("sleep 3"),
    "sleep 3 s under timeoutMs 500: 5011 FuelExhausted timed out: true\n".into(),
    "stopped within 1000 ms: true\n".into(),
    "not before the deadline: true\n".into(),
    "nap after the deadline: 50\n".into(),
    "nap slept: true\n".into(),
    "nap through call: 20\n".into(),
    "nap 5 s: 5011 FuelExhausted\n".into(),
    started("nanosleep 5000"),
    "nanosleep 5 s under timeoutMs 500: 5011 FuelExhausted timed out: true; within 1000 ms: true\n".into(),
    started("abs 5000"),
    "abs 5 s under timeoutMs 500: 5011 FuelExhausted timed out: true; within 1000 ms: true\n".into(),
    started("yield 5000"),
    "yield loop under timeoutMs 500: 5011 FuelExhausted timed out: true; within 1000 ms: true\n".into(),
    started("nanosleep 200"),
    "sleeper: awake\n".into(),
    "nanosleep 200 ms without a deadline: completed; slept: true\n".into(),
    started("abs 200"),
    "sleeper: awake\n".into(),
    "abs 200 ms without a deadline: completed; slept: true\n".into(),
  ]
  .concat();
  run.ok(&expected);
}

#[test]
fn stdin_waits_stop_at_the_deadline_or_their_timeout_on_both_paths() {
  let app = App::new("sleep_stdin.ts").allow_all().c("sleeper.c", "sleeper.wasm");
  // stdin stays open and empty while kiln runs, so the guest's read can only end at the deadline,
  // and its poll only at its timeout.
  let mut child = Command::new(kiln_bin())
    .args(["run", "main.ts"])
    .current_dir(app.path())
    .env("KILN_CACHE_DIR", test_cache_dir())
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawning kiln");
  let stdin = child.stdin.take();
  let give_up = Instant::now() + Duration::from_secs(60);
  while child.try_wait().unwrap().is_none() && Instant::now() < give_up {
    std::thread::sleep(Duration::from_millis(10));
  }
  let hung = child.try_wait().unwrap().is_none();
  if hung {
    let _ = child.kill();
  }
  drop(stdin);
  let status = child.wait().unwrap();
  let (mut stdout, mut stderr) = (String::new(), String::new());
  child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
  child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
  assert!(!hung, "kiln hung on a stdin read under a deadline; stdout:\n{stdout}\nstderr:\n{stderr}");
  assert_eq!(status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
  assert_eq!(
    stdout,
    concat!(
      "sleeper: stdin 0\n",
      "call: 5011 FuelExhausted; within 1000 ms: true; ticked: true\n",
      "nap after: 10\n",
      "sleeper: stdin 0\n",
      "exports: 5011 FuelExhausted; within 1000 ms: true\n",
      "nap after: 10\n",
      "sleeper: poll 200\n",
      "sleeper: poll 0\n",
      "sleeper: awake\n",
      "call: poll timed out after 200 ms: true\n",
      "sleeper: poll 200\n",
      "sleeper: poll 0\n",
      "sleeper: awake\n",
      "exports: poll timed out after 200 ms: true\n",
    ),
    "stderr:\n{stderr}"
  );
}
