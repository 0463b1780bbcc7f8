//! A [`WasmError`] made into its JS error by Rust, for the ops that run guest code synchronously:
//! the synchronous calls, and the first poll of an awaited call (call.rs, call_first.rs).
//!
//! An op that returns `Err` has deno_core make the error: it calls the realm's custom error
//! builder, JS that makes the error with the class ext_wasm/js/errors.js registered, captures its
//! stack again, and copies the additional properties from an array of pairs. In QuickJS a failing
//! op took 4.1 µs that way and takes 1.7 µs this way (BENCHMARKS.md, the thirty-fifth pass), paid
//! on every trap and every exception that leaves the guest (an emscripten C++ exception thrown by
//! its JS glue crosses out of the guest at every `invoke_*` that catches it). [`thrown`] makes
//! the same object with the engine's API and throws it, so the op returns as if it had succeeded,
//! with the exception pending. The one JS that runs is the global's `Error` constructor, which
//! the builder calls too.
//!
//! The same object: an `Error` (a `TypeError` for 5007) of the global's constructor, its `name`
//! the code's own property (writable, configurable, not enumerable, as errors.js defines it), the
//! additional properties (`code`, and `exitCode`, `stage`, `exception` when set) as enumerable
//! data properties, and their keys under `Symbol.for("errorAdditionalPropertyKeys")`, as
//! deno_core's builder records them. Its stack is the op's caller's, as the builder's is.
//!
//! An error that carries an exception out of the guest (`WasmError::thrown`, which only the
//! `WebAssembly` global's stores make) is thrown as what the JS function ts/wasm_exception.ts
//! registers returns instead ([`op_wasm_exception_maker`]: one object, `CARRIED`, with the
//! exception kept beside it), which the op's caller makes the value the exception stands for: the `WebAssembly.Exception`, or the
//! JS value a JS import threw through the guest. The Error would only have been unwrapped into
//! that value in JS. (The caller, not the maker, makes the value: only the caller reaches the JS
//! values of the store, which the store's own objects keep, js_ref.rs.) In the same way, a failed call (a trap) of one
//! of the global's instances without JS host functions (`WasmError::is_runtime_error`) is thrown
//! as the `WebAssembly.RuntimeError` its JS would have made of Kiln's error.

use deno_core::{op2, v8};
use deno_error::JsErrorClass;

use crate::error::{ErrorCode, Property, WasmError};
use crate::exception::Thrown;
use crate::value::SLOT;

/// `outcome`, with its error thrown into JS here rather than by deno_core's op wrapper: an `Err`
/// becomes `Ok` of the default value, which JS never sees, since the op's call throws.
pub fn thrown<T: Default>(scope: &mut v8::PinScope<'_, '_>, outcome: Result<T, WasmError>) -> Result<T, WasmError> {
  match outcome {
    Err(error) => {
      throw(scope, &error);
      Ok(T::default())
    }
    ok => ok,
  }
}

/// Throws what JS gets for `error` ([`exception_of`]); the op that calls this returns `Ok` of a
/// value JS never sees.
pub fn throw(scope: &mut v8::PinScope<'_, '_>, error: &WasmError) {
  let exception = exception_of(scope, error);
  scope.throw_exception(exception);
}

/// What JS gets for `error`: what the maker makes of the exception out of the guest it carries, or the
/// `WebAssembly.RuntimeError` of a `WebAssembly` global's failed call, where the global's JS has
/// said how to make them ([`op_wasm_exception_maker`]), else its [`error_object`].
pub fn exception_of<'s>(scope: &mut v8::PinScope<'s, '_>, error: &WasmError) -> v8::Local<'s, v8::Value> {
  let made = match error.thrown() {
    Some(thrown) => thrown_value(scope, thrown),
    None if error.is_runtime_error() => runtime_error(scope, error),
    None => None,
  };
  made.unwrap_or_else(|| error_object(scope, error))
}

/// ts/wasm_exception.ts's `thrownByOp`, which makes what a synchronous op throws for an exception
/// out of the guest from [`thrown_items`]: kept in the isolate, as the JS side registers it on the first
/// instantiation through the `WebAssembly` global (not while the start-up snapshot is made, which
/// keeps no isolate slots).
struct ExceptionMaker(v8::Global<v8::Function>);

/// The `WebAssembly` global's maker of a `WebAssembly.RuntimeError` from a message (registered
/// with [`ExceptionMaker`]). A trap of its instances was made into Kiln's error here, then into a
/// RuntimeError by its JS (`standard`): two errors, each with its stack captured, about a third
/// and a sixth of a trap caught in JS by `perf` (5.7 → 3.8 µs by probe: BENCHMARKS.md, the
/// forty-first pass).
struct RuntimeErrorMaker(v8::Global<v8::Function>);

/// Registers `maker` (ts/wasm_exception.ts, `thrownByOp`): from now on the synchronous ops throw
/// an exception out of the guest as what it returns, which `standard` makes the
/// `WebAssembly.Exception` or JS value it stands for, rather than as an error that carries it. An Error made, its stack captured
/// and its properties set, then unwrapped in JS, took most of the 5.1 µs of an exception caught in
/// JS (BENCHMARKS.md, the thirty-ninth pass). `runtime_error` makes a `WebAssembly.RuntimeError`
/// from a message ([`RuntimeErrorMaker`]), for the failed calls of the global's instances.
#[op2(fast)]
pub fn op_wasm_exception_maker(
  scope: &mut v8::PinScope<'_, '_>,
  maker: v8::Local<v8::Value>,
  runtime_error: v8::Local<v8::Value>,
) -> Result<(), WasmError> {
  let refused = |_| WasmError::type_error("op_wasm_exception_maker takes two functions (ts/wasm_exception.ts)");
  let maker = v8::Local::<v8::Function>::try_from(maker).map_err(refused)?;
  let runtime_error = v8::Local::<v8::Function>::try_from(runtime_error).map_err(refused)?;
  let maker = v8::Global::new(scope, maker);
  let runtime_error = v8::Global::new(scope, runtime_error);
  scope.set_slot(ExceptionMaker(maker));
  scope.set_slot(RuntimeErrorMaker(runtime_error));
  Ok(())
}

/// The `WebAssembly.RuntimeError` of `error`, made by the registered maker with its message;
/// `None` if none is registered or it threw (Kiln's error is thrown instead, which the global's
/// JS makes into the same RuntimeError).
fn runtime_error<'s>(scope: &mut v8::PinScope<'s, '_>, error: &WasmError) -> Option<v8::Local<'s, v8::Value>> {
  let maker = v8::Local::new(scope, &scope.get_slot::<RuntimeErrorMaker>()?.0);
  let message = v8::String::new(scope, &error.get_message())?.into();
  v8::tc_scope!(let tc, scope);
  let recv = v8::undefined(tc).into();
  let value = maker.call(tc, recv, &[message]);
  if value.is_none() {
    tc.reset();
  }
  value
}

/// What JS gets for exception `thrown`, made by the registered maker; `None` if none is
/// registered or it threw (the error that carries the exception is thrown instead).
fn thrown_value<'s>(scope: &mut v8::PinScope<'s, '_>, thrown: &Thrown) -> Option<v8::Local<'s, v8::Value>> {
  let maker = v8::Local::new(scope, &scope.get_slot::<ExceptionMaker>()?.0);
  // The maker's arguments: the first two items, and a tag's payload as an array (the exception's
  // own), not as more arguments, which the JS would gather into an array for every exception.
  let [first, second] = thrown_head(scope, thrown);
  let args = match thrown {
    Thrown::Value(_) => vec![first, second],
    Thrown::Tagged { types, payload, .. } => {
      let values = payload_values(scope, types, payload);
      vec![first, second, v8::Array::new_with_elements(scope, &values).into()]
    }
  };
  v8::tc_scope!(let tc, scope);
  let recv = v8::undefined(tc).into();
  let value = maker.call(tc, recv, &args);
  if value.is_none() {
    tc.reset();
  }
  value
}

/// The JS error of `error`, as deno_core's custom error builder would make it (see the module
/// comment), made without the builder.
fn error_object<'s>(scope: &mut v8::PinScope<'s, '_>, error: &WasmError) -> v8::Local<'s, v8::Value> {
  let message = v8::String::new(scope, &error.get_message()).unwrap_or_else(|| v8::String::empty(scope));
  let exception = if error.code() == ErrorCode::TypeError {
    v8::Exception::type_error(scope, message)
  } else {
    v8::Exception::error(scope, message)
  };
  let Ok(object) = v8::Local::<v8::Object>::try_from(exception) else {
    // The global's `Error` is not a constructor (the app replaced it): the message itself, as
    // deno_core's `to_v8_error` falls back to when its builder fails.
    return message.into();
  };
  if let (Some(key), Some(name)) = (v8::String::new(scope, "name"), v8::String::new(scope, error.code().name())) {
    object.define_own_property(scope, key.into(), name.into(), v8::PropertyAttribute::DONT_ENUM);
  }
  let mut keys: Vec<v8::Local<v8::Value>> = Vec::with_capacity(4);
  for (key, value) in error.properties() {
    let Some(key) = v8::String::new(scope, key) else { continue };
    // As the builder: a property the object has already (its prototype's, say) is left alone.
    if object.has(scope, key.into()) == Some(true) {
      continue;
    }
    let value: v8::Local<v8::Value> = match value {
      Property::Number(n) => v8::Number::new(scope, n).into(),
      Property::Text(text) => match v8::String::new(scope, text) {
        Some(text) => text.into(),
        None => continue,
      },
      Property::Thrown(thrown) => thrown_array(scope, thrown).into(),
    };
    object.create_data_property(scope, key.into(), value);
    keys.push(key.into());
  }
  if let Some(description) = v8::String::new(scope, "errorAdditionalPropertyKeys") {
    let symbol = v8::Symbol::for_key(scope, description);
    let keys = v8::Array::new_with_elements(scope, &keys);
    let fixed =
      v8::PropertyAttribute::READ_ONLY | v8::PropertyAttribute::DONT_ENUM | v8::PropertyAttribute::DONT_DELETE;
    object.define_own_property(scope, symbol.into(), keys.into(), fixed);
  }
  exception
}

/// An exception out of the guest as ts/wasm_exception.ts's `thrownOf` reads it from an array:
/// `[0, id]` for a JS value (its `externref` number), `[tag, types, ...payload]` for a tag's
/// exception (its number, its parameter types joined by commas, and each value as JS gets it: an
/// i64 as a BigInt, an `externref` as its number, a type JS does not get as `undefined`). The
/// text deno_core would carry instead ([`Thrown::encoded`]) is read to the same array there.
fn thrown_array<'s>(scope: &mut v8::PinScope<'s, '_>, thrown: &Thrown) -> v8::Local<'s, v8::Array> {
  let items = thrown_items(scope, thrown);
  v8::Array::new_with_elements(scope, &items)
}

/// The items of [`thrown_array`]: [`thrown_head`]'s two, then a tag's [`payload_values`].
fn thrown_items<'s>(scope: &mut v8::PinScope<'s, '_>, thrown: &Thrown) -> Vec<v8::Local<'s, v8::Value>> {
  let mut items: Vec<v8::Local<v8::Value>> = thrown_head(scope, thrown).into();
  if let Thrown::Tagged { types, payload, .. } = thrown {
    items.extend(payload_values(scope, types, payload));
  }
  items
}

/// The first two items of an exception: 0 and a JS value's number, or a tag's number and its
/// parameter types joined by commas.
fn thrown_head<'s>(scope: &mut v8::PinScope<'s, '_>, thrown: &Thrown) -> [v8::Local<'s, v8::Value>; 2] {
  match thrown {
    Thrown::Value(id) => [v8::Integer::new(scope, 0).into(), v8::Number::new(scope, f64::from(*id)).into()],
    Thrown::Tagged { tag, types, .. } => {
      let joined = types.join(",");
      let types = v8::String::new(scope, &joined).map_or_else(|| v8::undefined(scope).into(), Into::into);
      [v8::Number::new(scope, f64::from(*tag)).into(), types]
    }
  }
}

/// A tag's payload, each value as JS gets it.
fn payload_values<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  types: &[String],
  payload: &[[u8; SLOT]],
) -> Vec<v8::Local<'s, v8::Value>> {
  types.iter().zip(payload).map(|(ty, slot)| payload_value(scope, ty, *slot)).collect()
}

/// A payload value of type `ty` (as WAT names it) from its slot, as JS gets it.
fn payload_value<'s>(scope: &mut v8::PinScope<'s, '_>, ty: &str, slot: [u8; SLOT]) -> v8::Local<'s, v8::Value> {
  let low = [slot[0], slot[1], slot[2], slot[3]];
  match ty {
    "i32" => v8::Number::new(scope, f64::from(i32::from_le_bytes(low))).into(),
    "i64" => v8::BigInt::new_from_i64(scope, i64::from_le_bytes(slot)).into(),
    "f32" => v8::Number::new(scope, f64::from(f32::from_le_bytes(low))).into(),
    "f64" => v8::Number::new(scope, f64::from_le_bytes(slot)).into(),
    "externref" => v8::Number::new(scope, f64::from(u32::from_le_bytes(low))).into(),
    _ => v8::undefined(scope).into(),
  }
}
