//! `runtime:fs`: file reads gated by `[capabilities.fs] read`.

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::{op2, OpState};
use ext_wasm::{CheckedPath, FsPermissions, WasmError};

fn check(state: &Rc<RefCell<OpState>>, action: &str, path: &str) -> Result<CheckedPath, WasmError> {
  let cwd =
    std::env::current_dir().map_err(|e| WasmError::io(format!("{action}: cannot read the working directory: {e}")))?;
  state.borrow().borrow::<FsPermissions>().read.check(action, path, &cwd)
}

async fn read(checked: CheckedPath, action: String) -> Result<Vec<u8>, WasmError> {
  tokio::task::spawn_blocking(move || {
    checked.read().map_err(|e| WasmError::io(format!("{action}: cannot read {}: {e}", checked.as_path().display())))
  })
  .await
  .map_err(|e| WasmError::io(format!("the file reader thread failed: {e}")))?
}

#[op2]
#[buffer]
pub async fn op_fs_read_bytes(state: Rc<RefCell<OpState>>, #[string] path: String) -> Result<Vec<u8>, WasmError> {
  let action = format!("readBytes({path:?})");
  let checked = check(&state, &action, &path)?;
  read(checked, action).await
}

#[op2]
#[string]
pub async fn op_fs_read_text_file(state: Rc<RefCell<OpState>>, #[string] path: String) -> Result<String, WasmError> {
  let action = format!("readTextFile({path:?})");
  let checked = check(&state, &action, &path)?;
  let bytes = read(checked, action.clone()).await?;
  String::from_utf8(bytes).map_err(|_| WasmError::io(format!("{action}: the file is not valid UTF-8; use readBytes")))
}

deno_core::extension!(
  kiln_fs,
  ops = [op_fs_read_bytes, op_fs_read_text_file],
  options = { permissions: FsPermissions },
  state = |state, options| {
    state.put(options.permissions);
  },
);
