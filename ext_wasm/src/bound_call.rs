//! `instance.exports.f` as a bound op: for the common shape (up to three i32/f32/f64 parameters, at
//! most one such result), ts/wasm_exports.ts and ts/wasm_host_exports.ts bind an op to each export,
//! so a call runs none of Kiln's JS. (In QuickJS a closure around the op was about 300 of a call's
//! 5,400 instructions: BENCHMARKS.md, the ninth pass.) The op checks the arguments against the
//! signature before the guest runs, as call_sync.rs's number ops do; the arguments it refuses (a
//! tagged value, a missing argument, one too many, an i32 out of range) are handed to the JS
//! function it is bound to (`this`), which converts them or throws the error that names the bad
//! one, and calls again.
//!
//! A store with JS host functions has ops of its own (`op_wasm_hcall_export_call`): the guest runs
//! on the JS thread's stack and calls its host functions from there (host_direct.rs), reading the
//! store's JS side only if it calls one. A call it cannot run so (the store is busy, or takes
//! only async calls because its guest imports WASI) is handed to the bound function too, whose
//! JS path runs it or names the problem.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use deno_core::{op2, v8, OpState};

use crate::call_sync::{call_locked, number, sync_call, Numbers};
use crate::engine::SharedEngines;
use crate::error::WasmError;
use crate::handles::{parse_id, unpack_export};
use crate::host_direct::{run_lazy, Lazy, ENTRIES};
use crate::host_entry::KeptTop;
use crate::hostcall::{busy, cancel, park_direct};
use crate::instance::InstanceTable;
use crate::memory_view::detach_grown_in;
use crate::raise::{exception_of, thrown};
use crate::shape::NUMBER_PARAMS;

/// `instance.exports.f` itself, for the common shape (ts/wasm_exports.ts): JS binds this op once
/// per export, as `op_wasm_export_call.bind(again, packedExport)`, so a call runs none of Kiln's
/// JS. (In QuickJS a closure around the op was about 300 of a call's 5,400 instructions:
/// BENCHMARKS.md, the ninth pass.) The arguments after `packedExport` are the call's; they are
/// checked here against the signature as [`op_wasm_instance_call_numbers`] checks them, and so is
/// their count: an argument past the function's parameters must be `undefined`.
///
/// Arguments the op refuses (a tagged value, a missing argument, one too many, an i32 out of
/// range) are handed to the function the op was bound to (`this`), with the call's arguments:
/// it converts them or throws the error that names the bad one, and calls again. What it returns
/// or throws is the call's. The store is not held meanwhile, so it may call any op.
#[op2(nofast)]
pub fn op_wasm_export_call(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  #[varargs] args: Option<&v8::FunctionCallbackArguments>,
) -> Result<f64, WasmError> {
  let outcome = bound_call(scope, &state, args);
  thrown(scope, outcome)
}

/// [`op_wasm_export_call`] for an export without a result: the call returns `undefined` (op2's
/// unit return is `null` without `#[undefined]`).
#[op2(nofast)]
#[undefined]
pub fn op_wasm_export_call_void(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  #[varargs] args: Option<&v8::FunctionCallbackArguments>,
) -> Result<(), WasmError> {
  let outcome = bound_call(scope, &state, args);
  thrown(scope, outcome).map(|_| ())
}

/// The call of a bound export function: `args` are the bound export, then the call's arguments.
fn bound_call(
  scope: &mut v8::PinScope<'_, '_>,
  state: &RefCell<OpState>,
  args: Option<&v8::FunctionCallbackArguments>,
) -> Result<f64, WasmError> {
  let Some(args) = args else {
    return Err(WasmError::type_error("op_wasm_export_call is called as a bound export function"));
  };
  let call = bound_args(args, 1)?;
  let refused = Cell::new(false);
  let io = Numbers::bound(call.numbers, call.given, &refused);
  let outcome = sync_call(&mut state.borrow_mut(), call.instance_id, call.export_index, io);
  detach_grown_in(scope, state);
  if !refused.get() {
    return outcome;
  }
  again(scope, args, 1, outcome)
}

/// A bound call's export and arguments.
struct BoundArgs {
  instance_id: f64,
  export_index: u32,
  numbers: [Option<f64>; NUMBER_PARAMS],
  /// How many arguments were given, up to the last that is not `undefined`.
  given: usize,
}

/// Reads a bound call's arguments: the export's number first, and the call's from `first` on.
fn bound_args(args: &v8::FunctionCallbackArguments, first: i32) -> Result<BoundArgs, WasmError> {
  let packed = number(&args.get(0)).ok_or_else(|| {
    WasmError::type_error("op_wasm_export_call: bind it to an export's number, as ts/wasm_exports.ts does")
  })?;
  let (instance_id, export_index) = unpack_export(packed);
  // Each argument is read once (every read costs the QuickJS shim a handle). `given` counts up to
  // the last that is not `undefined`: `f(1, undefined)` is `f(1)`, as for `call`.
  let mut numbers = [None; NUMBER_PARAMS];
  let mut given = 0;
  for i in first..args.length() {
    let value = args.get(i);
    if value.is_undefined() {
      continue;
    }
    given = (i - first + 1) as usize;
    if let Some(slot) = numbers.get_mut(given - 1) {
      *slot = number(&value);
    }
  }
  Ok(BoundArgs { instance_id, export_index, numbers, given })
}

/// Hands the call to the function the op is bound to (`this`), with the call's arguments (from
/// `first` on): it converts them or names the bad one, and calls again (or, for a store with host
/// functions, runs the call on its JS path). `outcome` is the op's own, if `this` is not a
/// function.
fn again(
  scope: &mut v8::PinScope<'_, '_>,
  args: &v8::FunctionCallbackArguments,
  first: i32,
  outcome: Result<f64, WasmError>,
) -> Result<f64, WasmError> {
  let this: v8::Local<v8::Value> = args.this().into();
  let Ok(again) = v8::Local::<v8::Function>::try_from(this) else {
    return outcome;
  };
  let given: Vec<v8::Local<v8::Value>> = (first..args.length()).map(|i| args.get(i)).collect();
  let recv = v8::undefined(scope).into();
  match again.call(scope, recv, &given) {
    Some(value) => Ok(value.number_value(scope).unwrap_or(f64::NAN)),
    // It threw: the exception is pending, and reaches the caller when the op returns.
    None => Ok(0.0),
  }
}

/// `instance.exports.f` of a store with JS host functions, for the common shape: JS binds this
/// op once per export, as `op_wasm_hcall_export_call.bind(again, packedExport, calls)`, where
/// `calls` is the store's `[serve, direct, slots, fail]` (ts/wasm_host_exports.ts, `boundCalls`).
/// The arguments after those are the call's, checked as [`op_wasm_export_call`] checks them.
///
/// The guest runs here, on the JS thread's stack, and a host function it calls runs then and
/// there (host_direct.rs, which reads `calls` only then). A call that fails is handed to `fail` as
/// its error, which throws it with what a host function threw as its `cause` (and, for the
/// `WebAssembly` global's exports, as the JS API's error). A call this op cannot run here
/// (refused arguments, a busy store, a store that takes only async calls) is handed to `again`,
/// the function it is bound to.
#[op2(nofast)]
pub fn op_wasm_hcall_export_call(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  #[varargs] args: Option<&v8::FunctionCallbackArguments>,
) -> Result<f64, WasmError> {
  let outcome = host_bound_call(scope, &state, args);
  thrown(scope, outcome)
}

/// [`op_wasm_hcall_export_call`] for an export without a result: the call returns `undefined`.
#[op2(nofast)]
#[undefined]
pub fn op_wasm_hcall_export_call_void(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  #[varargs] args: Option<&v8::FunctionCallbackArguments>,
) -> Result<(), WasmError> {
  let outcome = host_bound_call(scope, &state, args);
  thrown(scope, outcome).map(|_| ())
}

/// Where the store's bound-call context keeps `fail`.
const FAIL: u32 = 3;

/// The call of a bound export function of a store with JS host functions: `args` are the bound
/// export, the store's context, then the call's arguments.
fn host_bound_call(
  scope: &mut v8::PinScope<'_, '_>,
  state: &Rc<RefCell<OpState>>,
  args: Option<&v8::FunctionCallbackArguments>,
) -> Result<f64, WasmError> {
  let Some(args) = args else {
    return Err(WasmError::type_error("op_wasm_hcall_export_call is called as a bound export function"));
  };
  let call = bound_args(args, 2)?;
  let Ok(ctx) = v8::Local::<v8::Array>::try_from(args.get(1)) else {
    return Err(WasmError::type_error(
      "op_wasm_hcall_export_call: bind it to an export's number and its store's calls, as \
       ts/wasm_host_exports.ts does",
    ));
  };
  let (shared, member, bridge, kept) = {
    let state = state.borrow();
    let entry = state.borrow::<InstanceTable>().lookup_for_call(call.instance_id)?;
    let Some(host) = &entry.host else {
      drop(state);
      return again(scope, args, 2, Err(WasmError::call("this instance has no JS host functions")));
    };
    (entry.store.clone(), entry.member, host.bridge.clone(), entry.kept_top.get().cloned())
  };
  let kept = kept.or_else(|| keep_top(scope, state, call.instance_id, ctx));
  let Ok(mut guard) = shared.try_lock() else {
    // Busy: the JS path says so.
    return again(scope, args, 2, Err(busy()));
  };
  if guard.store.requires_async() {
    // Its guest imports WASI, whose functions wasmtime-wasi defines async: the fiber driver.
    drop(guard);
    return again(scope, args, 2, Err(WasmError::call("this instance's store takes only async calls")));
  }
  let refused = Cell::new(false);
  let io = Numbers::bound(call.numbers, call.given, &refused);
  // SAFETY: the erased lifetime is not relied on past `run_lazy`, which pops the direct call
  // (and with it this handle) before it returns, while the op's scope is still alive.
  let erased = unsafe { std::mem::transmute::<v8::Local<'_, v8::Array>, v8::Local<'static, v8::Array>>(ctx) };
  let lazy =
    Lazy { ctx: erased, kept, store: parse_id(call.instance_id).map(|id| (id, shared.clone())), park: park_direct };
  let engines = || state.borrow().borrow::<SharedEngines>().0.clone();
  let (outcome, token) =
    run_lazy(scope, state, bridge, lazy, || call_locked(&mut guard, member, call.export_index, io, &engines, true));
  drop(guard);
  if let Some(token) = token {
    cancel(&mut state.borrow_mut(), token);
  }
  detach_grown_in(scope, state);
  if refused.get() {
    return again(scope, args, 2, outcome);
  }
  match outcome {
    // What a host function threw may be the cause, and the `WebAssembly` API has errors of its own.
    Err(error) => fail(scope, ctx, error),
    outcome => outcome,
  }
}

/// What instance `instance_id` keeps of its store's entries (`ctx`'s second element) from now on;
/// `None` if they are not what the JS side makes.
fn keep_top(
  scope: &mut v8::PinScope<'_, '_>,
  state: &RefCell<OpState>,
  instance_id: f64,
  ctx: v8::Local<v8::Array>,
) -> Option<Rc<KeptTop>> {
  let value = ctx.get_index(scope, ENTRIES)?;
  let kept = Rc::new(KeptTop::read(scope, value)?);
  let state = state.borrow();
  let entry = state.borrow::<InstanceTable>().lookup(instance_id).ok()?;
  Some(entry.kept_top.get_or_init(|| kept).clone())
}

/// Throws `error` through the store's `fail`, which gives it what a host function of the call
/// threw as its `cause` and the `WebAssembly` API's error class if the store is the API's.
fn fail(scope: &mut v8::PinScope<'_, '_>, ctx: v8::Local<v8::Array>, error: WasmError) -> Result<f64, WasmError> {
  let Some(fail) = ctx.get_index(scope, FAIL).and_then(|f| v8::Local::<v8::Function>::try_from(f).ok()) else {
    return Err(error);
  };
  // The error as the op would throw it (raise.rs): an exception out of the guest as its value,
  // which `fail` passes on as it is.
  let exception = exception_of(scope, &error);
  let recv = v8::undefined(scope).into();
  match fail.call(scope, recv, &[exception]) {
    // It always throws; the exception is pending, and reaches the caller when the op returns.
    None => Ok(0.0),
    Some(_) => Err(error),
  }
}
