//! Telling the user about a long compile, with an estimate of how far along it is.
//!
//! wasmtime 48 has no compile-progress callback: `Module::new` compiles every function (in
//! parallel) and returns when all are done. So the progress shown is an estimate, and says so: the
//! code section's size gives an expected duration (`COMPILE_BYTES_PER_SECOND_PER_CORE` times the
//! cores the compiler uses), the elapsed time against it gives a fraction, and that fraction of the
//! module's functions is reported as done. It never goes over 99% before the compile has ended.
//!
//! Whether a compile was served from the on-disk cache is read from the cache's hit and miss
//! counters (shared by all engines): a compile that moved only the hit counter was a cache load.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::binary::CodeSize;
use crate::engine::Engines;
use crate::error::WasmError;

/// How often a long compile repeats its progress line.
pub const REPEAT_EVERY: Duration = Duration::from_secs(5);

/// The compile rate the estimate assumes: bytes of code section per second on one core. Measured
/// with wasmtime 48's Cranelift (default optimization, epoch interruption) on ruby.wasm from
/// bench/ (17825 functions, an 11.1 MiB code section): 24 s of CPU time on a 2-core x86-64 VM,
/// about 0.46 MiB/s per core. A busier or slower machine takes longer; the report then says so.
const COMPILE_BYTES_PER_SECOND_PER_CORE: f64 = 0.5 * 1024.0 * 1024.0;

/// What a compile works on, learned on its thread once the bytes are loaded.
#[derive(Default)]
pub struct Measured(OnceLock<(usize, Option<CodeSize>)>);

impl Measured {
  /// Records the module's size and its code section (none for WAT text).
  pub fn set(&self, bytes: &[u8]) {
    let _ = self.0.set((bytes.len(), crate::binary::code_size(bytes)));
  }

  fn get(&self) -> Option<&(usize, Option<CodeSize>)> {
    self.0.get()
  }
}

/// A finished compile: its result, and whether the on-disk cache already had it.
pub struct Compiled<T> {
  pub value: T,
  pub from_cache: bool,
}

/// Runs `compile` on a blocking thread, so the event loop keeps running, and reports on stderr
/// as `EngineOptions::progress_after` asks: nothing if `None`; with a threshold, a line once the
/// compile has taken that long, an estimate of its progress every `REPEAT_EVERY`, and a line when
/// it ends; with a zero threshold, both lines after every compile that did not come from the
/// cache (whether it will is only known at the end). `what` names the module.
pub async fn off_thread<T: Send + 'static>(
  engines: &Engines,
  what: &str,
  compile: impl FnOnce(&Measured) -> Result<T, WasmError> + Send + 'static,
) -> Result<Compiled<T>, WasmError> {
  let started = Instant::now();
  let counts_before = engines.cache_counts();
  let measured = Arc::new(Measured::default());
  let thread_measured = measured.clone();
  let mut job = tokio::task::spawn_blocking(move || compile(thread_measured.as_ref()));
  let after = engines.options().progress_after;
  let mut announced = false;
  let joined = match after {
    Some(after) if !after.is_zero() => {
      tokio::select! {
        joined = &mut job => joined,
        () = tokio::time::sleep(after) => {
          announced = true;
          eprintln!("kiln: compiling {what}{}...", describe(measured.get()));
          report_until_done(&mut job, what, &measured, started).await
        }
      }
    }
    _ => job.await,
  };
  let value = joined.map_err(|e| WasmError::compile(format!("the compiler thread failed: {e}")))??;
  let elapsed = started.elapsed();
  let from_cache = came_from_cache(counts_before, engines.cache_counts());
  if after.is_some_and(|a| a.is_zero()) && !from_cache {
    eprintln!("kiln: compiling {what}{}...", describe(measured.get()));
    announced = true;
  }
  if announced {
    let seconds = elapsed.as_secs_f64();
    if from_cache {
      eprintln!("kiln: loaded {what} from the compilation cache in {seconds:.1} s");
    } else {
      let cached = if engines.caches() { "; cached for next time" } else { "" };
      eprintln!("kiln: compiled {what} in {seconds:.1} s{cached}");
    }
  }
  Ok(Compiled { value, from_cache })
}

/// Waits for the compile, printing an estimate of its progress every `REPEAT_EVERY`.
async fn report_until_done<T>(
  job: &mut tokio::task::JoinHandle<T>,
  what: &str,
  measured: &Measured,
  started: Instant,
) -> Result<T, tokio::task::JoinError> {
  loop {
    tokio::select! {
      joined = &mut *job => return joined,
      () = tokio::time::sleep(REPEAT_EVERY) => {
        let code = measured.get().and_then(|(_, code)| *code);
        eprintln!("kiln: compiling {what}: {}", progress_line(code, started.elapsed(), compiler_threads()));
      }
    }
  }
}

/// Only the hit counter moved: the cache served this compile. (A compile running at the same
/// time on another thread can blur this; it only changes which message is printed.)
fn came_from_cache(before: Option<(usize, usize)>, after: Option<(usize, usize)>) -> bool {
  match (before, after) {
    (Some((hits, misses)), Some((hits_after, misses_after))) => hits_after > hits && misses_after == misses,
    _ => false,
  }
}

/// The threads wasmtime compiles functions on: one per core (`parallel_compilation`).
fn compiler_threads() -> usize {
  std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// ` (35.2 MiB, 41234 functions; about 40 s (est.))` for the first line, or `` if the bytes are
/// not loaded yet.
fn describe(measured: Option<&(usize, Option<CodeSize>)>) -> String {
  let Some((bytes, code)) = measured else { return String::new() };
  let size = format!("{:.1} MiB", *bytes as f64 / (1024.0 * 1024.0));
  match code {
    Some(code) if code.functions > 0 => {
      let expected = expected_duration(*code, compiler_threads());
      format!(" ({size}, {} functions; about {} (est.))", code.functions, seconds(expected))
    }
    _ => format!(" ({size})"),
  }
}

/// How long compiling `code` should take on `threads` threads at the assumed rate.
fn expected_duration(code: CodeSize, threads: usize) -> Duration {
  let rate = COMPILE_BYTES_PER_SECOND_PER_CORE * threads.max(1) as f64;
  Duration::from_secs_f64(code.bytes as f64 / rate)
}

/// The repeated progress line: `about 40% of 41234 functions (est.), about 25 s left`.
fn progress_line(code: Option<CodeSize>, elapsed: Duration, threads: usize) -> String {
  let Some(code) = code.filter(|c| c.functions > 0) else {
    return format!("{} so far", seconds(elapsed));
  };
  let expected = expected_duration(code, threads);
  let fraction = if expected.is_zero() { 1.0 } else { elapsed.as_secs_f64() / expected.as_secs_f64() };
  // Never claim to be done: only the compile's end says that.
  let percent = (fraction * 100.0).clamp(0.0, 99.0).floor() as u32;
  let share = format!("about {percent}% of {} functions (est.)", code.functions);
  match expected.checked_sub(elapsed) {
    Some(left) if !left.is_zero() => format!("{share}, about {} left", seconds(left)),
    _ => format!("{share}, taking longer than estimated ({} so far)", seconds(elapsed)),
  }
}

/// Whole seconds, at least 1: `12 s`.
fn seconds(duration: Duration) -> String {
  format!("{} s", duration.as_secs_f64().round().max(1.0))
}

#[cfg(test)]
mod tests {
  use super::*;

  const CODE: CodeSize = CodeSize { functions: 1000, bytes: (COMPILE_BYTES_PER_SECOND_PER_CORE * 20.0) as u64 };

  #[test]
  fn the_estimate_follows_elapsed_time() {
    assert_eq!(expected_duration(CODE, 2).as_secs_f64().round(), 10.0);
    assert_eq!(
      progress_line(Some(CODE), Duration::from_secs(4), 2),
      "about 40% of 1000 functions (est.), about 6 s left"
    );
  }

  #[test]
  fn it_never_claims_to_be_done() {
    for elapsed in [10, 11, 1000] {
      let line = progress_line(Some(CODE), Duration::from_secs(elapsed), 2);
      assert!(line.starts_with("about 99% of 1000 functions (est.), taking longer than estimated"), "{line}");
    }
  }

  #[test]
  fn without_a_code_section_it_says_how_long_so_far() {
    assert_eq!(progress_line(None, Duration::from_secs(7), 2), "7 s so far");
    assert_eq!(progress_line(Some(CodeSize { functions: 0, bytes: 0 }), Duration::from_secs(7), 2), "7 s so far");
  }

  #[test]
  fn only_a_pure_hit_counts_as_a_cache_load() {
    assert!(came_from_cache(Some((1, 1)), Some((2, 1))));
    assert!(!came_from_cache(Some((1, 1)), Some((1, 2))));
    assert!(!came_from_cache(Some((1, 1)), Some((1, 1))));
    assert!(!came_from_cache(None, None));
  }
}
