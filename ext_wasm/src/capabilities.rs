//! Capabilities granted by the app's manifest, and the checks every host-touching op starts with.
//!
//! A check returns a proof value ([`CheckedPath`], [`ExecuteGrant`]) that the code after it needs by
//! type, so nothing reaches the file system or runs guest code without passing a check first.
//! Paths are matched after canonicalisation, so `..` segments and symlinks cannot leave a grant.

use std::fmt;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::error::WasmError;
use crate::limits::AppLimits;

/// A grant as written in the manifest: `true`/`false`, or a list of path globs.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(untagged, expecting = "`true`, `false` or a list of path globs")]
pub enum GrantSpec {
  All(bool),
  Globs(Vec<String>),
}

/// `[capabilities.wasm]` as written in `manifest.app.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WasmCapabilitiesSpec {
  /// Gates `compile` and `compileFile`: `true` or globs of loadable files.
  pub load: Option<GrantSpec>,
  /// Gates `instantiate` and `call`.
  pub execute: Option<bool>,
  /// Globs of host directories that `instantiate` may preopen for WASI.
  pub preopens: Option<GrantSpec>,
  /// How many instances may be alive at once (default 1024).
  pub max_instances: Option<usize>,
  /// Default deadline in milliseconds for each call (an instance's `timeoutMs` overrides it).
  pub timeout_ms: Option<u64>,
  /// Default cap on the linear memory of each instance's store, all its memories together (its
  /// own and those of the instances linked into it); an instance's `maxMemoryBytes` overrides it.
  pub max_memory_bytes: Option<u64>,
  /// Elements each table may grow to (default 10,000,000).
  pub max_table_elements: Option<u64>,
  /// How many modules may be compiled and not dropped at once (default 1024).
  pub max_modules: Option<usize>,
  /// Total bytes of those modules (default 1 GiB).
  pub max_compiled_bytes: Option<u64>,
  /// The WASI preview 2 interfaces beyond `cli`, `io`, `clocks` and `random` that components may
  /// import: any of `"filesystem"`, `"sockets"`, `"http"` (default none; `"filesystem"` is also
  /// granted whenever `preopens` grants directories).
  pub wasi: Option<Vec<crate::component::WasiInterface>>,
}

/// `[capabilities.fs]` as written in `manifest.app.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FsCapabilitiesSpec {
  /// Gates `runtime:fs` reads: `true` or globs of readable paths.
  pub read: Option<GrantSpec>,
}

/// Where the grants came from, for messages that tell the user what to edit.
#[derive(Debug, Clone)]
pub enum ManifestOrigin {
  /// A manifest file was found (or given).
  File(PathBuf),
  /// No manifest exists at or above this directory.
  Missing(PathBuf),
}

impl fmt::Display for ManifestOrigin {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Self::File(path) => write!(f, "{}", path.display()),
      Self::Missing(dir) => write!(f, "no manifest.app.toml (none at or above {})", dir.display()),
    }
  }
}

#[derive(Debug, Clone)]
enum GrantKind {
  /// The key is absent from the manifest.
  Unset,
  All,
  Nothing,
  Globs(Arc<Globs>),
}

/// A grant's globs, each parsed when the manifest is read (so a bad one is named then), matched
/// as one set made on the first check: making it compiles their regexes, 0.8 M instructions for
/// the bench's eight globs, which a start that checks no path (`kiln run hi.ts`) never needs.
#[derive(Debug)]
struct Globs {
  globs: Vec<Glob>,
  set: OnceLock<Result<GlobSet, String>>,
}

impl Globs {
  fn set(&self) -> &Result<GlobSet, String> {
    self.set.get_or_init(|| {
      let mut set = GlobSetBuilder::new();
      for glob in &self.globs {
        set.add(glob.clone());
      }
      set.build().map_err(|e| e.to_string())
    })
  }
}

/// One path-valued grant (`load`, `preopens`, `read`), compiled against the manifest directory.
#[derive(Debug, Clone)]
pub struct PathGrant {
  key: &'static str,
  kind: GrantKind,
  origin: ManifestOrigin,
}

/// Proof that a path passed a capability check. Holds the canonical path; only
/// [`PathGrant::check`] makes one.
#[derive(Debug, Clone)]
pub struct CheckedPath(PathBuf);

impl CheckedPath {
  pub fn as_path(&self) -> &Path {
    &self.0
  }

  /// Reads the whole file. The only file read `ext_wasm` does, and it needs a checked path.
  #[allow(clippy::disallowed_methods, reason = "the checked read every file access goes through")]
  pub fn read(&self) -> std::io::Result<Vec<u8>> {
    std::fs::read(&self.0)
  }
}

/// Proof that `[capabilities.wasm] execute = true`.
#[derive(Debug, Clone, Copy)]
pub struct ExecuteGrant(());

impl PathGrant {
  /// Compiles `spec` for the manifest key `key` (e.g. `"[capabilities.wasm] load"`); relative globs
  /// are anchored at `base`, the manifest's directory.
  ///
  /// # Errors
  /// A glob that does not parse, with the key and pattern named.
  pub fn new(key: &'static str, spec: Option<&GrantSpec>, base: &Path, origin: ManifestOrigin) -> Result<Self, String> {
    let kind = match spec {
      None => GrantKind::Unset,
      Some(GrantSpec::All(true)) => GrantKind::All,
      Some(GrantSpec::All(false)) => GrantKind::Nothing,
      Some(GrantSpec::Globs(globs)) if globs.is_empty() => GrantKind::Nothing,
      Some(GrantSpec::Globs(globs)) => {
        let base = canonical_or_self(base);
        let globs = globs
          .iter()
          .map(|pattern| {
            GlobBuilder::new(&anchor_pattern(&base, pattern))
              .literal_separator(true)
              .build()
              .map_err(|e| format!("{key}: invalid glob {pattern:?}: {e}"))
          })
          .collect::<Result<Vec<_>, _>>()?;
        GrantKind::Globs(Arc::new(Globs { globs, set: OnceLock::new() }))
      }
    };
    Ok(Self { key, kind, origin })
  }

  /// A grant that denies everything because no manifest grants it.
  pub fn unset(key: &'static str, origin: ManifestOrigin) -> Self {
    Self { key, kind: GrantKind::Unset, origin }
  }

  /// A grant that allows everything (for embedders and tests).
  pub fn all(key: &'static str) -> Self {
    Self { key, kind: GrantKind::All, origin: ManifestOrigin::Missing(PathBuf::from(".")) }
  }

  /// True if the grant allows something (`true` or a non-empty list).
  pub fn allows_any(&self) -> bool {
    matches!(self.kind, GrantKind::All | GrantKind::Globs(_))
  }

  /// True if `path` (absolute, normalised) or a directory above it matches the grant.
  fn allows(&self, path: &Path) -> bool {
    match &self.kind {
      GrantKind::All => true,
      GrantKind::Unset | GrantKind::Nothing => false,
      GrantKind::Globs(globs) => match globs.set() {
        Ok(set) => path.ancestors().any(|p| set.is_match(p)),
        Err(_) => false,
      },
    }
  }

  /// Checks `requested` (relative to `cwd`) for `action` (e.g. `compileFile("./a.wasm")`).
  ///
  /// # Errors
  /// 5009 if the grant does not cover the path; 5008 if the path is granted but cannot be
  /// resolved (a missing file is only reported as missing where the app may look).
  pub fn check(&self, action: &str, requested: &str, cwd: &Path) -> Result<CheckedPath, WasmError> {
    if requested.contains('\0') {
      return Err(WasmError::io(format!("{action}: the path contains a NUL byte")));
    }
    if let GrantKind::Globs(globs) = &self.kind {
      if let Err(e) = globs.set() {
        let key = self.key;
        return Err(WasmError::permission(format!(
          "{action}: {key} in {} cannot be matched: {e}; use fewer or simpler globs",
          self.origin
        )));
      }
    }
    let joined = cwd.join(requested);
    let against = Path::new(requested).is_relative().then_some(cwd);
    match joined.canonicalize() {
      Ok(canonical) => {
        if self.allows(&canonical) {
          Ok(CheckedPath(canonical))
        } else {
          Err(self.denied(action, Some(Resolved { path: &canonical, against })))
        }
      }
      Err(err) => {
        // A path that does not exist is judged where it would be: its deepest existing ancestor
        // resolved (symlinks followed), the rest appended. Judging the text alone would tell a
        // missing file behind a symlink out of the grant (5008) from an existing one (5009).
        let resolved = resolve_missing(&joined);
        if self.allows(&resolved) {
          Err(WasmError::io(format!("{action}: cannot open {}: {err}", resolved.display())))
        } else {
          Err(self.denied(action, Some(Resolved { path: &resolved, against })))
        }
      }
    }
  }

  /// Checks a grant that is not about one path (`compile(bytes)` needs `load` to allow something).
  pub fn check_any(&self, action: &str) -> Result<(), WasmError> {
    if self.allows_any() {
      Ok(())
    } else {
      Err(self.denied(action, None))
    }
  }

  fn denied(&self, action: &str, path: Option<Resolved<'_>>) -> WasmError {
    WasmError::permission(denial_message(self.key, action, path, &self.kind, &self.origin, true))
  }
}

/// A path as the check saw it: canonical (or normalised, if it does not exist), and the working
/// directory a relative request was resolved against.
#[derive(Clone, Copy)]
struct Resolved<'a> {
  path: &'a Path,
  against: Option<&'a Path>,
}

fn denial_message(
  key: &str,
  action: &str,
  path: Option<Resolved<'_>>,
  kind: &GrantKind,
  origin: &ManifestOrigin,
  takes_globs: bool,
) -> String {
  let target = match path {
    Some(Resolved { path, against: Some(cwd) }) => {
      format!(" (resolved to {} against the working directory {})", path.display(), cwd.display())
    }
    Some(Resolved { path, against: None }) => format!(" ({})", path.display()),
    None => String::new(),
  };
  let (section, name) = key.rsplit_once(' ').unwrap_or(("", key));
  let or_globs = if takes_globs { " (or a list of globs)" } else { "" };
  match (kind, origin) {
    (_, ManifestOrigin::Missing(_)) => format!(
      "{action}{target} needs {key}, but there is {origin}; create manifest.app.toml beside your \
       entry file with {section} {name} = true{or_globs}"
    ),
    (GrantKind::Unset, ManifestOrigin::File(file)) => format!(
      "{action}{target} needs {key}, which {} does not set; add `{name} = true`{or_globs} under {section}",
      file.display()
    ),
    (_, ManifestOrigin::File(file)) => {
      let base = file.parent().map(|d| d.display().to_string()).unwrap_or_default();
      let hint = match path {
        Some(Resolved { against: Some(cwd), .. }) if cwd != Path::new(&base) => format!(
          "; relative paths in the app are resolved against the working directory, globs against \
           the manifest's directory {base}: run kiln from {base}, or build the path from \
           import.meta.dirname"
        ),
        _ => String::new(),
      };
      format!(
        "{action}{target} is not granted by {key} in {}; add a glob matching the path to \
         `{name}` (globs are relative to {base}){hint}",
        file.display()
      )
    }
  }
}

/// The grants `runtime:wasm` checks, kept in `OpState`.
#[derive(Debug, Clone)]
pub struct WasmPermissions {
  pub load: PathGrant,
  pub execute: Option<bool>,
  pub preopens: PathGrant,
  /// `[capabilities.wasm] wasi`: the WASI preview 2 groups components may import.
  pub wasi: crate::component::WasiGrants,
  pub limits: AppLimits,
  pub origin: ManifestOrigin,
}

impl WasmPermissions {
  /// Compiles `[capabilities.wasm]` (None if the section is absent) found in `origin`.
  ///
  /// # Errors
  /// An invalid glob, named with its key.
  pub fn from_spec(spec: Option<&WasmCapabilitiesSpec>, base: &Path, origin: ManifestOrigin) -> Result<Self, String> {
    let empty = WasmCapabilitiesSpec::default();
    let spec = spec.unwrap_or(&empty);
    let preopens = PathGrant::new("[capabilities.wasm] preopens", spec.preopens.as_ref(), base, origin.clone())?;
    Ok(Self {
      load: PathGrant::new("[capabilities.wasm] load", spec.load.as_ref(), base, origin.clone())?,
      execute: spec.execute,
      wasi: crate::component::WasiGrants::of_manifest(spec.wasi.as_deref(), preopens.allows_any()),
      preopens,
      limits: app_limits(spec),
      origin,
    })
  }

  /// Everything granted: for embedders that do their own sandboxing, and for tests.
  pub fn allow_all() -> Self {
    Self {
      load: PathGrant::all("[capabilities.wasm] load"),
      execute: Some(true),
      preopens: PathGrant::all("[capabilities.wasm] preopens"),
      wasi: crate::component::WasiGrants(crate::component::WasiInterface::ALL.to_vec()),
      limits: AppLimits::default(),
      origin: ManifestOrigin::Missing(PathBuf::from(".")),
    }
  }

  /// Checks `execute`; `action` names what was attempted.
  pub fn check_execute(&self, action: &str) -> Result<ExecuteGrant, WasmError> {
    if self.execute == Some(true) {
      return Ok(ExecuteGrant(()));
    }
    let kind = match self.execute {
      None => GrantKind::Unset,
      _ => GrantKind::Nothing,
    };
    let message = match (&kind, &self.origin) {
      (GrantKind::Nothing, ManifestOrigin::File(file)) => format!(
        "{action} needs [capabilities.wasm] execute, which {} sets to false; set `execute = true`",
        file.display()
      ),
      _ => denial_message("[capabilities.wasm] execute", action, None, &kind, &self.origin, false),
    };
    Err(WasmError::permission(message))
  }
}

/// The answer of `[capabilities.wasm] execute` for calls into instances, asked once when a runtime
/// starts and kept by its instance tables (instance.rs, component/make.rs): a runtime's grants
/// never change, and asking on every call was an `OpState` search per call (BENCHMARKS.md, P1a).
pub struct CallGrant(Result<ExecuteGrant, WasmError>);

impl CallGrant {
  /// What `permissions` answer for calls (`execute`), asked now.
  pub fn of(permissions: &WasmPermissions) -> Self {
    Self(permissions.check_execute("call"))
  }

  /// The proof that calls are granted, or the 5009 that names the manifest key.
  pub fn check(&self) -> Result<ExecuteGrant, WasmError> {
    self.0.clone()
  }
}

/// The limits `[capabilities.wasm]` sets, with the defaults for what it leaves out.
fn app_limits(spec: &WasmCapabilitiesSpec) -> AppLimits {
  let default = AppLimits::default();
  AppLimits {
    timeout_ms: spec.timeout_ms,
    max_memory_bytes: spec.max_memory_bytes,
    max_table_elements: spec.max_table_elements.unwrap_or(default.max_table_elements),
    max_instances: spec.max_instances.unwrap_or(default.max_instances),
    max_modules: spec.max_modules.unwrap_or(default.max_modules),
    max_compiled_bytes: spec.max_compiled_bytes.unwrap_or(default.max_compiled_bytes),
  }
}

/// The grants `runtime:fs` checks, kept in `OpState`.
#[derive(Debug, Clone)]
pub struct FsPermissions {
  pub read: PathGrant,
}

impl FsPermissions {
  /// Compiles `[capabilities.fs]` (None if the section is absent).
  ///
  /// # Errors
  /// An invalid glob, named with its key.
  pub fn from_spec(spec: Option<&FsCapabilitiesSpec>, base: &Path, origin: ManifestOrigin) -> Result<Self, String> {
    let read = spec.and_then(|s| s.read.as_ref());
    Ok(Self { read: PathGrant::new("[capabilities.fs] read", read, base, origin)? })
  }
}

fn canonical_or_self(path: &Path) -> PathBuf {
  path.canonicalize().unwrap_or_else(|_| normalize(path))
}

/// Where a path that does not exist would be: its deepest existing ancestor canonicalised, with
/// the missing components after it.
fn resolve_missing(path: &Path) -> PathBuf {
  let normalized = normalize(path);
  let mut existing = normalized.as_path();
  let mut missing = Vec::new();
  loop {
    if let Ok(mut real) = existing.canonicalize() {
      real.extend(missing.iter().rev());
      return real;
    }
    match (existing.file_name(), existing.parent()) {
      (Some(name), Some(parent)) => {
        missing.push(name.to_os_string());
        existing = parent;
      }
      _ => return normalized,
    }
  }
}

/// Resolves `.` and `..` lexically (for paths that do not exist, so cannot be canonicalised).
fn normalize(path: &Path) -> PathBuf {
  let mut out = PathBuf::new();
  for component in path.components() {
    match component {
      Component::CurDir => {}
      Component::ParentDir => {
        out.pop();
      }
      other => out.push(other),
    }
  }
  out
}

/// Turns a manifest glob into an absolute one: the literal base directory is escaped so that its
/// own characters are never read as glob syntax; `.` and `..` in the pattern are resolved.
fn anchor_pattern(base: &Path, pattern: &str) -> String {
  let mut parts: Vec<String> = Vec::new();
  if !pattern.starts_with('/') {
    for component in base.components() {
      if let Component::Normal(name) = component {
        parts.push(globset::escape(&name.to_string_lossy()));
      }
    }
  }
  for segment in pattern.split('/') {
    match segment {
      "" | "." => {}
      ".." => {
        parts.pop();
      }
      other => parts.push(other.to_string()),
    }
  }
  format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn grant(globs: &[&str], base: &Path) -> PathGrant {
    let spec = GrantSpec::Globs(globs.iter().map(|s| s.to_string()).collect());
    PathGrant::new("[capabilities.wasm] load", Some(&spec), base, ManifestOrigin::File(base.join("m"))).unwrap()
  }

  #[test]
  fn patterns_are_anchored_and_escaped() {
    assert_eq!(anchor_pattern(Path::new("/a/b[1]"), "./x/*.wasm"), "/a/b[[]1[]]/x/*.wasm");
    assert_eq!(anchor_pattern(Path::new("/a/b"), "../c/**"), "/a/c/**");
    assert_eq!(anchor_pattern(Path::new("/a/b"), "/opt/*.wasm"), "/opt/*.wasm");
  }

  #[test]
  fn directory_grant_covers_descendants_only() {
    let g = grant(&["data"], Path::new("/app"));
    assert!(g.allows(Path::new("/app/data/x/y.wasm")));
    assert!(!g.allows(Path::new("/app/database")));
    assert!(!g.allows(Path::new("/app")));
  }

  #[test]
  fn a_bad_glob_is_named_when_the_manifest_is_read_and_the_set_is_made_on_first_use() {
    let spec = GrantSpec::Globs(vec!["./ok/*.wasm".into(), "./bad/[".into()]);
    let err = PathGrant::new(
      "[capabilities.wasm] load",
      Some(&spec),
      Path::new("/app"),
      ManifestOrigin::Missing("/app".into()),
    )
    .unwrap_err();
    assert!(err.starts_with("[capabilities.wasm] load: invalid glob \"./bad/[\""), "{err}");
    let g = grant(&["ok/*.wasm"], Path::new("/app"));
    let GrantKind::Globs(globs) = &g.kind else { panic!("a list of globs: {:?}", g.kind) };
    assert!(globs.set.get().is_none(), "no set before the first check");
    let copy = g.clone();
    assert!(copy.allows(Path::new("/app/ok/a.wasm")));
    assert!(globs.set.get().is_some_and(|set| set.is_ok()), "the first check made it, for every copy");
    assert!(!g.allows(Path::new("/app/other/a.wasm")));
  }

  #[test]
  fn star_does_not_cross_directories() {
    let g = grant(&["*.wasm"], Path::new("/app"));
    assert!(g.allows(Path::new("/app/a.wasm")));
    assert!(!g.allows(Path::new("/app/sub/a.wasm")));
  }

  #[test]
  fn the_manifests_limits_fill_in_and_an_instance_overrides_them() {
    let spec = WasmCapabilitiesSpec { timeout_ms: Some(100), max_memory_bytes: Some(1 << 20), ..Default::default() };
    let limits = app_limits(&spec);
    let unset = crate::config::InstanceConfig::default().with_app_defaults(&limits);
    assert_eq!((unset.timeout_ms, unset.max_memory_bytes), (Some(100), Some(1 << 20)));
    let set = crate::config::InstanceConfig { timeout_ms: Some(5000), ..Default::default() }.with_app_defaults(&limits);
    assert_eq!((set.timeout_ms, set.max_memory_bytes), (Some(5000), Some(1 << 20)));
    assert_eq!(limits.max_modules, crate::limits::DEFAULT_MAX_MODULES);
    assert_eq!(limits.max_instances, crate::limits::DEFAULT_MAX_INSTANCES);
  }

  #[test]
  fn a_missing_path_behind_a_symlink_is_judged_where_it_points() {
    let root = tempfile_dir();
    let inside = root.join("inside");
    let outside = root.join("outside");
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, inside.join("link")).unwrap();
    let g = grant(&["inside"], &root);
    let missing = g.check("compileFile", "inside/link/nope.wasm", &root).unwrap_err();
    assert_eq!(missing.code(), crate::error::ErrorCode::PermissionDenied, "{missing}");
    let really_missing = g.check("compileFile", "inside/nope.wasm", &root).unwrap_err();
    assert_eq!(really_missing.code(), crate::error::ErrorCode::IoError, "{really_missing}");
    std::fs::remove_dir_all(&root).unwrap();
  }

  fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiln-caps-{}-{:?}", std::process::id(), std::thread::current().id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
  }

  #[test]
  fn nul_bytes_are_refused() {
    let g = grant(&["**"], Path::new("/"));
    let err = g.check("compileFile", "a\0b", Path::new("/")).unwrap_err();
    assert_eq!(err.code(), crate::error::ErrorCode::IoError);
  }
}
