//! Calls back into a store from inside one of its JS host functions: `caller.exports.name(...)`,
//! and the `WebAssembly` API's functions (exports, and functions its tables hand out) called from
//! the imports of their own instance. The waiting host function makes the call with its `Caller`
//! (host.rs, `Command::Call`), nested on the guest's fiber; the JS side drives it as any
//! synchronous call (hostcall.rs). A host function running on the JS thread's stack
//! (host_direct.rs) makes it at once, with its `Caller`; with numbers only, in one op that takes
//! and returns them (`op_wasm_caller_call_numbers`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{op2, v8, OpState};
use wasmtime::{AsContextMut, Caller, ValRaw, ValType};

use crate::error::WasmError;
use crate::handles::parse_id;
use crate::host::conclude_call;
use crate::host::{CallTarget, Command, Event};
use crate::host_direct::{with_innermost, Callers};
use crate::hostcall::{
  command_sync, direct_callers_of, no_call, put_back, report_and_keep, write_slots, HostCalls, Step, CALLED,
};
use crate::instance::InstanceTable;
use crate::memory_view::detach_grown_in;
use crate::slot_values::read_slots;
use crate::store::StoreData;

/// `caller.exports.name(...args)`: calls back into the calling instance (arguments in `slots`).
/// Returns `CALLED` with the results in `slots`, or a host function's number if the nested call
/// calls one (drive it with `op_wasm_hcall_resume_sync` until `CALLED`).
#[op2(nofast)]
pub fn op_wasm_caller_call(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  #[string] name: &str,
  count: u32,
  #[buffer] slots: &mut [u8],
) -> Result<f64, WasmError> {
  let called = call_back(&state, token, CallTarget::Export(name.to_string()), count, slots);
  detach_grown_in(scope, &state);
  called
}

/// Calls function `index` of instance `instance_id` (an export, or a function a table handed
/// out: table.rs) from inside a host function of its store, through that host call's caller, as
/// [`op_wasm_caller_call`] does: for the `WebAssembly` API's functions called from the imports
/// of their own instance.
///
/// # Errors
/// 5005 if the instance is not in the store of host call `token`.
#[op2(nofast)]
pub fn op_wasm_caller_call_index(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  instance_id: f64,
  index: u32,
  count: u32,
  #[buffer] slots: &mut [u8],
) -> Result<f64, WasmError> {
  let (instance, _) = in_call(&state, token, instance_id)?;
  let called = call_back(&state, token, CallTarget::Index(instance, index), count, slots);
  detach_grown_in(scope, &state);
  called
}

/// [`op_wasm_caller_call_index`] for a function whose values are all i32, f32 or f64 (at most
/// three arguments, `count` of `a`, `b`, `c`, already converted to their types by the JS API's
/// rules, and at most one result), the function given as `instance_id * 2^16 + index`
/// (`handles::unpack_export`): the `WebAssembly` API's exports called from their own instance's
/// imports (emscripten's `invoke_*` wrappers call one on every call). Returns the result (undefined
/// for none), without a slot buffer; null, having done nothing, if the host call does not run on
/// the JS thread's stack (its store's calls are driven from JS: use `op_wasm_caller_call_index`).
///
/// # Errors
/// As [`op_wasm_caller_call_index`].
#[op2]
#[allow(clippy::too_many_arguments, reason = "an op's arguments are what the JS side passes")]
pub fn op_wasm_caller_call_numbers<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  packed: f64,
  count: u32,
  a: f64,
  b: f64,
  c: f64,
) -> Result<v8::Local<'s, v8::Value>, WasmError> {
  let (instance_id, index) = crate::handles::unpack_export(packed);
  let (instance, direct) = in_call(&state, token, instance_id)?;
  let Some(callers) = direct else {
    return Ok(v8::null(scope).into());
  };
  let args = [a, b, c];
  let args = &args[..(count as usize).min(3)];
  let called = with_innermost(&callers, |caller| call_back_numbers(caller, instance, index, args));
  detach_grown_in(scope, &state);
  Ok(match called? {
    Some(result) => v8::Number::new(scope, result).into(),
    None => v8::undefined(scope).into(),
  })
}

/// `call_back_sync` (host.rs) of function `index` of `instance` with `args`, numbers already of its
/// parameters' types (the JS API's conversions made), and its one result, if any, as a number:
/// with wasmtime's raw values, without `Func::call`'s check of each value against the function's
/// type in the engine's registry (the types are the function's own, read here).
///
/// # Errors
/// As `call_back_sync` (host.rs); 5007 if the function has a value other than an i32, f32 or f64, more
/// than one result, or not `args.len()` parameters (the JS side checks all three first).
pub(crate) fn call_back_numbers(
  caller: &mut Caller<'_, StoreData>,
  instance: wasmtime::Instance,
  index: u32,
  args: &[f64],
) -> Result<Option<f64>, WasmError> {
  let callee = crate::callee::callee_at(caller.as_context_mut(), instance, index).ok_or_else(|| {
    WasmError::export_not_found(format!("the instance has no function number {index}; this is a bug in Kiln"))
  })?;
  let numbers = |types: &[ValType]| types.iter().all(|t| matches!(t, ValType::I32 | ValType::F32 | ValType::F64));
  if callee.params.len() != args.len()
    || callee.results.len() > 1
    || !numbers(&callee.params)
    || !numbers(&callee.results)
  {
    return Err(WasmError::type_error(format!(
      "`{}` was called with numbers, but its values are not {} numbers; this is a bug in Kiln",
      callee.name,
      args.len()
    )));
  }
  // Room for the arguments, then the result (at most three and one: checked above).
  let mut raw = [ValRaw::i32(0); 3];
  for (value, (ty, &n)) in raw.iter_mut().zip(callee.params.iter().zip(args)) {
    *value = match ty {
      ValType::I32 => ValRaw::i32(n as i32),
      ValType::F32 => ValRaw::f32((n as f32).to_bits()),
      _ => ValRaw::f64(n.to_bits()),
    };
  }
  let room = std::ptr::from_mut(&mut raw[..args.len().max(1)]);
  // SAFETY: `room` is a live array with a value of each parameter's type, as the function's type
  // (just read from it) gives them, and room for its one result; all are numbers, so there is no
  // reference to keep valid; the call is not made from a fiber (only a call running on the JS
  // thread's stack calls back this way: caller_call.rs).
  let outcome = unsafe { callee.func.call_unchecked(&mut *caller, room) };
  conclude_call(caller, outcome, &callee.name, Vec::new())?;
  Ok(callee.results.first().map(|ty| match ty {
    ValType::I32 => f64::from(raw[0].get_i32()),
    ValType::F32 => f64::from(f32::from_bits(raw[0].get_f32())),
    _ => f64::from_bits(raw[0].get_f64()),
  }))
}

/// Instance `instance_id`, which must be in the store of host call `token`, and the call's
/// `Caller`s if it runs on the JS thread's stack.
fn in_call(
  state: &Rc<RefCell<OpState>>,
  token: f64,
  instance_id: f64,
) -> Result<(wasmtime::Instance, Option<Rc<Callers>>), WasmError> {
  let state = state.borrow();
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  let calls = state.borrow::<HostCalls>().0.borrow();
  let parked = parse_id(token).and_then(|id| calls.get(id)).ok_or_else(|| no_call(token))?;
  if !parked.store.as_ref().is_some_and(|(_, store)| Arc::ptr_eq(store, &entry.store)) {
    return Err(WasmError::invalid_instance(
      "a host function can call back only into instances of its own store; await the call instead",
    ));
  }
  Ok((entry.instance, parked.direct_callers().cloned()))
}

fn call_back(
  state: &Rc<RefCell<OpState>>,
  token: f64,
  target: CallTarget,
  count: u32,
  slots: &mut [u8],
) -> Result<f64, WasmError> {
  let args = read_slots(slots, count as usize)?;
  // A call that runs on the JS thread's stack calls back at once (host_direct.rs); one parked on
  // a fiber is given the call as a command, and its host functions come to JS as steps.
  if let Some(callers) = direct_callers_of(state, token) {
    let values = crate::host_direct::call_back(&callers, target, &args)?;
    write_slots(&values, slots)?;
    return Ok(CALLED);
  }
  let (parked, step) = command_sync(state, token, Command::Call { target, args })?;
  report_and_keep(state, token, parked, step, slots)
}

/// The signature of the caller's export `name`, as type names.
#[op2]
#[serde]
pub fn op_wasm_caller_signature(
  state: Rc<RefCell<OpState>>,
  token: f64,
  #[string] name: String,
) -> Result<(Vec<&'static str>, Vec<&'static str>), WasmError> {
  let (parked, step) = command_sync(&state, token, Command::Signature(name))?;
  let answer = match step {
    Step::Event(Event::Signature(answer)) => answer,
    _ => Err(WasmError::call("the host call ended while asking for a signature")),
  };
  put_back(&state, token, parked);
  answer
}
