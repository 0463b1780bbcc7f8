//! `await instance.call` of an export of the common shape (up to three i32/f32/f64 parameters, at
//! most one such result) that the host driver runs: one that may call its store's JS host
//! functions, made by the bound op (call_op.rs) without the JS side's call function
//! (ts/wasm_host_drive.ts, `hostCall`) unless it has to.
//!
//! The op begins the call with the arguments it was given (on the store's lock, taken here: a
//! busy store goes to the JS side, which waits for it) and polls it once, as
//! `op_wasm_hcall_call_first` does, calling the host functions of numbers itself
//! (host_drive.rs, `poll_first`). Most calls end there (a short export whose host functions
//! return numbers), and the op makes their results array: no JS record of the call, no slot
//! buffer, no JS between the op and the guest. That JS was more than a third of such a call
//! (`perf`: 4.2 µs for an export that calls one host function; BENCHMARKS.md, the forty-third
//! pass).
//!
//! A call that does not end there is handed to the JS side, which makes the call's record then
//! and drives it as its own from that step on (ts/wasm_host_drive.ts, `hostResume`):
//! `resume(token, step, bytes, index, value, threw, caller)`, where `step` is the step's code
//! (`PENDING`, or the number of a host function Rust does not call, its arguments in `bytes`), or
//! `SETTLE`: a host function Rust called returned what Rust does not take (a promise, a value to
//! convert) or threw, and `index`, `value`, `threw` and `caller` are what the driver's `settle`
//! is given. Arguments the op refuses (not plain numbers, too few or too many, an i32 out of
//! range) go to the call function, which names the bad one or converts it.

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::{v8, OpState};

use crate::call::{given_raws, Given};
use crate::error::WasmError;
use crate::handles::unpack_export;
use crate::host_drive::{poll_first, Polled};
use crate::hostcall::{begin_locked, cancel, DONE};
use crate::instance::InstanceTable;
use crate::memory_view::detach_grown_in;
use crate::shape::Num;
use crate::store::{KilnStore, Member};
use crate::value::{val_to_slot, SLOT};

/// The step code `resume` gets when a host function's value is for it to settle (see the module
/// comment); the JS side's `SETTLE`.
const SETTLE: f64 = -5.0;

/// What the bound op's entry holds for an export the host driver runs: `[packed, call, resume,
/// ctx]`, its packed export, its JS call function, the JS side's `resume` and the store's driver
/// context (`[entries, settle]`, of which only the entries are used here).
pub(crate) struct Driven<'s> {
  pub packed: f64,
  pub call: v8::Local<'s, v8::Function>,
  pub resume: v8::Local<'s, v8::Function>,
  pub ctx: v8::Local<'s, v8::Array>,
}

impl<'s> Driven<'s> {
  /// The entry's parts, if `entry` is such an array.
  pub(crate) fn read(scope: &mut v8::PinScope<'s, '_>, entry: v8::Local<'s, v8::Value>) -> Option<Self> {
    let entry = v8::Local::<v8::Array>::try_from(entry).ok()?;
    let packed = entry.get_index(scope, 0)?;
    let packed = crate::call_sync::number(&packed)?;
    let call = v8::Local::<v8::Function>::try_from(entry.get_index(scope, 1)?).ok()?;
    let resume = v8::Local::<v8::Function>::try_from(entry.get_index(scope, 2)?).ok()?;
    let ctx = v8::Local::<v8::Array>::try_from(entry.get_index(scope, 3)?).ok()?;
    Some(Self { packed, call, resume, ctx })
  }
}

/// What became of a call ([`call`]).
pub(crate) enum Outcome<'s> {
  /// It ended: its results array.
  Ended(v8::Local<'s, v8::Value>),
  /// The JS side goes on with it: `resume`'s promise of the results.
  Handed(v8::Local<'s, v8::Value>),
  /// The arguments are not taken here, or the store is busy: the call function makes the call.
  Refused,
  Failed(WasmError),
}

/// Begins the call of `driven`'s export with `given` and polls it once.
pub(crate) fn call<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &Rc<RefCell<OpState>>,
  driven: &Driven<'s>,
  given: &Given,
) -> Outcome<'s> {
  let (instance_id, export_index) = unpack_export(driven.packed);
  let (token, result) = match begin_numbers(&mut state.borrow_mut(), instance_id, export_index, given) {
    Ok(Some(began)) => began,
    Ok(None) => return Outcome::Refused,
    Err(error) => return Outcome::Failed(error),
  };
  let mut slot = [0u8; SLOT];
  let polled = poll_first(scope, state, token, None, &mut slot, Some((driven.ctx, false)));
  detach_grown_in(scope, state);
  match polled {
    Ok(Polled::Code(DONE)) => Outcome::Ended(results(scope, result, slot)),
    Ok(Polled::Code(code)) => handed(scope, state, driven, token, (code, slot.to_vec()), None),
    Ok(Polled::Request(index, args)) => {
      let mut bytes = vec![0; SLOT * args.len()];
      if let Err(error) = args.write(&mut bytes) {
        cancel(&mut state.borrow_mut(), token);
        return Outcome::Failed(error);
      }
      handed(scope, state, driven, token, (f64::from(index), bytes), None)
    }
    Ok(Polled::Settle(index, value, threw, caller)) => {
      let value = v8::Local::new(scope, &value);
      let caller = caller.map(|caller| v8::Local::new(scope, &caller));
      handed(scope, state, driven, token, (SETTLE, Vec::new()), Some((index, value, threw, caller)))
    }
    Err(error) => {
      cancel(&mut state.borrow_mut(), token);
      Outcome::Failed(error)
    }
  }
}

/// Takes the store's lock and parks the call of export `export_index` with `given`, if they are
/// the export's arguments (its arity, each of its type: see [`Num::to_raw`]): its token and its
/// result's type. `None` for arguments it does not take, an export not of the common shape, or a
/// busy store.
fn begin_numbers(
  state: &mut OpState,
  instance_id: f64,
  export_index: u32,
  given: &Given,
) -> Result<Option<(f64, Option<Num>)>, WasmError> {
  let (shared, member) = {
    let entry = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?;
    if entry.host.is_none() {
      return Ok(None);
    }
    (entry.store.clone(), entry.member)
  };
  let Ok(mut guard) = shared.try_lock_owned() else {
    return Ok(None);
  };
  let Some((args, result)) = numbers_args(&mut guard, member, export_index, given)? else {
    return Ok(None);
  };
  let token = begin_locked(state, instance_id, export_index, false, Some(guard), args)?;
  Ok(Some((token, result)))
}

/// The slots of a call's arguments and the type of its result, if it has one.
type Loaded = (Vec<u8>, Option<Num>);

/// `given` as the slots of the arguments of export `export_index` of `member`, and its result's
/// type, if they are its arguments.
fn numbers_args(
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
  given: &Given,
) -> Result<Option<Loaded>, WasmError> {
  let KilnStore { store, members, .. } = kiln;
  let Some(Member { instance, module, exported, bounded, .. }) = members.get_mut(member) else {
    return Ok(None);
  };
  let export = Member::export_at(exported, store, instance, module, bounded, export_index)?;
  let Some(shape) = export.shape.numbers else {
    return Ok(None);
  };
  let Some(raws) = given_raws(export, &shape, given)? else {
    return Ok(None);
  };
  let mut args = vec![0; SLOT * shape.arity];
  for ((ty, raw), slot) in shape.params[..shape.arity].iter().zip(raws).zip(args.chunks_exact_mut(SLOT)) {
    slot.copy_from_slice(&val_to_slot(&ty.val(raw)));
  }
  Ok(Some((args, shape.result)))
}

/// The results array of a call that ended: its one result of type `result`, from `slot`, or none.
fn results<'s>(scope: &mut v8::PinScope<'s, '_>, result: Option<Num>, slot: [u8; SLOT]) -> v8::Local<'s, v8::Value> {
  let Some(ty) = result else {
    return v8::Array::new(scope, 0).into();
  };
  let low = u32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]]);
  let number = match ty {
    Num::I32 => f64::from(low as i32),
    Num::F32 => f64::from(f32::from_bits(low)),
    Num::F64 => f64::from_bits(u64::from_le_bytes(slot)),
  };
  let number = v8::Number::new(scope, number).into();
  v8::Array::new_with_elements(scope, &[number]).into()
}

/// A host function's value for the JS side to settle: its index, the value, whether it threw,
/// and its caller.
type ToSettle<'s> = (u32, v8::Local<'s, v8::Value>, bool, Option<v8::Local<'s, v8::Object>>);

/// Hands the call to the JS side: `resume(token, step, bytes, index, value, threw, caller)`,
/// whose promise is the call's. If `resume` throws (the engine out of stack, say), the call is
/// abandoned, and the exception, pending, reaches the caller when the op returns.
fn handed<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &Rc<RefCell<OpState>>,
  driven: &Driven<'s>,
  token: f64,
  (step, bytes): (f64, Vec<u8>),
  settle: Option<ToSettle<'s>>,
) -> Outcome<'s> {
  let undefined: v8::Local<v8::Value> = v8::undefined(scope).into();
  let len = bytes.len();
  let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared();
  let buffer = v8::ArrayBuffer::with_backing_store(scope, &store);
  let bytes = v8::Uint8Array::new(scope, buffer, 0, len).map_or(undefined, Into::into);
  let token_value = v8::Number::new(scope, token).into();
  let step = v8::Number::new(scope, step).into();
  let mut args = [token_value, step, bytes, undefined, undefined, undefined, undefined];
  if let Some((index, value, threw, caller)) = settle {
    args[3] = v8::Number::new(scope, f64::from(index)).into();
    args[4] = value;
    args[5] = v8::Boolean::new(scope, threw).into();
    args[6] = caller.map_or(undefined, Into::into);
  }
  match driven.resume.call(scope, undefined, &args) {
    Some(promise) => Outcome::Handed(promise),
    None => {
      cancel(&mut state.borrow_mut(), token);
      Outcome::Handed(undefined)
    }
  }
}
