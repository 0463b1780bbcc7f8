//! `instance.exports.f(...)` of a component, for a function whose types all have a direct form
//! (js_values.rs): the op reads the JS arguments itself and makes the JS result, so a call runs
//! none of Kiln's JS and fills no byte buffer.
//!
//! JS binds the op once per such function, as `op_wasm_component_call_direct.bind(again,
//! packed)` (ts/wasm_component.ts), where `again` is the function's JS path. Arguments the op
//! refuses (a count that is not the arity, a value that does not fit its type) are handed to
//! `again` with the call's arguments: it converts them or throws the error that names the misfit.
//! What it returns or throws is the call's.
//!
//! The arguments are read before the store is locked and with no `OpState` borrowed: reading
//! them may run getters and proxy traps, which may call any op, this instance's functions
//! included.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use deno_core::{op2, v8, OpState};
use wasmtime::component::{Type, Val};

use super::call::{block_on, busy, invoke};
use super::js_values::{to_js, to_val, Lent, Shape, Stop};
use super::make::ComponentTable;
use crate::engine::SharedEngines;
use crate::error::WasmError;
use crate::handles::unpack_export;
use crate::store::Mode;

/// The shapes of an exported function's parameters and results.
pub struct Direct {
  params: Vec<Shape>,
  results: Vec<Shape>,
}

impl Direct {
  /// The shapes of a function's types, if every one has a direct form.
  pub fn of(params: &[Type], results: &[Type]) -> Option<Direct> {
    Some(Direct {
      params: params.iter().map(Shape::of).collect::<Option<_>>()?,
      results: results.iter().map(Shape::of).collect::<Option<_>>()?,
    })
  }
}

/// `instance.exports.f(...args)` on the direct path: `args` are the packed instance id and
/// function index (`instance_id * 2^16 + index`), then the call's arguments.
///
/// # Errors
/// 5005 for an instance that is gone, 5009 without `execute`, 5002 while an `instance.call` runs
/// on it, and the classified error of a call that failed.
#[op2]
pub fn op_wasm_component_call_direct<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: Rc<RefCell<OpState>>,
  #[varargs] args: Option<&v8::FunctionCallbackArguments<'s>>,
) -> Result<v8::Local<'s, v8::Value>, WasmError> {
  let Some(args) = args else {
    return Err(WasmError::type_error("op_wasm_component_call_direct is called as a bound export function"));
  };
  let packed = crate::call_sync::number(&args.get(0)).ok_or_else(|| {
    WasmError::type_error("op_wasm_component_call_direct: bind it to an export's number, as ts/wasm_component.ts does")
  })?;
  let (instance_id, index) = unpack_export(packed);
  let (shared, shapes, host) = {
    let state = state.borrow();
    let entry = state.borrow::<ComponentTable>().lookup_for_call(instance_id)?;
    (entry.store.clone(), entry.direct.clone(), entry.host.is_some())
  };
  // A store with JS host functions is driven from JS (hostcall.rs): blocking here on a guest that
  // calls one would wait for JS that cannot run. JS binds this op only for stores without them.
  let (Some(Some(direct)), false) = (shapes.get(index as usize), host) else {
    return again(scope, args);
  };
  let given = args.length().max(1) as usize - 1;
  if given != direct.params.len() {
    return again(scope, args);
  }
  let mut params = Vec::with_capacity(given);
  let mut lent = Vec::new();
  for (i, shape) in (1..).zip(&direct.params) {
    match to_val(scope, shape, args.get(i), &mut lent) {
      Ok(value) => params.push(value),
      Err(Stop::Refused) => return again(scope, args),
      // The exception is pending: it reaches the caller when the op returns.
      Err(Stop::Threw) => return Ok(v8::undefined(scope).into()),
    }
  }
  // A getter of a later argument emptied the buffer of a `list<u8>` lent before: the JS path
  // reads the arguments again, as they are now.
  if !lent.iter().all(Lent::holds) {
    drop(params);
    return again(scope, args);
  }
  let mut guard = shared.try_lock().map_err(|_| busy())?;
  let kiln = &mut *guard;
  kiln.params.clear();
  kiln.params.extend(params);
  let stop_at = kiln.config.timeout_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
  // Each `OpState` entry borrowed is a map search: the engines only when a deadline needs them.
  let engines = stop_at.map(|_| state.borrow().borrow::<SharedEngines>().0.clone());
  // No JS runs from here until the call ends (the store has no JS host functions), and the
  // parameters are cleared after it, however it ended: the lent bytes are not used once the op
  // returns.
  let called = block_on(invoke(engines.as_deref(), kiln, index, Mode::Sync), stop_at);
  kiln.params.clear();
  called?;
  let (Some(shape), Some(result)) = (direct.results.first(), kiln.results.pop()) else {
    return Ok(v8::undefined(scope).into());
  };
  drop(guard);
  let too_large = || WasmError::call("the function's result is too large for a JS value");
  // A `result` returned at the top is its `ok` value, or its `err` value thrown as a
  // ComponentError, which the JS path makes (`fail`, ts/wasm_component.ts).
  let (ok, err, outcome) = match (shape, result) {
    (Shape::Result(ok, err), Val::Result(outcome)) => (ok, err, outcome),
    (shape, result) => return to_js(scope, shape, result).ok_or_else(too_large),
  };
  let (failed, shape, payload) = match outcome {
    Ok(payload) => (false, ok, payload),
    Err(payload) => (true, err, payload),
  };
  let value = match (shape, payload) {
    (Some(shape), Some(value)) => to_js(scope, shape, *value).ok_or_else(too_large)?,
    _ => v8::undefined(scope).into(),
  };
  if !failed {
    return Ok(value);
  }
  let this: v8::Local<v8::Value> = args.this().into();
  let fail = v8::String::new(scope, "fail")
    .and_then(|name| v8::Local::<v8::Object>::try_from(this).ok()?.get(scope, name.into()))
    .and_then(|fail| v8::Local::<v8::Function>::try_from(fail).ok());
  let Some(fail) = fail else {
    return Err(WasmError::type_error("op_wasm_component_call_direct is bound to the function's JS path"));
  };
  let recv = v8::undefined(scope).into();
  // It throws the ComponentError: the exception is pending, and reaches the caller.
  Ok(fail.call(scope, recv, &[value]).unwrap_or_else(|| v8::undefined(scope).into()))
}

/// The call handed to the function the op is bound to (its JS path), with the call's arguments.
fn again<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  args: &v8::FunctionCallbackArguments<'s>,
) -> Result<v8::Local<'s, v8::Value>, WasmError> {
  let this: v8::Local<v8::Value> = args.this().into();
  let Ok(again) = v8::Local::<v8::Function>::try_from(this) else {
    return Err(WasmError::type_error("op_wasm_component_call_direct is bound to the function's JS path"));
  };
  let given: Vec<v8::Local<v8::Value>> = (1..args.length()).map(|i| args.get(i)).collect();
  let recv = v8::undefined(scope).into();
  // `None`: it threw, and the exception is pending.
  Ok(again.call(scope, recv, &given).unwrap_or_else(|| v8::undefined(scope).into()))
}
