//! The start-up snapshot: the runtime's own JavaScript, compiled and evaluated once, then loaded
//! on every later start instead of being parsed again.
//!
//! Starting a JsRuntime without one parses and runs deno_core's own JS (primordials, core), Kiln's
//! globals and ext_wasm's JS, and `runtime:wasm` when an app imports it: its TypeScript is
//! transpiled first. A snapshot holds the resulting heap (QuickJS's object-graph serialization,
//! through the shim's `SnapshotCreator`), with `runtime:wasm` and its internal modules already
//! evaluated, so a start only deserializes it. The shim's Temporal polyfill is not in it: the shim
//! evaluates it the first time an app touches `Temporal` or the `Intl` classes it builds
//! (patches/README.md), so a snapshot of a start leaves it out (it was half of the snapshot).
//!
//! The snapshot is made by the binary itself, the first time it runs with a compilation cache
//! (the same directory: `KILN_CACHE_DIR`, the manifest's `[cache]`, or the user's cache), and kept
//! there as `startup-<key>.snap`. The key names this binary (its size and modification time) and
//! the engine, so a rebuilt or upgraded kiln makes its own. The file ends with a checksum of
//! the rest: one that does not match (a torn write by another tool, a full disk) is made again,
//! never loaded. With the cache off, every start parses the JS as before.
//!
//! What the snapshot must not hold: anything of one run. Kiln's JS reads the run's state (its
//! arguments, grants, engines) through ops when it is used, not when it is evaluated, and the ops'
//! Rust state is made anew on every start from the extensions' options.

use std::fs;
use std::path::Path;

use deno_core::{JsRuntimeForSnapshot, ModuleSpecifier, RuntimeOptions};

/// The modules evaluated into the snapshot: `runtime:wasm` (which imports its internals),
/// `runtime:fs`, and the `WebAssembly` global's module, which the seal installs on every start
/// (`runtime:kiln/seal.js`, evaluated into the snapshot after these: run.rs).
const PRELOADED: &[&str] = &["runtime:wasm", "runtime:fs", "runtime:wasm/webassembly"];
/// The module, made from code, that imports `PRELOADED` into the snapshot.
pub const PRELOAD_SPECIFIER: &str = "runtime:kiln/preload.js";

/// The environment variable that turns the snapshot off (`KILN_SNAPSHOT=off`), to compare a
/// start with and without it.
pub const SNAPSHOT_ENV: &str = "KILN_SNAPSHOT";

/// The snapshot for this binary from `cache_dir` (the compilation cache's directory, once the
/// cache has accepted it: run.rs), made and stored there first if it is missing or damaged;
/// `None` with the cache off, `KILN_SNAPSHOT=off`, or if it cannot be made (the runtime then
/// starts without one, as before).
pub async fn load_or_create(grants: &crate::manifest::Grants, cache_dir: Option<&Path>) -> Option<&'static [u8]> {
  if std::env::var_os(SNAPSHOT_ENV).is_some_and(|v| v == "off") {
    return None;
  }
  let path = cache_dir?.join(format!("startup-{}.snap", key()?));
  if let Some(bytes) = map_checked(&path) {
    return Some(bytes);
  }
  let snapshot = match create(grants).await {
    Ok(snapshot) => snapshot,
    Err(e) => {
      eprintln!("kiln: warning: starting without a start-up snapshot: cannot make one: {e}");
      return None;
    }
  };
  match write_checked(&path, &snapshot) {
    Ok(()) => remove_others(&path),
    Err(e) => eprintln!(
      "kiln: warning: cannot keep the start-up snapshot in {}: {e} (set KILN_CACHE_DIR to a writable directory, or to `off`)",
      path.display()
    ),
  }
  Some(Box::leak(snapshot))
}

/// Removes the snapshots of other builds from the directory of `kept`, so that upgrades do not
/// pile them up (a kiln of another build still running remakes its own).
fn remove_others(kept: &Path) {
  let Some(dir) = kept.parent() else { return };
  let Ok(entries) = fs::read_dir(dir) else { return };
  for entry in entries.flatten() {
    let path = entry.path();
    let name = entry.file_name();
    let name = name.to_string_lossy();
    if path != kept && name.starts_with("startup-") && name.ends_with(".snap") {
      let _ = fs::remove_file(path);
    }
  }
}

/// Makes the snapshot: a runtime with Kiln's extensions, with `runtime:wasm` and `runtime:fs`
/// evaluated. The grants only fill the ops' state, which is not part of a snapshot; no engine or
/// cache is set up for it.
async fn create(grants: &crate::manifest::Grants) -> Result<Box<[u8]>, String> {
  let extensions =
    crate::run::extensions(grants.wasm.clone(), grants.fs.clone(), ext_wasm::EngineOptions::default(), Vec::new());
  let mut runtime = JsRuntimeForSnapshot::try_new(RuntimeOptions {
    module_loader: Some(crate::loader::KilnModuleLoader::for_builtins(grants.fs.clone())),
    extensions,
    ..Default::default()
  })
  .map_err(|e| e.to_string())?;
  // One module importing them all: its `runtime:` specifier lets it import the internal one.
  let code: String = PRELOADED.iter().map(|name| format!("import {name:?};\n")).collect();
  let specifier = ModuleSpecifier::parse(PRELOAD_SPECIFIER).map_err(|e| e.to_string())?;
  let id = runtime.load_side_es_module_from_code(&specifier, code).await.map_err(|e| e.to_string())?;
  let evaluation = runtime.mod_evaluate(id);
  runtime.run_event_loop(Default::default()).await.map_err(|e| e.to_string())?;
  evaluation.await.map_err(|e| e.to_string())?;
  crate::run::evaluate_seal_module(&mut runtime).await.map_err(|e| e.to_string())?;
  Ok(runtime.snapshot())
}

/// Names this binary: the snapshot of another build must never be loaded (its ops, JS and
/// engine may differ). `None` if the binary cannot be looked at (then no snapshot is used).
/// Worked out once per process (the snapshot and the emit cache both ask).
pub fn key() -> Option<String> {
  static KEY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
  KEY.get_or_init(binary_key).clone()
}

fn binary_key() -> Option<String> {
  let exe = std::env::current_exe().ok()?;
  let meta = fs::metadata(exe).ok()?;
  let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
  let identity = format!(
    "{}|{}|{}|{}.{}|{}",
    env!("CARGO_PKG_VERSION"),
    std::env::consts::ARCH,
    meta.len(),
    modified.as_secs(),
    modified.subsec_nanos(),
    if cfg!(feature = "v8") { "v8" } else { "quickjs" },
  );
  Some(format!("{:016x}", crate::checked_file::fnv1a(identity.as_bytes())))
}

/// The snapshot stored at `path`, if it is there and whole (checked_file.rs: the snapshot, then 8
/// bytes of its checksum, so that the snapshot is handed on as it lies). The file is mapped
/// read-only and private, for the life of the process: the page cache's pages are mapped in as
/// the snapshot is read, where `fs::read` faults in and fills 1.4 MB of fresh heap first. The file
/// is only ever replaced by a rename (see [`write_checked`]), never rewritten in place, so the
/// mapped pages stay the snapshot checked here.
fn map_checked(path: &Path) -> Option<&'static [u8]> {
  use std::os::fd::AsRawFd;
  let file = fs::File::open(path).ok()?;
  let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
  // A snapshot and its checksum: anything shorter is not one (and cannot be mapped if empty).
  if len <= 8 {
    return None;
  }
  // SAFETY: a read-only private mapping of a whole regular file that the process has open; the
  // result is checked before it is used. The mapping outlives the descriptor (closed on return)
  // and is never unmapped, so the slice below is valid for 'static.
  let base = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
  if base == libc::MAP_FAILED {
    return None;
  }
  // SAFETY: `base` maps `len` readable bytes (above), which nothing writes.
  let bytes: &'static [u8] = unsafe { std::slice::from_raw_parts(base.cast::<u8>(), len) };
  let Some(body) = crate::checked_file::body(bytes) else {
    // SAFETY: the mapping made above, not handed out.
    unsafe { libc::munmap(base, len) };
    return None;
  };
  Some(body)
}

/// Stores the snapshot at `path` (checked_file.rs: checksummed, renamed into place, synced first).
fn write_checked(path: &Path, snapshot: &[u8]) -> std::io::Result<()> {
  crate::checked_file::write(path, snapshot, true)
}

#[cfg(test)]
mod tests {
  use std::path::PathBuf;

  use super::*;

  #[test]
  fn a_damaged_snapshot_is_not_read() {
    let dir = tempfile_dir();
    let path = dir.join("startup-test.snap");
    write_checked(&path, b"snapshot bytes").unwrap();
    assert_eq!(map_checked(&path), Some(&b"snapshot bytes"[..]));
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert_eq!(map_checked(&path), None);
    fs::write(&path, &bytes[..5]).unwrap();
    assert_eq!(map_checked(&path), None);
    fs::remove_dir_all(dir).unwrap();
  }

  fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-snapshot-test-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    dir
  }
}
