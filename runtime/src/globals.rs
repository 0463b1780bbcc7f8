//! The globals apps get: console, timers, TextEncoder/TextDecoder, AbortController, performance.

use std::sync::OnceLock;
use std::time::Instant;

use deno_core::{op2, OpState};

/// Milliseconds on a monotonic clock, for `performance.now()`.
#[op2(fast)]
pub fn op_kiln_now_ms() -> f64 {
  static START: OnceLock<Instant> = OnceLock::new();
  START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// The process's resident set size in bytes, for `Kiln.memoryUsage()` (0 where the OS does not
/// say: Linux's /proc/self/status is read).
#[op2(fast)]
pub fn op_kiln_rss_bytes() -> f64 {
  let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
  status
    .lines()
    .find_map(|line| line.strip_prefix("VmRSS:"))
    .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
    .map_or(0.0, |kib| kib * 1024.0)
}

/// Does nothing: what a synchronous op costs, the baseline of the benchmarks (`bench/`). Like
/// the `instance.exports` ops it is `nofast` (see ext_wasm/src/exports.rs), the cheaper kind of
/// op on the QuickJS backend.
#[op2(nofast)]
pub fn op_kiln_noop() {}

/// Does nothing, asynchronously: what an awaited async op costs, the baseline of the benchmarks.
#[op2]
pub async fn op_kiln_noop_async() {}

/// `Kiln.exit(code)`: ends the process with `code` (0-255, checked by the JS side) once what the
/// app and its guests wrote to stdout and stderr is flushed. Pending timers and promises are
/// abandoned, as with `Deno.exit`.
#[op2(fast)]
pub fn op_kiln_exit(code: i32) {
  use std::io::Write;
  let _ = std::io::stdout().flush();
  let _ = std::io::stderr().flush();
  std::process::exit(code);
}

/// The arguments after the entry file in `kiln run <entry> [args...]` (an `OpState` entry).
pub struct AppArgs(pub Vec<String>);

/// `Kiln.args`.
#[op2]
#[serde]
pub fn op_kiln_args(state: &OpState) -> Vec<String> {
  state.borrow::<AppArgs>().0.clone()
}

deno_core::extension!(
  kiln_globals,
  ops = [op_kiln_now_ms, op_kiln_args, op_kiln_exit, op_kiln_rss_bytes, op_kiln_noop, op_kiln_noop_async],
  esm_entry_point = "ext:kiln_globals/bootstrap.js",
  esm = [dir "js", "console.js", "timers.js", "encoding.js", "abort.js", "bootstrap.js"],
  options = { args: Vec<String> },
  state = |state, options| {
    state.put(AppArgs(options.args));
  },
);
