//! JS host functions as wasmtime functions. A host function runs one of two ways, by where its
//! guest runs: on the JS thread's own stack it calls JS directly (host_direct.rs); on a fiber it
//! waits for the JS side (host.rs, `serve`).

use std::mem::MaybeUninit;
use std::sync::Arc;

use wasmtime::{AsContextMut, Caller, Func, FuncType, Linker, Val, ValRaw, ValType};

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
  let param_types: Arc<[ValType]> = ty.params().collect();
  let result_types: Arc<[ValType]> = ty.results().collect();
  let defined = if numbers(&param_types) && numbers(&result_types) {
    // SAFETY: `run_numbers` reads each parameter as the type `ty` gives it and writes each
    // result as the type `ty` gives it (checked against the value before it is written); all of
    // them are numbers, so no GC reference is read or written.
    unsafe {
      linker.func_new_unchecked(module, name, ty, move |mut caller, raw| {
        run_numbers(&mut caller, raw, index, &param_types, &result_types)
      })
    }
  } else {
    linker.func_new(module, name, ty, move |mut caller, params, results| {
      run(&mut caller, params, results, index, &result_types)
    })
  };
  defined.map_err(|e| WasmError::instantiate(format!("cannot define the host function `{qualified}`: {e}")))?;
  Ok(())
}

/// The most values of each kind a host function of numbers may have for `run_numbers` to take it:
/// its values are kept on the stack.
const ON_STACK: usize = 8;

/// Whether `types` are numbers only, and few enough for `run_numbers`.
fn numbers(types: &[ValType]) -> bool {
  types.len() <= ON_STACK
    && types.iter().all(|t| matches!(t, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64))
}

/// `run` for a host function whose values are all numbers, called with wasmtime's raw values:
/// the parameters converted here by their known types, without `Func::new`'s conversions (a
/// vector of values taken from the store, each type looked up in the engine's registry, each
/// result's type checked there), which were a sixth of a round trip's time on the JS thread's
/// stack.
fn run_numbers(
  caller: &mut Caller<'_, StoreData>,
  raw: &mut [MaybeUninit<ValRaw>],
  index: u32,
  param_types: &[ValType],
  result_types: &Arc<[ValType]>,
) -> wasmtime::Result<()> {
  let mut params = [Val::I32(0); ON_STACK];
  for ((param, ty), slot) in params.iter_mut().zip(param_types).zip(raw.iter()) {
    // SAFETY: wasmtime passes the function's parameters initialized, first in `raw`.
    let value = unsafe { slot.assume_init() };
    *param = match ty {
      ValType::I32 => Val::I32(value.get_i32()),
      ValType::I64 => Val::I64(value.get_i64()),
      ValType::F32 => Val::F32(value.get_f32()),
      _ => Val::F64(value.get_f64()),
    };
  }
  let mut results = [Val::I32(0); ON_STACK];
  let results = &mut results[..result_types.len()];
  run(caller, &params[..param_types.len()], results, index, result_types)?;
  for ((result, ty), slot) in results.iter().zip(result_types.iter()).zip(raw.iter_mut()) {
    let value = match (result, ty) {
      (Val::I32(v), ValType::I32) => ValRaw::i32(*v),
      (Val::I64(v), ValType::I64) => ValRaw::i64(*v),
      (Val::F32(v), ValType::F32) => ValRaw::f32(*v),
      (Val::F64(v), ValType::F64) => ValRaw::f64(*v),
      _ => return Err(WasmError::call("a host function's result has the wrong type; this is a bug in Kiln").into()),
    };
    slot.write(value);
  }
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
