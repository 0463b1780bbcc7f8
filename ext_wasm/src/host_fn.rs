//! JS host functions as wasmtime functions. A host function runs one of two ways, by where its
//! guest runs: on the JS thread's own stack it calls JS directly (host_direct.rs); on a fiber it
//! waits for the JS side (host.rs, `serve`).

use std::sync::Arc;

use wasmtime::{AsContextMut, Caller, Func, FuncType, Linker, Val, ValType};

use crate::error::WasmError;
use crate::host::{apply, serve, Args};
use crate::js_ref::is_ref;
use crate::store::StoreData;
use crate::value::unsupported;

/// Defines host function number `index` as `module.name` of type `ty` in `linker`. With `refs`
/// (a store of the `WebAssembly` global), `externref` values pass too (js_ref.rs).
///
/// # Errors
/// 5001 if `ty` has a type Kiln cannot pass (v128, function references; `externref` without
/// `refs`).
pub fn define(
  linker: &mut Linker<StoreData>,
  module: &str,
  name: &str,
  ty: FuncType,
  index: u32,
  refs: bool,
) -> Result<(), WasmError> {
  let qualified = format!("{module}.{name}");
  for value in ty.params().chain(ty.results()) {
    let passes = matches!(value, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64) || (refs && is_ref(&value));
    if !passes {
      let role = "value";
      return Err(WasmError::instantiate(format!(
        "cannot instantiate the module: its import {}",
        unsupported(&qualified, &value, role)
      )));
    }
  }
  let result_types: Arc<[ValType]> = ty.results().collect();
  linker
    .func_new(module, name, ty, move |mut caller, params, results| {
      run(&mut caller, params, results, index, &result_types)
    })
    .map_err(|e| WasmError::instantiate(format!("cannot define the host function `{qualified}`: {e}")))?;
  Ok(())
}

/// A function of the store `cx` reaches that runs host function number `index` (a JS function
/// a `WebAssembly.Table` was given: table.rs), of type `ty`: one of numbers only.
pub fn js_func(cx: impl AsContextMut<Data = StoreData>, ty: FuncType, index: u32) -> Func {
  let result_types: Arc<[ValType]> = ty.results().collect();
  Func::new(cx, ty, move |mut caller, params, results| run(&mut caller, params, results, index, &result_types))
}

/// What host function number `index` does when the guest calls it. The functions are defined
/// synchronous (`Func::new`), so that a store with no other async functions can take a
/// synchronous call on the JS thread's own stack: then the function calls JS directly
/// (host_direct.rs). On a fiber (`call_async`: `await instance.call`, an instantiation, a store
/// with WASI) it waits for the JS side as the module docs say, through wasmtime's `block_on`
/// (patches/wasmtime.patch), as an async host function would.
fn run(
  caller: &mut Caller<'_, StoreData>,
  params: &[Val],
  results: &mut [Val],
  index: u32,
  result_types: &Arc<[ValType]>,
) -> wasmtime::Result<()> {
  if !caller.on_fiber() {
    return crate::host_direct::call(caller, index, params, results, result_types);
  }
  let args = Args::of(&*caller, params, result_types);
  let answer = caller.block_on(move |caller| Box::into_pin(serve(caller, args, index)))?;
  apply(caller, answer, result_types, results)
}
