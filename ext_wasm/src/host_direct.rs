//! JS host functions called on the JS thread's own stack.
//!
//! A synchronous export call (`instance.exports.f()`, an export of the `WebAssembly` global's
//! instances) on a store that can take synchronous calls (no WASI functions among its imports:
//! wasmtime defines those async) runs the guest on the JS thread's stack, inside its op: the
//! export's bound op for the common shape of `instance.exports` (`op_wasm_hcall_export_call`,
//! bound_call.rs), else `op_wasm_hcall_call_sync`. There is no fiber, so a host function the
//! guest calls runs its JS right there, as an import call does in a browser's engine: JS runs on
//! the JS thread's own stack, never on a fiber's. A round trip is a call from Rust into JS and
//! back, where the fiber driver (hostcall.rs) takes two fiber switches and an op crossing.
//!
//! Two ways into JS, both given by ts/wasm_host_exports.ts: to `op_wasm_hcall_call_sync` by
//! syncRunner, and, for bound calls, in the store's context (`boundCalls`), which is read only
//! when the guest calls a host function ([`run_lazy`]; such a call is given its token then too):
//!
//! - **Numbers** (every value an i32, f32 or f64, at most one result): Rust calls the function
//!   itself, from the store's entries (`DirectEntries`, ts/wasm_host_table.ts; host_entry.rs),
//!   with the arguments as JS numbers and the caller it makes, and takes a returned number of the
//!   result's type itself. Anything else it returned, and anything it threw, goes to
//!   `serve(index, value, threw, caller)`, which answers as the driver would.
//! - **Any other**: the arguments go into the slots, and `serve(index)` (`serveDirect`) runs the
//!   host function as the synchronous driver does.
//!
//! While the JS runs, the host function's `Caller` is the one way into the store (the op holds
//! the store's lock). The commands the JS side sends meanwhile (`caller.memory`, `caller.exports`,
//! `memory.buffer`, tables) find the call by its token, as they find a parked call's waiting host
//! function, and are carried out at once with the innermost `Caller` ([`step`]).

use std::cell::{Cell, OnceCell, RefCell};
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{v8, OpState};
use wasmtime::{Caller, Val, ValType};

use crate::error::WasmError;
use crate::host::{apply, call_back_sync, carry_out, CallTarget, Command, Event, HostBridge, Slot};
use crate::host_entry::{self as entry, answer_of, driver_failed, Entries, Entry, KeptTop, Slots, Targets};
use crate::js_ref::to_slot;
use crate::store::StoreData;
use crate::value::{val_to_number, SLOT};

/// The `Caller`s of a direct call's host functions that are running JS now, innermost last.
#[derive(Default)]
pub(crate) struct Callers(RefCell<Vec<*mut Caller<'static, StoreData>>>);

/// A synchronous call running on the JS thread's stack, from its op to its end.
struct Direct {
  /// The op's scope, its lifetimes erased: each host function's JS runs in a scope made in it.
  scope: *mut c_void,
  /// How the JS side is reached.
  side: Side,
  state: Rc<RefCell<OpState>>,
  /// The store's mailbox: it tells the store's own host functions from another store's.
  bridge: Arc<HostBridge>,
  /// Given with the call's token, or made at a [`Lazy`] call's first host call: most calls of
  /// most exports call none.
  callers: OnceCell<Rc<Callers>>,
  /// The call's token, by which the JS side's commands find it (hostcall.rs); -1 until a call
  /// made by [`Lazy`] is parked, at its first host call.
  token: Cell<f64>,
  /// The store's entries (host_entry.rs), handles of the op's scope: given, or read from a
  /// [`Lazy`] context at the first host call. `None` until then, or if there are none.
  entries: Cell<Option<Entries<'static>>>,
  /// The host functions the call has called, read in the op's scope.
  targets: Cell<Targets<'static>>,
}

/// The JS side of a direct call.
enum Side {
  /// Given by `op_wasm_hcall_call_sync`, whose call is parked before it runs.
  Given {
    /// The JS side's function that runs host function `index` and says what it answered.
    serve: v8::Local<'static, v8::Function>,
    /// The call's slot buffer (the op's argument, which the JS side reads and writes too).
    slots: *mut u8,
    len: usize,
  },
  /// The store's context of bound export calls (`op_wasm_hcall_export_call`), read only when a
  /// host function is called: most calls of most exports call none.
  Lazy(Lazy),
}

/// Where the store's bound-call context keeps its entries (ts/wasm_host_exports.ts, `boundCalls`).
pub(crate) const ENTRIES: u32 = 1;

/// What a bound export call's JS side is read from, when its guest first calls a host function.
pub(crate) struct Lazy {
  /// The store's `[serve, entries, slots]` (ts/wasm_host_exports.ts, `boundCalls`): read at each
  /// host call, so that a buffer the JS side remade for a larger host function is used with the
  /// `serve` that goes with it.
  pub ctx: v8::Local<'static, v8::Array>,
  /// What the instance keeps of the store's entries, if it does.
  pub kept: Option<Rc<KeptTop>>,
  /// The instance and its store, for the parked entry.
  pub store: Option<(u64, crate::store::SharedStore)>,
  /// Parks the call (hostcall.rs, which imports this module), giving its token.
  pub park: Park,
}

/// Registers a direct call under a token, by which the commands its host functions' JS sends
/// find it (hostcall.rs, `Parked::direct`).
pub(crate) type Park = fn(
  &Rc<RefCell<OpState>>,
  Arc<HostBridge>,
  Rc<Callers>,
  Option<(u64, crate::store::SharedStore)>,
) -> Result<f64, WasmError>;

thread_local! {
  /// The direct calls running on this thread, innermost last (a host function may make a
  /// synchronous call into another store): each a pointer to the [`Direct`] on the stack of the
  /// [`running`] that pushed it, popped before that returns.
  static DIRECT: RefCell<Vec<*const Direct>> = const { RefCell::new(Vec::new()) };
}

/// What the op hands [`run`]: the JS side of the call.
pub(crate) struct JsSide<'a, 's, 'i, 'v> {
  pub scope: &'a mut v8::PinScope<'s, 'i>,
  pub state: &'a Rc<RefCell<OpState>>,
  pub serve: v8::Local<'v, v8::Function>,
  /// The store's entries, whose host functions Rust may call directly (host_entry.rs).
  pub entries: v8::Local<'v, v8::Value>,
  pub slots: &'a mut [u8],
  /// The call's token, by which the JS side's commands find it (hostcall.rs).
  pub token: f64,
}

/// Runs `call` (the guest, on this stack) with `js` as the way its host functions reach JS.
pub(crate) fn run<R>(
  js: JsSide<'_, '_, '_, '_>,
  bridge: Arc<HostBridge>,
  callers: Rc<Callers>,
  call: impl FnOnce() -> R,
) -> R {
  let entries = Entries::read(js.scope, js.entries);
  // SAFETY: the erased lifetimes are never relied on past this function: the entry is popped
  // (by `Pop` in `running`, even on unwinding) before it returns, while the op's scope, the
  // handles made in it and the slot buffer are all still alive.
  let (serve, entries) = unsafe {
    (
      std::mem::transmute::<v8::Local<'_, v8::Function>, v8::Local<'static, v8::Function>>(js.serve),
      std::mem::transmute::<Option<Entries<'_>>, Option<Entries<'static>>>(entries),
    )
  };
  let side = Side::Given { serve, slots: js.slots.as_mut_ptr(), len: js.slots.len() };
  let direct = Direct {
    scope: std::ptr::from_mut(js.scope).cast(),
    side,
    state: js.state.clone(),
    bridge,
    callers: OnceCell::from(callers),
    token: Cell::new(js.token),
    entries: Cell::new(entries),
    targets: Cell::default(),
  };
  running(direct, call).0
}

/// Runs `call` (the guest, on this stack) for a bound export call (`op_wasm_hcall_export_call`),
/// whose JS side is read from `lazy` if the guest calls a host function. Returns the call's token
/// too if it was parked then: the op removes its entry.
pub(crate) fn run_lazy<R>(
  scope: &mut v8::PinScope<'_, '_>,
  state: &Rc<RefCell<OpState>>,
  bridge: Arc<HostBridge>,
  lazy: Lazy,
  call: impl FnOnce() -> R,
) -> (R, Option<f64>) {
  let direct = Direct {
    scope: std::ptr::from_mut(scope).cast(),
    side: Side::Lazy(lazy),
    state: state.clone(),
    bridge,
    callers: OnceCell::new(),
    token: Cell::new(-1.0),
    entries: Cell::new(None),
    targets: Cell::default(),
  };
  running(direct, call)
}

/// Runs `call` with `direct` on this thread's stack of direct calls. (Kept here, on this
/// function's stack, rather than in an `Rc`: one allocation less per call.)
fn running<R>(direct: Direct, call: impl FnOnce() -> R) -> (R, Option<f64>) {
  struct Pop;
  impl Drop for Pop {
    fn drop(&mut self) {
      DIRECT.with(|d| d.borrow_mut().pop());
    }
  }
  DIRECT.with(|d| d.borrow_mut().push(&raw const direct));
  let pop = Pop;
  let out = call();
  drop(pop);
  let token = direct.token.get();
  (out, matches!(direct.side, Side::Lazy(_)).then_some(token).filter(|t| *t >= 0.0))
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
  let top = DIRECT.with(|d| d.borrow().last().copied());
  // SAFETY: the pointer is to the `Direct` of a `running` further down this thread's stack, which
  // pops it (even on unwinding) before the `Direct` is dropped, and which is still running: this
  // is called from inside its `call`. Nothing mutates it meanwhile (its state is in cells).
  let top = top.map(|js| unsafe { &*js });
  let Some(js) = top.filter(|js| caller.data().host.as_ref().is_some_and(|b| Arc::ptr_eq(b, &js.bridge))) else {
    return Err(
      WasmError::call("a JS host function was called outside a call Kiln runs; this is a bug in Kiln").into(),
    );
  };
  let callers = js.callers.get_or_init(Rc::default).clone();
  callers.0.borrow_mut().push(std::ptr::from_mut(caller).cast());
  let answer = js.run(caller, index, params, result_types);
  callers.0.borrow_mut().pop();
  apply(caller, answer, result_types, results)
}

impl Direct {
  /// Runs host function `index` in JS: itself, with the arguments as numbers, if Rust may call
  /// it so and they are, else through the JS side's `serve`; returns its answer.
  fn run(&self, caller: &Caller<'_, StoreData>, index: u32, params: &[Val], result_types: &[ValType]) -> Command {
    // SAFETY: `scope` is the scope of the op that runs the call, which is still running (this runs
    // inside its `Func::call`), and which does not use its scope until the call returns; the
    // scope made here ends before this function returns.
    let outer: &mut v8::PinScope<'static, 'static> = unsafe { &mut *self.scope.cast() };
    if let (Side::Lazy(lazy), None) = (&self.side, self.entries.get()) {
      // Made once a call, in the op's scope, whose handles live as long as the call.
      let value = lazy.ctx.get_index(outer, ENTRIES);
      self.entries.set(value.and_then(|value| match &lazy.kept {
        Some(kept) => Entries::read_kept(outer, value, kept),
        None => Entries::read(outer, value),
      }));
    }
    let entries = self.entries.get();
    // The op's scope is the innermost one open unless this host call is nested in another's JS
    // (through a call back into the guest): `call` has pushed this one's `Caller`.
    let innermost = self.callers.get().is_some_and(|callers| callers.0.borrow().len() <= 1);
    let known = entries.as_ref().and_then(|entries| {
      let mut targets = self.targets.get();
      let known = targets.get(outer, entries, index, innermost);
      self.targets.set(targets);
      known
    });
    v8::scope!(let scope, outer);
    // A memory that grew since JS last ran: its old buffers are detached first, as after any op.
    crate::memory_view::detach_grown_in(scope, &self.state);
    v8::tc_scope!(let tc, scope);
    let token = match self.token() {
      Ok(token) => token,
      Err(e) => return Command::Throw(e),
    };
    let direct = entries.as_ref().and_then(|entries| {
      let target = known.unwrap_or_else(|| entries.get(tc, index))?;
      Some((entries, target))
    });
    if let Some((entries, target)) = direct {
      let mut args = [0.0; entry::MOST_ARGS];
      let numbers = params.len() <= args.len()
        && args.iter_mut().zip(params).all(|(arg, param)| val_to_number(param).map(|n| *arg = n).is_some());
      if numbers {
        let (value, threw, made) = match entry::call(tc, entries, target, token, &args[..params.len()], result_types) {
          Entry::Value(value) => return Command::Value(value),
          Entry::Settle(value, threw, made) => (value, threw, made),
          Entry::Stopped => return entry::stopped(),
        };
        let Some(js) = self.side(tc) else {
          return no_side();
        };
        let args = entry::settle_args(tc, index, value, threw, made);
        let recv = v8::undefined(tc).into();
        let Some(settled) = js.serve.call(tc, recv, &args) else {
          return driver_failed(tc.exception().map(|e| e.to_rust_string_lossy(tc)));
        };
        // SAFETY: the buffer outlives the call (see the copies below), and JS is done with it.
        return unsafe { answer_of(tc, js.slots, settled) };
      }
    }
    let Some(js) = self.side(tc) else {
      return no_side();
    };
    let slots = js.slots;
    if params.len() * SLOT > slots.len || result_types.len() * SLOT > slots.len {
      return Command::Throw(WasmError::call("the host call's value buffer is too small; this is a bug in Kiln"));
    }
    // The slots, for the JS side to read.
    for (i, value) in params.iter().enumerate() {
      let slot = to_slot(caller, value);
      // SAFETY: the buffer is alive until the op returns (the op's argument, or held by the
      // store's context, see `Side`), and `len` bytes long (checked above); no Rust reference
      // to it is in use while the call runs (see `run`).
      unsafe { std::ptr::copy_nonoverlapping(slot.as_ptr(), slots.ptr.add(i * SLOT), SLOT) };
    }
    if let Some(last) = slots.last {
      // SAFETY: as above; `last` is the buffer's final slot, after the `len` bytes of values.
      unsafe { std::ptr::copy_nonoverlapping(token.to_le_bytes().as_ptr(), last, SLOT) };
    }
    let number = v8::Number::new(tc, f64::from(index)).into();
    let recv = v8::undefined(tc).into();
    let Some(returned) = js.serve.call(tc, recv, &[number]) else {
      return driver_failed(tc.exception().map(|e| e.to_rust_string_lossy(tc)));
    };
    // SAFETY: as above; JS has finished with the buffer for now.
    unsafe { answer_of(tc, slots, returned) }
  }

  /// The call's token; a bound export call is parked here, at its first host call.
  fn token(&self) -> Result<f64, WasmError> {
    let token = self.token.get();
    if token >= 0.0 {
      return Ok(token);
    }
    let Side::Lazy(lazy) = &self.side else {
      return Err(WasmError::call("a host call has no token; this is a bug in Kiln"));
    };
    let callers = self.callers.get_or_init(Rc::default).clone();
    let token = (lazy.park)(&self.state, self.bridge.clone(), callers, lazy.store.clone())?;
    self.token.set(token);
    Ok(token)
  }

  /// The JS side's `serve` and the slot buffer that goes with it, for this host call.
  fn side<'s>(&self, scope: &mut v8::PinScope<'s, '_>) -> Option<Resolved<'s>> {
    match &self.side {
      Side::Given { serve, slots, len, .. } => {
        Some(Resolved { serve: *serve, slots: Slots { ptr: *slots, len: *len, last: None } })
      }
      Side::Lazy(lazy) => {
        let ctx = lazy.ctx;
        let serve = v8::Local::<v8::Function>::try_from(ctx.get_index(scope, 0)?).ok()?;
        let buffer = v8::Local::<v8::ArrayBufferView>::try_from(ctx.get_index(scope, 2)?).ok()?;
        let values = buffer.byte_length().checked_sub(SLOT)?;
        let ptr = buffer.data().cast::<u8>();
        if ptr.is_null() {
          return None;
        }
        // SAFETY: `values` is less than the buffer's length, so the pointer stays inside it.
        let last = unsafe { ptr.add(values) };
        Some(Resolved { serve, slots: Slots { ptr, len: values, last: Some(last) } })
      }
    }
  }
}

/// The answer when a bound call's context is not what ts/wasm_host_exports.ts makes.
fn no_side() -> Command {
  Command::Throw(WasmError::call("the store's bound-call context is not what Kiln made; this is a bug in Kiln"))
}

/// A direct call's JS side, for one host call.
struct Resolved<'s> {
  serve: v8::Local<'s, v8::Function>,
  slots: Slots,
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

/// A call back into a direct call's store (`caller.exports`, the `WebAssembly` API's functions
/// called from its imports), made at once with the `Caller` of its innermost host function that
/// runs JS now, as [`step`] carries out a `Command::Call`, without the command's round trip
/// through the store's mailbox: the results, or why it failed.
pub(crate) fn call_back(callers: &Callers, target: CallTarget, args: &[Slot]) -> Result<Vec<Slot>, WasmError> {
  with_innermost(callers, |caller| call_back_sync(caller, target, args))
}

/// Runs `f` with the `Caller` of the call's innermost host function that runs JS now.
pub(crate) fn with_innermost<R>(
  callers: &Callers,
  f: impl FnOnce(&mut Caller<'_, StoreData>) -> Result<R, WasmError>,
) -> Result<R, WasmError> {
  let innermost = callers.0.borrow().last().copied();
  let Some(caller) = innermost else {
    return Err(WasmError::invalid_instance(
      "no host call is in progress: a WasmCaller works only during the host function call it was given to",
    ));
  };
  // SAFETY: as in `step`: the `Caller` of a host function running JS now, further down this
  // thread's stack, and this is the only use of it meanwhile.
  let caller: &mut Caller<'_, StoreData> = unsafe { &mut *caller };
  f(caller)
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
