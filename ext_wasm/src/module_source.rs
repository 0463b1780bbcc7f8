//! A compiled module's source: where its bytes are (kept in memory, or the file `compileFile`
//! read, read again when another engine needs them), and what Kiln reads of them beside
//! wasmtime's compile, which the cache's `.source` entries keep for a file not read again.

use std::sync::Arc;

use crate::artifact_cache::{content_hash, ContentHash};
use crate::bounded::BoundedExports;
use crate::capabilities::CheckedPath;
use crate::error::WasmError;

/// Where a compiled module's bytes are, for the copies the fuel-metering and uninterruptible
/// engines compile the first time an instance asks for one.
#[derive(Clone)]
pub(crate) enum Source {
  /// Kept in memory: `compile(bytes)`, and the modules `spawn` runs.
  Bytes(Arc<[u8]>),
  /// Read again from the file `compileFile` read, which must still hold the same bytes: a large
  /// module's bytes are not kept in memory beside its compiled code for an engine few apps use.
  File { path: CheckedPath, len: u64, hash: ContentHash },
}

impl Source {
  pub(crate) fn len(&self) -> u64 {
    match self {
      Self::Bytes(bytes) => bytes.len() as u64,
      Self::File { len, .. } => *len,
    }
  }

  /// The bytes, read again for a file.
  ///
  /// # Errors
  /// If the file cannot be read, or (5000) no longer holds the bytes `compileFile` compiled.
  pub(crate) fn load(&self) -> Result<Arc<[u8]>, WasmError> {
    match self {
      Self::Bytes(bytes) => Ok(bytes.clone()),
      Self::File { path, hash, .. } => {
        let bytes = read_module(path)?;
        if content_hash(&bytes) != *hash {
          return Err(WasmError::compile(format!(
            "{} changed after compileFile read it, so this module cannot be compiled again for another \
             engine; compileFile it again and instantiate the new module",
            path.as_path().display()
          )));
        }
        Ok(bytes)
      }
    }
  }
}

/// `compileFile`'s read of `path`.
pub(crate) fn read_module(path: &CheckedPath) -> Result<Arc<[u8]>, WasmError> {
  path
    .read()
    .map(Arc::from)
    .map_err(|e| WasmError::io(format!("compileFile: cannot read {}: {e}", path.as_path().display())))
}

/// What Kiln reads of a module's bytes beside wasmtime's compile, kept in the cache's `.source`
/// entries for a file it does not read again.
pub(crate) struct Read {
  pub has_start: bool,
  pub bounded: BoundedExports,
}

impl Read {
  pub(crate) fn of(bytes: &[u8]) -> Self {
    Self { has_start: crate::binary::has_start_section(bytes), bounded: BoundedExports::of(bytes) }
  }
}
