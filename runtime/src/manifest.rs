//! `manifest.app.toml`: found at or above the entry file, it grants the app its capabilities.

use std::path::{Path, PathBuf};

use ext_wasm::{
  EngineOptions, FsCapabilitiesSpec, FsPermissions, ManifestOrigin, WasmCapabilitiesSpec, WasmPermissions,
};
use serde::Deserialize;

use crate::cache::{self, CacheSection};

pub const MANIFEST_NAME: &str = "manifest.app.toml";

/// The manifest file's structure. Unknown keys are errors, so a typo never silently denies.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestFile {
  #[serde(default)]
  #[allow(dead_code, reason = "validated for unknown keys; nothing in it is used yet")]
  app: Option<AppSection>,
  #[serde(default)]
  capabilities: Option<Capabilities>,
  /// `[cache]`: where compiled WebAssembly is kept between runs (see `cache.rs`).
  #[serde(default)]
  cache: Option<CacheSection>,
  /// `[jobs]`: what `kiln job run` may read from the host (see `job/`).
  #[serde(default)]
  jobs: Option<JobsSection>,
}

/// `[jobs]`: `allow_local = ["/data", "/scratch:rw"]`, the host paths a job's `local` and
/// `localDirectory` sources may name (below them), as `--allow-local` gives them; `:rw` lets a
/// `ReadWrite` source write.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JobsSection {
  #[serde(default)]
  allow_local: Vec<String>,
}

/// `[app]`: descriptive only.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppSection {
  #[allow(dead_code, reason = "descriptive; accepted so manifests can name their app")]
  name: Option<String>,
  #[allow(dead_code, reason = "descriptive; accepted so manifests can version their app")]
  version: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Capabilities {
  wasm: Option<WasmCapabilitiesSpec>,
  fs: Option<FsCapabilitiesSpec>,
}

/// The grants an app runs with.
pub struct Grants {
  pub wasm: WasmPermissions,
  pub fs: FsPermissions,
  /// The directory the app's modules may be imported from without a `[capabilities.fs] read`
  /// grant: the manifest's directory, or the entry file's when there is no manifest.
  pub root: AppRoot,
  /// Not a grant: how the WebAssembly engines are set up (the compilation cache).
  pub engine: EngineOptions,
  /// `[jobs] allow_local`, relative paths resolved against the manifest's directory.
  pub allow_local: Vec<(PathBuf, bool)>,
}

/// `PATH`, `PATH:rw` or `PATH:ro` (as Bacalhau's allow-listed local paths), `PATH` resolved
/// against `base` when relative.
pub fn allow_path(spec: &str, base: &Path) -> (PathBuf, bool) {
  let (path, writable) = match spec.rsplit_once(':') {
    Some((path, "rw")) => (path, true),
    Some((path, "ro")) => (path, false),
    _ => (spec, false),
  };
  (base.join(path), writable)
}

/// The app's root: code and JSON below it may be imported freely (see `loader.rs`).
#[derive(Debug, Clone)]
pub struct AppRoot {
  /// Canonical.
  pub dir: PathBuf,
  /// What the directory is, for messages: "the manifest's directory" or "the entry file's
  /// directory (there is no manifest.app.toml)".
  pub what: &'static str,
}

impl AppRoot {
  fn new(dir: &Path, what: &'static str) -> Self {
    Self { dir: dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf()), what }
  }
}

fn engine_options(cache: Option<&CacheSection>, manifest_dir: &Path) -> EngineOptions {
  EngineOptions {
    cache_dir: cache::cache_dir(cache, manifest_dir),
    progress_after: Some(cache::progress_after()),
    interpreter_webassembly: interpreter_webassembly(),
  }
}

/// `KILN_WEBASSEMBLY=interpreter` leaves the JS engine's own `WebAssembly` (an interpreter) as
/// `globalThis.WebAssembly`, to compare with or to work around Kiln's, which runs on wasmtime.
pub const WEBASSEMBLY_ENV: &str = "KILN_WEBASSEMBLY";

fn interpreter_webassembly() -> bool {
  match std::env::var(WEBASSEMBLY_ENV).as_deref() {
    Ok("interpreter") => true,
    Ok("" | "wasmtime") | Err(_) => false,
    Ok(other) => {
      eprintln!("kiln: warning: {WEBASSEMBLY_ENV}={other:?} is neither `wasmtime` nor `interpreter`; using wasmtime");
      false
    }
  }
}

/// The nearest `manifest.app.toml` in `dir` or a directory above it.
pub fn find(dir: &Path) -> Option<PathBuf> {
  dir.ancestors().map(|d| d.join(MANIFEST_NAME)).find(|p| p.is_file())
}

/// Loads the grants for an entry file in `entry_dir`, from `explicit` if given, else the nearest
/// manifest. With no manifest at all, everything is denied and each denial says how to grant it.
///
/// # Errors
/// A message naming the file and the problem (unreadable, invalid TOML, unknown key, bad glob).
pub fn load(entry_dir: &Path, explicit: Option<&Path>) -> Result<Grants, String> {
  let path = match explicit {
    Some(path) => Some(path.to_path_buf()),
    None => find(entry_dir),
  };
  let Some(path) = path else {
    let origin = ManifestOrigin::Missing(entry_dir.to_path_buf());
    return Ok(Grants {
      wasm: WasmPermissions::from_spec(None, entry_dir, origin.clone())?,
      fs: FsPermissions::from_spec(None, entry_dir, origin)?,
      root: AppRoot::new(entry_dir, "the entry file's directory, as there is no manifest.app.toml"),
      engine: engine_options(None, entry_dir),
      allow_local: Vec::new(),
    });
  };
  let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read the manifest {}: {e}", path.display()))?;
  let parsed: ManifestFile = toml::from_str(&text).map_err(|e| format!("invalid manifest {}: {e}", path.display()))?;
  let base = match path.parent() {
    Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
    _ => PathBuf::from("."),
  };
  let origin = ManifestOrigin::File(path.canonicalize().unwrap_or(path.clone()));
  let caps = parsed.capabilities.unwrap_or_default();
  let wrap = |e: String| format!("invalid manifest {}: {e}", path.display());
  Ok(Grants {
    wasm: WasmPermissions::from_spec(caps.wasm.as_ref(), &base, origin.clone()).map_err(wrap)?,
    fs: FsPermissions::from_spec(caps.fs.as_ref(), &base, origin).map_err(wrap)?,
    root: AppRoot::new(&base, "the manifest's directory"),
    engine: engine_options(parsed.cache.as_ref(), &base),
    allow_local: parsed.jobs.map(|j| j.allow_local.iter().map(|p| allow_path(p, &base)).collect()).unwrap_or_default(),
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn unknown_keys_are_named() {
    let err = toml::from_str::<ManifestFile>("[capabilities.wasm]\nlaod = true\n").unwrap_err();
    assert!(err.to_string().contains("laod"), "{err}");
  }
}
