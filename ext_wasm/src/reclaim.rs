//! Stores the app forgot, dropped as soon as the JS engine frees what kept them.
//!
//! An instance the app forgets is dropped by a FinalizationRegistry callback (ts/wasm_memory.ts,
//! ts/wasm_webassembly.ts, ts/wasm_component.ts), and the engine runs such callbacks as jobs: not
//! until the script that forgot it yields. A synchronous loop of `new WebAssembly.Instance` that
//! forgets each one therefore ran out of `[capabilities.wasm] max_instances` (1,024 by default)
//! however many it forgot, and an instantiation refused over the limit could only be retried after
//! a turn of the job queue.
//!
//! So each of those objects also holds a token ([`op_wasm_reclaim_token`]): a `v8::External` the
//! engine reports to [`finalized`] as it frees it (`v8::set_external_finalizer`, a hook of Kiln's
//! patch of the QuickJS shim), synchronously: as soon as nothing refers to it, or when the cycle
//! collector frees a cycle it is part of. The hook only queues the store's id; the queue is
//! drained ([`reclaim`]) where an op may drop stores: when the next token is made (each
//! instantiation makes one), when the app drops an instance, and after the collector runs for an
//! instantiation refused over the limit (`op_wasm_collect_garbage`), which then retries at once.
//! The FinalizationRegistry callbacks stay (they drop what no instantiation follows, and are all
//! an engine without the hook has: [`op_wasm_instance_forget`]); whichever comes second finds the
//! id gone, and ids are never reused (handles.rs), so it drops nothing.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::c_void;
use std::hash::BuildHasherDefault;
use std::rc::Rc;
use std::sync::OnceLock;

use deno_core::{op2, v8, OpState};

use crate::component::ComponentTable;
use crate::handles::{parse_id, IdHasher};
use crate::instance::drop_instance;

/// A store whose token the engine freed.
#[derive(Clone, Copy)]
enum Forgotten {
  /// A module's instance (`InstanceTable`).
  Instance(u64),
  /// A component's instance (`ComponentTable`).
  Component(u64),
}

/// The ids whose tokens the engine freed, waiting for [`reclaim`]: one queue per runtime (an
/// `OpState` entry), shared with its tokens. An `Rc`, as tokens are made and freed on the runtime's
/// thread only.
#[derive(Clone, Default)]
struct Queue(Rc<RefCell<Vec<Forgotten>>>);

/// What a token's `External` points to.
struct Token {
  forgotten: Forgotten,
  queue: Queue,
}

thread_local! {
  /// The addresses of the tokens alive on this thread: the hook is called for every `External`
  /// the engine frees (deno_core makes its own), and acts only on these. Hashed as ids are: the
  /// allocator, not the app, chooses the addresses.
  static TOKENS: RefCell<HashSet<usize, BuildHasherDefault<IdHasher>>> = RefCell::new(HashSet::default());
}

/// Whether the engine reports the `External`s it frees (only QuickJS does); the hook is set once.
fn supported() -> bool {
  static SUPPORTED: OnceLock<bool> = OnceLock::new();
  *SUPPORTED.get_or_init(|| v8::set_external_finalizer(finalized))
}

/// The engine's hook: it is freeing the `External` that points to `pointer`. It must not touch the
/// engine, so it only queues the token's store.
fn finalized(pointer: *mut c_void) {
  // `try_with`: a runtime dropped while the thread ends may free its objects after TOKENS is gone;
  // `try_borrow_mut`: nothing frees JS objects while TOKENS is borrowed, but a hook must not panic.
  // Either way the token is not freed here: its store goes with its table, or by the registry.
  let ours = TOKENS
    .try_with(|tokens| tokens.try_borrow_mut().is_ok_and(|mut tokens| tokens.remove(&(pointer as usize))))
    .unwrap_or(false);
  if !ours {
    return;
  }
  // SAFETY: the address was in TOKENS, where only `op_wasm_reclaim_token` puts the address of a
  // `Box<Token>` it leaked, and it is removed from there once, here, before the box is taken back.
  let token = unsafe { Box::from_raw(pointer.cast::<Token>()) };
  if let Ok(mut queue) = token.queue.0.try_borrow_mut() {
    queue.push(token.forgotten);
  };
}

/// A token for the store of instance `id` (a component's if `component`): an object that the app's
/// objects for the instance hold (its `WasmInstance`, `WasmMemory` and the keeper of its `exports`,
/// or the `WebAssembly` global's keeper), so that the store is queued to be dropped as soon as the
/// engine frees the last of them (ext_wasm/src/reclaim.rs). `undefined` on an engine that does not
/// report what it frees. Drains the queue first, so that a loop that makes and forgets instances
/// keeps as few alive as it uses.
///
/// # Examples
///
/// ```ts
/// const token = ops.op_wasm_reclaim_token(raw, false);
/// ```
#[op2]
pub fn op_wasm_reclaim_token<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &mut OpState,
  id: f64,
  component: bool,
) -> v8::Local<'s, v8::Value> {
  reclaim(scope, state);
  let Some(id) = parse_id(id).filter(|_| supported()) else {
    return v8::undefined(scope).into();
  };
  let forgotten = if component { Forgotten::Component(id) } else { Forgotten::Instance(id) };
  if !state.has::<Queue>() {
    state.put(Queue::default());
  }
  let queue = state.borrow::<Queue>().clone();
  let pointer = Box::into_raw(Box::new(Token { forgotten, queue }));
  TOKENS.with(|tokens| tokens.borrow_mut().insert(pointer as usize));
  v8::External::new(scope, pointer.cast()).into()
}

/// A FinalizationRegistry's callback for instance `id` (a component's if `component`), which the
/// app forgot: drops it, unless its token had it dropped already (or the app did), and the others
/// whose tokens the engine freed. Never throws: a callback has no one to throw to.
///
/// # Examples
///
/// ```ts
/// const instances = new FinalizationRegistry<number>((raw) => ops.op_wasm_instance_forget(raw, false));
/// ```
#[op2(fast)]
pub fn op_wasm_instance_forget(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState, id: f64, component: bool) {
  reclaim(scope, state);
  if let Some(id) = parse_id(id) {
    drop_store(scope, state, if component { Forgotten::Component(id) } else { Forgotten::Instance(id) });
  }
}

/// Drops the stores whose tokens the engine freed (those not dropped already). Returns whether the
/// engine reports what it frees.
pub(crate) fn reclaim(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState) -> bool {
  let Some(queue) = state.try_borrow::<Queue>() else { return supported() };
  // Taken, not borrowed through the loop: dropping a store may free JS objects, tokens among them.
  let forgotten = std::mem::take(&mut *queue.0.borrow_mut());
  for store in forgotten {
    drop_store(scope, state, store);
  }
  true
}

/// Drops a store if it is still there, as `op_wasm_instance_drop` and `op_wasm_component_drop` do.
fn drop_store(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState, store: Forgotten) {
  match store {
    Forgotten::Instance(id) => {
      drop_instance(scope, state, id);
    }
    Forgotten::Component(id) => {
      state.borrow_mut::<ComponentTable>().0.remove(id);
    }
  }
}
