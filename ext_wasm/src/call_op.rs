//! `instance.call` as a bound op: on an instance's first `call` (of a module's instance, not a
//! component's), ts/wasm_calls.ts gives the instance an own `call`, this op bound to an object
//! of the exports `call` has called so far and to the JS method (`this`). For an export of the
//! common shape (up to three i32/f32/f64 parameters, at most one such result) that runs without
//! the host driver (hostcall.rs), the object holds its packed number, and a call runs none of
//! Kiln's JS: the op checks the arguments as
//! [`op_wasm_instance_call_args_first`](crate::call::op_wasm_instance_call_args_first) does,
//! calls, and returns the promise of the results array itself, settled already when the call
//! ended at once (a short one). In QuickJS the method's own JS (its rest array, the map lookup,
//! the op's array argument, `Promise.resolve`) was about a third of an awaited call
//! (BENCHMARKS.md, the forty-second pass). An export of the common shape that the host driver
//! runs (one that may call its store's JS host functions) has an entry the op begins the call
//! with, calling the host functions of numbers itself (call_driven.rs). For any other export the
//! object holds its JS call function (ts/wasm_calls.ts's slotsCall, ts/wasm_host_drive.ts's
//! hostCall), which the op calls with the arguments as an array: the method's lookup, without the
//! method.
//!
//! What the op does not end it hands to the bound JS function, which returns the call's promise:
//! an export not in the object (not called yet), arguments it refuses (a tagged value, a missing
//! or extra argument, an i32 out of range: the JS converts them or names the bad one), a busy
//! store, and a call that did not end on its first poll (the JS finishes it with
//! `op_wasm_call_unfinished`). Errors are the promise's rejections, as from the JS method.

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::{op2, v8, OpState};

use crate::call::{given_first, Given};
use crate::call_driven::{Driven, Outcome};
use crate::call_sync::number;
use crate::error::WasmError;
use crate::raise::exception_of;
use crate::shape::NUMBER_PARAMS;

/// The arguments of the bound op before the call's: the object of the exports called so far.
const BOUND: i32 = 1;

/// `instance.call(name, ...args)` itself, bound as `op_wasm_instance_call_bound.bind(again,
/// exports)` (ts/wasm_calls.ts, `#callAsOp`): `exports` maps the names of the exports `call` has called to
/// their packed numbers (the common shape) or call functions, and `again(unfinished, name,
/// ...args)` is the JS method (or, with `unfinished` true, the finishing of the call this op
/// started). Returns the call's promise.
#[op2]
pub fn op_wasm_instance_call_bound<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: Rc<RefCell<OpState>>,
  #[varargs] args: Option<&v8::FunctionCallbackArguments>,
) -> v8::Local<'s, v8::Value> {
  let Some(args) = args else {
    return settled(scope, Err(WasmError::type_error("op_wasm_instance_call_bound is called as a bound `call`")));
  };
  let packed = match known(scope, args) {
    Some(Known::Packed(packed)) => packed,
    Some(Known::Call(call)) => return call_js(scope, args, call),
    Some(Known::Driven(driven)) => return call_driven(scope, &state, args, &driven),
    None => return again(scope, args, false),
  };
  let Some(given) = given(args) else {
    return again(scope, args, false);
  };
  let polled = given_first(scope, &mut state.borrow_mut(), packed, &given);
  match polled {
    Ok(value) if value.is_number() => {
      let results = v8::Array::new_with_elements(scope, &[value]);
      settled(scope, Ok(results.into()))
    }
    Ok(value) if value.is_undefined() => {
      let results = v8::Array::new(scope, 0);
      settled(scope, Ok(results.into()))
    }
    // Started, not ended: the JS side finishes it.
    Ok(value) if value.is_null() => again(scope, args, true),
    // Refused (or the store is busy): the JS side names the problem or runs the call its way.
    Ok(_) => again(scope, args, false),
    Err(error) => settled(scope, Err(error)),
  }
}

/// What the bound object knows of the export a call names.
enum Known<'s> {
  /// Of the common shape, run here: its packed number.
  Packed(f64),
  /// Of another shape, or run by the host driver and not of the common shape: its JS call
  /// function (slotsCall, hostCall), which takes the arguments as an array.
  Call(v8::Local<'s, v8::Function>),
  /// Of the common shape, run by the host driver: begun here (call_driven.rs).
  Driven(Driven<'s>),
}

/// The bound object's entry for the export the call names (an object without a prototype: the
/// shim's `v8::Map` finds and calls the Map's JS `get` by name); `None` for a name that is not in
/// it.
fn known<'s>(scope: &mut v8::PinScope<'s, '_>, args: &v8::FunctionCallbackArguments) -> Option<Known<'s>> {
  let exports = v8::Local::<v8::Object>::try_from(args.get(0)).ok()?;
  let name = args.get(BOUND);
  if !name.is_string() {
    return None;
  }
  let entry = exports.get(scope, name)?;
  if let Some(packed) = number(&entry) {
    return Some(Known::Packed(packed));
  }
  if let Ok(call) = v8::Local::<v8::Function>::try_from(entry) {
    return Some(Known::Call(call));
  }
  Driven::read(scope, entry).map(Known::Driven)
}

/// A call of an export of the common shape that the host driver runs: begun and polled here if
/// its arguments are plain numbers of its types and the store is free, else made by its JS call
/// function.
fn call_driven<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &Rc<RefCell<OpState>>,
  args: &v8::FunctionCallbackArguments,
  driven: &Driven<'s>,
) -> v8::Local<'s, v8::Value> {
  let Some(given) = given(args) else {
    return call_js(scope, args, driven.call);
  };
  match crate::call_driven::call(scope, state, driven, &given) {
    Outcome::Ended(results) => settled(scope, Ok(results)),
    Outcome::Handed(promise) => promise,
    Outcome::Refused => call_js(scope, args, driven.call),
    Outcome::Failed(error) => settled(scope, Err(error)),
  }
}

/// Calls an export's JS call function with the call's arguments as an array; its promise is the
/// call's.
fn call_js<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  args: &v8::FunctionCallbackArguments,
  call: v8::Local<'s, v8::Function>,
) -> v8::Local<'s, v8::Value> {
  let given: Vec<v8::Local<v8::Value>> = (BOUND + 1..args.length()).map(|i| args.get(i)).collect();
  let array = v8::Array::new_with_elements(scope, &given).into();
  let recv = v8::undefined(scope).into();
  // The call functions return a promise and do not throw; if one did, the exception is pending
  // and reaches the caller when the op returns.
  call.call(scope, recv, &[array]).unwrap_or_else(|| v8::undefined(scope).into())
}

/// The call's arguments, if all are plain numbers and there are at most `NUMBER_PARAMS`: `call`
/// counts them all (a trailing `undefined` too, which the JS path then names).
fn given(args: &v8::FunctionCallbackArguments) -> Option<Given> {
  let first = BOUND + 1;
  let count = usize::try_from(args.length() - first).ok()?;
  if count > NUMBER_PARAMS {
    return None;
  }
  let mut numbers = [0.0; NUMBER_PARAMS];
  for (i, slot) in (first..).zip(numbers.iter_mut().take(count)) {
    *slot = number(&args.get(i))?;
  }
  Some(Given { numbers, count })
}

/// Hands the call to the bound JS function: `again(unfinished, name, ...args)`, whose promise is
/// the call's.
fn again<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  args: &v8::FunctionCallbackArguments,
  unfinished: bool,
) -> v8::Local<'s, v8::Value> {
  let this: v8::Local<v8::Value> = args.this().into();
  let Ok(again) = v8::Local::<v8::Function>::try_from(this) else {
    return settled(
      scope,
      Err(WasmError::type_error("op_wasm_instance_call_bound: bind it to `call`'s JS, as ts/wasm_calls.ts does")),
    );
  };
  let mut given: Vec<v8::Local<v8::Value>> = Vec::with_capacity(args.length().max(1) as usize);
  given.push(v8::Boolean::new(scope, unfinished).into());
  given.extend((BOUND..args.length()).map(|i| args.get(i)));
  let recv = v8::undefined(scope).into();
  // `again` returns a promise and does not throw; if it did, the exception is pending and
  // reaches the caller when the op returns.
  again.call(scope, recv, &given).unwrap_or_else(|| v8::undefined(scope).into())
}

/// A promise settled with `outcome`'s value or error.
fn settled<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  outcome: Result<v8::Local<'s, v8::Value>, WasmError>,
) -> v8::Local<'s, v8::Value> {
  let outcome = outcome.map_err(|error| exception_of(scope, &error));
  settle(scope, outcome)
}

/// A promise fulfilled with `Ok`'s value or rejected with `Err`'s.
fn settle<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  outcome: Result<v8::Local<'s, v8::Value>, v8::Local<'s, v8::Value>>,
) -> v8::Local<'s, v8::Value> {
  let Some(resolver) = v8::PromiseResolver::new(scope) else {
    return v8::undefined(scope).into();
  };
  match outcome {
    Ok(value) => resolver.resolve(scope, value),
    Err(error) => resolver.reject(scope, error),
  };
  resolver.get_promise(scope).into()
}
