//! `instance.exports.f(...)`: the synchronous fast path beside the contract's async `call`.
//!
//! A synchronous call blocks the JS thread until the guest returns, as a `WebAssembly` export
//! call does: timers do not fire during it, and `timeoutMs` and `fuel` still stop it. The common
//! shape (up to three i32/f32/f64 parameters, at most one such result) passes plain numbers, which
//! the op checks against the export's `Shape` (shape.rs); any other travels in the same 8-byte
//! slots as `call` (see `value.rs`), in a buffer the JS side allocates once per function. The
//! export is resolved once per instance, so a call allocates nothing.
//!
//! `instance.exports.f` itself is an op bound to the export for the common shape (bound_call.rs,
//! which runs its calls with [`sync_call`] and [`call_locked`]).
//!
//! The ops are `nofast`: on the QuickJS backend an op with a fast-call overload pays a global
//! property lookup on every call to decide whether to take it, which is a third of a short
//! call's cost. (On V8 the fast overload would be the faster one.)
//!
//! A module without imports, or an export that calls nothing (bounded.rs), is called directly
//! (`Func::call_unchecked`, no fiber). Any other export of a module with imports (WASI) is called
//! on a fiber that is polled to completion right here: WASI's file
//! functions run inline (`allow_blocking_current_thread`), a sleep (`poll_oneoff` on clocks) sleeps
//! the thread until it ends or the deadline passes (wasi.rs), and anything else that has to wait (a
//! stdin read) is waited for by parking the thread, with `timeoutMs` checked at least every
//! millisecond while it waits.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

use deno_core::{op2, v8, OpState};
use wasmtime::{RootScope, Store, Val, ValRaw, ValType};

use crate::engine::SharedEngines;
use crate::error::{finish, DeadlineExceeded, Ended, WasmError};
use crate::handles::unpack_export;
use crate::instance::InstanceTable;
use crate::js_ref::{passes, to_slot, to_val};
use crate::memory_view::detach_grown;
use crate::raise::thrown;
use crate::shape::NUMBER_PARAMS;
use crate::store::{arm, disarm, ExportFunc, KilnStore, Member, Mode, StoreData};
use crate::value::{raw_to_val, slot, slot_to_val, unsupported, val_to_raw, val_to_slot, SLOT};

/// `instance.exports.<name>(...args)` for any signature Kiln passes. `export_index` is the
/// function's position in `getExports()`; `slots` holds the encoded arguments on entry and the
/// results on return (see `value.rs`).
#[op2(nofast)]
pub fn op_wasm_instance_call_sync(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  instance_id: f64,
  export_index: u32,
  #[buffer] slots: &mut [u8],
) -> Result<(), WasmError> {
  let called = sync_call(state, instance_id, export_index, SlotBuffer(slots));
  detach_grown(scope, state);
  thrown(scope, called)
}

/// A synchronous call of the common shape, with no buffer: up to three i32, f32 or f64 parameters
/// as numbers (unused ones are ignored), and at most one such result, returned as a number (0 when
/// there is none). `instance.exports` itself is `op_wasm_export_call` (bound_call.rs); this op and
/// its per-arity forms are for callers that pass numbers they have converted already (its refusal
/// path in ts/wasm_exports.ts, and the `WebAssembly` global's exports in ts/wasm_objects.ts).
/// `packed_export` packs the instance id and the export index as `instance_id * 2^16 +
/// export_index` (see `handles::EXPORT_INDEX_LIMIT`): every argument costs the JS engine an
/// allocation, so the op takes as few as it can.
///
/// The arguments are checked here, against the signature, before the guest runs: each must be a
/// plain number, and an i32 an integer in [-2^31, 2^32). Anything else (a tagged value, a missing
/// argument) is refused with 5007.
#[op2(nofast)]
pub fn op_wasm_instance_call_numbers(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  packed_export: f64,
  a: v8::Local<v8::Value>,
  b: v8::Local<v8::Value>,
  c: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let called = sync_call(state, instance_id, export_index, Numbers::taking([number(&a), number(&b), number(&c)], 3));
  detach_grown(scope, state);
  thrown(scope, called)
}

/// [`op_wasm_instance_call_numbers`] for an export with two parameters: each argument an op takes
/// costs the QuickJS shim a heap-allocated handle, so the common arities get ops of their own.
#[op2(nofast)]
pub fn op_wasm_instance_call_numbers2(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  packed_export: f64,
  a: v8::Local<v8::Value>,
  b: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let called = sync_call(state, instance_id, export_index, Numbers::taking([number(&a), number(&b), None], 2));
  detach_grown(scope, state);
  thrown(scope, called)
}

/// [`op_wasm_instance_call_numbers`] for an export with one parameter (see
/// [`op_wasm_instance_call_numbers2`]).
#[op2(nofast)]
pub fn op_wasm_instance_call_numbers1(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  packed_export: f64,
  a: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let called = sync_call(state, instance_id, export_index, Numbers::taking([number(&a), None, None], 1));
  detach_grown(scope, state);
  thrown(scope, called)
}

/// [`op_wasm_instance_call_numbers`] for an export without parameters (see
/// [`op_wasm_instance_call_numbers2`]).
#[op2(nofast)]
pub fn op_wasm_instance_call_numbers0(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  packed_export: f64,
) -> Result<f64, WasmError> {
  let (instance_id, export_index) = unpack_export(packed_export);
  let called = sync_call(state, instance_id, export_index, Numbers::taking([None; 3], 0));
  detach_grown(scope, state);
  thrown(scope, called)
}

/// The value of a JS number; `None` for any other value (a BigInt is not converted).
pub(crate) fn number(value: &v8::Value) -> Option<f64> {
  value.is_number().then(|| {
    // SAFETY: the value is a number, and a `v8::Number` is a `v8::Value` of that kind (v8
    // handles can be cast so, as deno_core's own argument conversions do).
    let n: &v8::Number = unsafe { &*std::ptr::from_ref(value).cast::<v8::Number>() };
    n.value()
  })
}

/// How one synchronous op passes arguments in and results out.
pub(crate) trait CallIo {
  type Output: Default;
  /// Writes the arguments, of the types the export's signature says, into `raw`.
  fn fill(&mut self, export: &ExportFunc, raw: &mut [ValRaw]) -> Result<(), WasmError>;
  /// Reads the results from `raw`.
  fn finish(self, export: &ExportFunc, raw: &RawSlots) -> Result<Self::Output, WasmError>;
  /// The buffer of slots, for a call that passes `externref`s ([`ref_call`]); `None` if this op
  /// passes plain numbers.
  fn buffer(&mut self) -> Option<&mut [u8]> {
    None
  }
}

/// Arguments and results in 8-byte slots (see `value.rs`).
struct SlotBuffer<'a>(&'a mut [u8]);

impl CallIo for SlotBuffer<'_> {
  type Output = ();

  fn buffer(&mut self) -> Option<&mut [u8]> {
    Some(self.0)
  }

  fn fill(&mut self, export: &ExportFunc, raw: &mut [ValRaw]) -> Result<(), WasmError> {
    let needed = raw.len() * SLOT;
    if self.0.len() < needed {
      return Err(WasmError::type_error(format!(
        "call of `{}`: the value buffer holds {} bytes, the signature needs {needed}",
        export.name,
        self.0.len()
      )));
    }
    for (i, (ty, raw)) in export.ty.params().zip(raw.iter_mut()).enumerate() {
      let value = slot_to_val(&ty, slot(self.0, i)).ok_or_else(|| unsupported(&export.name, &ty, "parameter"))?;
      *raw = val_to_raw(&value);
    }
    Ok(())
  }

  fn finish(self, export: &ExportFunc, raw: &RawSlots) -> Result<(), WasmError> {
    for (i, (ty, raw)) in export.ty.results().zip(raw.iter()).enumerate() {
      self.0[i * SLOT..(i + 1) * SLOT].copy_from_slice(&val_to_slot(&raw_to_val(&ty, raw)));
    }
    Ok(())
  }
}

/// Up to three numeric arguments and at most one numeric result, as plain numbers.
pub(crate) struct Numbers<'a> {
  /// The arguments; `None` for a value that is not a number.
  args: [Option<f64>; NUMBER_PARAMS],
  /// How many arguments the op takes: an export with more parameters is refused.
  taken: usize,
  /// How many arguments the call was given, when the op checks that too (a bound export).
  given: Option<usize>,
  /// Set when the arguments do not fit the signature (rather than the call failing).
  refused: Option<&'a Cell<bool>>,
}

impl<'a> Numbers<'a> {
  /// The arguments of an op that takes `taken` of them and ignores any others.
  fn taking(args: [Option<f64>; NUMBER_PARAMS], taken: usize) -> Self {
    Self { args, taken, given: None, refused: None }
  }

  /// The arguments of a bound export call (bound_call.rs): `given` of them (up to the last that
  /// is not `undefined`), and `refused` set if they do not fit the signature.
  pub(crate) fn bound(args: [Option<f64>; NUMBER_PARAMS], given: usize, refused: &'a Cell<bool>) -> Self {
    Self { args, taken: NUMBER_PARAMS, given: Some(given), refused: Some(refused) }
  }

  fn refuse(&self, error: WasmError) -> WasmError {
    if let Some(refused) = self.refused {
      refused.set(true);
    }
    error
  }
}

impl CallIo for Numbers<'_> {
  type Output = f64;

  fn fill(&mut self, export: &ExportFunc, raw: &mut [ValRaw]) -> Result<(), WasmError> {
    let Some(shape) = export.shape.numbers.filter(|shape| shape.arity <= self.taken) else {
      return Err(export.not_numbers());
    };
    if self.given.is_some_and(|given| given > shape.arity) {
      return Err(self.refuse(export.too_many_arguments(shape.arity)));
    }
    for (i, ((ty, raw), arg)) in shape.params[..shape.arity].iter().zip(raw.iter_mut()).zip(self.args).enumerate() {
      match arg.and_then(|n| ty.to_raw(n)) {
        Some(value) => *raw = value,
        None => return Err(self.refuse(export.not_a_number(i, *ty, arg))),
      }
    }
    Ok(())
  }

  fn finish(self, export: &ExportFunc, raw: &RawSlots) -> Result<f64, WasmError> {
    Ok(match (export.shape.numbers.and_then(|shape| shape.result), raw.first()) {
      (Some(ty), Some(raw)) => ty.number(raw),
      _ => 0.0,
    })
  }
}

/// Slots kept on the stack; a function with more parameters or results uses the heap.
const STACK_SLOTS: usize = 16;

/// Runs one synchronous call, with `io` moving the arguments and results.
pub(crate) fn sync_call<Io: CallIo>(
  state: &mut OpState,
  instance_id: f64,
  export_index: u32,
  io: Io,
) -> Result<Io::Output, WasmError> {
  let state = &*state;
  let entry = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?;
  let Ok(mut guard) = entry.store.try_lock() else {
    return Err(WasmError::call(
      "this instance is busy: an `instance.call` or memory operation on it (or on an instance \
       linked with it) is still running; await it before calling `instance.exports` functions",
    ));
  };
  let called =
    call_locked(&mut guard, entry.member, export_index, io, &|| state.borrow::<SharedEngines>().0.clone(), false);
  // The `WebAssembly` global's stores are the ones that pass JS values (js_ref.rs); those with JS
  // host functions add what a host function threw to the error in JS, so only the others' errors
  // are thrown as RuntimeErrors from here (raise.rs).
  match called {
    Err(error) if entry.host.is_none() && guard.store.data().refs.is_some() => Err(error.of_standard_call()),
    called => called,
  }
}

/// Runs one synchronous call of export `export_index` of member `member` of a store whose lock
/// the caller holds. `engines` is asked for only when the call has a deadline or passes
/// `externref`s. With `host_here`, the store's JS host functions are called on this stack (the
/// caller runs this inside `host_direct::run_lazy`, and has checked that the store takes
/// synchronous calls), so the guest is called directly, as a module without imports is.
pub(crate) fn call_locked<Io: CallIo>(
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
  mut io: Io,
  engines: &dyn Fn() -> Arc<crate::engine::Engines>,
  host_here: bool,
) -> Result<Io::Output, WasmError> {
  let KilnStore { store, config, params, results, members } = kiln;
  let Member { instance, module, exported, self_contained, bounded, .. } = &mut members[member];

  let export = Member::export_at(exported, store, instance, module, bounded, export_index)?;
  // Parameters and results of other types never reach `fill`'s output: refuse them first, or,
  // in a store that passes `externref`s, call with values made in the store.
  if !export.shape.numeric {
    let refs = export.ty.params().chain(export.ty.results()).all(|t| passes(&*store, &t));
    let Some(buffer) = io.buffer().filter(|_| refs) else {
      return Err(not_numeric(export));
    };
    ref_call(&engines(), export, store, config, buffer)?;
    return Ok(Io::Output::default());
  }
  let mut raw = RawSlots::new(export.shape.slots);
  io.fill(export, raw.as_mut())?;

  let stop_at = arm(store, config, Mode::Sync)?;
  let outcome = {
    // The epoch ticker is only needed to enforce a deadline: a synchronous call never yields.
    // (Each `OpState` entry borrowed is a map search, so the engines are looked up only then.)
    let engines = stop_at.map(|_| engines());
    let _running = engines.as_ref().map(|engines| engines.running());
    if *self_contained || host_here || export.bounded {
      let slots: *mut [ValRaw] = raw.as_mut();
      // SAFETY: `raw` is as long as the larger of the parameter and result lists, and `fill`
      // wrote every parameter with the type the signature gives it (only numeric types pass the
      // check above, so there are no references to keep valid). The guest cannot reach a host
      // function that needs a fiber: the module imports nothing, or (`host_here`) the store takes
      // synchronous calls and its JS host functions run on this stack (host_direct.rs), or the
      // export calls nothing at all (bounded.rs).
      // `arm(.., Mode::Sync)` makes the epoch callback return without yielding; and the store's
      // lock is held, so nothing else uses the store during the call.
      unsafe { export.func.call_unchecked(&mut *store, slots) }
    } else {
      call_on_fiber(export, store, params, results, raw.as_mut(), stop_at)
    }
  };
  disarm(store);
  let outcome = crate::exception::caught(&mut *store, outcome);
  // The name is formatted only for an error: a `format!` per call showed in the profile.
  if outcome.is_err() && finish(outcome, &format!("`{}`", export.name), config.call_limits())? == Ended::Exited {
    raw.as_mut().iter_mut().for_each(|r| *r = ValRaw::i64(0));
  }
  io.finish(export, &raw)
}

/// A synchronous call of an export that takes or returns `externref`s, in a store of the
/// `WebAssembly` global (js_ref.rs): values made in the store, rooted for this call only, on a
/// fiber polled here as [`call_on_fiber`] is.
fn ref_call(
  engines: &crate::engine::Engines,
  export: &ExportFunc,
  store: &mut Store<StoreData>,
  config: &crate::config::InstanceConfig,
  buffer: &mut [u8],
) -> Result<(), WasmError> {
  let ty = &export.ty;
  let needed = export.shape.slots * SLOT;
  if buffer.len() < needed {
    return Err(WasmError::type_error(format!(
      "call of `{}`: the value buffer holds {} bytes, the signature needs {needed}",
      export.name,
      buffer.len()
    )));
  }
  let stop_at = arm(store, config, Mode::Sync)?;
  let called = {
    let _running = stop_at.map(|_| engines.running());
    let mut scope = RootScope::new(&mut *store);
    let mut params = Vec::with_capacity(ty.params().len());
    let mut made = Ok(());
    for (i, param) in ty.params().enumerate() {
      match to_val(&mut scope, &param, slot(buffer, i)) {
        Ok(Some(value)) => params.push(value),
        Ok(None) => made = Err(unsupported(&export.name, &param, "parameter")),
        Err(e) => made = Err(e),
      }
    }
    made.and_then(|()| {
      let mut results = vec![Val::I32(0); ty.results().len()];
      let outcome = block_here(export.func.call_async(&mut scope, &params, &mut results), stop_at)
        .unwrap_or_else(|| Err(DeadlineExceeded.into()));
      let outcome = crate::exception::caught(&mut scope, outcome);
      if finish(outcome, &format!("`{}`", export.name), config.call_limits())? == Ended::Exited {
        results.iter_mut().for_each(|r| *r = Val::I32(0));
      }
      for (i, value) in results.iter().enumerate() {
        buffer[i * SLOT..(i + 1) * SLOT].copy_from_slice(&to_slot(&scope, value));
      }
      Ok(())
    })
  };
  disarm(store);
  called
}

/// The error for a call of an export with a parameter or result synchronous calls do not pass.
fn not_numeric(export: &ExportFunc) -> WasmError {
  let ty = &export.ty;
  let params = ty.params().map(|t| (t, "parameter"));
  params
    .chain(ty.results().map(|t| (t, "result")))
    .find(|(t, _)| !matches!(t, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64))
    .map_or_else(|| export.not_numbers(), |(t, role)| unsupported(&export.name, &t, role))
}

/// Argument and result slots of one call: on the stack up to `STACK_SLOTS`.
pub struct RawSlots {
  stack: [ValRaw; STACK_SLOTS],
  heap: Vec<ValRaw>,
  len: usize,
}

impl RawSlots {
  pub(crate) fn new(len: usize) -> Self {
    let heap = if len > STACK_SLOTS { vec![ValRaw::i64(0); len] } else { Vec::new() };
    Self { stack: [ValRaw::i64(0); STACK_SLOTS], heap, len }
  }

  pub(crate) fn as_mut(&mut self) -> &mut [ValRaw] {
    if self.len > STACK_SLOTS {
      &mut self.heap
    } else {
      &mut self.stack[..self.len]
    }
  }

  pub(crate) fn iter(&self) -> std::slice::Iter<'_, ValRaw> {
    if self.len > STACK_SLOTS {
      self.heap.iter()
    } else {
      self.stack[..self.len].iter()
    }
  }

  fn first(&self) -> Option<&ValRaw> {
    self.iter().next()
  }
}

/// Runs an async call to completion on this thread (see the module docs), with the arguments
/// and results in `raw`.
fn call_on_fiber(
  export: &ExportFunc,
  store: &mut Store<StoreData>,
  params: &mut Vec<Val>,
  results: &mut Vec<Val>,
  raw: &mut [ValRaw],
  stop_at: Option<Instant>,
) -> wasmtime::Result<()> {
  params.clear();
  for (ty, raw) in export.ty.params().zip(raw.iter()) {
    params.push(raw_to_val(&ty, raw));
  }
  results.clear();
  results.resize(export.ty.results().len(), Val::I32(0));
  block_here(export.call_async(&mut *store, params, results), stop_at)
    // Dropping the future unwinds the guest's fiber.
    .unwrap_or_else(|| Err(DeadlineExceeded.into()))?;
  for (value, raw) in results.iter().zip(raw.iter_mut()) {
    *raw = val_to_raw(value);
  }
  Ok(())
}

/// Polls `future` to completion on this thread, parking it while the future waits (see the module
/// docs); `None` if `stop_at` passes first (the future is dropped).
pub(crate) fn block_here<F: Future>(future: F, stop_at: Option<Instant>) -> Option<F::Output> {
  let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
  let mut cx = Context::from_waker(&waker);
  let mut future = pin!(future);
  loop {
    if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
      return Some(output);
    }
    if stop_at.is_some_and(|at| Instant::now() >= at) {
      return None;
    }
    std::thread::park_timeout(Duration::from_millis(1));
  }
}

/// Wakes the thread that polls a synchronous call.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
  fn wake(self: Arc<Self>) {
    self.0.unpark();
  }
  fn wake_by_ref(self: &Arc<Self>) {
    self.0.unpark();
  }
}
