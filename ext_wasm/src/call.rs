//! `instance.call(name, ...args)`: running guest code and classifying how it ended.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use deno_core::{op2, JsBuffer, OpState};
use wasmtime::{Extern, Func, Store, Trap, Val};
use wasmtime_wasi::I32Exit;

use crate::capabilities::WasmPermissions;
use crate::config::InstanceConfig;
use crate::engine::SharedEngines;
use crate::engine::{DeadlineExceeded, Engines, StoreData, YIELD_TICKS};
use crate::error::WasmError;
use crate::exports::{export_at, not_numbers, unpack_export};
use crate::instance::{InstanceTable, LiveInstance};
use crate::value::{number_to_val, prepare_results, read_params, val_to_number, write_results};

/// The deadline a call started now must meet, from `timeoutMs`.
pub fn deadline(config: &InstanceConfig) -> Option<Instant> {
  config.timeout_ms.map(|ms| Instant::now() + Duration::from_millis(ms))
}

/// The messages of an error and its causes, joined.
pub fn error_chain(error: &wasmtime::Error) -> String {
  let parts: Vec<String> = error.chain().map(|cause| cause.to_string()).collect();
  parts.join(": ")
}

/// Turns a failed guest call into the error JS sees. `what` names the function.
/// A WASI exit with status 0 is not a failure and must be handled before this.
pub fn classify(error: wasmtime::Error, what: &str, config: &InstanceConfig) -> WasmError {
  if let Some(exit) = error.downcast_ref::<I32Exit>() {
    return WasmError::exit(exit.0);
  }
  if error.downcast_ref::<DeadlineExceeded>().is_some() {
    let ms = config.timeout_ms.unwrap_or_default();
    return WasmError::exhausted(format!(
      "{what} timed out: it ran past its {ms} ms deadline (timeoutMs) and was stopped"
    ));
  }
  let error = match error.downcast::<WasmError>() {
    Ok(inner) => return inner,
    Err(other) => other,
  };
  match error.downcast_ref::<Trap>() {
    Some(Trap::OutOfFuel) => WasmError::exhausted(format!(
      "{what} ran out of fuel: it used all {} units (fuel); raise fuel or do less per call",
      config.fuel.unwrap_or_default()
    )),
    Some(Trap::StackOverflow) => WasmError::call(format!(
      "{what} trapped: call stack exhausted (unbounded recursion?); the instance can still be used"
    )),
    Some(trap) => WasmError::call(format!("{what} trapped: {trap}")),
    None => WasmError::call(format!("{what} failed: {}", error_chain(&error))),
  }
}

fn export_missing(live: &mut LiveInstance, module: &wasmtime::Module, name: &str) -> WasmError {
  match live.instance.get_export(&mut live.store, name) {
    Some(other) => {
      let kind = match other {
        Extern::Memory(_) | Extern::SharedMemory(_) => "a memory",
        Extern::Table(_) => "a table",
        Extern::Global(_) => "a global",
        _ => "not a function",
      };
      WasmError::export_not_found(format!("export `{name}` is {kind}, not a function"))
    }
    None => {
      let functions: Vec<&str> = module.exports().filter(|e| e.ty().func().is_some()).map(|e| e.name()).collect();
      WasmError::export_not_found(format!(
        "the module exports no function `{name}`; its functions are: {}",
        if functions.is_empty() { "(none)".to_string() } else { functions.join(", ") }
      ))
    }
  }
}

/// Runs `func` as an async call under the instance's limits: its deadline (`timeoutMs`), yields to
/// the event loop every `YIELD_TICKS`, and its fuel. The outer error is a bad fuel setting; the
/// inner result is how the call ended, for `classify`.
pub(crate) async fn run_async(
  engines: &Engines,
  store: &mut Store<StoreData>,
  config: &InstanceConfig,
  func: Func,
  params: &[Val],
  results: &mut [Val],
) -> Result<wasmtime::Result<()>, WasmError> {
  store.data_mut().deadline = deadline(config);
  store.set_epoch_deadline(YIELD_TICKS);
  if let Some(fuel) = config.fuel {
    store.set_fuel(fuel).map_err(|e| WasmError::config(format!("cannot set fuel: {e}")))?;
  }
  let _running = engines.running();
  Ok(func.call_async(&mut *store, params, results).await)
}

/// `instance.call(name, ...args)`. `slots` holds the encoded arguments on entry and the encoded
/// results on return (see `value.rs`); the JS side sizes it from the signature.
#[op2]
pub async fn op_wasm_instance_call(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: String,
  #[buffer] slots: JsBuffer,
) -> Result<(), WasmError> {
  let (live, module, engines) = {
    let state = state.borrow();
    state.borrow::<WasmPermissions>().check_execute("call")?;
    let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
    (entry.live.clone(), entry.module.clone(), state.borrow::<SharedEngines>().0.clone())
  };
  let mut slots = slots;
  let mut guard = live.lock().await;
  let live = &mut *guard;
  let Some(func) = live.instance.get_func(&mut live.store, &name) else {
    return Err(export_missing(live, &module, &name));
  };
  let ty = func.ty(&live.store);
  read_params(&name, &ty, &slots, &mut live.params)?;
  prepare_results(&name, &ty, &mut live.results)?;

  let LiveInstance { store, config, params, results, .. } = live;
  let outcome = run_async(&engines, store, config, func, params, results).await?;
  match outcome {
    Ok(()) => {}
    Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|exit| exit.0 == 0) => {
      results.iter_mut().for_each(|r| *r = wasmtime::Val::I32(0));
    }
    Err(e) => return Err(classify(e, &format!("`{name}`"), config)),
  }
  write_results(results, &mut slots);
  Ok(())
}

/// `await instance.call(name, ...args)` for the common shape, as `op_wasm_instance_call_numbers`
/// takes it: the packed instance id and export index, and up to three i32, f32 or f64 arguments as
/// numbers. It resolves to the results array `call` returns (empty or one number), so the JS side
/// can hand its promise straight to the caller. No buffer and no name lookup: the export is
/// resolved once per instance.
#[op2]
#[serde]
pub async fn op_wasm_instance_call_numbers_async(
  state: Rc<RefCell<OpState>>,
  packed_export: f64,
  a: f64,
  b: f64,
  c: f64,
) -> Result<Vec<f64>, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let (live, module, engines) = {
    let state = state.borrow();
    state.borrow::<WasmPermissions>().check_execute("call")?;
    let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
    (entry.live.clone(), entry.module.clone(), state.borrow::<SharedEngines>().0.clone())
  };
  let mut guard = live.lock().await;
  let LiveInstance { store, instance, config, params, results, exported, .. } = &mut *guard;
  let export = export_at(exported, store, instance, &module, export_index)?;
  let ty = &export.ty;
  if ty.params().len() > 3 || ty.results().len() > 1 {
    return Err(not_numbers(export));
  }
  params.clear();
  for (ty, arg) in ty.params().zip([a, b, c]) {
    params.push(number_to_val(&ty, arg).ok_or_else(|| not_numbers(export))?);
  }
  results.clear();
  results.resize(ty.results().len(), Val::I32(0));

  let outcome = run_async(&engines, store, config, export.func, params, results).await?;
  match outcome {
    Ok(()) => {}
    Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|exit| exit.0 == 0) => {
      return Ok(vec![0.0; results.len()]);
    }
    Err(e) => return Err(classify(e, &format!("`{}`", export.name), config)),
  }
  results.iter().map(|value| val_to_number(value).ok_or_else(|| not_numbers(export))).collect()
}
