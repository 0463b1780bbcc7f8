//! The configuration object of `instantiate(moduleId, config?)`: WASI grants and execution limits.
//!
//! Defaults deny everything: no preopened directories, no environment variables, no arguments,
//! stdin empty, stdout and stderr discarded, no fuel limit, no deadline, no memory cap beyond
//! WebAssembly's own. Each field grants one thing. The JS side takes out the fields that are not
//! plain data (host-function imports, later) before the rest arrives here as JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{FsPerms, WasiCtxBuilder};

use crate::capabilities::WasmPermissions;
use crate::error::{ErrorCode, WasmError};

/// Options for `instantiate`: WASI grants (used when the module imports WASI preview 1) and
/// execution limits. Everything is off unless given: no directories, no environment, no
/// arguments, empty stdin, stdout and stderr discarded, no fuel limit, no deadline, no memory cap.
/// An unknown key fails with WasiError (5010).
///
/// # Examples
///
/// ```ts
/// const instance = await instantiate(moduleId, {
///   preopens: { "/data": "./app-data", "/config": { path: "./config", readonly: true } },
///   env: { HOME: "/data" },
///   args: ["app", "--verbose"],
///   inheritStdout: true,
///   fuel: 10_000_000,
///   timeoutMs: 1_000,
///   maxMemoryBytes: 64 * 1024 * 1024,
/// });
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename = "WasiConfig", rename_all = "camelCase", deny_unknown_fields)]
pub struct InstanceConfig {
  /// Guest path → host directory (relative to the working directory). The host directory must
  /// match `[capabilities.wasm] preopens`, or `instantiate` fails with PermissionDenied (5009),
  /// whether or not it exists. A host path with a NUL byte, and a granted one that does not exist,
  /// is not a directory or cannot be opened, fail with WasiError (5010).
  #[serde(default)]
  pub preopens: BTreeMap<String, Preopen>,
  /// Environment variables the guest sees.
  #[serde(default)]
  pub env: BTreeMap<String, String>,
  /// The guest's command-line arguments, `args[0]` being the program name.
  #[serde(default)]
  pub args: Vec<String>,
  /// Let the guest read the host's stdin.
  #[serde(default)]
  pub inherit_stdin: bool,
  /// Let the guest write to the host's stdout.
  #[serde(default)]
  pub inherit_stdout: bool,
  /// Let the guest write to the host's stderr.
  #[serde(default)]
  pub inherit_stderr: bool,
  /// The guest's stdin: `"inherit"` (the host's), `"null"` (empty, the default), the bytes it
  /// reads as its input (from JS, a `Uint8Array`), or (`spawn` only) `"piped"`: written by the app
  /// through `process.stdin`.
  pub stdin: Option<StdinSpec>,
  /// The guest's stdout: `"inherit"`, `"null"` (discarded, the default), `"capture"`
  /// (`instantiate` only): kept for `instance.takeStdout()`, up to 16 MiB between takes (a write
  /// past that fails in the guest), or `"piped"` (`spawn` only): read by the app from
  /// `process.stdout`, through a 64 KiB pipe the guest waits on when it is full.
  pub stdout: Option<OutputSpec>,
  /// The guest's stderr, as `stdout` (`instance.takeStderr()`).
  pub stderr: Option<OutputSpec>,
  /// Fuel for each call (roughly one unit per instruction); exhaustion fails with 5011.
  pub fuel: Option<u64>,
  /// Wall-clock limit for each call in milliseconds; passing it fails with 5011.
  pub timeout_ms: Option<u64>,
  /// Cap in bytes on all the linear memory of the instance's store together: every memory of the
  /// instance and of the instances linked into it by `imports`, counted from their initial sizes.
  /// A growth that would pass it fails: the guest's `memory.grow` returns -1, `memory.grow` from
  /// JS fails with MemoryError (5006), and memories whose initial sizes already pass it fail
  /// `instantiate` with InstantiateError (5001). Overrides the manifest's `max_memory_bytes`.
  pub max_memory_bytes: Option<u64>,
  /// `false` compiles the module without interruption checks (a load, a compare and a branch on
  /// every loop back-edge and function entry), which makes the tightest loops a few percent faster
  /// (matmul about 6%); but a call then runs to completion without yielding to the event loop,
  /// and cannot be stopped: `timeoutMs`, `fuel` and the manifest's `timeout_ms` are refused with
  /// it (5010). Default `true`.
  pub interruptible: Option<bool>,
  /// `false` leaves a WASI reactor's `_initialize` to the app (`await instance.call("_initialize")`),
  /// as the standard `WebAssembly.instantiate` and node:wasi's `initialize()` do: its exports read
  /// zeroed state until it has run, and it must run once. Modules linked through `imports` are
  /// initialized as usual. `instantiate` only. Default `true`.
  pub initialize: Option<bool>,
  /// Components only: the WASI preview 2 groups (`"filesystem"`, `"sockets"`, `"http"`) this
  /// instance may import, narrowing `[capabilities.wasm] wasi` (asking for more is 5009). Default:
  /// what the manifest grants.
  pub wasi: Option<Vec<crate::component::WasiInterface>>,
}

/// Where a guest's stdin comes from.
///
/// # Examples
///
/// ```ts
/// const stdin: StdinSpec = "inherit";
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "\"inherit\", \"null\", \"piped\", or the bytes of the input")]
pub enum StdinSpec {
  Mode(StdioMode),
  Bytes(Vec<u8>),
}

/// `"inherit"`, `"null"`, or `"piped"` (`spawn` only).
///
/// # Examples
///
/// ```ts
/// const mode: StdioMode = "null";
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StdioMode {
  Inherit,
  Null,
  /// Written by the app (`spawn` only).
  Piped,
}

/// Where a guest's stdout or stderr goes.
///
/// # Examples
///
/// ```ts
/// const stdout: OutputSpec = "capture";
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputSpec {
  /// The host's stream.
  Inherit,
  /// Discarded.
  Null,
  /// Kept for `takeStdout()` / `takeStderr()` (`instantiate` only).
  Capture,
  /// Read by the app from `process.stdout` / `process.stderr` (`spawn` only).
  Piped,
}

/// A preopened directory: a host path, or a host path with options.
///
/// # Examples
///
/// ```ts
/// const preopens: Record<string, Preopen> = { "/in": { path: "./input", readonly: true }, "/out": "./output" };
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "a host directory path, or { path, readonly? }")]
pub enum Preopen {
  Path(String),
  Detailed {
    path: String,
    #[serde(default)]
    readonly: bool,
  },
}

impl Preopen {
  fn parts(&self) -> (&str, bool) {
    match self {
      Self::Path(path) => (path, false),
      Self::Detailed { path, readonly } => (path, *readonly),
    }
  }
}

impl InstanceConfig {
  /// What each call is limited by, for the messages of a stopped call.
  pub fn call_limits(&self) -> crate::error::CallLimits {
    crate::error::CallLimits { timeout_ms: self.timeout_ms, fuel: self.fuel }
  }

  /// Fills what the config leaves unset with the app's defaults (the manifest's `timeout_ms` and
  /// `max_memory_bytes`).
  pub fn with_app_defaults(mut self, app: &crate::limits::AppLimits) -> Self {
    self.timeout_ms = self.timeout_ms.or(app.timeout_ms);
    self.max_memory_bytes = self.max_memory_bytes.or(app.max_memory_bytes);
    self
  }

  /// The config of a `WebAssembly` global's instance of a module without a start function:
  /// without interruption checks, unless a deadline (the manifest's `timeout_ms`) or fuel needs
  /// them. Its calls are synchronous and never yield to the event loop, so the checks would only
  /// slow its loops down; the module was compiled for that engine too (module.rs,
  /// `js_api_engine`).
  pub fn for_js_api(&mut self) {
    if self.interruptible.is_none() && self.timeout_ms.is_none() && self.fuel.is_none() {
      self.interruptible = Some(false);
    }
  }

  /// Whether calls can be interrupted (the default; see `interruptible`).
  pub fn interruptible(&self) -> bool {
    self.interruptible != Some(false)
  }

  /// Refuses `interruptible: false` beside anything that needs to stop a call: the instance's
  /// `timeoutMs` or `fuel`, or the app's deadline (`app_timeout_ms`, from the manifest).
  ///
  /// # Errors
  /// 5010 naming the conflicting option.
  pub fn check_interruptible(&self, app_timeout_ms: Option<u64>, purpose: Purpose) -> Result<(), WasmError> {
    if self.interruptible() {
      return Ok(());
    }
    if purpose != Purpose::Instance {
      return Err(WasmError::config(format!(
        "interruptible: false cannot be given to {}: its guests run on threads of their own, and \
         kill(), drop() and the app's exit must be able to stop them; leave interruptible out",
        purpose.api()
      )));
    }
    let conflict = if self.timeout_ms.is_some() {
      "timeoutMs"
    } else if self.fuel.is_some() {
      "fuel"
    } else if app_timeout_ms.is_some() {
      "the manifest's [capabilities.wasm] timeout_ms, which every instance must honour"
    } else {
      return Ok(());
    };
    Err(WasmError::config(format!(
      "interruptible: false cannot be combined with {conflict}: an uninterruptible call cannot be \
       stopped; drop one of the two"
    )))
  }

  /// Whether `instantiate` runs a reactor's `_initialize` itself (see `initialize`).
  pub fn initializes(&self) -> bool {
    self.initialize != Some(false)
  }

  /// Refuses `initialize` outside `instantiate`: a pool's members serve calls as soon as they are
  /// made, and a process is a command, which `_initialize` is not for.
  ///
  /// # Errors
  /// 5010 naming the API.
  pub fn check_initialize(&self, purpose: Purpose) -> Result<(), WasmError> {
    let why = match purpose {
      _ if self.initialize.is_none() => return Ok(()),
      Purpose::Instance => return Ok(()),
      Purpose::Pool => "createPool initializes each member (its `_initialize`) before it serves calls",
      Purpose::Process => "spawn runs a WASI command's `_start`, which `_initialize` is not for",
    };
    Err(WasmError::config(format!("`initialize` is an option of instantiate: {why}; leave initialize out")))
  }

  /// Parses the JSON the JS side sends (`""` means no config).
  ///
  /// # Errors
  /// 5010 naming the offending option.
  pub fn from_json(json: &str) -> Result<Self, WasmError> {
    if json.is_empty() {
      return Ok(Self::default());
    }
    serde_json::from_str(json).map_err(|e| WasmError::config(format!("invalid instantiate options: {e}")))
  }

  /// The directory relative preopens resolve against: the working directory when the call is
  /// made. Empty, and not read, without preopens: reading it is a system call on every
  /// instantiate (2% of an instantiate-and-drop loop), and nothing else uses it.
  ///
  /// # Errors
  /// 5010 if the working directory cannot be read (it was removed).
  pub fn preopen_base(&self) -> Result<PathBuf, WasmError> {
    if self.preopens.is_empty() {
      return Ok(PathBuf::new());
    }
    std::env::current_dir().map_err(|e| WasmError::config(format!("cannot read the working directory: {e}")))
  }

  /// Builds the guest's WASI context, checking every preopen against the manifest first.
  ///
  /// # Errors
  /// 5009 for a preopen the manifest does not grant, whether or not it exists (the app learns
  /// nothing about host paths outside its grant); 5010 for a granted one that does not exist, is
  /// not a directory or cannot be opened, and for a host path with a NUL byte.
  pub fn wasi(
    &self,
    permissions: &WasmPermissions,
    cwd: &Path,
    purpose: Purpose,
  ) -> Result<(GuestWasi, crate::stdio::Captured), WasmError> {
    self.wasi_with(permissions, cwd, purpose, false)
  }

  /// [`Self::wasi`], with the network open to the guest if `network` (a component granted
  /// `wasi:sockets`); otherwise wasmtime-wasi refuses every address and name lookup.
  pub fn wasi_with(
    &self,
    permissions: &WasmPermissions,
    cwd: &Path,
    purpose: Purpose,
    network: bool,
  ) -> Result<(GuestWasi, crate::stdio::Captured), WasmError> {
    if !network && self.asks_nothing_of_wasi() {
      // Every step below would be skipped: the context is the empty one, built on first use.
      return Ok((GuestWasi::default(), crate::stdio::Captured::default()));
    }
    let mut builder = base_builder();
    if network {
      builder.inherit_network();
      builder.allow_ip_name_lookup(true);
    }
    builder.args(&self.args);
    for (key, value) in &self.env {
      builder.env(key, value);
    }
    let mut captured = crate::stdio::Captured::default();
    match (&self.stdin, self.inherit_stdin) {
      (Some(_), true) => return Err(both("stdin")),
      (Some(StdinSpec::Mode(StdioMode::Inherit)), _) | (None, true) => {
        builder.inherit_stdin();
      }
      (Some(StdinSpec::Bytes(bytes)), _) => {
        builder.stdin(wasmtime_wasi::p2::pipe::MemoryInputPipe::new(bytes.clone()));
      }
      (Some(StdinSpec::Mode(StdioMode::Piped)), _) => {
        purpose.allows_piped("stdin")?;
        let pipe = crate::pipe::Pipe::default();
        builder.stdin(crate::pipe::GuestReader(pipe.clone()));
        captured.stdin_pipe = Some(pipe);
      }
      _ => {}
    }
    for (stream, spec, inherit) in
      [("stdout", self.stdout, self.inherit_stdout), ("stderr", self.stderr, self.inherit_stderr)]
    {
      let is_stdout = stream == "stdout";
      match (spec, inherit) {
        (Some(_), true) => return Err(both(stream)),
        (Some(OutputSpec::Inherit), _) | (None, true) if is_stdout => {
          builder.inherit_stdout();
        }
        (Some(OutputSpec::Inherit), _) | (None, true) => {
          builder.inherit_stderr();
        }
        (Some(OutputSpec::Capture), _) => {
          purpose.allows_capture(stream)?;
          let capture = crate::stdio::Capture::default();
          if is_stdout {
            builder.stdout(capture.clone());
            captured.stdout = Some(capture);
          } else {
            builder.stderr(capture.clone());
            captured.stderr = Some(capture);
          }
        }
        (Some(OutputSpec::Piped), _) => {
          purpose.allows_piped(stream)?;
          let pipe = crate::pipe::Pipe::default();
          if is_stdout {
            builder.stdout(crate::pipe::GuestWriter(pipe.clone()));
            captured.stdout_pipe = Some(pipe);
          } else {
            builder.stderr(crate::pipe::GuestWriter(pipe.clone()));
            captured.stderr_pipe = Some(pipe);
          }
        }
        _ => {}
      }
    }
    for (guest, preopen) in &self.preopens {
      let (host, readonly) = preopen.parts();
      let action = format!("instantiate: preopen {guest:?} -> {host:?}");
      // Refused before the grant is consulted, so it says nothing about the host's files. (The
      // path checks of compileFile and runtime:fs, which read files, make it IoError instead.)
      if host.contains('\0') {
        return Err(WasmError::config(format!("{action}: the host path contains a NUL byte")));
      }
      let checked = permissions.preopens.check(&action, host, cwd).map_err(|e| match e.code() {
        // The grant covers the path but it does not resolve (it does not exist): the config
        // names a directory that is not there, as with a path that is not a directory below.
        ErrorCode::IoError => WasmError::config(format!("{e}; a preopen must be an existing directory")),
        _ => e,
      })?;
      if !checked.as_path().is_dir() {
        return Err(WasmError::config(format!("{action}: {} is not a directory", checked.as_path().display())));
      }
      let perms = if readonly { FsPerms::ReadOnly } else { FsPerms::ReadWrite };
      builder
        .preopened_dir(checked.as_path(), guest, perms)
        .map_err(|e| WasmError::config(format!("{action}: cannot open {}: {e}", checked.as_path().display())))?;
    }
    Ok((GuestWasi::built(builder.build_p1()), captured))
  }

  /// No args, env, stdio or preopens: [`Self::wasi_with`] would make the empty context.
  fn asks_nothing_of_wasi(&self) -> bool {
    let Self { preopens, env, args, inherit_stdin, inherit_stdout, inherit_stderr, stdin, stdout, stderr, .. } = self;
    preopens.is_empty()
      && env.is_empty()
      && args.is_empty()
      && !(inherit_stdin | inherit_stdout | inherit_stderr)
      && stdin.is_none()
      && stdout.is_none()
      && stderr.is_none()
  }
}

/// The builder every guest's WASI context starts from.
fn base_builder() -> WasiCtxBuilder {
  let mut builder = WasiCtxBuilder::new();
  // Guest file operations run on the JS thread, between epoch yields, like the guest itself
  // (off, each goes through tokio's blocking pool, and in a trial a file-writing guest never
  // finished). It would also make wasmtime-wasi sleep out a lone relative clock with
  // `std::thread::sleep`, past any deadline; Kiln's `poll_oneoff` (wasi.rs) answers every
  // all-clock poll itself, so wasmtime-wasi never takes that path.
  builder.allow_blocking_current_thread(true);
  builder
}

/// The context of a config that asks nothing of WASI (see [`GuestWasi`]).
fn empty_wasi() -> WasiP1Ctx {
  base_builder().build_p1()
}

/// A store's WASI context. One that a config asks nothing of (no args, env, stdio or preopens)
/// is built on first use: most guests `instantiate` makes import no WASI, and never pay for one
/// (its random number generators, its resource table: 4,300 of the 69,000 instructions of an
/// instantiate and drop, by callgrind). Built late, it is the context the config would have made.
#[derive(Default)]
pub struct GuestWasi(Option<WasiP1Ctx>);

impl GuestWasi {
  /// The context a config made.
  pub fn built(ctx: WasiP1Ctx) -> Self {
    Self(Some(ctx))
  }

  /// The context, built now if it was left for its first use.
  pub fn get(&mut self) -> &mut WasiP1Ctx {
    self.0.get_or_insert_with(empty_wasi)
  }
}

/// What a config is for: the stdio modes and options each allows differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
  /// `instantiate`.
  Instance,
  /// `spawn`: a WASI command on its own thread.
  Process,
  /// `createPool`: instances on threads of their own, serving calls.
  Pool,
}

impl Purpose {
  fn allows_piped(self, stream: &str) -> Result<(), WasmError> {
    match self {
      Self::Process => Ok(()),
      Self::Instance => Err(WasmError::config(format!(
        "`{stream}: \"piped\"` is for spawn, whose process streams it; an instance takes bytes \
         (`stdin: new Uint8Array(...)`) and captures output (`stdout: \"capture\"`)"
      ))),
      Self::Pool => Err(WasmError::config(format!(
        "`{stream}: \"piped\"` cannot be given to createPool: its members serve calls, not streams; \
         use \"inherit\" or \"null\"{}",
        if stream == "stdin" { ", or the bytes each member reads" } else { "" }
      ))),
    }
  }

  fn allows_capture(self, stream: &str) -> Result<(), WasmError> {
    match self {
      Self::Instance => Ok(()),
      Self::Process => Err(WasmError::config(format!(
        "`{stream}: \"capture\"` is for instantiate; a process streams its output: use \
         `{stream}: \"piped\"` and read `process.{stream}` (or `await process.output()`)"
      ))),
      Self::Pool => Err(WasmError::config(format!(
        "`{stream}: \"capture\"` cannot be given to createPool: the members' output would mix; use \
         \"inherit\" or \"null\", or an instance of your own with `{stream}: \"capture\"`"
      ))),
    }
  }

  /// The API's name, for messages.
  pub fn api(self) -> &'static str {
    match self {
      Self::Instance => "instantiate",
      Self::Process => "spawn",
      Self::Pool => "createPool",
    }
  }
}

/// The error for a stream given both ways (`inheritStdout: true` and `stdout`).
fn both(stream: &str) -> WasmError {
  let title = format!("{}{}", stream[..1].to_uppercase(), &stream[1..]);
  WasmError::config(format!(
    "`{stream}` and `inherit{title}: true` both say where the guest's {stream} goes; keep one \
     (`{stream}: \"inherit\"` is the same as `inherit{title}: true`)"
  ))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_js_api_runs_without_interruption_checks_unless_something_must_stop_it() {
    let js_api = |config: InstanceConfig| {
      let mut config = config;
      config.for_js_api();
      crate::engine::EngineKind::of(&config)
    };
    use crate::engine::EngineKind::{Fueled, Plain, Uninterruptible};
    assert_eq!(js_api(InstanceConfig::default()), Uninterruptible);
    // The manifest's timeout_ms (merged in as the instance's) keeps the checks, and fuel its own.
    assert_eq!(js_api(InstanceConfig { timeout_ms: Some(5000), ..Default::default() }), Plain);
    assert_eq!(js_api(InstanceConfig { fuel: Some(1000), ..Default::default() }), Fueled);
  }

  #[test]
  fn unknown_options_are_named() {
    let err = InstanceConfig::from_json(r#"{"preopen": {}}"#).unwrap_err();
    assert_eq!(err.code(), crate::error::ErrorCode::WasiError);
    assert!(err.to_string().contains("preopen"), "{err}");
  }

  #[test]
  fn both_preopen_forms_parse() {
    let c = InstanceConfig::from_json(
      r#"{"preopens": {"/a": "./a", "/b": {"path": "./b", "readonly": true}}, "timeoutMs": 5}"#,
    )
    .unwrap();
    assert_eq!(c.preopens["/b"].parts(), ("./b", true));
    assert_eq!(c.timeout_ms, Some(5));
  }

  #[test]
  fn only_an_empty_config_leaves_wasi_for_its_first_use() {
    assert!(InstanceConfig::default().asks_nothing_of_wasi());
    assert!(InstanceConfig::from_json(r#"{"fuel": 10, "timeoutMs": 5}"#).unwrap().asks_nothing_of_wasi());
    for json in [
      r#"{"args": ["app"]}"#,
      r#"{"env": {"A": "1"}}"#,
      r#"{"preopens": {"/d": "."}}"#,
      r#"{"inheritStdin": true}"#,
      r#"{"inheritStdout": true}"#,
      r#"{"inheritStderr": true}"#,
      r#"{"stdin": [1]}"#,
      r#"{"stdout": "capture"}"#,
      r#"{"stderr": "inherit"}"#,
    ] {
      assert!(!InstanceConfig::from_json(json).unwrap().asks_nothing_of_wasi(), "{json}");
    }
  }
}
