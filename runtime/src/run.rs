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

/// Builds a runtime with Kiln's extensions and the given grants.
pub fn new_runtime(grants: manifest::Grants, args: Vec<String>) -> JsRuntime {
  JsRuntime::new(RuntimeOptions {
    module_loader: Some(KilnModuleLoader::new()),
    extensions: vec![
      crate::globals::kiln_globals::init(args),
      ext_wasm::ext_wasm::init(grants.wasm, grants.engine),
      crate::fs::kiln_fs::init(grants.fs),
    ],
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
  let tokio = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
    Ok(rt) => rt,
    Err(e) => {
      eprintln!("error: cannot start the event loop: {e}");
      return 1;
    }
  };
  let args = options.args;
  let result = tokio.block_on(async move {
    let mut runtime = new_runtime(grants, args);
    let module_id = runtime.load_main_es_module(&specifier).await?;
    let evaluation = runtime.mod_evaluate(module_id);
    runtime.run_event_loop(Default::default()).await?;
    evaluation.await
  });
  match result {
    Ok(()) => 0,
    Err(error) => {
      eprintln!("{}", describe(&error));
      1
    }
  }
}

/// How an uncaught error is shown: name, code (if any), message, then the stack.
pub fn describe(error: &CoreError) -> String {
  match &*error.0 {
    CoreErrorKind::Js(js) => describe_js(js),
    other => format!("error: {other}"),
  }
}

fn describe_js(js: &JsError) -> String {
  let name = js.name.clone().unwrap_or_else(|| "Error".into());
  let message = js.message.clone().unwrap_or_else(|| js.exception_message.clone());
  let code = js
    .additional_properties
    .iter()
    .find(|(key, _)| key == "code")
    .map(|(_, value)| format!(" [code {value}]"))
    .unwrap_or_default();
  let mut out = format!("error: Uncaught {name}{code}: {message}");
  let frames: Vec<&str> = js
    .stack
    .as_deref()
    .unwrap_or("")
    .lines()
    .filter(|line| line.trim_start().starts_with("at "))
    .collect();
  for frame in frames {
    out.push_str("\n    ");
    out.push_str(frame.trim_start());
  }
  if let Some(cause) = &js.cause {
    out.push_str("\nCaused by: ");
    out.push_str(describe_js(cause).trim_start_matches("error: Uncaught "));
  }
  out
}

