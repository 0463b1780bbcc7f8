//! JS host functions called on the JS thread's own stack.
//!
//! A synchronous export call (`instance.exports.f()`, an export of the `WebAssembly` global's
//! instances) on a store that can take synchronous calls (no WASI functions among its imports:
//! wasmtime defines those async) runs the guest with `Func::call` on the JS thread's stack, inside
//! its op (`op_wasm_hcall_call_sync`). There is no fiber, so a host function the guest calls runs
//! its JS right there, through the function the JS side gave the op (`serveDirect` in
//! ts/wasm_host.ts), as an import call does in a browser's engine: JS runs on the JS thread's own
//! stack, never on a fiber's. A round trip is a call from Rust into JS and back, where the fiber
//! driver (hostcall.rs) takes two fiber switches and an op crossing.
//!
//! While the JS runs, the host function's `Caller` is the one way into the store (the op holds
//! the store's lock). The commands the JS side sends meanwhile (`caller.memory`, `caller.exports`,
//! `memory.buffer`, tables) find the call by its token, as they find a parked call's waiting host
//! function, and are carried out at once with the innermost `Caller` ([`step`]).

use std::cell::RefCell;
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{v8, OpState};
use wasmtime::{Caller, Val, ValType};

use crate::error::WasmError;
use crate::host::{answer, apply, call_back_sync, carry_out, read_slots, Command, Event, HostBridge};
use crate::js_ref::to_slot;
use crate::store::StoreData;
use crate::value::SLOT;

/// The `Caller`s of a direct call's host functions that are running JS now, innermost last.
#[derive(Default)]
pub(crate) struct Callers(RefCell<Vec<*mut Caller<'static, StoreData>>>);

/// A synchronous call running on the JS thread's stack, from its op to its end.
struct Direct {
  /// The op's scope, its lifetimes erased: each host function's JS runs in a scope made in it.
  scope: *mut c_void,
  /// The JS side's function that runs host function `index` and says what it answered.
  serve: v8::Local<'static, v8::Function>,
  state: Rc<RefCell<OpState>>,
  /// The call's slot buffer (the op's argument, which the JS side reads and writes too).
  slots: *mut u8,
  len: usize,
  /// The store's mailbox: it tells the store's own host functions from another store's.
  bridge: Arc<HostBridge>,
  callers: Rc<Callers>,
}

thread_local! {
  /// The direct calls running on this thread, innermost last (a host function may make a
  /// synchronous call into another store).
  static DIRECT: RefCell<Vec<Direct>> = const { RefCell::new(Vec::new()) };
}

/// What the op hands [`run`]: the JS side of the call.
pub(crate) struct JsSide<'a, 's, 'i, 'v> {
  pub scope: &'a mut v8::PinScope<'s, 'i>,
  pub state: &'a Rc<RefCell<OpState>>,
  pub serve: v8::Local<'v, v8::Function>,
  pub slots: &'a mut [u8],
}

/// Runs `call` (the guest, on this stack) with `js` as the way its host functions reach JS.
pub(crate) fn run<R>(
  js: JsSide<'_, '_, '_, '_>,
  bridge: Arc<HostBridge>,
  callers: Rc<Callers>,
  call: impl FnOnce() -> R,
) -> R {
  struct Pop;
  impl Drop for Pop {
    fn drop(&mut self) {
      DIRECT.with(|d| d.borrow_mut().pop());
    }
  }
  // SAFETY: the erased lifetimes are never relied on past this function: the entry is popped
  // (by `Pop`, even on unwinding) before it returns, while the op's scope, the `serve` handle
  // and the slot buffer are all still alive.
  let serve = unsafe { std::mem::transmute::<v8::Local<'_, v8::Function>, v8::Local<'static, v8::Function>>(js.serve) };
  let direct = Direct {
    scope: std::ptr::from_mut(js.scope).cast(),
    serve,
    state: js.state.clone(),
    slots: js.slots.as_mut_ptr(),
    len: js.slots.len(),
    bridge,
    callers,
  };
  DIRECT.with(|d| d.borrow_mut().push(direct));
  let _pop = Pop;
  call()
}

/// Host function number `index`, called by a guest that runs on the JS thread's stack: its JS
/// runs now, and its answer becomes the results (host_fn.rs, `run`).
pub(crate) fn call(
  caller: &mut Caller<'_, StoreData>,
  index: u32,
  params: &[Val],
  results: &mut [Val],
  result_types: &Arc<[ValType]>,
) -> wasmtime::Result<()> {
  let top = DIRECT.with(|d| {
    d.borrow().last().map(|d| (d.scope, d.serve, d.state.clone(), d.slots, d.len, d.bridge.clone(), d.callers.clone()))
  });
  let own = |bridge: &Arc<HostBridge>| caller.data().host.as_ref().is_some_and(|b| Arc::ptr_eq(b, bridge));
  let Some((scope, serve, state, slots, len, _, callers)) = top.filter(|top| own(&top.5)) else {
    return Err(
      WasmError::call("a JS host function was called outside a call Kiln runs; this is a bug in Kiln").into(),
    );
  };
  if params.len() * SLOT > len || result_types.len() * SLOT > len {
    return Err(WasmError::call("the host call's value buffer is too small; this is a bug in Kiln").into());
  }
  for (i, value) in params.iter().enumerate() {
    let slot = to_slot(&*caller, value);
    // SAFETY: the buffer is the op's argument, alive until the op returns, and `len` bytes long
    // (checked above); no Rust reference to it is in use while the call runs (see `run`).
    unsafe { std::ptr::copy_nonoverlapping(slot.as_ptr(), slots.add(i * SLOT), SLOT) };
  }
  callers.0.borrow_mut().push(std::ptr::from_mut(caller).cast());
  let answered = js(scope, &state, serve, index, slots, len);
  callers.0.borrow_mut().pop();
  let values = apply(caller, answered, result_types)?;
  results.clone_from_slice(&values);
  Ok(())
}

/// Calls the JS side's `serve(index)` and reads its answer: the number of results it left in the
/// slots, or `[status, message]` (hostcall.rs, `answer`).
fn js(
  scope: *mut c_void,
  state: &Rc<RefCell<OpState>>,
  serve: v8::Local<'static, v8::Function>,
  index: u32,
  slots: *mut u8,
  len: usize,
) -> Command {
  // SAFETY: `scope` is the scope of the op that runs the call, which is still running (this runs
  // inside its `Func::call`), and which does not use its scope until the call returns; the
  // scope made here ends before this function returns.
  let outer: &mut v8::PinScope<'static, 'static> = unsafe { &mut *scope.cast() };
  v8::scope!(let scope, outer);
  // A memory that grew since JS last ran: its old buffers are detached first, as after any op.
  crate::memory_view::detach_grown_in(scope, state);
  v8::tc_scope!(let tc, scope);
  let recv = v8::undefined(tc).into();
  let number = v8::Number::new(tc, f64::from(index)).into();
  let returned = serve.call(tc, recv, &[number]);
  // SAFETY: as above: the buffer outlives the call, and JS has finished with it for now.
  let slots = unsafe { std::slice::from_raw_parts(slots, len) };
  let Some(returned) = returned else {
    let what = tc.exception().map_or_else(|| "it was terminated".to_string(), |e| e.to_rust_string_lossy(tc));
    return Command::Throw(WasmError::call(format!("Kiln's host call driver failed: {what}")));
  };
  if let Some(count) = crate::call_sync::number(&returned) {
    return match read_slots(slots, count as usize) {
      Ok(values) => Command::Reply(values),
      Err(e) => Command::Throw(e),
    };
  }
  let Ok(pair) = v8::Local::<v8::Array>::try_from(returned) else {
    return Command::Throw(WasmError::call("Kiln's host call driver answered oddly; this is a bug in Kiln"));
  };
  let status = pair.get_index(tc, 0).and_then(|s| crate::call_sync::number(&s)).unwrap_or(1.0);
  let message = pair.get_index(tc, 1).map(|m| m.to_rust_string_lossy(tc)).unwrap_or_default();
  answer(status as u32, 0, slots, &message).unwrap_or_else(Command::Throw)
}

/// Carries out the command the JS side just gave a direct call (a parked call's `step_sync`):
/// with the `Caller` of its innermost host function that runs JS now.
pub(crate) fn step(callers: &Callers, bridge: &HostBridge) -> Event {
  let innermost = callers.0.borrow().last().copied();
  let Some(command) = bridge.take_command() else {
    return Event::Called(Err(WasmError::call("a host call got no command; this is a bug in Kiln")));
  };
  let Some(caller) = innermost else {
    return refused(command);
  };
  // SAFETY: the pointer is of the `Caller` of a host function that is running JS now, further
  // down this thread's stack (`call` pops it before it uses the `Caller` again), and this is the
  // only use of it meanwhile.
  let caller: &mut Caller<'_, StoreData> = unsafe { &mut *caller };
  match carry_out(caller, command) {
    Ok(event) => event,
    Err(Command::Call { target, args }) => Event::Called(call_back_sync(caller, target, &args)),
    Err(_) => Event::Called(Err(WasmError::call("a host call answered out of turn; this is a bug in Kiln"))),
  }
}

/// The answer to a command sent when none of the call's host functions is running JS.
fn refused(command: Command) -> Event {
  let error = || {
    WasmError::invalid_instance(
      "no host call is in progress: a WasmCaller works only during the host function call it was given to",
    )
  };
  match command {
    Command::Signature(_) => Event::Signature(Err(error())),
    Command::Table { .. } => Event::Table(Err(error())),
    Command::Call { .. } => Event::Called(Err(error())),
    _ => Event::Memory(Err(error())),
  }
}
