//! `await instance.call(name, ...args)`: the async driver. A call runs on a fiber as a wasmtime
//! async call and yields to the event loop every `YIELD_TICKS` epoch ticks (store.rs), so timers
//! and other ops keep running during a long call. A short call ends on its first poll, inside a
//! sync op, with no thread hand-off and no async op at all (call_first.rs).
//!
//! A call of the common shape (up to three i32/f32/f64 parameters, at most one such result) takes
//! its arguments as the call's own array and checks them here, after the export's first call; an
//! export of a uniform shape among them runs as a wasmtime typed function (uniform.rs).

use std::cell::Cell;
use std::sync::Arc;

use deno_core::{op2, v8, JsBuffer, OpState};
use wasmtime::{Func, Store, Val, ValRaw};

use crate::call_first::poll_first;
use crate::call_sync::{call_locked, number, Numbers, RawSlots};
use crate::config::InstanceConfig;
use crate::engine::Engines;
use crate::error::{finish, DeadlineExceeded, Ended, WasmError};
use crate::handles::unpack_export;
use crate::instance::InstanceTable;
use crate::raise::{throw, thrown};
use crate::shape::{NumberShape, NUMBER_PARAMS};
use crate::store::{arm, disarm, ExportFunc, KilnStore, Member, Mode, SharedStore, StoreData};
use crate::value::{prepare_results, raw_to_val, read_params, val_to_number, val_to_raw, write_results};

/// What an async call runs: a function, or a resolved export of the store's (member, export
/// index), which runs as a typed function when its shape is uniform (uniform.rs).
#[derive(Clone, Copy)]
pub(crate) enum Callee {
  Func(Func),
  Export { member: usize, index: u32 },
}

/// [`run_async`]'s call, with wasmtime's own outcome for callers that tell its kinds apart
/// themselves (a process's status, a job's exit code).
///
/// # Errors
/// 5010 if the store cannot be armed (its fuel); 5002 for an export that is not resolved (a bug
/// in Kiln).
pub(crate) async fn call_raw(
  engines: &Engines,
  kiln: &mut KilnStore,
  callee: Callee,
) -> Result<wasmtime::Result<()>, WasmError> {
  let KilnStore { store, config, params, results, members } = kiln;
  // The export, resolved, or the plain function.
  let export = match callee {
    Callee::Func(func) => Err(func),
    Callee::Export { member, index } => Ok(loaded(members, member, index)?),
  };
  // An export that ends in bounded time runs here, on this stack (bounded.rs).
  if let Some(export) = export.ok().filter(|export| export.bounded) {
    return run_here(engines, store, config, export, params, results);
  }
  let deadline = arm(store, config, Mode::Async)?;
  let outcome = {
    let _running = engines.running();
    let call = async {
      match export {
        Ok(export) => export.call_async(&mut *store, params, results).await,
        Err(func) => func.call_async(&mut *store, params, results).await,
      }
    };
    match deadline {
      None => call.await,
      // Epochs stop wasm code at the deadline, but not a guest suspended in a WASI wait (stdin,
      // `poll_oneoff` on a file descriptor): the timer stops those. Dropping the call's future
      // unwinds the guest's fiber. A call that ends on its first poll never arms the timer.
      Some(at) => tokio::time::timeout_at(at.into(), call).await.unwrap_or_else(|_| Err(DeadlineExceeded.into())),
    }
  };
  disarm(store);
  Ok(crate::exception::caught(&mut *store, outcome))
}

/// Runs `export`, which ends in bounded time (bounded.rs), on this stack rather than a fiber, as
/// a synchronous call is made, under the store's limits; the results are left in `results`.
/// Returns the call's outcome, as [`call_raw`] does.
///
/// # Errors
/// 5010 if the fuel cannot be set.
fn run_here(
  engines: &Engines,
  store: &mut Store<StoreData>,
  config: &InstanceConfig,
  export: &ExportFunc,
  params: &[Val],
  results: &mut [Val],
) -> Result<wasmtime::Result<()>, WasmError> {
  let deadline = arm(store, config, Mode::Sync)?;
  let outcome = {
    // The epoch ticker is only needed to enforce a deadline: a call without a fiber never yields.
    let _running = deadline.map(|_| engines.running());
    call_here(export, store, params, results)
  };
  disarm(store);
  Ok(crate::exception::caught(&mut *store, outcome))
}

/// Calls `export`, which ends in bounded time (bounded.rs), on this stack, with `params`; the
/// results are left in `results`.
///
/// # Errors
/// The call's own error (a trap, the deadline, fuel), or a count of `params` or `results` that is
/// not the signature's.
fn call_here(
  export: &ExportFunc,
  store: &mut Store<StoreData>,
  params: &[Val],
  results: &mut [Val],
) -> wasmtime::Result<()> {
  if params.len() != export.ty.params().len() || results.len() != export.ty.results().len() {
    wasmtime::bail!("`{}` was called with the wrong number of values; this is a bug in Kiln", export.name);
  }
  let mut raw = RawSlots::new(export.shape.slots);
  for (slot, param) in raw.as_mut().iter_mut().zip(params) {
    *slot = val_to_raw(param);
  }
  // SAFETY: `raw` is as long as the larger of the parameter and result lists (`Shape::slots`), and
  // holds every parameter as the type the signature gives it: `params` was checked against the
  // signature by its loader, its count just now, and a bounded export passes only i32, i64, f32
  // and f64 (`ExportFunc::bounded`), so there are no references to keep valid. The function calls
  // nothing (bounded.rs), so no host function that needs a fiber is reached; the caller armed the
  // store with `Mode::Sync`, so the epoch callback returns without yielding; and the store is
  // borrowed mutably for the call, so nothing else uses it.
  unsafe { export.func.call_unchecked(&mut *store, raw.as_mut()) }?;
  for ((value, ty), slot) in results.iter_mut().zip(export.ty.results()).zip(raw.iter()) {
    *value = raw_to_val(&ty, slot);
  }
  Ok(())
}

/// `instance.call(name, ...args)` for any signature, by the export's name: as
/// [`op_wasm_instance_call_slots`], for a name the JS side has no signature of (the op says what
/// the export is instead, or which functions there are).
///
/// # Errors
/// As [`op_wasm_instance_call_slots`]; 5003 for a name that is not a function export.
#[op2]
pub fn op_wasm_instance_call(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  instance_id: f64,
  #[string] name: String,
  #[buffer] slots: JsBuffer,
) -> Result<bool, WasmError> {
  let polled = first_slots(state, instance_id, Which::Name(name), slots);
  thrown(scope, polled)
}

/// `instance.call(name, ...args)` for any signature, by the packed instance id and export index
/// (`handles::EXPORT_INDEX_LIMIT`). `slots` holds the encoded arguments on entry and the encoded
/// results when the call has ended (see `value.rs`); the JS side sizes it from the signature.
/// Polls the call once (call_first.rs): `true` if it ended, `false` if the JS side is to await
/// `op_wasm_call_unfinished` before it reads the results.
///
/// # Errors
/// 5005 for an instance that is gone, 5009 without `execute`, 5003 for an export index that is
/// not a function, 5007 for arguments the signature does not take, and the classified error of a
/// call that failed on its first poll.
#[op2]
pub fn op_wasm_instance_call_slots(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  packed_export: f64,
  #[buffer] slots: JsBuffer,
) -> Result<bool, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let polled = first_slots(state, instance_id, Which::Index(export_index), slots);
  thrown(scope, polled)
}

/// The first poll of a call of any signature (the two ops above): whether it ended. Its error is
/// thrown by the op (raise.rs), as a synchronous call's is.
fn first_slots(state: &mut OpState, instance_id: f64, which: Which, slots: JsBuffer) -> Result<bool, WasmError> {
  let table = state.borrow::<InstanceTable>();
  let entry = table.lookup_for_call(instance_id)?;
  // In a store with JS host functions, only an export that ends in bounded time may be called
  // here (`refuse_host_driven`); an export named is checked once its index is known.
  let driven = entry.host.as_ref().map(|_| entry.bounded.clone());
  if let Which::Index(index) = which {
    refuse_host_driven(entry, index)?;
  }
  let call = call_slots(entry.store.clone(), entry.member, table.engines().clone(), which, slots, driven);
  Ok(poll_first(state, call)?.is_some())
}

/// The export a slots call names.
enum Which {
  Name(String),
  Index(u32),
}

/// The call `op_wasm_instance_call` and `op_wasm_instance_call_slots` make; it ends with 0 (the
/// results are in the slots). The export is resolved once and kept (`Member::export_at`), so a
/// call by index looks up neither the export nor its type again.
async fn call_slots(
  shared: SharedStore,
  member: usize,
  engines: Arc<Engines>,
  which: Which,
  mut slots: JsBuffer,
  driven: Option<crate::bounded::BoundedExports>,
) -> Result<f64, WasmError> {
  let mut guard = shared.lock().await;
  let kiln = &mut *guard;
  let index = match which {
    Which::Index(index) => index,
    Which::Name(name) => export_index(kiln, member, &name)?,
  };
  if driven.is_some_and(|bounded| !bounded.contains(index as usize)) {
    return Err(host_driven(index));
  }
  run_slots(&engines, kiln, member, index, &mut slots).await?;
  Ok(0.0)
}

/// The index of `member`'s function export `name`.
///
/// # Errors
/// 5003 if it has no function export of that name (the message lists those it has).
pub(crate) fn export_index(kiln: &mut KilnStore, member: usize, name: &str) -> Result<u32, WasmError> {
  let KilnStore { store, members, .. } = kiln;
  let found = members[member].module.exports().position(|e| e.name() == name && e.ty().func().is_some());
  match found {
    Some(index) => Ok(u32::try_from(index).unwrap_or(u32::MAX)),
    None => Err(members[member].export_missing(store, name)),
  }
}

/// Runs `member`'s export at `index` with the arguments in `slots` (value.rs), as an async call
/// (bounded exports on this stack, others on a fiber), and leaves its results there. The export
/// is resolved once and kept (`Member::export_at`), so a later call looks up neither the export
/// nor its type again. A pool's member runs its calls so too (pool.rs).
///
/// # Errors
/// 5007 if the slots do not fit the signature; the call's own errors (5002 a trap, 5011 limits).
pub(crate) async fn run_slots(
  engines: &Engines,
  kiln: &mut KilnStore,
  member: usize,
  index: u32,
  slots: &mut [u8],
) -> Result<(), WasmError> {
  let KilnStore { store, params, results, members, .. } = kiln;
  let Member { instance, module, exported, bounded, .. } = &mut members[member];
  let export = Member::export_at(exported, store, instance, module, bounded, index)?;
  read_params(&export.name, &export.ty, slots, params)?;
  prepare_results(&export.name, &export.ty, results)?;
  let outcome = call_raw(engines, kiln, Callee::Export { member, index }).await?;
  finish_export(kiln, member, index, outcome)?;
  write_results(&kiln.results, slots);
  Ok(())
}

/// `await instance.call(name, ...args)` for an export of the common shape (up to three i32, f32
/// or f64 parameters, at most one such result), as the JS side makes it on every call after the
/// export's first: `args` is the call's own argument array, checked here against the signature,
/// so the JS side runs no checks of its own. `packed_export` packs the instance id and export
/// index (`handles::EXPORT_INDEX_LIMIT`).
///
/// A sync op that polls the call once (call_first.rs). It returns the call's one result as a
/// number, `undefined` if the call ended and has no result, `null` if it did not end (the JS side
/// then awaits `op_wasm_call_unfinished` for it), or `false` if it refused the call without
/// running anything: the arguments do not fit the signature as they are (their count is not its
/// arity, one is not a plain number, an i32 is out of range), or the store is busy. The JS side
/// then takes the checked path, [`op_wasm_instance_call_numbers_first`]: it converts the
/// arguments or names the bad one, and waits its turn for the store.
///
/// # Errors
/// 5005 for an instance that is gone, 5009 without `execute`, 5007 for an export not of the
/// common shape, and the classified error of a call that failed on its first poll.
#[op2]
pub fn op_wasm_instance_call_args_first<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &mut OpState,
  packed_export: f64,
  args: v8::Local<'s, v8::Value>,
) -> Result<v8::Local<'s, v8::Value>, WasmError> {
  match args_first(scope, state, packed_export, args) {
    Err(error) => {
      // Thrown here, as a synchronous call's error is (raise.rs); JS never sees the value.
      throw(scope, &error);
      Ok(v8::undefined(scope).into())
    }
    polled => polled,
  }
}

/// The body of [`op_wasm_instance_call_args_first`].
fn args_first<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &mut OpState,
  packed_export: f64,
  args: v8::Local<'s, v8::Value>,
) -> Result<v8::Local<'s, v8::Value>, WasmError> {
  let Some(given) = plain_numbers(scope, args) else {
    return Ok(v8::Boolean::new(scope, false).into());
  };
  given_first(scope, state, packed_export, &given)
}

/// A call of the common shape with its arguments read (`given`), as
/// [`op_wasm_instance_call_args_first`] makes it and answers: the result (a number, or
/// `undefined` without one), `null` if the call did not end on its first poll (it is then the
/// unfinished call), `false` if the arguments are refused or the store is busy.
///
/// # Errors
/// As [`op_wasm_instance_call_args_first`].
pub(crate) fn given_first<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &mut OpState,
  packed_export: f64,
  given: &Given,
) -> Result<v8::Local<'s, v8::Value>, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let table = state.borrow::<InstanceTable>();
  let entry = table.lookup_for_call(instance_id)?;
  refuse_host_driven(entry, export_index)?;
  let member = entry.member;
  if entry.bounded.contains(export_index as usize) {
    // Ends in bounded time (bounded.rs): run now, as `instance.exports.f` runs, with the store
    // borrowed and the arguments straight into wasmtime's raw values (no `Val`s, no future).
    let Ok(mut guard) = entry.store.try_lock() else {
      return Ok(v8::Boolean::new(scope, false).into());
    };
    let refused = Cell::new(false);
    // Only the arguments given: a missing one refuses the call, which the JS side then names.
    let numbers = std::array::from_fn(|i| given.numbers.get(i).copied().filter(|_| i < given.count));
    let io = Numbers::bound(numbers, given.count, &refused);
    let called = call_locked(&mut guard, member, export_index, io, &|| table.engines().clone(), false);
    if refused.get() {
      return Ok(v8::Boolean::new(scope, false).into());
    }
    let result = called?;
    let has_result = loaded(&guard.members, member, export_index)?.shape.numbers.is_some_and(|s| s.result.is_some());
    return Ok(if has_result { v8::Number::new(scope, result).into() } else { v8::undefined(scope).into() });
  }
  let Ok(mut guard) = entry.store.clone().try_lock_owned() else {
    return Ok(v8::Boolean::new(scope, false).into());
  };
  let Some(has_result) = load_numbers(&mut guard, member, export_index, given)? else {
    return Ok(v8::Boolean::new(scope, false).into());
  };
  let engines = table.engines().clone();
  let call = async move { run_numbers(&engines, &mut guard, member, export_index).await };
  Ok(match poll_first(state, call)? {
    Some(result) if has_result => v8::Number::new(scope, result).into(),
    Some(_) => v8::undefined(scope).into(),
    None => v8::null(scope).into(),
  })
}

/// Whether export `export_index` of an instance (packed as `call` packs it) ends in bounded time
/// (bounded.rs). `call` asks it once per export of a store with JS host functions, whose calls the
/// host driver makes (ts/wasm_host_drive.ts): an export that ends in bounded time calls none of
/// them, so it takes the common shape's ops as in any other store.
///
/// # Errors
/// 5005 for an instance that is gone, 5009 without `execute`.
#[op2(fast)]
pub fn op_wasm_instance_export_bounded(state: &mut OpState, packed_export: f64) -> Result<bool, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let entry = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?;
  Ok(entry.bounded.contains(export_index as usize))
}

/// Refuses a call of the common shape's ops that only the host driver may make: of an export that
/// may call its store's JS host functions (one that ends in bounded time calls none).
///
/// # Errors
/// 5002, naming it a bug in Kiln's JS side, which sends only bounded exports of such stores here.
fn refuse_host_driven(entry: &crate::instance::InstanceEntry, export_index: u32) -> Result<(), WasmError> {
  if entry.host.is_none() || entry.bounded.contains(export_index as usize) {
    return Ok(());
  }
  Err(host_driven(export_index))
}

/// [`refuse_host_driven`]'s error.
fn host_driven(export_index: u32) -> WasmError {
  WasmError::call(format!(
    "export number {export_index} of a store with JS host functions was called without the host driver; this \
     is a bug in Kiln"
  ))
}

/// Arguments of a call of the common shape: `numbers[..count]`.
pub(crate) struct Given {
  pub numbers: [f64; NUMBER_PARAMS],
  /// How many were given; `CONVERTED` for as many as the export's arity.
  pub count: usize,
}

/// A [`Given::count`] for arguments the JS side converted already, as many as the arity.
const CONVERTED: usize = usize::MAX;

/// The elements of `args`, an array of at most `NUMBER_PARAMS` plain numbers; `None` for
/// anything else.
fn plain_numbers(scope: &mut v8::PinScope<'_, '_>, args: v8::Local<'_, v8::Value>) -> Option<Given> {
  let args = v8::Local::<v8::Array>::try_from(args).ok()?;
  let count = args.length() as usize;
  if count > NUMBER_PARAMS {
    return None;
  }
  let mut numbers = [0.0; NUMBER_PARAMS];
  for (i, slot) in (0u32..).zip(numbers.iter_mut().take(count)) {
    *slot = number(&*args.get_index(scope, i)?)?;
  }
  Some(Given { numbers, count })
}

/// `await instance.call(...)` for the common shape, on the checked path of a call
/// [`op_wasm_instance_call_args_first`] refused: the packed instance id and export index, and up
/// to three i32, f32 or f64 arguments as numbers, which the JS side has checked and converted (it
/// passes 0 for unused ones).
///
/// A sync op that polls the call once (call_first.rs): it returns the call's one result (0 when it
/// has none) if the call ended on that poll, and `null` if it did not; the JS side then awaits
/// `op_wasm_call_unfinished` for it.
///
/// # Errors
/// 5005 for an instance that is gone, 5009 without `execute`, 5007 for arguments the signature
/// does not take, and the classified error of a call that failed on its first poll.
#[op2]
pub fn op_wasm_instance_call_numbers_first(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  packed_export: f64,
  a: f64,
  b: f64,
  c: f64,
) -> Result<Option<f64>, WasmError> {
  let polled = numbers_first(state, packed_export, [a, b, c]);
  thrown(scope, polled)
}

/// The body of [`op_wasm_instance_call_numbers_first`].
fn numbers_first(
  state: &mut OpState,
  packed_export: f64,
  numbers: [f64; NUMBER_PARAMS],
) -> Result<Option<f64>, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let table = state.borrow::<InstanceTable>();
  let entry = table.lookup_for_call(instance_id)?;
  refuse_host_driven(entry, export_index)?;
  let call = call_numbers(entry.store.clone(), entry.member, table.engines().clone(), export_index, numbers);
  poll_first(state, call)
}

/// The call `op_wasm_instance_call_numbers_first` makes: its one result, or 0 when it has none.
async fn call_numbers(
  shared: SharedStore,
  member: usize,
  engines: Arc<Engines>,
  export_index: u32,
  numbers: [f64; NUMBER_PARAMS],
) -> Result<f64, WasmError> {
  let mut guard = shared.lock().await;
  load_numbers(&mut guard, member, export_index, &Given { numbers, count: CONVERTED })?;
  run_numbers(&engines, &mut guard, member, export_index).await
}

/// Resolves export `export_index` of member `member` and loads `given` into the store's argument
/// buffer, with its result buffer sized. `Some` with whether the export has a result, once
/// loaded; `None` if the arguments do not fit its signature. Arguments the JS side converted
/// (`CONVERTED`) are expected to fit: a misfit is then an error that names the argument.
///
/// # Errors
/// 5003 for a missing export, 5007 for an export not of the common shape, or (converted
/// arguments) one it does not take.
fn load_numbers(
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
  given: &Given,
) -> Result<Option<bool>, WasmError> {
  let KilnStore { store, params, results, members, .. } = kiln;
  let Member { instance, module, exported, bounded, .. } = &mut members[member];
  let export = Member::export_at(exported, store, instance, module, bounded, export_index)?;
  let Some(shape) = export.shape.numbers else {
    return Err(export.not_numbers());
  };
  let Some(raws) = given_raws(export, &shape, given)? else {
    return Ok(None);
  };
  params.clear();
  params.extend(shape.params[..shape.arity].iter().zip(raws).map(|(ty, raw)| ty.val(raw)));
  results.clear();
  results.resize(usize::from(shape.result.is_some()), Val::I32(0));
  Ok(Some(shape.result.is_some()))
}

/// `given` as the raw arguments of a call of `export`, of the common shape `shape`, in its
/// parameters' order: `None` if they are not its arguments (too few or too many, or one not of
/// its type), for the JS side to name; for arguments the JS side converted already (`CONVERTED`),
/// the error that names the one that does not fit.
pub(crate) fn given_raws(
  export: &ExportFunc,
  shape: &NumberShape,
  given: &Given,
) -> Result<Option<[ValRaw; NUMBER_PARAMS]>, WasmError> {
  let converted = given.count == CONVERTED;
  if !converted && given.count != shape.arity {
    return Ok(None);
  }
  let mut raws = [ValRaw::i32(0); NUMBER_PARAMS];
  for (i, ((ty, arg), raw)) in shape.params[..shape.arity].iter().zip(given.numbers).zip(&mut raws).enumerate() {
    match ty.to_raw(arg) {
      Some(value) => *raw = value,
      None if converted => return Err(export.not_a_number(i, *ty, Some(arg))),
      None => return Ok(None),
    }
  }
  Ok(Some(raws))
}

/// Runs export `export_index` of member `member`, loaded by [`load_numbers`]: its one result, or
/// 0 when it has none.
async fn run_numbers(
  engines: &Engines,
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
) -> Result<f64, WasmError> {
  let outcome = call_raw(engines, kiln, Callee::Export { member, index: export_index }).await?;
  number_result(kiln, member, export_index, outcome)
}

/// The one result of a call of export `export_index` of member `member` that ended with
/// `outcome`, or 0 when it has none.
///
/// # Errors
/// The classified error of a call that failed.
fn number_result(
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
  outcome: wasmtime::Result<()>,
) -> Result<f64, WasmError> {
  finish_export(kiln, member, export_index, outcome)?;
  let export = loaded(&kiln.members, member, export_index)?;
  match kiln.results.first() {
    Some(value) => val_to_number(value).ok_or_else(|| export.not_numbers()),
    None => Ok(0.0),
  }
}

/// Classifies the outcome of a call of export `export_index` of member `member` (`call_raw`), as
/// [`run_async`] does: a WASI exit leaves zeroed results.
///
/// # Errors
/// The classified error of a call that failed.
fn finish_export(
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
  outcome: wasmtime::Result<()>,
) -> Result<(), WasmError> {
  let KilnStore { members, config, results, .. } = kiln;
  let export = loaded(members, member, export_index)?;
  // The name is formatted only for an error: a `format!` per call showed in the profile.
  if outcome.is_err() && finish(outcome, &format!("`{}`", export.name), config.call_limits())? == Ended::Exited {
    results.iter_mut().for_each(|r| *r = Val::I32(0));
  }
  Ok(())
}

/// The export [`load_numbers`] or [`call_slots`] resolved.
fn loaded(members: &[Member], member: usize, export_index: u32) -> Result<&ExportFunc, WasmError> {
  members[member].exported.get(export_index as usize).and_then(Option::as_ref).ok_or_else(|| {
    WasmError::call("a call of the common shape ran an export it had not resolved; this is a bug in Kiln")
  })
}
