//! Running an app: building the JsRuntime, evaluating the entry module, reporting how it ended.

use std::path::{Path, PathBuf};

use deno_core::error::{CoreError, CoreErrorKind, JsError};
use deno_core::{JsRuntime, ModuleSpecifier, RuntimeOptions};

use crate::loader::KilnModuleLoader;
use crate::manifest;

/// What `kiln run` was asked to do.
pub struct RunOptions {
  pub entry: PathBuf,
  pub manifest: Option<PathBuf>,
  /// Arguments after the entry file, given to the app as `Kiln.args`.
  pub args: Vec<String>,
}

/// Kiln's extensions, in the order every runtime (and the start-up snapshot) has them.
pub fn extensions(
  wasm: ext_wasm::WasmPermissions,
  fs: ext_wasm::FsPermissions,
  engine: ext_wasm::EngineOptions,
  args: Vec<String>,
) -> Vec<deno_core::Extension> {
  vec![crate::globals::extension(args), ext_wasm::extension(wasm, engine), crate::fs::kiln_fs::init(fs)]
}

/// Builds a runtime with Kiln's extensions and the given grants, for the app whose entry file is
/// `entry` (canonical), from the start-up snapshot if there is one (see snapshot.rs), keeping the
/// app's transpiled TypeScript in `js_cache` if there is one (emit_cache.rs).
pub fn new_runtime(
  grants: manifest::Grants,
  entry: PathBuf,
  args: Vec<String>,
  startup_snapshot: Option<&'static [u8]>,
  js_cache: Option<&Path>,
) -> JsRuntime {
  JsRuntime::new(RuntimeOptions {
    module_loader: Some(KilnModuleLoader::new(grants.root, entry, grants.fs.clone(), js_cache)),
    extensions: extensions(grants.wasm, grants.fs, grants.engine, args),
    startup_snapshot,
    ..Default::default()
  })
}

/// Runs the app to completion; returns the process exit status.
pub fn run(options: RunOptions) -> i32 {
  let entry = match options.entry.canonicalize() {
    Ok(path) => path,
    Err(e) => {
      eprintln!("error: cannot open the entry file {}: {e}", options.entry.display());
      return 1;
    }
  };
  let entry_dir = entry.parent().unwrap_or(Path::new("/")).to_path_buf();
  let grants = match manifest::load(&entry_dir, options.manifest.as_deref()) {
    Ok(grants) => grants,
    Err(message) => {
      eprintln!("error: {message}");
      return 1;
    }
  };
  let Ok(specifier) = ModuleSpecifier::from_file_path(&entry) else {
    eprintln!("error: {} is not a valid module path", entry.display());
    return 1;
  };
  raise_js_stack_limit();
  let tokio = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
    Ok(rt) => rt,
    Err(e) => {
      eprintln!("error: cannot start the event loop: {e}");
      return 1;
    }
  };
  let args = options.args;
  let js_cache = js_cache_dir(&grants);
  let result = tokio.block_on(async move {
    let snapshot = crate::snapshot::load_or_create(&grants, js_cache.as_deref()).await;
    let mut runtime = new_runtime(grants, entry, args, snapshot, js_cache.as_deref());
    seal(&mut runtime, snapshot.is_some()).await?;
    let module_id = runtime.load_main_es_module(&specifier).await?;
    let evaluation = runtime.mod_evaluate(module_id);
    runtime.run_event_loop(Default::default()).await?;
    let outcome = evaluation.await;
    // The process ends next, so the runtime is not taken apart: dropping it frees the JS heap
    // object by object after a last GC, about a tenth of a `kiln run hi.ts` (BENCHMARKS.md,
    // start-up). Nothing of the app's is lost: its ops have completed (the event loop is done),
    // the OS takes back the memory, and the threads of processes and pools left running end with
    // the process, as they do at `Kiln.exit`. deno does the same at its end.
    std::mem::forget(runtime);
    outcome
  });
  match result {
    Ok(()) => 0,
    Err(error) => {
      eprintln!("{}", describe(&error));
      1
    }
  }
}

/// Lets the JS engine use 4 MiB of the JS thread's stack instead of QuickJS's default 1 MiB, when
/// that thread (the main thread, whose stack is `RLIMIT_STACK`: 8 MiB by default) has at least
/// 8 MiB. A guest -> JS -> guest recursion through `caller.exports` on this stack takes about 20
/// KiB a level, and stopped at the engine's limit 51 levels deep; now wasmtime's bound on a
/// guest's stack (2 MiB from where the call entered wasm, ext_wasm's engine.rs) stops it at about
/// 100, and plain JS recursion goes four times as deep.
fn raise_js_stack_limit() {
  let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
  // SAFETY: getrlimit only writes the struct it is given.
  let read = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } == 0;
  if read && (limit.rlim_cur == libc::RLIM_INFINITY || limit.rlim_cur >= 8 << 20) {
    deno_core::v8_set_flags(vec!["kiln".into(), "--stack-size=4096".into()]);
  }
}

/// Where the JS engine keeps what it compiled between runs: the start-up snapshot (snapshot.rs),
/// the app's transpiled TypeScript (emit_cache.rs) and the QuickJS shim's bytecode of each ES
/// module it compiles (keyed by the module's source). All are code this user will run, so they go
/// only where the compilation cache may go: the same directory, if the cache accepts it (a
/// directory other users may write is refused, with the cache's own warning). Otherwise there is
/// none of them, rather than the shim's default of a shared `~/.cache/v8x`, which
/// `KILN_CACHE_DIR=off` would not turn off.
fn js_cache_dir(grants: &manifest::Grants) -> Option<PathBuf> {
  let dir = grants.engine.cache_dir.as_deref().filter(|dir| ext_wasm::ArtifactCache::open(dir).is_ok());
  // The shim reads these once, when it first compiles a module; nothing else runs yet (no other
  // thread reads the environment: the runtime and its threads are made after this).
  match dir {
    Some(dir) => std::env::set_var("V82JSC_BC_CACHE_DIR", dir.join("quickjs-bytecode")),
    None => std::env::set_var("V82JSC_NO_BC_CACHE", "1"),
  }
  dir.map(Path::to_path_buf)
}

/// Runs the seal (`runtime:kiln/seal.js`) before any app code: it hands deno_core's `Deno.core`
/// to the runtime: modules (`runtime:wasm/core`) and removes it, and the engine's other
/// internals, from the global object, so that apps reach only what the README lists. The seal is
/// a function the module defines; a runtime from the start-up snapshot has it already (the
/// module is evaluated into the snapshot), one without a snapshot evaluates the module first.
async fn seal(runtime: &mut JsRuntime, from_snapshot: bool) -> Result<(), CoreError> {
  if std::env::var_os(EXPOSE_ENV).is_some_and(|v| v == "1") {
    runtime.execute_script("kiln:expose", "globalThis[Symbol.for(\"kiln.exposeInternals\")] = true;")?;
  }
  if !from_snapshot {
    evaluate_seal_module(runtime).await?;
  }
  runtime.execute_script("kiln:seal", "globalThis.__kilnSeal();")?;
  Ok(())
}

/// Loads and evaluates `runtime:kiln/seal.js`, which defines the seal without running it: before
/// a run without a snapshot, and into the snapshot (snapshot.rs).
pub async fn evaluate_seal_module(runtime: &mut JsRuntime) -> Result<(), CoreError> {
  let specifier = ModuleSpecifier::parse(SEAL_SPECIFIER).expect("a valid specifier");
  let id = runtime.load_side_es_module_from_code(&specifier, SEAL_JS).await?;
  let evaluation = runtime.mod_evaluate(id);
  runtime.run_event_loop(Default::default()).await?;
  evaluation.await
}

/// Keeps `Deno.core` reachable (`1`), for Kiln's own tests and benchmarks of the raw ops.
pub const EXPOSE_ENV: &str = "KILN_EXPOSE_INTERNALS";
pub const SEAL_SPECIFIER: &str = "runtime:kiln/seal.js";
const SEAL_JS: &str = include_str!("../js/seal.js");

/// How an uncaught error is shown: name, code (if any), message, then the stack without the
/// runtime's own frames.
pub fn describe(error: &CoreError) -> String {
  match &*error.0 {
    CoreErrorKind::Js(js) => describe_js(js),
    _ => describe_class(error),
  }
}

/// An error raised outside JS code (a module that cannot be loaded): its class and code.
fn describe_class(error: &CoreError) -> String {
  use deno_error::{JsErrorClass, PropertyValue};
  let class = error.get_class();
  let name = class.strip_prefix("Wasm.").unwrap_or(&class);
  let code = error
    .get_additional_properties()
    .find(|(key, _)| key == "code")
    .map(|(_, value)| match value {
      PropertyValue::Number(n) => format!(" [code {n}]"),
      PropertyValue::String(s) => format!(" [code {s}]"),
    })
    .unwrap_or_default();
  format!("error: Uncaught {name}{code}: {}", error.get_message())
}

fn describe_js(js: &JsError) -> String {
  if js.name.is_none() && js.message.is_none() && js.stack.is_none() {
    // Not an Error: deno_core's text, "Uncaught (in promise) { a: 1 }" (bootstrap.js formats it).
    return format!("error: {}", js.exception_message);
  }
  let name = js.name.clone().unwrap_or_else(|| "Error".into());
  let message = js.message.clone().unwrap_or_else(|| js.exception_message.clone());
  let code = js
    .additional_properties
    .iter()
    .find(|(key, _)| key == "code")
    .map(|(_, value)| format!(" [code {value}]"))
    .unwrap_or_default();
  let mut out = format!("error: Uncaught {name}{code}: {message}");
  let frames = js
    .stack
    .as_deref()
    .unwrap_or("")
    .lines()
    .map(str::trim_start)
    .filter(|line| line.starts_with("at ") && !is_internal_frame(line));
  for frame in frames {
    out.push_str("\n    ");
    out.push_str(frame);
  }
  if let Some(cause) = &js.cause {
    out.push_str("\nCaused by: ");
    out.push_str(describe_js(cause).trim_start_matches("error: Uncaught "));
  }
  out
}

/// A frame in the runtime's own modules (`runtime:wasm`, its internals, `ext:` modules).
fn is_internal_frame(frame: &str) -> bool {
  frame.contains("(runtime:")
    || frame.contains("(ext:")
    || frame.starts_with("at runtime:")
    || frame.starts_with("at ext:")
}
