//! A call's values between the slots the JS side reads and writes (8 bytes each: value.rs) and
//! wasmtime's `Val`s, for the host-call paths: the arguments of an export call or a call back as
//! values of the function's types (an `externref` made for one rooted in the caller's scope), room
//! for its results, and its results as slots or its coded error.

use wasmtime::{AsContext, AsContextMut, Val, ValType};

use crate::error::{finish, Ended, WasmError};
use crate::host::Slot;
use crate::js_ref::{passes, to_slot, to_val};
use crate::store::StoreData;
use crate::value::{slot, unsupported, SLOT};

/// The arguments in `args` as values of `ty`'s parameters (an `externref` made for one is rooted
/// in `cx`), and room for its results; 5007 for a value Kiln cannot pass.
pub(crate) fn values_for(
  cx: impl AsContextMut<Data = StoreData>,
  ty: &wasmtime::FuncType,
  name: &str,
  args: &[Slot],
) -> Result<(Vec<Val>, Vec<Val>), WasmError> {
  values_of(cx, ty.params(), ty.results(), name, args)
}

/// [`values_for`] of the parameter and result types.
pub(crate) fn values_of(
  mut cx: impl AsContextMut<Data = StoreData>,
  param_types: impl Iterator<Item = ValType>,
  result_types: impl ExactSizeIterator<Item = ValType>,
  name: &str,
  args: &[Slot],
) -> Result<(Vec<Val>, Vec<Val>), WasmError> {
  let mut params = Vec::with_capacity(args.len());
  param_values(&mut cx, param_types.zip(args.iter().copied()), name, &mut params)?;
  let mut results = Vec::with_capacity(result_types.len());
  result_room(&cx, result_types, name, &mut results)?;
  Ok((params, results))
}

/// [`values_for`] into `params` and `results` (cleared first), the buffers a store keeps for its
/// calls, reading the arguments straight from `args`, the call's slots.
///
/// # Errors
/// 5007 if `args` is too short for `ty`'s parameters, or for a value Kiln cannot pass.
pub(crate) fn values_into(
  mut cx: impl AsContextMut<Data = StoreData>,
  ty: &wasmtime::FuncType,
  name: &str,
  args: &[u8],
  (params, results): (&mut Vec<Val>, &mut Vec<Val>),
) -> Result<(), WasmError> {
  let count = ty.params().len();
  if args.len() < count * SLOT {
    return Err(too_short(args.len(), count));
  }
  params.clear();
  param_values(&mut cx, ty.params().enumerate().map(|(i, param)| (param, slot(args, i))), name, params)?;
  results.clear();
  result_room(&cx, ty.results(), name, results)
}

/// Each argument, a slot of its parameter's type, as a value in `params`; 5007 for a type Kiln
/// cannot pass.
fn param_values(
  mut cx: impl AsContextMut<Data = StoreData>,
  args: impl Iterator<Item = (ValType, Slot)>,
  name: &str,
  params: &mut Vec<Val>,
) -> Result<(), WasmError> {
  for (param, slot) in args {
    params.push(to_val(&mut cx, &param, slot)?.ok_or_else(|| unsupported(name, &param, "parameter"))?);
  }
  Ok(())
}

/// A zero for each of `result_types` in `results`; 5007 for a type Kiln cannot pass.
fn result_room(
  cx: impl AsContext<Data = StoreData>,
  result_types: impl Iterator<Item = ValType>,
  name: &str,
  results: &mut Vec<Val>,
) -> Result<(), WasmError> {
  for result in result_types {
    if !passes(&cx, &result) {
      return Err(unsupported(name, &result, "result"));
    }
    results.push(Val::I32(0));
  }
  Ok(())
}

/// A call's results as slots, or its coded error (a WebAssembly exception nothing caught taken
/// from `cx`; the results zeroed if the guest exited cleanly).
pub(crate) fn slots_of(
  mut cx: impl AsContextMut<Data = StoreData>,
  outcome: wasmtime::Result<()>,
  name: &str,
  limits: crate::error::CallLimits,
  results: &mut [Val],
) -> Result<Vec<Slot>, WasmError> {
  let outcome = crate::exception::caught(&mut cx, outcome);
  // The label is made only for a call that did not simply return.
  if outcome.is_err() && finish(outcome, &format!("`{name}`"), limits)? == Ended::Exited {
    results.iter_mut().for_each(|r| *r = Val::I32(0));
  }
  Ok(results.iter().map(|v| to_slot(&cx, v)).collect())
}

/// The first `count` slots of `slots`.
pub(crate) fn read_slots(slots: &[u8], count: usize) -> Result<Vec<Slot>, WasmError> {
  if slots.len() < count * SLOT {
    return Err(too_short(slots.len(), count));
  }
  Ok((0..count).map(|i| slot(slots, i)).collect())
}

/// The error for a value buffer of `len` bytes that cannot hold `count` values.
fn too_short(len: usize, count: usize) -> WasmError {
  WasmError::type_error(format!("the value buffer holds {len} bytes, {count} values need more"))
}
