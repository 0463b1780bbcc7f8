//! Where `kiln` keeps compiled WebAssembly between runs (ext_wasm's artifact_cache.rs: one
//! uncompressed file per module and engine, mapped by later runs), and when it reports a long
//! compile.
//!
//! In order: the `KILN_CACHE_DIR` environment variable (a directory, or `off`), then the
//! manifest's `[cache]` table (`dir`, relative to the manifest, or `enabled = false`), then
//! `kiln/wasmtime` under the user's cache directory. The cache is not a capability: it holds only
//! code compiled from modules the app was already allowed to load, keyed by their content.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// The environment variable that moves (`KILN_CACHE_DIR=/some/dir`) or disables
/// (`KILN_CACHE_DIR=off`) the compilation cache.
pub const CACHE_ENV: &str = "KILN_CACHE_DIR";

/// The environment variable that sets after how many milliseconds a compile is reported on
/// stderr (default 1000).
pub const PROGRESS_ENV: &str = "KILN_COMPILE_PROGRESS_MS";

/// After how long `kiln` says on stderr that it is still compiling a module.
pub fn progress_after() -> Duration {
  let ms = std::env::var(PROGRESS_ENV).ok().and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(1000);
  Duration::from_millis(ms)
}

/// `[cache]` in `manifest.app.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSection {
  /// The cache directory, relative to the manifest's directory.
  dir: Option<PathBuf>,
  /// `false` turns the cache off.
  enabled: Option<bool>,
}

/// The cache directory to use, or `None` for no cache.
pub fn cache_dir(section: Option<&CacheSection>, manifest_dir: &Path) -> Option<PathBuf> {
  let env = std::env::var_os(CACHE_ENV).filter(|v| !v.is_empty());
  let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
  resolve(env.as_deref().map(Path::new), section, manifest_dir, &cwd, user_cache_dir())
}

fn resolve(
  env: Option<&Path>,
  section: Option<&CacheSection>,
  manifest_dir: &Path,
  cwd: &Path,
  user_cache: Option<PathBuf>,
) -> Option<PathBuf> {
  if let Some(env) = env {
    return (env != Path::new("off")).then(|| cwd.join(env));
  }
  if let Some(section) = section {
    if section.enabled == Some(false) {
      return None;
    }
    if let Some(dir) = &section.dir {
      return Some(manifest_dir.join(dir));
    }
  }
  user_cache.map(|dir| dir.join("kiln").join("wasmtime"))
}

/// The user's cache directory: `$XDG_CACHE_HOME` or `~/.cache` (Linux and other Unixes),
/// `~/Library/Caches` (macOS), `%LOCALAPPDATA%` (Windows).
fn user_cache_dir() -> Option<PathBuf> {
  let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
  if cfg!(windows) {
    return var("LOCALAPPDATA");
  }
  let home = var("HOME");
  if cfg!(target_os = "macos") {
    return home.map(|h| h.join("Library").join("Caches"));
  }
  var("XDG_CACHE_HOME").filter(|p| p.is_absolute()).or_else(|| home.map(|h| h.join(".cache")))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn section(text: &str) -> CacheSection {
    toml::from_str(text).unwrap()
  }

  #[test]
  fn the_environment_wins_and_can_turn_it_off() {
    let manifest = section("dir = \"cache\"");
    let user = Some(PathBuf::from("/home/u/.cache"));
    let cwd = Path::new("/work");
    assert_eq!(resolve(Some(Path::new("off")), Some(&manifest), Path::new("/app"), cwd, user.clone()), None);
    assert_eq!(
      resolve(Some(Path::new("c")), Some(&manifest), Path::new("/app"), cwd, user.clone()),
      Some(PathBuf::from("/work/c"))
    );
    assert_eq!(resolve(None, Some(&manifest), Path::new("/app"), cwd, user.clone()), Some(PathBuf::from("/app/cache")));
    assert_eq!(resolve(None, Some(&section("enabled = false")), Path::new("/app"), cwd, user.clone()), None);
    assert_eq!(resolve(None, None, Path::new("/app"), cwd, user), Some(PathBuf::from("/home/u/.cache/kiln/wasmtime")));
    assert_eq!(resolve(None, None, Path::new("/app"), cwd, None), None);
  }

  #[test]
  fn unknown_keys_are_refused() {
    assert!(toml::from_str::<CacheSection>("directory = \"x\"").is_err());
  }
}
