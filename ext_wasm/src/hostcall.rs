//! Calls into stores that have JS host functions: the guest and the JS side take turns.
//!
//! A call (or an instantiation, whose start functions may call host functions) becomes a
//! *parked* future: it owns the store's lock and the guest's suspended fiber, and lives in the
//! [`HostCalls`] table under a token between steps. The JS side drives it in a loop:
//!
//! ```text
//! token = begin(...)                          // nothing runs yet
//! step = run_first(token) | run_sync(token)   // the guest runs until it ends or calls a host
//!                                             // function (PENDING: step = await run(token))
//! while (step >= 0) {                         // host function number `step`, arguments in the slots
//!   ...run it in an ordinary JS frame; it may use caller.memory / caller.exports (more ops)...
//!   step = resume_first(token, status, count, slots, message)  // its answer, and on to the next
//!        | resume_sync(token, status, count, slots, message)   // step: one op per round trip
//! }
//! ```
//!
//! (The ops are host_drive.rs's; this module keeps the parked calls and their steps.) `run_first`
//! and `run` are the async driver: the guest yields to the event loop as any `call` does, and an
//! async host function is awaited by the JS side while the event loop runs. `run_sync` is the
//! synchronous driver of `instance.exports` for a store that takes only async calls (its guest
//! imports WASI); there a host function that returns a promise fails the call. A store that takes
//! synchronous calls runs `instance.exports` on the JS thread's stack instead, with no driver
//! (`op_wasm_hcall_call_sync`, and the bound ops of bound_call.rs; host_direct.rs). Rust calls JS
//! there, and in `run_first`/`resume_first`, which call a host function of numbers themselves
//! between two polls of the parked call (host_drive.rs): always on the JS thread's own stack, so
//! no JS frame ever sits on a fiber's stack.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use deno_core::{op2, OpState};

use crate::engine::SharedEngines;
use crate::error::{DeadlineExceeded, WasmError};
use crate::export_run::run_export;
use crate::handles::{parse_id, HandleTable};
use crate::host::{Command, Event, HostBridge, Slot};
use crate::host_direct::Callers;
use crate::instance::{InstanceTable, Made};
use crate::store::{KilnStore, SharedStore};
use crate::store_lock::OwnedStoreGuard;
use crate::value::SLOT;

/// A step's code when the call (or instantiation) ended; its results are in the slots.
pub const DONE: f64 = -1.0;
/// A step's code when a `caller.exports` call ended; its results are in the slots.
pub const CALLED: f64 = -2.0;

/// What a parked future ends with.
pub enum Finished {
  /// A call: its results, one slot each.
  Call(Result<Vec<Slot>, WasmError>),
  /// An instantiation, registered by `op_wasm_instance_end` (boxed: a store is large).
  Instance(Box<Result<Made, WasmError>>),
  /// An instance made in an existing store, registered by `op_wasm_instance_joined` (join.rs).
  Joined(Box<Result<crate::join::Joined, WasmError>>),
  /// A component's instantiation, registered by `op_wasm_component_end`.
  Component(Box<Result<crate::component::ComponentMade, WasmError>>),
  /// A component call: its results, encoded (read with `op_wasm_hcall_bytes`).
  Bytes(Result<Vec<u8>, WasmError>),
}

/// A call or instantiation between steps.
pub struct Parked {
  future: Option<Pin<Box<dyn Future<Output = Finished>>>>,
  bridge: Arc<HostBridge>,
  /// The deadline the synchronous driver stops waiting at (the guest's own checks stop it while
  /// it runs; this stops a wait for something that never comes).
  timeout: Option<Duration>,
  finished: Option<Finished>,
  /// The encoded arguments of a component's host function call, for `op_wasm_hcall_bytes`.
  arguments: Option<Vec<u8>>,
  /// The instance a call runs in and its store, for `caller.memory.buffer` (none while a store
  /// is being made: it is nobody's yet).
  pub(crate) store: Option<(u64, SharedStore)>,
  /// Set for a call that runs on the JS thread's stack (host_direct.rs): there is no future, and
  /// a command is carried out at once with the `Caller` of the host function running JS.
  direct: Option<Rc<Callers>>,
  /// Set when a synchronous first poll (host_drive.rs, `step_first`) found the guest yielding:
  /// the async step that follows lets the event loop turn first (see `step_async`).
  pub(crate) yielded: bool,
}

impl Parked {
  pub fn new(
    future: impl Future<Output = Finished> + 'static,
    bridge: Arc<HostBridge>,
    timeout: Option<Duration>,
  ) -> Self {
    Self {
      future: Some(Box::pin(future)),
      bridge,
      timeout,
      finished: None,
      arguments: None,
      store: None,
      direct: None,
      yielded: false,
    }
  }

  /// The entry of a call that runs on the JS thread's stack, by which the commands its host
  /// functions' JS sends find it.
  pub(crate) fn direct(bridge: Arc<HostBridge>, callers: Rc<Callers>, store: Option<(u64, SharedStore)>) -> Self {
    Self {
      future: None,
      bridge,
      timeout: None,
      finished: None,
      arguments: None,
      store,
      direct: Some(callers),
      yielded: false,
    }
  }

  /// Gives the waiting host function its next command; the driver then polls the call again.
  pub(crate) fn give(&self, command: Command) {
    self.bridge.command(command);
  }

  /// The `Caller`s of a call that runs on the JS thread's stack; `None` for any other.
  pub(crate) fn direct_callers(&self) -> Option<&Rc<Callers>> {
    self.direct.as_ref()
  }

  /// A copy of a direct call's entry, for a step ([`take`]); `None` for any other.
  fn direct_copy(&self) -> Option<Self> {
    let callers = self.direct.clone()?;
    Some(Self::direct(self.bridge.clone(), callers, self.store.clone()))
  }
}

/// The parked calls of a runtime (an `OpState` entry), by token. Shared, so that a driver that
/// takes a call out and puts it back around each host call it makes in one op (host_drive.rs)
/// reaches the table without searching the `OpState` each time: its entries are kept by type in
/// a `BTreeMap`, about 176 instructions a search, twice per host call.
#[derive(Default)]
pub struct HostCalls(pub Rc<RefCell<HandleTable<Parked>>>);

pub(crate) fn no_call(token: f64) -> WasmError {
  WasmError::invalid_instance(format!(
    "no host call {token} is in progress: a WasmCaller works only during the host function call it \
     was given to"
  ))
}

/// Registers a parked future; returns its token.
pub fn park(state: &mut OpState, parked: Parked) -> Result<f64, WasmError> {
  let mut table = state.borrow::<HostCalls>().0.borrow_mut();
  table
    .insert(parked)
    .map(|id| id as f64)
    .ok_or_else(|| WasmError::call("host call tokens are exhausted; restart the app"))
}

/// Registers a call that runs on the JS thread's stack (host_direct.rs) under a token, by which
/// the commands its host functions' JS sends find it.
pub(crate) fn park_direct(
  state: &Rc<RefCell<OpState>>,
  bridge: Arc<HostBridge>,
  callers: Rc<Callers>,
  store: Option<(u64, SharedStore)>,
) -> Result<f64, WasmError> {
  park(&mut state.borrow_mut(), Parked::direct(bridge, callers, store))
}

/// The `Caller`s of host call `token` if its guest runs on the JS thread's stack (host_direct.rs):
/// a call back into its store, or an operation on its memory, is made at once with the innermost
/// one (`with_innermost`) rather than given to it as a command.
pub(crate) fn direct_callers_of(state: &Rc<RefCell<OpState>>, token: f64) -> Option<Rc<Callers>> {
  let state = state.borrow();
  let calls = state.borrow::<HostCalls>().0.borrow();
  parse_id(token).and_then(|id| calls.get(id)).and_then(|parked| parked.direct_callers().cloned())
}

/// The runtime's table of parked calls, for [`take_from`] and [`put_back_into`].
pub(crate) fn table(state: &Rc<RefCell<OpState>>) -> Rc<RefCell<HandleTable<Parked>>> {
  state.borrow().borrow::<HostCalls>().0.clone()
}

/// Takes a parked call out of the table for a step. A direct call (host_direct.rs) stays in the
/// table and this is a copy of its entry: its steps run JS, whose commands must still find it.
pub(crate) fn take(state: &Rc<RefCell<OpState>>, token: f64) -> Result<Parked, WasmError> {
  take_from(&table(state), token)
}

/// [`take`] from the runtime's `table`.
pub(crate) fn take_from(table: &RefCell<HandleTable<Parked>>, token: f64) -> Result<Parked, WasmError> {
  let id = parse_id(token).ok_or_else(|| no_call(token))?;
  let mut table = table.borrow_mut();
  if let Some(copy) = table.get(id).and_then(Parked::direct_copy) {
    return Ok(copy);
  }
  table.remove(id).ok_or_else(|| no_call(token))
}

pub(crate) fn put_back(state: &Rc<RefCell<OpState>>, token: f64, parked: Parked) {
  put_back_into(&table(state), token, parked);
}

/// [`put_back`] into the runtime's `table`.
pub(crate) fn put_back_into(table: &RefCell<HandleTable<Parked>>, token: f64, parked: Parked) {
  if parked.direct.is_some() {
    return;
  }
  if let Some(id) = parse_id(token) {
    table.borrow_mut().put(id, parked);
  }
}

/// What one poll of a parked future produced.
pub(crate) enum Step {
  Finished,
  Event(Event),
}

pub(crate) fn poll_step(parked: &mut Parked, cx: &mut Context<'_>) -> Poll<Step> {
  let Some(future) = parked.future.as_mut() else { return Poll::Ready(Step::Finished) };
  if let Poll::Ready(finished) = future.as_mut().poll(cx) {
    parked.future = None;
    parked.finished = Some(finished);
    return Poll::Ready(Step::Finished);
  }
  match parked.bridge.take_event() {
    Some(event) => Poll::Ready(Step::Event(event)),
    None => Poll::Pending,
  }
}

/// Wakes the thread that polls synchronously.
struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
  fn wake(self: Arc<Self>) {
    self.0.unpark();
  }
}

/// Polls on this thread until a step comes, as the synchronous driver does: blocking, like any
/// synchronous call, but stopped at the deadline if the guest waits for something that does not
/// come.
pub(crate) fn step_sync(parked: &mut Parked) -> Step {
  if let Some(callers) = &parked.direct {
    return Step::Event(crate::host_direct::step(callers, &parked.bridge));
  }
  thread_local! {
    /// This thread's waker, made once: every step of every synchronous call polls with it.
    static WAKER: Waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
  }
  let waker = WAKER.with(Waker::clone);
  let mut cx = Context::from_waker(&waker);
  let deadline = parked.timeout.map(|t| Instant::now() + t);
  loop {
    if let Poll::Ready(step) = poll_step(parked, &mut cx) {
      return step;
    }
    if deadline.is_some_and(|at| Instant::now() >= at) {
      // Dropping the future unwinds the guest's fiber and releases the store.
      parked.future = None;
      parked.finished = Some(Finished::Call(Err(crate::error::classify(
        DeadlineExceeded.into(),
        "the call",
        crate::error::CallLimits { timeout_ms: parked.timeout.map(|t| t.as_millis() as u64), fuel: None },
      ))));
      return Step::Finished;
    }
    std::thread::park_timeout(Duration::from_millis(1));
  }
}

/// Turns a step into what the op returns: writes values into `slots`.
pub(crate) fn report(step: Step, parked: &mut Parked, slots: &mut [u8]) -> Result<(f64, bool), WasmError> {
  match step {
    Step::Finished => match parked.finished.take() {
      Some(Finished::Call(Ok(values))) => {
        write_slots(&values, slots)?;
        Ok((DONE, true))
      }
      Some(Finished::Call(Err(error))) => Err(error),
      Some(Finished::Bytes(Err(error))) => Err(error),
      // An instantiation stays parked for op_wasm_instance_end (or op_wasm_component_end), and a
      // component call's results for op_wasm_hcall_bytes.
      finished
      @ Some(Finished::Instance(_) | Finished::Joined(_) | Finished::Component(_) | Finished::Bytes(Ok(_))) => {
        parked.finished = finished;
        Ok((DONE, false))
      }
      None => Ok((DONE, true)),
    },
    Step::Event(Event::Request { index, args }) => {
      args.write(slots)?;
      Ok((index as f64, false))
    }
    Step::Event(Event::Called(Ok(values))) => {
      write_slots(&values, slots)?;
      Ok((CALLED, false))
    }
    Step::Event(Event::Called(Err(error))) => Err(error),
    Step::Event(Event::Component { index, args }) => {
      parked.arguments = Some(args);
      Ok((index as f64, false))
    }
    Step::Event(_) => Err(WasmError::call("a host call answered out of turn; this is a bug in Kiln")),
  }
}

pub(crate) fn write_slots(values: &[Slot], slots: &mut [u8]) -> Result<(), WasmError> {
  if slots.len() < values.len() * SLOT {
    return Err(WasmError::type_error(format!(
      "the value buffer holds {} bytes, {} values need {}",
      slots.len(),
      values.len(),
      values.len() * SLOT
    )));
  }
  for (i, value) in values.iter().enumerate() {
    slots[i * SLOT..(i + 1) * SLOT].copy_from_slice(value);
  }
  Ok(())
}

/// Begins a call of export number `export_index` of an instance whose store has host functions;
/// `slots` holds the arguments. Nothing runs until `run`/`run_sync`.
#[op2(nofast)]
pub fn op_wasm_hcall_begin(
  state: &mut OpState,
  instance_id: f64,
  export_index: u32,
  sync: bool,
  #[buffer] slots: &[u8],
) -> Result<f64, WasmError> {
  begin(state, instance_id, export_index, sync, slots)
}

pub(crate) fn busy() -> WasmError {
  WasmError::call(
    "this instance is busy: a call on it (or on an instance linked with it) is still running; \
     await it before calling `instance.exports` functions",
  )
}

pub(crate) fn begin(
  state: &mut OpState,
  instance_id: f64,
  export_index: u32,
  sync: bool,
  slots: &[u8],
) -> Result<f64, WasmError> {
  let shared = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?.store.clone();
  // The synchronous driver cannot wait for the store's turn: it would wait on itself.
  let locked = if sync { Some(shared.try_lock_owned().map_err(|_| busy())?) } else { None };
  begin_locked(state, instance_id, export_index, sync, locked, slots.to_vec())
}

/// [`begin`] with the store's lock, if the caller took it (the synchronous driver; the bound op
/// of `await instance.call`, call_driven.rs, which reads the export's signature first), else
/// taken by the call when it first runs. `args` are the arguments' slots.
pub(crate) fn begin_locked(
  state: &mut OpState,
  instance_id: f64,
  export_index: u32,
  sync: bool,
  locked: Option<OwnedStoreGuard<KilnStore>>,
  args: Vec<u8>,
) -> Result<f64, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup_for_call(instance_id)?;
  let shared = entry.store.clone();
  let shared_for_views = shared.clone();
  let member = entry.member;
  let host = entry.host.clone().ok_or_else(|| WasmError::call("this instance has no JS host functions"))?;
  let engines = state.borrow::<SharedEngines>().0.clone();
  // The deadline of a wait is the synchronous driver's; the async one's guest checks its own.
  let timeout = locked.as_ref().filter(|_| sync).and_then(|kiln| kiln.config.timeout_ms).map(Duration::from_millis);
  let future = async move {
    let mut guard = match locked {
      Some(guard) => guard,
      None => shared.lock_owned().await,
    };
    Finished::Call(run_export(&engines, &mut guard, member, export_index, &args, sync).await)
  };
  let mut parked = Parked::new(future, host.bridge.clone(), timeout);
  parked.store = parse_id(instance_id).map(|id| (id, shared_for_views));
  park(state, parked)
}

/// Reports a synchronous step, and puts the parked call back under its token unless it has
/// ended. A `caller.exports` call that failed (its guest trapped, or one of its host functions
/// threw) is an error here while the host function that made it still waits: that call goes on.
/// Any other error ends it (the JS side cancels it).
pub(crate) fn report_and_keep(
  state: &Rc<RefCell<OpState>>,
  token: f64,
  mut parked: Parked,
  step: Step,
  slots: &mut [u8],
) -> Result<f64, WasmError> {
  let nested_failed = matches!(step, Step::Event(Event::Called(Err(_))));
  let result = report(step, &mut parked, slots);
  if matches!(result, Ok((_, false))) || nested_failed {
    put_back(state, token, parked);
  }
  result.map(|(code, _)| code)
}

/// Gives a parked call a command for its waiting host function and runs until the answer.
pub(crate) fn command_sync(
  state: &Rc<RefCell<OpState>>,
  token: f64,
  command: Command,
) -> Result<(Parked, Step), WasmError> {
  let mut parked = take(state, token)?;
  parked.give(command);
  let step = step_sync(&mut parked);
  Ok((parked, step))
}

/// Gives a parked call a command whose answer is an event (a memory or table answer), and puts
/// the call back under its token.
pub(crate) fn event_sync(state: &Rc<RefCell<OpState>>, token: f64, command: Command) -> Result<Event, WasmError> {
  let (parked, step) = command_sync(state, token, command)?;
  put_back(state, token, parked);
  match step {
    Step::Event(event) => Ok(event),
    Step::Finished => Err(WasmError::call("the host call ended before it answered")),
  }
}

/// Gives `command` to the newest host call parked in `store`, the one waiting on JS: while a host
/// function runs, its guest holds the store's lock, and an operation on the store's memories or
/// tables (memory_view.rs, table.rs) is asked of it instead. `None` if no host call of that store
/// is waiting.
pub(crate) fn command_in_host_call(
  state: &Rc<RefCell<OpState>>,
  store: &SharedStore,
  command: Command,
) -> Option<Result<Event, WasmError>> {
  let token = {
    let state = state.borrow();
    let calls = state.borrow::<HostCalls>().0.borrow();
    calls
      .iter()
      .filter(|(_, parked)| parked.store.as_ref().is_some_and(|(_, s)| Arc::ptr_eq(s, store)))
      .map(|(id, _)| id)
      .max()?
  };
  Some(event_sync(state, token as f64, command))
}

/// Abandons a parked call or instantiation, if it is still there: dropping it unwinds the guest's
/// fiber and releases the store. The JS side calls it when it cannot go on driving (an error of
/// its own), so that a store is never left locked by a call nobody will finish.
#[op2(nofast)]
pub fn op_wasm_hcall_cancel(state: &mut OpState, token: f64) {
  cancel(state, token);
}

/// Drops the parked call (or the entry of a direct call) under `token`, if it is still there.
pub(crate) fn cancel(state: &mut OpState, token: f64) {
  if let Some(id) = parse_id(token) {
    // Dropped once the table is free again: dropping a call unwinds its guest.
    let removed = state.borrow::<HostCalls>().0.borrow_mut().remove(id);
    drop(removed);
  }
}

/// The encoded arguments of the component host function a parked call waits on, or, once the
/// call has ended, its encoded results (which ends its token).
#[op2]
#[buffer]
pub fn op_wasm_hcall_bytes(state: &mut OpState, token: f64) -> Result<Vec<u8>, WasmError> {
  let id = parse_id(token).ok_or_else(|| no_call(token))?;
  let arguments =
    state.borrow::<HostCalls>().0.borrow_mut().get_mut(id).ok_or_else(|| no_call(token))?.arguments.take();
  if let Some(arguments) = arguments {
    return Ok(arguments);
  }
  let not_yet = || WasmError::call("the component call has no values to read yet; this is a bug in Kiln");
  take_finished(state, token, not_yet, |finished| match finished {
    Finished::Bytes(Ok(bytes)) => Ok(bytes),
    other => Err(other),
  })
}

/// Takes a finished component instantiation out of the table.
pub fn take_component(state: &mut OpState, token: f64) -> Result<crate::component::ComponentMade, WasmError> {
  take_finished(state, token, not_finished, |finished| match finished {
    Finished::Component(made) => Ok(*made),
    other => Err(other),
  })?
}

/// Takes a finished instantiation out of the table.
pub fn take_instance(state: &mut OpState, token: f64) -> Result<Made, WasmError> {
  take_finished(state, token, not_finished, |finished| match finished {
    Finished::Instance(made) => Ok(*made),
    other => Err(other),
  })?
}

fn not_finished() -> WasmError {
  WasmError::instantiate("the instantiation has not finished; run it to the end first")
}

/// Takes what a parked call or instantiation finished with out of the table, if `pick` accepts it;
/// otherwise it stays parked under its token and the error is `not_yet`'s.
pub(crate) fn take_finished<T>(
  state: &mut OpState,
  token: f64,
  not_yet: impl FnOnce() -> WasmError,
  pick: impl FnOnce(Finished) -> Result<T, Finished>,
) -> Result<T, WasmError> {
  let id = parse_id(token).ok_or_else(|| no_call(token))?;
  let table = state.borrow::<HostCalls>().0.clone();
  let mut parked = table.borrow_mut().remove(id).ok_or_else(|| no_call(token))?;
  match parked.finished.take().map(pick) {
    Some(Ok(value)) => Ok(value),
    other => {
      parked.finished = other.and_then(Result::err);
      table.borrow_mut().put(id, parked);
      Err(not_yet())
    }
  }
}
