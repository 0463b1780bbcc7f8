//! `await instance.call(name, ...args)`: the async driver. A call runs on a fiber as a wasmtime
//! async call and yields to the event loop every `YIELD_TICKS` epoch ticks (store.rs), so timers
//! and other ops keep running during a long call. A short call ends on its first poll, inside a
//! sync op, with no thread hand-off and no async op at all (call_first.rs).

use std::sync::Arc;

use deno_core::{op2, JsBuffer, OpState};
use wasmtime::{Func, Val};

use crate::call_first::poll_first;
use crate::engine::{Engines, SharedEngines};
use crate::error::{finish, DeadlineExceeded, Ended, WasmError};
use crate::handles::unpack_export;
use crate::instance::InstanceTable;
use crate::store::{arm, disarm, KilnStore, Member, Mode, SharedStore};
use crate::value::{prepare_results, read_params, val_to_number, write_results};

/// Runs `func` in `kiln` as an async call under the store's limits, with the arguments in
/// `kiln.params` and the results left in `kiln.results`. `what` names the function for errors.
///
/// # Errors
/// The classified error of a call that failed (`error::finish`).
pub(crate) async fn run_async(
  engines: &Engines,
  kiln: &mut KilnStore,
  func: Func,
  what: &str,
) -> Result<Ended, WasmError> {
  let outcome = call_raw(engines, kiln, func).await?;
  let ended = finish(outcome, what, kiln.config.call_limits())?;
  if ended == Ended::Exited {
    kiln.results.iter_mut().for_each(|r| *r = Val::I32(0));
  }
  Ok(ended)
}

/// [`run_async`]'s call, with wasmtime's own outcome for callers that tell its kinds apart
/// themselves (a process's status, a job's exit code).
///
/// # Errors
/// 5010 if the store cannot be armed (its fuel).
pub(crate) async fn call_raw(
  engines: &Engines,
  kiln: &mut KilnStore,
  func: Func,
) -> Result<wasmtime::Result<()>, WasmError> {
  let KilnStore { store, config, params, results, .. } = kiln;
  let deadline = arm(store, config, Mode::Async)?;
  let outcome = {
    let _running = engines.running();
    let call = func.call_async(&mut *store, params, results);
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

/// `instance.call(name, ...args)` for any signature. `slots` holds the encoded arguments on entry
/// and the encoded results when the call has ended (see `value.rs`); the JS side sizes it from the
/// signature. Polls the call once (call_first.rs): `true` if it ended, `false` if the JS side is
/// to await `op_wasm_call_unfinished` before it reads the results.
///
/// # Errors
/// 5005 for an instance that is gone, 5009 without `execute`, 5004 for a missing export, 5007
/// for arguments the signature does not take, and the classified error of a call that failed on
/// its first poll.
#[op2]
pub fn op_wasm_instance_call(
  state: &mut OpState,
  instance_id: f64,
  #[string] name: String,
  #[buffer] slots: JsBuffer,
) -> Result<bool, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?;
  let call = call_slots(entry.store.clone(), entry.member, state.borrow::<SharedEngines>().0.clone(), name, slots);
  Ok(poll_first(state, call)?.is_some())
}

/// The call `op_wasm_instance_call` makes; it ends with 0 (the results are in the slots).
async fn call_slots(
  shared: SharedStore,
  member: usize,
  engines: Arc<Engines>,
  name: String,
  mut slots: JsBuffer,
) -> Result<f64, WasmError> {
  let mut guard = lock(&shared).await;
  let kiln = &mut *guard;
  let Member { instance, .. } = &kiln.members[member];
  let Some(func) = instance.get_func(&mut kiln.store, &name) else {
    return Err(kiln.members[member].export_missing(&mut kiln.store, &name));
  };
  let ty = func.ty(&kiln.store);
  read_params(&name, &ty, &slots, &mut kiln.params)?;
  prepare_results(&name, &ty, &mut kiln.results)?;
  run_async(&engines, kiln, func, &format!("`{name}`")).await?;
  write_results(&kiln.results, &mut slots);
  Ok(0.0)
}

/// Takes the store's lock. An uncontended lock is taken without `lock().await`, which spends
/// tokio's cooperative budget: in a loop of calls, every 128th would otherwise not end on its
/// first poll only because the budget ran out.
async fn lock(shared: &SharedStore) -> tokio::sync::MutexGuard<'_, KilnStore> {
  match shared.try_lock() {
    Ok(guard) => guard,
    Err(_) => shared.lock().await,
  }
}

/// `await instance.call(name, ...args)` for the common shape, as `op_wasm_instance_call_numbers`
/// takes it: the packed instance id and export index, and up to three i32, f32 or f64 arguments as
/// numbers, which the JS side has checked (it passes 0 for unused ones). No buffer and no name
/// lookup: the export is resolved once per instance.
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
  state: &mut OpState,
  packed_export: f64,
  a: f64,
  b: f64,
  c: f64,
) -> Result<Option<f64>, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let entry = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?;
  let call =
    call_numbers(entry.store.clone(), entry.member, state.borrow::<SharedEngines>().0.clone(), export_index, [a, b, c]);
  poll_first(state, call)
}

/// The call `op_wasm_instance_call_numbers_first` makes: its one result, or 0 when it has none.
async fn call_numbers(
  shared: SharedStore,
  member: usize,
  engines: Arc<Engines>,
  export_index: u32,
  args: [f64; 3],
) -> Result<f64, WasmError> {
  let mut guard = lock(&shared).await;
  let kiln = &mut *guard;
  let Member { instance, module, exported, .. } = &mut kiln.members[member];
  let export = Member::export_at(exported, &mut kiln.store, instance, module, export_index)?;
  let Some(shape) = export.shape.numbers else {
    return Err(export.not_numbers());
  };
  kiln.params.clear();
  for (i, (ty, arg)) in shape.params[..shape.arity].iter().zip(args).enumerate() {
    let raw = ty.to_raw(arg).ok_or_else(|| export.not_a_number(i, *ty, Some(arg)))?;
    kiln.params.push(ty.val(raw));
  }
  kiln.results.clear();
  kiln.results.resize(usize::from(shape.result.is_some()), Val::I32(0));
  let func = export.func;
  let outcome = call_raw(&engines, kiln, func).await?;
  let export = kiln.members[member].exported[export_index as usize].as_ref().expect("resolved above");
  // The name is formatted only for an error: a `format!` per call showed in the profile.
  if outcome.is_err() && finish(outcome, &format!("`{}`", export.name), kiln.config.call_limits())? == Ended::Exited {
    kiln.results.iter_mut().for_each(|r| *r = Val::I32(0));
  }
  match kiln.results.first() {
    Some(value) => val_to_number(value).ok_or_else(|| export.not_numbers()),
    None => Ok(0.0),
  }
}
