//! The JS engine's own `WebAssembly` global, held to the same manifest as `runtime:wasm`.
//!
//! deno_core's QuickJS backend ships a `WebAssembly` object (WAMR's interpreter). Left alone it
//! would compile and run modules, with JS imports, under no capability and no limit. `js/webassembly.js`
//! wraps every entry point that compiles or instantiates, and each asks this op first.
//!
//! `kiln` replaces the global with its own `WebAssembly` on wasmtime (ts/wasm_webassembly.ts,
//! webassembly.rs), which hands the interpreter only what wasmtime cannot link (tables, tags,
//! WASI from JS); the interpreter is the global itself with `KILN_WEBASSEMBLY=interpreter`, or in
//! an embedder that does not install Kiln's.

use std::sync::Arc;

use deno_core::{op2, OpState};

use crate::capabilities::WasmPermissions;
use crate::error::WasmError;

/// Checks that the built-in `WebAssembly` may `compile` (needs `[capabilities.wasm] load`) or
/// `instantiate` (needs `execute`); `what` names the call for the message, e.g.
/// `"WebAssembly.instantiate"`.
///
/// # Errors
/// 5009 naming the manifest key. Instantiating is also refused while the manifest sets
/// `timeout_ms` or `max_memory_bytes`: the built-in engine cannot enforce them, and it must not be
/// a way around them.
#[op2(fast)]
pub fn op_wasm_builtin_check(state: &mut OpState, #[string] kind: &str, #[string] what: &str) -> Result<(), WasmError> {
  let permissions = state.borrow::<Arc<WasmPermissions>>();
  if kind == "compile" {
    return permissions.load.check_any(what);
  }
  permissions.check_execute(what)?;
  let limits = &permissions.limits;
  let unenforceable = match (limits.timeout_ms, limits.max_memory_bytes) {
    (Some(_), _) => Some("timeout_ms"),
    (None, Some(_)) => Some("max_memory_bytes"),
    (None, None) => None,
  };
  match unenforceable {
    None => Ok(()),
    Some(key) => Err(WasmError::permission(format!(
      "{what} is refused: {} sets [capabilities.wasm] {key}, which the engine's built-in \
       WebAssembly (an interpreter without deadlines or memory caps) cannot enforce; use \
       runtime:wasm's compile and instantiate, which do",
      permissions.origin
    ))),
  }
}
