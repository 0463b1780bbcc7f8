//! The ops the JS side drives host calls with (ts/wasm_host_drive.ts, ts/wasm_host.ts,
//! ts/wasm_host_exports.ts): a synchronous export call of a store with JS host functions (on the
//! JS thread's stack when the store takes synchronous calls, host_direct.rs; else begun and stepped
//! on a fiber), and the steps of a parked call, for the synchronous driver and the async one (the
//! async one polls each step once at once, calls the host functions of numbers it meets itself,
//! and awaits only a step that does not come on that poll). The parked calls themselves are
//! hostcall.rs's.

use std::cell::RefCell;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use deno_core::{op2, v8, JsBuffer, OpState};

use crate::engine::SharedEngines;
use crate::error::WasmError;
use crate::export_run::run_export_sync;
use crate::handles::parse_id;
use crate::host::{answer, Args, Command, Event, Numbers};
use crate::host_direct::{run, Callers, JsSide};
use crate::host_entry::{self, answer_of, driver_failed, Entries, Entry, Slots, Target, Targets, LATER};
use crate::hostcall::{
  begin, busy, cancel, park, poll_step, put_back, put_back_into, report, report_and_keep, step_sync, table, take,
  take_from, write_slots, Parked, Step, DONE,
};
use crate::instance::InstanceTable;
use crate::memory_view::detach_grown_in;
use crate::raise::thrown;
use crate::value::SLOT;

/// `op_wasm_hcall_begin` (synchronous) and the first `op_wasm_hcall_run_sync` in one op, for the
/// export calls of the `WebAssembly` global (every call of an emscripten or wasm-bindgen module's
/// export takes this path, and each op argument costs the QuickJS shim an allocation).
/// `packed_export` is `instance_id * 2^16 + export_index` (`handles::unpack_export`); `slots`
/// holds the arguments and has one slot more at its end. Returns `DONE` if the call ended, with
/// its results in the slots; else the number of the host function it waits on, with the
/// arguments in the slots and the call's token, an f64, in that last slot, for
/// `op_wasm_hcall_resume_sync`. A call that fails has no token left to cancel.
///
/// With `serve`, a function, a store that takes synchronous calls (its guests import no WASI)
/// runs the call on the JS thread's stack instead (host_direct.rs), and the op returns `DONE`.
/// Each host function the guest calls runs then and there: called by Rust with numbers if
/// `entries` (the store's `DirectEntries`, host_entry.rs) has it, else through `serve(index)`, with
/// the call's token in the last slot; a value the function Rust called returned that Rust does
/// not take, or what it threw, goes to `serve(index, value, threw, caller)`.
///
/// # Errors
/// As `op_wasm_hcall_begin` and `op_wasm_hcall_run_sync`; 5007 if `slots` has no last slot.
#[op2(nofast)]
pub fn op_wasm_hcall_call_sync(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  packed_export: f64,
  #[buffer] slots: &mut [u8],
  serve: v8::Local<v8::Value>,
  entries: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let outcome = call_sync(scope, state, packed_export, slots, serve, entries);
  thrown(scope, outcome)
}

/// The body of [`op_wasm_hcall_call_sync`], whose error the op throws (raise.rs).
fn call_sync(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  packed_export: f64,
  slots: &mut [u8],
  serve: v8::Local<v8::Value>,
  entries: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let (body, last) = token_slot("op_wasm_hcall_call_sync", slots)?;
  let (instance_id, export_index) = crate::handles::unpack_export(packed_export);
  if let Ok(serve) = v8::Local::<v8::Function>::try_from(serve) {
    let direct = call_direct(scope, &state, (instance_id, export_index), body, last, (serve, entries));
    detach_grown_in(scope, &state);
    if let Some(done) = direct? {
      return Ok(done);
    }
  }
  let token = begin(&mut state.borrow_mut(), instance_id, export_index, true, body)?;
  let step = step_sync_op(&state, token, None, body);
  detach_grown_in(scope, &state);
  let step = step?;
  if step != DONE {
    last.copy_from_slice(&token.to_le_bytes());
  }
  Ok(step)
}

/// An op's slot buffer split into the call's values and its last slot, where the call's token
/// goes: 5007, naming the op, if it has no last slot.
fn token_slot<'a>(op: &str, slots: &'a mut [u8]) -> Result<(&'a mut [u8], &'a mut [u8]), WasmError> {
  let Some(values) = slots.len().checked_sub(SLOT) else {
    return Err(WasmError::type_error(format!("{op}: the buffer needs a last slot for the token")));
  };
  Ok(slots.split_at_mut(values))
}

/// Runs the call on the JS thread's stack if its store takes synchronous calls (host_direct.rs):
/// `Some(DONE)` with the results in `body`. `None` if the store takes only async calls (its
/// guest imports WASI): the fiber driver takes the call.
fn call_direct(
  scope: &mut v8::PinScope<'_, '_>,
  state: &Rc<RefCell<OpState>>,
  (instance_id, export_index): (f64, u32),
  body: &mut [u8],
  last: &mut [u8],
  (serve, entries): (v8::Local<v8::Function>, v8::Local<v8::Value>),
) -> Result<Option<f64>, WasmError> {
  let (shared, member, bridge, engines) = {
    let state = state.borrow();
    let entry = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?;
    let host = entry.host.as_ref().ok_or_else(|| WasmError::call("this instance has no JS host functions"))?;
    (entry.store.clone(), entry.member, host.bridge.clone(), state.borrow::<SharedEngines>().0.clone())
  };
  let mut guard = shared.clone().try_lock_owned().map_err(|_| busy())?;
  if guard.store.requires_async() {
    return Ok(None);
  }
  let callers = Rc::new(Callers::default());
  let parked = Parked::direct(bridge.clone(), callers.clone(), parse_id(instance_id).map(|id| (id, shared)));
  let token = park(&mut state.borrow_mut(), parked)?;
  last.copy_from_slice(&token.to_le_bytes());
  let args = body.to_vec();
  let js = JsSide { scope, state, serve, entries, slots: body, token };
  let called = run(js, bridge, callers, || run_export_sync(&engines, &mut guard, member, export_index, &args));
  drop(guard);
  cancel(&mut state.borrow_mut(), token);
  write_slots(&called?, body)?;
  Ok(Some(DONE))
}

/// Runs a parked call until it ends or calls a host function, letting the event loop run while
/// the guest yields. Resolves to `DONE` (results in `slots`) or a host function's number
/// (arguments in `slots`); a failed call rejects with its coded error.
#[op2]
pub async fn op_wasm_hcall_run(
  state: Rc<RefCell<OpState>>,
  token: f64,
  #[buffer] slots: JsBuffer,
) -> Result<f64, WasmError> {
  step_async(&state, token, None, slots).await
}

/// `op_wasm_hcall_run` for the synchronous driver: the JS thread waits.
#[op2(nofast)]
pub fn op_wasm_hcall_run_sync(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  #[buffer] slots: &mut [u8],
) -> Result<f64, WasmError> {
  stepped(scope, &state, token, None, slots)
}

/// A step's code when the first poll of an async driver's step did not bring it
/// (`op_wasm_hcall_run_first`): the JS side goes on with `op_wasm_hcall_run`.
pub const PENDING: f64 = -3.0;

/// `op_wasm_hcall_run` polled once, synchronously, as call_first.rs polls a call: the step if it
/// came on that poll (every step of a guest that runs for less than its slice of time and then
/// calls a host function or ends), else `PENDING`, and the JS side awaits `op_wasm_hcall_run`,
/// which polls again with a real waker. Saves an async op per step: a promise and its
/// resolution, about a quarter of a round trip of the async driver.
///
/// `ctx` is the driver's `[entries, settle]` (ts/wasm_host_drive.ts, `driverCtx`), or undefined:
/// a host function the guest calls with numbers only, that Rust may call (host_entry.rs), is
/// called here, from Rust, and the guest resumed with its answer, in a loop, until a step Rust
/// cannot take itself (see [`step_first`]).
#[op2(nofast)]
pub fn op_wasm_hcall_run_first(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  #[buffer] slots: &mut [u8],
  ctx: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let step = step_first(scope, &state, token, None, slots, ctx);
  detach_grown_in(scope, &state);
  thrown(scope, step)
}

/// `op_wasm_hcall_begin` and the first `op_wasm_hcall_run_first` in one op, for `await
/// instance.call` in a store with JS host functions (ts/wasm_host_drive.ts, `hostCall`): one op
/// crossing fewer for every such call, most of which end on this op. `packed_export` is
/// `instance_id * 2^16 + export_index` (`handles::unpack_export`); `slots` holds the arguments and
/// has one slot more at its end, where the call's token, an f64, is written before the guest runs:
/// the other ops of the async driver take it, and the JS side cancels the call by it if this op
/// throws. Returns what `op_wasm_hcall_run_first` returns; `ctx` is as that op takes it.
///
/// # Errors
/// As `op_wasm_hcall_begin` and `op_wasm_hcall_run_first`; 5007 if `slots` has no last slot.
#[op2(nofast)]
pub fn op_wasm_hcall_call_first(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  packed_export: f64,
  #[buffer] slots: &mut [u8],
  ctx: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let step = call_first(scope, &state, packed_export, slots, ctx);
  detach_grown_in(scope, &state);
  thrown(scope, step)
}

/// The body of [`op_wasm_hcall_call_first`], whose error the op throws.
fn call_first(
  scope: &mut v8::PinScope<'_, '_>,
  state: &Rc<RefCell<OpState>>,
  packed_export: f64,
  slots: &mut [u8],
  ctx: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let (body, last) = token_slot("op_wasm_hcall_call_first", slots)?;
  let (instance_id, export_index) = crate::handles::unpack_export(packed_export);
  let token = begin(&mut state.borrow_mut(), instance_id, export_index, false, body)?;
  last.copy_from_slice(&token.to_le_bytes());
  step_first(scope, state, token, None, body, ctx)
}

/// `op_wasm_hcall_resume` polled once, synchronously (see `op_wasm_hcall_run_first`): the
/// answer is given either way, and `PENDING` means the JS side goes on with `op_wasm_hcall_run`.
#[op2(nofast)]
#[allow(clippy::too_many_arguments, reason = "an op's arguments are what the JS side passes")]
pub fn op_wasm_hcall_resume_first(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  status: u32,
  count: u32,
  #[buffer] slots: &mut [u8],
  #[string] message: &str,
  ctx: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let command = answer(status, count, slots, message)?;
  let step = step_first(scope, &state, token, Some(command), slots, ctx);
  detach_grown_in(scope, &state);
  thrown(scope, step)
}

/// One step of the async driver polled once, after giving the waiting host function `command`,
/// if any. The poll's waker does nothing, as call_first.rs explains: the async op that follows a
/// `PENDING` polls again, with a real waker, before it waits.
///
/// A step that is a call of a host function Rust may call (`ctx`'s entries), with numbers only,
/// is not the JS driver's: the function is called here (host_entry.rs), the guest given its
/// answer and polled again. The parked call is back under its token while the JS runs, so that
/// the commands of the function's caller find it, as they find it between a driver's steps.
/// What the function returned that Rust does not take, or threw, goes to `settle(index, value,
/// threw, caller)`, which answers as the driver's `serve` does; a promise it returned is awaited by the
/// driver (`LATER`), and its answer given by the next `op_wasm_hcall_resume_first`. A guest that
/// runs past its slice of time still yields (`PENDING`), host calls or not, and the async step
/// after it lets the event loop turn (`step_async`).
fn step_first(
  scope: &mut v8::PinScope<'_, '_>,
  state: &Rc<RefCell<OpState>>,
  token: f64,
  command: Option<Command>,
  slots: &mut [u8],
  ctx: v8::Local<v8::Value>,
) -> Result<f64, WasmError> {
  let ctx = v8::Local::<v8::Array>::try_from(ctx).ok();
  match poll_first(scope, state, token, command, slots, ctx.map(|ctx| (ctx, true)))? {
    Polled::Code(code) => Ok(code),
    // Only without `settle` (the bound op's calls).
    Polled::Settle(..) | Polled::Request(..) => {
      Err(WasmError::call("a host call step was handed back to a driver that settles; this is a bug in Kiln"))
    }
  }
}

/// What the first poll of a step of the async driver came to ([`poll_first`]).
pub(crate) enum Polled {
  /// The step's code: `DONE` (the results in the slots), `PENDING`, `LATER`, `CALLED`, or the
  /// number of the host function the guest waits on, its arguments in the slots.
  Code(f64),
  /// Without `settle`: host function `index`, which Rust called, returned this value, which Rust
  /// does not take, or threw it (`true`), with the caller Rust made for it. The guest waits for
  /// its answer, which the JS side gives once it has settled it (call_driven.rs).
  Settle(u32, v8::Global<v8::Value>, bool, Option<v8::Global<v8::Object>>),
  /// Without `settle`: the guest waits on host function `index`, which Rust does not call, with
  /// these arguments (written into slots of the JS side's size by the caller).
  Request(u32, Args),
}

/// [`step_first`]'s body. `ctx` is the driver's `[entries, settle]` and whether to call that
/// `settle` (`true`), or to hand back what it would be given (`Polled::Settle`), as well as a
/// host function's arguments (`Polled::Request`): the bound op of `await instance.call`
/// (call_driven.rs) begins a call with no JS record of it, which the JS side makes only when it
/// has something to do.
pub(crate) fn poll_first(
  scope: &mut v8::PinScope<'_, '_>,
  state: &Rc<RefCell<OpState>>,
  token: f64,
  command: Option<Command>,
  slots: &mut [u8],
  ctx: Option<(v8::Local<v8::Array>, bool)>,
) -> Result<Polled, WasmError> {
  // Read once the guest calls a host function: a call that calls none reads nothing of JS.
  let mut entries: Option<Option<Entries>> = None;
  let mut targets = Targets::default();
  // The table of parked calls, found once: the call goes back into it around each host call.
  let calls = table(state);
  let mut parked = take_from(&calls, token)?;
  if let Some(command) = command {
    parked.give(command);
  }
  let step = loop {
    let step = match poll_step(&mut parked, &mut Context::from_waker(Waker::noop())) {
      Poll::Ready(step) => step,
      Poll::Pending => {
        parked.yielded = true;
        put_back_into(&calls, token, parked);
        return Ok(Polled::Code(PENDING));
      }
    };
    let (Step::Event(Event::Request { index, args: Args::Numbers(numbers) }), Some((ctx, settles))) = (&step, ctx)
    else {
      break step;
    };
    let read = *entries.get_or_insert_with(|| ctx.get_index(scope, 0).and_then(|value| Entries::read(scope, value)));
    let Some(entries) = &read else {
      break step;
    };
    // Its function read in the op's scope, the first few times it is called (`Targets`): here,
    // between host calls, the innermost scope open.
    let known = targets.get(scope, entries, *index, true);
    // The handles of one host call (its function, arguments, caller and what it returned) are
    // let go when it has answered: a guest may call thousands in one poll, and kept until the op
    // returned they held every caller alive and sent each allocation down malloc's slow path.
    v8::scope!(let one, scope);
    let Some(target) = known.unwrap_or_else(|| entries.get(one, *index)) else {
      break step;
    };
    let index = *index;
    put_back_into(&calls, token, parked);
    detach_grown_in(one, state);
    let answered = run_entry(one, (ctx, settles), (entries, target), token, index, numbers, slots);
    parked = take_from(&calls, token)?;
    match answered {
      Answered::Now(command) => parked.give(command),
      Answered::Later => {
        put_back_into(&calls, token, parked);
        return Ok(Polled::Code(LATER));
      }
      Answered::Settle(value, threw, caller) => {
        put_back_into(&calls, token, parked);
        return Ok(Polled::Settle(index, value, threw, caller));
      }
    }
  };
  let step = match (step, ctx) {
    (Step::Event(Event::Request { index, args }), Some((_, false))) => {
      put_back_into(&calls, token, parked);
      return Ok(Polled::Request(index, args));
    }
    (step, _) => step,
  };
  let (code, ended) = report(step, &mut parked, slots)?;
  if !ended {
    put_back_into(&calls, token, parked);
  }
  Ok(Polled::Code(code))
}

/// What a host function Rust called answered ([`run_entry`]).
enum Answered {
  /// The command for the guest.
  Now(Command),
  /// Its answer comes when a promise it returned settles (`LATER`).
  Later,
  /// For the JS side to settle (no `settle` to call): see [`Polled::Settle`].
  Settle(v8::Global<v8::Value>, bool, Option<v8::Global<v8::Object>>),
}

/// Calls host function `index`, `target` of `entries`, with `numbers`, and says what it answered.
fn run_entry<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  (ctx, settles): (v8::Local<v8::Array>, bool),
  (entries, target): (&Entries<'s>, Target<'s>),
  token: f64,
  index: u32,
  numbers: &Numbers,
  slots: &mut [u8],
) -> Answered {
  v8::tc_scope!(let tc, scope);
  let (args, len) = numbers.args();
  let (value, threw, made) = match host_entry::call(tc, entries, target, token, &args[..len], &numbers.results) {
    Entry::Value(value) => return Answered::Now(Command::Value(value)),
    Entry::Settle(value, threw, made) => (value, threw, made),
    Entry::Stopped => return Answered::Now(host_entry::stopped()),
  };
  if !settles {
    let value = v8::Global::new(tc, value);
    let made = made.map(|caller| v8::Global::new(tc, caller));
    return Answered::Settle(value, threw, made);
  }
  let settle = ctx.get_index(tc, 1).and_then(|f| v8::Local::<v8::Function>::try_from(f).ok());
  let Some(settle) = settle else {
    return Answered::Now(Command::Throw(WasmError::call(
      "the host call driver gave no `settle`; this is a bug in Kiln",
    )));
  };
  let recv = v8::undefined(tc).into();
  let args = host_entry::settle_args(tc, index, value, threw, made);
  let slots = Slots { ptr: slots.as_mut_ptr(), len: slots.len(), last: None };
  let Some(settled) = settle.call(tc, recv, &args) else {
    return Answered::Now(driver_failed(tc.exception().map(|e| e.to_rust_string_lossy(tc))));
  };
  if crate::call_sync::number(&settled) == Some(LATER) {
    return Answered::Later;
  }
  // SAFETY: `slots` is the op's buffer, alive until the op returns, and no Rust reference to it
  // is used while `settle` runs; JS is done with it for now.
  Answered::Now(unsafe { answer_of(tc, slots, settled) })
}

/// One step of the async driver, after giving the waiting host function `command`, if any.
///
/// After a first poll that found the guest yielding (`PENDING`), the event loop turns before the
/// guest is polled again. That poll already took the yield's one `Pending`, so without this the
/// op would complete on deno_core's eager poll, and a guest that calls host functions again and
/// again would go on from one op's promise to the next without ever letting timers or I/O run.
async fn step_async(
  state: &Rc<RefCell<OpState>>,
  token: f64,
  command: Option<Command>,
  mut slots: JsBuffer,
) -> Result<f64, WasmError> {
  let mut parked = take(state, token)?;
  if let Some(command) = command {
    parked.give(command);
  }
  if std::mem::take(&mut parked.yielded) {
    tokio::task::yield_now().await;
  }
  let step = std::future::poll_fn(|cx| poll_step(&mut parked, cx)).await;
  let (code, ended) = report(step, &mut parked, &mut slots)?;
  if !ended {
    put_back(state, token, parked);
  }
  Ok(code)
}

/// One step of the synchronous driver, after giving the waiting host function `command`, if any.
fn step_sync_op(
  state: &Rc<RefCell<OpState>>,
  token: f64,
  command: Option<Command>,
  slots: &mut [u8],
) -> Result<f64, WasmError> {
  let mut parked = take(state, token)?;
  if let Some(command) = command {
    parked.give(command);
  }
  let step = step_sync(&mut parked);
  report_and_keep(state, token, parked, step, slots)
}

/// Answers the host function a parked call waits on and runs the call on, as
/// `op_wasm_hcall_run` does: one op crossing per host call round trip.
#[op2]
pub async fn op_wasm_hcall_resume(
  state: Rc<RefCell<OpState>>,
  token: f64,
  status: u32,
  count: u32,
  #[buffer] slots: JsBuffer,
  #[string] message: String,
) -> Result<f64, WasmError> {
  let command = answer(status, count, &slots, &message)?;
  step_async(&state, token, Some(command), slots).await
}

/// `op_wasm_hcall_resume` for the synchronous driver. `nofast`, like the other call ops: on the
/// QuickJS backend the fast-call check costs a global lookup per call.
#[op2(nofast)]
pub fn op_wasm_hcall_resume_sync(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  status: u32,
  count: u32,
  #[buffer] slots: &mut [u8],
  #[string] message: &str,
) -> Result<f64, WasmError> {
  let command = answer(status, count, slots, message)?;
  stepped(scope, &state, token, Some(command), slots)
}

/// A step of the synchronous driver after giving the waiting host function `command`, if any;
/// then the buffers of memories that grew meanwhile are detached, as after any op that runs guest
/// code.
fn stepped(
  scope: &mut v8::PinScope<'_, '_>,
  state: &Rc<RefCell<OpState>>,
  token: f64,
  command: Option<Command>,
  slots: &mut [u8],
) -> Result<f64, WasmError> {
  let step = step_sync_op(state, token, command, slots);
  detach_grown_in(scope, state);
  thrown(scope, step)
}
