//! The globals apps get: console, timers, TextEncoder/TextDecoder, AbortController, performance,
//! crypto, URL and URLSearchParams (their ops are url.rs's).

use std::sync::OnceLock;
use std::time::Instant;

use deno_core::{op2, OpState};

/// When the process's first runtime started: a monotonic instant, and the same moment as
/// milliseconds since the Unix epoch. Kept here, not in the JS, because the JS is evaluated once
/// into the start-up snapshot (snapshot.rs) and would otherwise keep the clock of that run.
fn time_origin() -> &'static (Instant, f64) {
  static ORIGIN: OnceLock<(Instant, f64)> = OnceLock::new();
  ORIGIN.get_or_init(|| {
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (Instant::now(), wall.as_secs_f64() * 1000.0)
  })
}

/// Milliseconds since the time origin on a monotonic clock, for `performance.now()`.
#[op2(fast)]
pub fn op_kiln_now_ms() -> f64 {
  time_origin().0.elapsed().as_secs_f64() * 1000.0
}

/// The time origin in milliseconds since the Unix epoch, for `performance.timeOrigin`.
#[op2(fast)]
pub fn op_kiln_time_origin() -> f64 {
  time_origin().1
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

/// Fills `bytes` from the OS's random source, for `crypto.getRandomValues` and `randomUUID`
/// (runtime/js/crypto.js checks the array's type and size). False if the source failed.
#[op2(fast)]
pub fn op_kiln_random_fill(#[buffer] bytes: &mut [u8]) -> bool {
  getrandom::fill(bytes).is_ok()
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
  ops = [
    op_kiln_now_ms,
    op_kiln_time_origin,
    op_kiln_args,
    op_kiln_exit,
    op_kiln_rss_bytes,
    op_kiln_random_fill,
    crate::url::op_kiln_url_parse,
    crate::url::op_kiln_url_set,
    crate::url::op_kiln_url_search_parse,
    crate::url::op_kiln_url_search_serialize,
    crate::encoding::op_kiln_encode_into,
    crate::encoding::op_kiln_decode_utf16,
    crate::encoding::op_kiln_decode_windows1252,
    crate::compression::op_kiln_compress,
    crate::compression::op_kiln_decompress,
    crate::navigator::op_kiln_navigator,
    op_kiln_noop,
    op_kiln_noop_async
  ],
  esm_entry_point = "ext:kiln_globals/bootstrap.js",
  esm = [dir "js", "console.js", "timers.js", "encoding.js", "crypto.js", "bootstrap.js"],
  // Loaded on an app's first use of the globals they define (bootstrap.js), not restored from the
  // start-up snapshot on every start: `URL` and `URLSearchParams` cost a `console.log("hi")` start
  // 1.09 M instructions (2%) as part of the snapshot.
  lazy_loaded_esm = [
    dir "js", "url.js", "structured_clone.js", "fetch.js", "body.js", "blob.js", "streams.js", "stream_common.js",
    "readable_stream.js", "writable_stream.js", "transform_stream.js", "events.js", "image_data.js",
    "navigator.js", "dom_exception.js"
  ],
  options = { args: Vec<String> },
  state = |state, options| {
    time_origin();
    state.put(AppArgs(options.args));
  },
);

/// The globals' JS, embedded in the binary: deno_core's `extension!` would read it from the source
/// tree at run time (see ext_wasm's `EMBEDDED_ESM`), so an installed kiln would need the repo.
const EMBEDDED_ESM: &[deno_core::ExtensionFileSource] = &[
  deno_core::ExtensionFileSource::new("ext:kiln_globals/console.js", deno_core::ascii_str_include!("../js/console.js")),
  deno_core::ExtensionFileSource::new("ext:kiln_globals/timers.js", deno_core::ascii_str_include!("../js/timers.js")),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/encoding.js",
    deno_core::ascii_str_include!("../js/encoding.js"),
  ),
  deno_core::ExtensionFileSource::new("ext:kiln_globals/crypto.js", deno_core::ascii_str_include!("../js/crypto.js")),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/bootstrap.js",
    deno_core::ascii_str_include!("../js/bootstrap.js"),
  ),
];

/// The modules loaded on first use (`lazy_loaded_esm`), embedded likewise.
const EMBEDDED_LAZY_ESM: &[deno_core::ExtensionFileSource] = &[
  deno_core::ExtensionFileSource::new("ext:kiln_globals/url.js", deno_core::ascii_str_include!("../js/url.js")),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/structured_clone.js",
    deno_core::ascii_str_include!("../js/structured_clone.js"),
  ),
  deno_core::ExtensionFileSource::new("ext:kiln_globals/fetch.js", deno_core::ascii_str_include!("../js/fetch.js")),
  deno_core::ExtensionFileSource::new("ext:kiln_globals/body.js", deno_core::ascii_str_include!("../js/body.js")),
  deno_core::ExtensionFileSource::new("ext:kiln_globals/blob.js", deno_core::ascii_str_include!("../js/blob.js")),
  deno_core::ExtensionFileSource::new("ext:kiln_globals/streams.js", deno_core::ascii_str_include!("../js/streams.js")),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/stream_common.js",
    deno_core::ascii_str_include!("../js/stream_common.js"),
  ),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/readable_stream.js",
    deno_core::ascii_str_include!("../js/readable_stream.js"),
  ),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/writable_stream.js",
    deno_core::ascii_str_include!("../js/writable_stream.js"),
  ),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/transform_stream.js",
    deno_core::ascii_str_include!("../js/transform_stream.js"),
  ),
  deno_core::ExtensionFileSource::new("ext:kiln_globals/events.js", deno_core::ascii_str_include!("../js/events.js")),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/image_data.js",
    deno_core::ascii_str_include!("../js/image_data.js"),
  ),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/navigator.js",
    deno_core::ascii_str_include!("../js/navigator.js"),
  ),
  deno_core::ExtensionFileSource::new(
    "ext:kiln_globals/dom_exception.js",
    deno_core::ascii_str_include!("../js/dom_exception.js"),
  ),
];

/// The globals extension with its JS embedded.
pub fn extension(args: Vec<String>) -> deno_core::Extension {
  let mut extension = kiln_globals::init(args);
  extension.esm_files = std::borrow::Cow::Borrowed(EMBEDDED_ESM);
  extension.lazy_loaded_esm_files = std::borrow::Cow::Borrowed(EMBEDDED_LAZY_ESM);
  extension
}

#[cfg(test)]
mod tests {
  #[test]
  fn the_globals_embed_every_js_file_they_declare() {
    let declared: Vec<&str> = super::kiln_globals::init(Vec::new()).esm_files.iter().map(|f| f.specifier).collect();
    let extension = super::extension(Vec::new());
    let embedded: Vec<&str> = extension.esm_files.iter().map(|f| f.specifier).collect();
    assert_eq!(embedded, declared);
    let declared: Vec<&str> =
      super::kiln_globals::init(Vec::new()).lazy_loaded_esm_files.iter().map(|f| f.specifier).collect();
    let embedded: Vec<&str> = extension.lazy_loaded_esm_files.iter().map(|f| f.specifier).collect();
    assert_eq!(embedded, declared);
    for file in extension.esm_files.iter().chain(extension.lazy_loaded_esm_files.iter()) {
      assert!(format!("{:?}", file.code).starts_with("IncludedInBinary"), "{}", file.specifier);
    }
  }
}
