//! `kiln compile FILE...`: fills the compilation cache ahead of time, so that an app's first
//! `compileFile` of a large module reads compiled code back instead of compiling it (which can take
//! minutes) while its user waits.
//!
//! Each file is compiled into the cache `kiln run` would use for an app in the file's directory
//! (`manifest::load` resolves it, as for a run), with the same engine settings, so the cache key
//! is the same. It needs no capability: the user runs it on their own files.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ext_wasm::{EngineKind, Engines};

use crate::{cache, manifest};

/// What `kiln compile` was asked to do.
pub struct CompileOptions {
  pub files: Vec<PathBuf>,
  /// The engines to compile for: always the default one, plus the fuel-metering one
  /// (`--fuel`) and the one without interruption checks (`--uninterruptible`) if asked.
  pub kinds: Vec<EngineKind>,
}

/// Compiles every file, printing one line for each; returns the exit status (1 if any failed).
pub fn compile(options: CompileOptions) -> i32 {
  let tokio = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
    Ok(rt) => rt,
    Err(e) => {
      eprintln!("error: cannot start the event loop: {e}");
      return 1;
    }
  };
  let mut status = 0;
  for file in &options.files {
    match tokio.block_on(compile_one(file, &options.kinds)) {
      Ok(line) => println!("{line}"),
      Err(message) => {
        eprintln!("error: {message}");
        status = 1;
      }
    }
  }
  status
}

/// Compiles one file for each of `kinds` into its app's cache; returns the line to print.
async fn compile_one(file: &Path, kinds: &[EngineKind]) -> Result<String, String> {
  let shown = file.display();
  let path = file.canonicalize().map_err(|e| format!("cannot open {shown}: {e}; check the path"))?;
  let dir = path.parent().unwrap_or(Path::new("/"));
  let grants = manifest::load(dir, None).map_err(|e| format!("{shown}: {e}"))?;
  let Some(cache_dir) = grants.engine.cache_dir.clone() else {
    return Err(cache_is_off(file, dir));
  };
  let stamp = ext_wasm::stamp_before_read(&path);
  let bytes: Arc<[u8]> =
    std::fs::read(&path).map(Arc::from).map_err(|e| format!("cannot read {shown}: {e}; check the path"))?;
  let engines = Arc::new(Engines::new(grants.engine).map_err(|e| format!("{shown}: {e}"))?);
  if !engines.caches() {
    return Err(format!(
      "{shown}: the compilation cache {} cannot be used (see the warning above), so compiling ahead \
       of time would be lost; fix that directory or point KILN_CACHE_DIR at another one",
      cache_dir.display()
    ));
  }
  let started = Instant::now();
  let mut compiled_any = false;
  for &kind in kinds {
    let from_cache = ext_wasm::precompile(engines.clone(), kind, &shown.to_string(), bytes.clone())
      .await
      .map_err(|e| format!("{shown}: {e}; kiln compile takes WebAssembly modules (.wasm) or WAT text"))?;
    compiled_any |= !from_cache;
  }
  // The app's first compileFile of it then loads the code without reading the file.
  ext_wasm::record_precompiled(&engines, &path, stamp, &bytes);
  if !compiled_any {
    return Ok(format!("{shown} was already cached"));
  }
  let mib = bytes.len() as f64 / (1024.0 * 1024.0);
  let seconds = started.elapsed().as_secs_f64();
  let dir = engines.cache_dir().unwrap_or(cache_dir.as_path()).display().to_string();
  Ok(format!("compiled {shown} ({mib:.1} MiB) in {seconds:.1} s; cached in {dir}"))
}

/// Why there is no cache to fill, and how to turn it on.
fn cache_is_off(file: &Path, dir: &Path) -> String {
  let why = if std::env::var_os(cache::CACHE_ENV).is_some_and(|v| !v.is_empty()) {
    format!("{}=off", cache::CACHE_ENV)
  } else {
    let manifest = manifest::find(dir).map_or_else(|| "the manifest".to_string(), |m| m.display().to_string());
    format!("[cache] enabled = false in {manifest}")
  };
  format!(
    "the compilation cache is off for {} ({why}), so compiling it now is pointless: the app would \
     compile it again when it runs; turn the cache on (unset {}, or remove `enabled = false`) first",
    file.display(),
    cache::CACHE_ENV
  )
}
