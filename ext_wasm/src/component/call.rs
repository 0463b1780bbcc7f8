//! Calls into component instances: `await instance.call(name, ...)` (async, yielding to the
//! event loop like a module's call), `instance.exports.f(...)` (synchronous), the plain-numbers
//! path of both, calls through the JS host-function driver, and resource drops.

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use deno_core::{op2, v8, JsBuffer, OpState};
use wasmtime::component::{Type, Val};

use super::make::{ComponentStore, ComponentTable, SharedComponent};
use super::wire::{read, write, Reader};
use crate::engine::{Engines, SharedEngines};
use crate::error::{finish, DeadlineExceeded, Ended, WasmError};
use crate::hostcall::{park, Finished, Parked};
use crate::module::{Loaded, ModuleTable};
use crate::store::{arm, disarm, Mode};

/// Runs exported function `index` with the arguments `reader` reads; leaves the encoded results
/// in `kiln.out`.
async fn run(
  engines: &Engines,
  kiln: &mut ComponentStore,
  index: u32,
  mut reader: Reader<'_>,
  mode: Mode,
) -> Result<(), WasmError> {
  let ComponentStore { funcs, resources, params, .. } = kiln;
  let f =
    funcs.get(index as usize).ok_or_else(|| WasmError::export_not_found(format!("no export function {index}")))?;
  params.clear();
  for ty in &f.params {
    params.push(read(ty, &mut reader, resources)?);
  }
  if !reader.done() {
    return Err(WasmError::type_error(
      "the component value buffer is longer than the arguments; this is a bug in Kiln",
    ));
  }
  invoke(Some(engines), kiln, index, mode).await?;
  let ComponentStore { funcs, resources, results, out, .. } = kiln;
  out.clear();
  for (ty, value) in funcs[index as usize].results.iter().zip(results.iter()) {
    write(ty, value, out, resources)?;
  }
  Ok(())
}

/// Runs exported function `index` on the arguments in `kiln.params`; leaves its results in
/// `kiln.results`. `engines` keeps the epoch ticker going during the call (`None` for a
/// synchronous call without a deadline, which needs no ticks).
pub(super) async fn invoke(
  engines: Option<&Engines>,
  kiln: &mut ComponentStore,
  index: u32,
  mode: Mode,
) -> Result<(), WasmError> {
  let ComponentStore { store, config, funcs, params, results, inline, .. } = kiln;
  let f =
    funcs.get(index as usize).ok_or_else(|| WasmError::export_not_found(format!("no export function {index}")))?;
  results.clear();
  results.resize(f.results.len(), Val::Bool(false));
  let deadline = arm(store, config, mode)?;
  let outcome = {
    let _running = engines.map(Engines::running);
    if mode == Mode::Sync && *inline {
      f.func.call(&mut *store, params, results)
    } else {
      let call = f.func.call_async(&mut *store, params, results);
      match (mode, deadline) {
        (Mode::Async, Some(at)) => {
          tokio::time::timeout_at(at.into(), call).await.unwrap_or_else(|_| Err(DeadlineExceeded.into()))
        }
        _ => call.await,
      }
    }
  };
  disarm(store);
  // The arguments are not needed after the call; clearing them ends any `Val::LentBytes`
  // borrow (direct.rs) before the op that lent it returns, and frees large values now.
  params.clear();
  // The function's name is formatted only for an error (a call that returns makes no string).
  let ended = match outcome {
    Ok(()) => Ended::Returned,
    Err(e) => finish(Err(e), &format!("`{}`", f.name), config.call_limits())?,
  };
  if ended == Ended::Exited {
    // A WASI exit(0) ends a command successfully: its `result` is ok.
    for (slot, ty) in results.iter_mut().zip(&f.results) {
      *slot = match ty {
        Type::Result(_) => Val::Result(Ok(None)),
        _ => {
          return Err(WasmError::call(format!("`{}` exited (WASI exit 0) instead of returning its results", f.name)))
        }
      };
    }
  }
  Ok(())
}

/// The store of a component instance, for running guest code in it.
fn shared(state: &OpState, instance_id: f64) -> Result<(SharedComponent, Arc<Engines>), WasmError> {
  let entry = state.borrow::<ComponentTable>().lookup_for_call(instance_id)?;
  Ok((entry.store.clone(), state.borrow::<SharedEngines>().0.clone()))
}

pub(super) fn busy() -> WasmError {
  WasmError::call(
    "this component instance is busy: an `instance.call` on it is still running; await it before \
     calling `instance.exports` functions",
  )
}

/// `await instance.call(name, ...args)` on a component: function `index`, arguments encoded.
#[op2]
#[buffer]
pub async fn op_wasm_component_call(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  index: u32,
  #[buffer] args: JsBuffer,
) -> Result<Vec<u8>, WasmError> {
  let (shared, engines) = shared(&state.borrow(), instance_id)?;
  let mut guard = shared.lock().await;
  run(&engines, &mut guard, index, Reader::new(&args), Mode::Async).await?;
  Ok(std::mem::take(&mut guard.out))
}

/// `instance.exports.f(...args)` on a component: the JS thread waits for the guest.
///
/// `buf[..len]` holds the encoded arguments on entry, and the encoded results on return when
/// they fit in `buf`: the call makes no JS object. Returns the results' length; when it is more
/// than `buf.len()`, they wait in the store for `op_wasm_component_results`. `lent` holds the
/// bytes of a `list<u8>` argument that were not copied into `buf` (wire.rs), or nothing.
#[op2(nofast)]
pub fn op_wasm_component_call_sync(
  state: &mut OpState,
  instance_id: f64,
  index: u32,
  #[buffer] buf: &mut [u8],
  len: u32,
  #[buffer] lent: &[u8],
) -> Result<u32, WasmError> {
  let (shared, engines) = shared(state, instance_id)?;
  let mut guard = shared.try_lock().map_err(|_| busy())?;
  // Kiln's JS lends a `list<u8>` of the caller's, never a view of its own buffer.
  let (b, l) = (buf.as_ptr_range(), lent.as_ptr_range());
  if !lent.is_empty() && (l.start as usize) < (b.end as usize) && (b.start as usize) < (l.end as usize) {
    return Err(WasmError::type_error("the lent list<u8> overlaps the component value buffer; this is a bug in Kiln"));
  }
  let args = buf.get(..len as usize).ok_or_else(|| {
    WasmError::type_error(format!("the component value buffer is shorter than {len} bytes; this is a bug in Kiln"))
  })?;
  let stop_at = guard.config.timeout_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
  block_on(run(&engines, &mut guard, index, Reader::lending(args, lent), Mode::Sync), stop_at)?;
  let out = &guard.out;
  if let Some(room) = buf.get_mut(..out.len()) {
    room.copy_from_slice(out);
  }
  u32::try_from(out.len()).map_err(|_| WasmError::call("the function's results are larger than 4 GiB"))
}

/// The encoded results of the last synchronous call, when they did not fit its buffer.
#[op2]
#[buffer]
pub fn op_wasm_component_results(state: &mut OpState, instance_id: f64) -> Result<Vec<u8>, WasmError> {
  let (shared, _) = shared(state, instance_id)?;
  let mut guard = shared.try_lock().map_err(|_| busy())?;
  Ok(std::mem::take(&mut guard.out))
}

/// `instance.exports.f(...)` for a function of up to three plain numbers (integers up to 32 bits,
/// floats) and at most one such result: no buffer. `packed` is `instance_id * 2^16 + index`.
///
/// The arguments are checked here, as `op_wasm_instance_call_numbers` checks a module's: each must
/// be a JS number, and for an integer type an integer in the type's range (unused ones are
/// ignored). Anything else is refused with 5007 before the guest runs, and the JS side then
/// names the misfit (ts/wasm_component.ts), so its common path checks nothing itself.
#[op2(nofast)]
pub fn op_wasm_component_call_numbers(
  state: &mut OpState,
  packed: f64,
  a: v8::Local<v8::Value>,
  b: v8::Local<v8::Value>,
  c: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let (instance_id, index) = crate::handles::unpack_export(packed);
  let entry = state.borrow::<ComponentTable>().lookup_for_call(instance_id)?;
  if entry.host.is_some() {
    // Its guest may call JS, which cannot run while this op waits (direct.rs says the same).
    return Err(WasmError::call("this instance has JS host functions: call it through instance.exports or call"));
  }
  let shared = entry.store.clone();
  let mut guard = shared.try_lock().map_err(|_| busy())?;
  let kiln = &mut *guard;
  let stop_at = kiln.config.timeout_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
  // Each `OpState` entry borrowed is a map search: the engines only when a deadline needs them.
  let engines = stop_at.map(|_| state.borrow::<SharedEngines>().0.clone());
  let f =
    kiln.funcs.get(index as usize).ok_or_else(|| WasmError::export_not_found(format!("no export function {index}")))?;
  kiln.params.clear();
  for (i, (ty, x)) in f.params.iter().zip([a, b, c]).enumerate() {
    let value = number_val(ty, &x).ok_or_else(|| {
      WasmError::type_error(format!("argument {} of `{}` is not a number that fits {ty:?}", i + 1, f.name))
    })?;
    kiln.params.push(value);
  }
  block_on(invoke(engines.as_deref(), kiln, index, Mode::Sync), stop_at)?;
  let results = &kiln.results;
  let name = || kiln.funcs[index as usize].name.as_str();
  Ok(match results.first() {
    None => 0.0,
    Some(Val::S8(v)) => *v as f64,
    Some(Val::U8(v)) => *v as f64,
    Some(Val::S16(v)) => *v as f64,
    Some(Val::U16(v)) => *v as f64,
    Some(Val::S32(v)) => *v as f64,
    Some(Val::U32(v)) => *v as f64,
    Some(Val::Float32(v)) => *v as f64,
    Some(Val::Float64(v)) => *v,
    Some(_) => return Err(WasmError::type_error(format!("`{}` does not return a plain number", name()))),
  })
}

/// A JS number as a component value of type `ty`: an integer type takes an integer in its range,
/// a float type any number. `None` for anything else.
fn number_val(ty: &Type, value: &v8::Value) -> Option<Val> {
  let x = crate::call_sync::number(value)?;
  // An integer in range converts to i64 and back unchanged (`fract` is a libm call: shape.rs).
  let int = |lo: f64, hi: f64| ((lo..=hi).contains(&x) && x as i64 as f64 == x).then_some(x);
  Some(match ty {
    Type::S8 => Val::S8(int(i8::MIN.into(), i8::MAX.into())? as i8),
    Type::U8 => Val::U8(int(0.0, u8::MAX.into())? as u8),
    Type::S16 => Val::S16(int(i16::MIN.into(), i16::MAX.into())? as i16),
    Type::U16 => Val::U16(int(0.0, u16::MAX.into())? as u16),
    Type::S32 => Val::S32(int(i32::MIN.into(), i32::MAX.into())? as i32),
    Type::U32 => Val::U32(int(0.0, u32::MAX.into())? as u32),
    Type::Float32 => Val::Float32(x as f32),
    Type::Float64 => Val::Float64(x),
    _ => return None,
  })
}

/// Begins a call of function `index` of a component instance whose store has JS host functions;
/// the JS side drives it (hostcall.rs) and reads the results with `op_wasm_hcall_bytes`.
#[op2(nofast)]
pub fn op_wasm_component_hcall_begin(
  state: &mut OpState,
  instance_id: f64,
  index: u32,
  sync: bool,
  #[buffer] args: &[u8],
) -> Result<f64, WasmError> {
  let (shared, engines) = shared(state, instance_id)?;
  let entry = state.borrow::<ComponentTable>().lookup(instance_id)?;
  let host = entry.host.clone().ok_or_else(|| WasmError::call("this instance has no JS host functions"))?;
  let locked = if sync { Some(shared.clone().try_lock_owned().map_err(|_| busy())?) } else { None };
  let timeout = locked.as_ref().and_then(|kiln| kiln.config.timeout_ms).map(Duration::from_millis);
  let args = args.to_vec();
  let mode = if sync { Mode::Sync } else { Mode::Async };
  let future = async move {
    let mut guard = match locked {
      Some(guard) => guard,
      None => shared.lock_owned().await,
    };
    Finished::Bytes(
      run(&engines, &mut guard, index, Reader::new(&args), mode).await.map(|()| std::mem::take(&mut guard.out)),
    )
  };
  park(state, Parked::new(future, host.bridge.clone(), timeout))
}

/// `resource[Symbol.dispose]()`: drops a resource JS holds; the guest's destructor runs now.
#[op2(fast)]
pub fn op_wasm_component_resource_drop(state: &mut OpState, instance_id: f64, handle: f64) -> Result<(), WasmError> {
  if state.borrow::<ComponentTable>().lookup(instance_id).is_err() {
    return Ok(()); // The instance is gone, and its resources with it: `using` must not throw.
  }
  let (shared, _) = shared(state, instance_id)?;
  let mut guard = shared.try_lock().map_err(|_| busy())?;
  let kiln = &mut *guard;
  let Some(resource) = crate::handles::parse_id(handle).and_then(|id| kiln.resources.remove(id)) else {
    return Ok(()); // Dropped already, or moved into the guest: nothing is left to drop.
  };
  let stop_at = kiln.config.timeout_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
  arm(&mut kiln.store, &kiln.config, Mode::Sync)?;
  let outcome = block_on(async { Ok(resource.resource_drop_async(&mut kiln.store).await) }, stop_at);
  disarm(&mut kiln.store);
  finish(outcome?, "the resource's destructor", kiln.config.call_limits()).map(|_| ())
}

/// `instance.exports` of a component: the JSON description `op_wasm_component_instantiate` made.
#[op2]
#[string]
pub fn op_wasm_component_exports(state: &mut OpState, instance_id: f64) -> Result<String, WasmError> {
  Ok(state.borrow::<ComponentTable>().lookup(instance_id)?.described.clone())
}

/// The functions a component imports that JS may provide, described (host.rs).
#[op2]
#[string]
pub fn op_wasm_component_import_functions(state: &mut OpState, module_id: f64) -> Result<String, WasmError> {
  match state.borrow::<ModuleTable>().get(module_id)? {
    Loaded::Component(c) => Ok(super::host::describe_imports(c.plain(), c.plain().engine(), c.hints()).to_string()),
    Loaded::Module(_) => Err(WasmError::invalid_module(format!("module {module_id} is not a component"))),
  }
}

/// `instance.drop()` of a component instance.
#[op2(fast)]
pub fn op_wasm_component_drop(state: &mut OpState, instance_id: f64) -> Result<(), WasmError> {
  match crate::handles::parse_id(instance_id).and_then(|id| state.borrow_mut::<ComponentTable>().0.remove(id)) {
    Some(_) => Ok(()),
    None => Err(crate::instance::invalid_instance(instance_id)),
  }
}

/// `takeStdout()` / `takeStderr()` of a component instance (`stream` 1 or 2).
#[op2]
#[buffer]
pub fn op_wasm_component_take_output(state: &mut OpState, instance_id: f64, stream: u32) -> Result<Vec<u8>, WasmError> {
  let entry = state.borrow::<ComponentTable>().lookup(instance_id)?;
  crate::instance::take_output(&entry.captured, stream)
}

/// Polls `future` to its end on this thread (a synchronous call), stopping at `stop_at` if the
/// guest waits for something that does not come.
pub(super) fn block_on<T>(
  future: impl Future<Output = Result<T, WasmError>>,
  stop_at: Option<Instant>,
) -> Result<T, WasmError> {
  thread_local! {
    /// This thread's waker, made once: a short call completes on its first poll, and should not
    /// pay for an allocation.
    static WAKER: Waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
  }
  let waker = WAKER.with(Waker::clone);
  let mut cx = Context::from_waker(&waker);
  let mut future = pin!(future);
  loop {
    if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
      return out;
    }
    if stop_at.is_some_and(|at| Instant::now() >= at) {
      return Err(crate::error::classify(
        DeadlineExceeded.into(),
        "the call",
        crate::error::CallLimits { timeout_ms: None, fuel: None },
      ));
    }
    std::thread::park_timeout(Duration::from_millis(1));
  }
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
  fn wake(self: Arc<Self>) {
    self.0.unpark();
  }
}
