//! The host side of Kiln's `WebAssembly` global (ts/wasm_webassembly.ts): the standard JS API on
//! wasmtime instead of the JS engine's interpreter.
//!
//! Most of that API is runtime:wasm's own ops (compile, instantiate, exports, calls,
//! `memory.buffer`). These are the parts the standard API has and runtime:wasm's contract does
//! not: a synchronous compile (`new WebAssembly.Module(bytes)`), `validate`, a module's exports
//! before it is instantiated, exported globals, and a synchronous `memory.grow`. The capability
//! checks are runtime:wasm's: compiling and validating need `[capabilities.wasm] load`;
//! instantiating goes through runtime:wasm's ops, which need `execute`.

use std::sync::Arc;

use deno_core::{op2, OpState};
use wasmtime::{Global, Module, Mutability, RootScope, Store};

use crate::capabilities::WasmPermissions;
use crate::engine::SharedEngines;
use crate::error::WasmError;
use crate::instance::InstanceTable;
use crate::js_ref::{passes, to_slot, to_val};
use crate::module::ModuleTable;
use crate::signature::{exports_of, value_name, ExportInfo};
use crate::store::StoreData;
use crate::value::{slot, SLOT};

/// Whether `globalThis.WebAssembly` is Kiln's (on wasmtime): the embedder's choice
/// (`EngineOptions::interpreter_webassembly`; `kiln` reads `KILN_WEBASSEMBLY`). Asked on every
/// start, because the JS that installs it is evaluated once, into the start-up snapshot.
#[op2(fast)]
pub fn op_wasm_webassembly_on_wasmtime(state: &mut OpState) -> bool {
  !state.borrow::<SharedEngines>().0.options().interpreter_webassembly
}

/// `new WebAssembly.Module(bytes)`: compiles on the JS thread, as the standard API's synchronous
/// constructor does (`WebAssembly.compile` uses runtime:wasm's `compile`, off the thread).
///
/// # Errors
/// 5009 without `[capabilities.wasm] load`; 5000 if the bytes are not a valid module.
#[op2(fast)]
pub fn op_wasm_module_compile_sync(state: &mut OpState, #[buffer] bytes: &[u8]) -> Result<f64, WasmError> {
  state.borrow::<Arc<WasmPermissions>>().load.check_any("new WebAssembly.Module")?;
  crate::module::compile_here(state, bytes)
}

/// `WebAssembly.validate(bytes)`: whether the bytes are a valid core module binary for Kiln's
/// engine (WAT text and components are not).
///
/// # Errors
/// 5009 without `[capabilities.wasm] load`, as the engine's own `validate` was gated.
#[op2(fast)]
pub fn op_wasm_module_validate(state: &mut OpState, #[buffer] bytes: &[u8]) -> Result<bool, WasmError> {
  state.borrow::<Arc<WasmPermissions>>().load.check_any("WebAssembly.validate")?;
  let engines = state.borrow::<SharedEngines>().0.clone();
  Ok(Module::validate(&engines.plain()?.engine, bytes).is_ok())
}

/// `WebAssembly.Module.exports(module)`: the exports of a compiled module, in order.
///
/// # Errors
/// 5004 if the id names no live core module.
#[op2]
#[serde]
pub fn op_wasm_module_exports(state: &mut OpState, module_id: f64) -> Result<Vec<ExportInfo>, WasmError> {
  let module = state.borrow::<ModuleTable>().lookup(module_id)?;
  Ok(exports_of(&module.first().module))
}

/// Reads the exported global `name` of an instance (`adopted`: see `with_global`) into `out` (one
/// 8-byte slot, value.rs) and returns its value type (`"i32"`, `"i64"`, `"f32"`, `"f64"`, or, in a
/// store of the `WebAssembly` global, `"externref"`: the slot holds its JS value's number,
/// js_ref.rs).
///
/// # Errors
/// 5005 for an unknown instance; 5006 while its store is busy; 5007 if it has no such global or
/// the global's type is one the store does not pass.
#[op2]
#[string]
pub fn op_wasm_global_get(
  state: &mut OpState,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  #[buffer] out: &mut [u8],
) -> Result<String, WasmError> {
  with_global(state, instance_id, name, adopted, |store, global| {
    let ty = global.ty(&*store);
    let mut scope = RootScope::new(store);
    if !passes(&scope, ty.content()) || out.len() < SLOT {
      return Err(not_a_number(name, &value_name(ty.content())));
    }
    let value = global.get(&mut scope);
    out[..SLOT].copy_from_slice(&to_slot(&scope, &value));
    Ok(value_name(ty.content()))
  })
}

/// Sets the exported mutable global `name` of an instance to the value in `value` (one slot of
/// the global's type, value.rs).
///
/// # Errors
/// As [`op_wasm_global_get`], and 5007 if the global is immutable.
#[op2(fast)]
pub fn op_wasm_global_set(
  state: &mut OpState,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  #[buffer] value: &[u8],
) -> Result<(), WasmError> {
  with_global(state, instance_id, name, adopted, |store, global| {
    let ty = global.ty(&*store);
    if ty.mutability() == Mutability::Const {
      return Err(WasmError::type_error(format!(
        "the global `{name}` is immutable: the module declares it without `mut`, so it cannot be set"
      )));
    }
    if value.len() < SLOT {
      return Err(WasmError::type_error(format!("global `{name}`: the value buffer holds {} bytes", value.len())));
    }
    // An `externref` made for the value is rooted for this operation only.
    let mut scope = RootScope::new(store);
    let new =
      to_val(&mut scope, ty.content(), slot(value, 0))?.ok_or_else(|| not_a_number(name, &value_name(ty.content())))?;
    global.set(&mut scope, new).map_err(|e| WasmError::type_error(format!("cannot set the global `{name}`: {e}")))
  })
}

fn not_a_number(name: &str, ty: &str) -> WasmError {
  WasmError::type_error(format!(
    "the global `{name}` holds a {ty}, which Kiln's WebAssembly does not pass to JS (only i32, i64, \
     f32, f64 and externref globals are read and set)"
  ))
}

/// Runs `f` on the exported global `name` of an instance (or, for `adopted` ≥ 0, on the global
/// made for host import number `adopted`: a mutable `WebAssembly.Global` made in JS, link.rs),
/// with its store locked.
fn with_global<R>(
  state: &mut OpState,
  instance_id: f64,
  name: &str,
  adopted: i32,
  f: impl FnOnce(&mut Store<StoreData>, Global) -> Result<R, WasmError>,
) -> Result<R, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  let Ok(mut kiln) = entry.store.try_lock() else {
    return Err(WasmError::memory(format!(
      "global `{name}`: the instance is busy: a call or memory operation on it (or on an instance \
       linked with it) is still running; await it first"
    )));
  };
  let kiln = &mut *kiln;
  let global = match u32::try_from(adopted) {
    Ok(index) => kiln.store.data().adopted(index).and_then(|e| e.clone().into_global()),
    Err(_) => kiln.members[entry.member].instance.get_global(&mut kiln.store, name),
  };
  let global = global.ok_or_else(|| {
    WasmError::type_error(format!("the instance exports no global named `{name}`; see WebAssembly.Module.exports"))
  })?;
  f(&mut kiln.store, global)
}

/// The number of an instance's exported tag `name` (or, for `adopted` ≥ 0, of the tag made for
/// host import number `adopted`: a `WebAssembly.Tag` made in JS, link.rs) and its parameter
/// types: one number per tag, Kiln-wide, so that JS has one `WebAssembly.Tag` object for it and
/// knows it in the exceptions that reach JS (exception.rs).
///
/// # Errors
/// 5005 for an unknown instance; 5006 while its store is busy; 5007 if it has no such tag.
#[op2]
#[serde]
pub fn op_wasm_tag_number(
  state: &mut OpState,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
) -> Result<(u32, Vec<String>), WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  let Ok(mut kiln) = entry.store.try_lock() else {
    return Err(WasmError::memory(format!(
      "tag `{name}`: the instance is busy: a call on it (or on an instance linked with it) is still running; await it first"
    )));
  };
  let kiln = &mut *kiln;
  let tag = match u32::try_from(adopted) {
    Ok(index) => kiln.store.data().adopted(index).and_then(|e| e.clone().into_tag()),
    Err(_) => kiln.members[entry.member].instance.get_export(&mut kiln.store, name).and_then(|e| e.into_tag()),
  };
  let tag = tag.ok_or_else(|| WasmError::type_error(format!("the instance exports no tag named `{name}`")))?;
  let types = tag.ty(&kiln.store).ty().params().map(|t| value_name(&t)).collect();
  Ok((crate::exception::tag_number(&mut kiln.store, &tag), types))
}
