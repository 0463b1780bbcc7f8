//! `instance.memory.buffer`: an `ArrayBuffer` whose bytes are the guest's linear memory, as
//! `WebAssembly.Memory.buffer`'s are. Writes through a view are the guest's memory; nothing is
//! copied.
//!
//! # The rule
//!
//! - `buffer` covers the memory at its current size, and is the same object while the size is
//!   unchanged. After the memory grows (`memory.grow` from JS, or the guest's `memory.grow`) it
//!   is a new ArrayBuffer of the new length.
//! - runtime:wasm's `instance.memory.buffer`: the old buffer stays valid at its old length and
//!   keeps showing the live bytes: a linear memory never moves (`Config::memory_may_move(false)`,
//!   engine.rs) and never shrinks, so its first bytes stay where they were.
//! - The `WebAssembly` global's `Memory.buffer` (`detach_on_growth`): the old buffer is detached,
//!   as the JS API says, and npm glue relies on (wasm-bindgen's refreshes its views when their
//!   `byteLength` is 0). A guest's `memory.grow` runs where the JS engine cannot be reached, so
//!   the detaching happens when JS next runs: every op that runs guest code calls
//!   [`detach_grown`] before it returns to JS, whether the call ended or waits on a JS import.
//!   wasmtime does not say which memory of a store grew, so a store with several memories has the
//!   buffers of all of them detached when one grows; `buffer` then gives new ones.
//! - Dropping the instance (`drop()`, or the FinalizationRegistry when the app forgets it)
//!   detaches every buffer handed out for it: views over them have length 0 (a `DataView`
//!   throws a TypeError).
//! - No buffer ever points into freed memory, detached or not: each one's backing store keeps the
//!   store that owns the memory (and so its mapping) alive until the JS engine lets the backing
//!   store go, which is when the buffer is detached or collected and no op still borrows its
//!   bytes (an async op handed a view holds them until it completes). The backing store's
//!   deleter releases the store ([`release`]). QuickJS aliases an external backing store only
//!   when it carries no deleter data (it copies one that does: v8x's `arraybuffer.rs`), so the
//!   deleter finds the store by the memory's base address, in [`KEPT`].
//! - `buffer` is synchronous, so it needs the store at once: while a call or memory operation on
//!   the instance (or on an instance linked with it) is in flight, it fails with MemoryError
//!   (5006). A buffer taken earlier stays usable meanwhile (the guest is suspended on the same
//!   thread, so there is no data race). Every instance `instantiate` makes runs on the JS thread;
//!   processes and pools, whose guests run on threads of their own, have no `memory` object, and
//!   a component has no linear memory (5006 from runtime_wasm.ts).
//! - A buffer is not transferable: runtime_wasm.ts makes `ArrayBuffer.prototype.transfer` and
//!   `transferToFixedLength` throw a TypeError for it, as for a `WebAssembly.Memory`'s (QuickJS
//!   would otherwise hand the guest's memory to its allocator to resize).

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::ffi::c_void;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use deno_core::{op2, v8, OpState};

use crate::error::WasmError;
use crate::handles::parse_id;
use crate::instance::{invalid_instance, InstanceTable};
use crate::store::SharedStore;

/// The buffers `buffer` handed out, by instance id and memory (`which`: see
/// [`op_wasm_memory_buffer`]) (an `OpState` entry).
#[derive(Default)]
pub struct MemoryBuffers(HashMap<u64, HashMap<u32, Handed>>);

/// The buffers of one instance's memory.
#[derive(Default)]
struct Handed {
  /// Every buffer handed out, oldest first, to detach when the instance is dropped; the last is
  /// the one `buffer` returns while the memory is still `len` bytes.
  buffers: Vec<v8::Global<v8::ArrayBuffer>>,
  len: usize,
  /// For the `WebAssembly` global's buffers: the store's count of growths, and its value when
  /// `buffers` were handed out; they are detached once it moves.
  growth: Option<(Arc<AtomicU64>, u64)>,
}

/// The stores whose memory a backing store aliases, by the memory's base address: one entry per
/// backing store made, taken back by its deleter. While a store is here its memory stays mapped,
/// and no other memory can have the same base address.
static KEPT: Mutex<BTreeMap<usize, Vec<SharedStore>>> = Mutex::new(BTreeMap::new());

/// `memory.buffer`: the ArrayBuffer over the instance's memory at its current size. While one of
/// the store's host functions runs (the JS API's imports read `memory.buffer` all the time), the
/// guest holds the store's lock, and the host call it waits in answers instead.
///
/// `detach_on_growth`: the buffer follows the JS API's rule (the `WebAssembly` global's), not
/// runtime:wasm's (see the module docs).
///
/// # Errors
/// 5005 for an unknown or dropped instance; 5006 if it exports no memory, or its store is busy
/// with a call or memory operation that is not waiting on a host function.
#[op2]
pub fn op_wasm_memory_buffer<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  which: u32,
  detach_on_growth: bool,
) -> Result<v8::Local<'s, v8::ArrayBuffer>, WasmError> {
  let id = parse_id(instance_id).ok_or_else(|| invalid_instance(instance_id))?;
  let no_memory =
    || WasmError::memory("memory.buffer: the instance exports no memory (a shared memory is not exposed)");
  let (store, base, len, busy, growths) = {
    let state = state.borrow();
    let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
    let growths = detach_on_growth.then(|| entry.growths.clone());
    let locked = match entry.store.try_lock() {
      Ok(kiln) => {
        let memory = memory_of(&kiln, entry.member, which).ok_or_else(no_memory)?;
        (entry.store.clone(), memory.data_ptr(&kiln.store), memory.data_size(&kiln.store), None, growths)
      }
      Err(_) => {
        let wanted = entry.which_memory(which).ok_or_else(no_memory)?;
        (entry.store.clone(), std::ptr::null_mut(), 0, Some(wanted), growths)
      }
    };
    locked
  };
  let (base, len) = match busy {
    None => (base, len),
    Some(wanted) => match crate::caller_memory::view_in_host_call(&state, &store, wanted) {
      Some(view) => view.map(|(base, len)| (base as *mut u8, len))?,
      None => {
        return Err(WasmError::memory(
          "memory.buffer: the instance is busy: a call or memory operation on it (or on an instance \
           linked with it) is still running; await it first, or use `await memory.read`/`write`, \
           which wait their turn (a buffer taken before the call stays usable)",
        ))
      }
    },
  };

  let mut state = state.borrow_mut();
  // Growth the JS side has not been shown yet (a memory op of runtime:wasm's grew it) detaches
  // first, so the buffer returned is never one that is about to be.
  detach_grown(scope, &mut state);
  let handed = state.borrow_mut::<MemoryBuffers>().0.entry(id).or_default().entry(which).or_default();
  if let Some(last) = handed.buffers.last().filter(|_| handed.len == len) {
    let last = v8::Local::new(scope, last);
    // An op that detaches its argument may have detached it: then it is replaced.
    if !last.was_detached() {
      return Ok(last);
    }
  }
  let buffer = if len == 0 { v8::ArrayBuffer::new(scope, 0) } else { alias(scope, base, len, store) };
  handed.buffers.push(v8::Global::new(scope, buffer));
  handed.len = len;
  if let Some(growths) = growths {
    let seen = growths.load(Ordering::Acquire);
    handed.growth = Some((growths, seen));
  }
  Ok(buffer)
}

thread_local! {
  /// The runtime (its `OpState`'s address) and the process's count of growths
  /// ([`crate::limiter::GROWTHS`]) when [`detach_grown`] last looked on this thread.
  static LOOKED: std::cell::Cell<(usize, u64)> = const { std::cell::Cell::new((0, 0)) };
}

/// Whether a memory may have grown since this runtime's last [`detach_grown`] on this thread: a
/// thread-local read and an atomic load, cheap enough for every call of an export. (Another
/// runtime that looked in between makes it true: then the runtime looks again, to no harm.)
fn growth_unseen(state: *const OpState) -> bool {
  let now = (state as usize, crate::limiter::GROWTHS.load(Ordering::Acquire));
  LOOKED.with(|looked| looked.replace(now)) != now
}

/// Detaches the `WebAssembly` global's buffers of every memory whose store grew since they were
/// handed out (the JS API's rule; module docs). Every op that runs guest code calls it before it
/// returns to JS.
pub(crate) fn detach_grown(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState) {
  if growth_unseen(state) {
    detach_grown_now(scope, state);
  }
}

/// [`detach_grown`] for an op that holds the `OpState` shared: borrowed only if there may be
/// something to detach.
pub(crate) fn detach_grown_in(scope: &mut v8::PinScope<'_, '_>, state: &RefCell<OpState>) {
  if growth_unseen(state.as_ptr()) {
    detach_grown_now(scope, &mut state.borrow_mut());
  }
}

/// [`detach_grown`] once [`growth_unseen`] said so.
fn detach_grown_now(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState) {
  let Some(handed_out) = state.try_borrow_mut::<MemoryBuffers>() else { return };
  for handed in handed_out.0.values_mut().flat_map(HashMap::values_mut) {
    let Some((growths, seen)) = &mut handed.growth else { continue };
    let now = growths.load(Ordering::Acquire);
    if now == *seen {
      continue;
    }
    *seen = now;
    for buffer in handed.buffers.drain(..) {
      let _ = v8::Local::new(scope, &buffer).detach(None);
    }
  }
}

/// An ArrayBuffer over the `len` bytes at `base`, the memory of `store`, which stays alive until
/// the JS engine lets the buffer's backing store go.
fn alias<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  base: *mut u8,
  len: usize,
  store: SharedStore,
) -> v8::Local<'s, v8::ArrayBuffer> {
  KEPT.lock().unwrap_or_else(PoisonError::into_inner).entry(base as usize).or_default().push(store);
  // SAFETY: `base..base + len` is the store's linear memory at its current size. It stays
  // mapped at `base` while the store lives (memories never move: engine.rs; they never shrink),
  // and the store lives at least until `release` runs for this backing store, which the JS
  // engine does once, when it no longer uses the bytes. With null deleter data QuickJS aliases
  // the bytes instead of copying them (module docs).
  let backing = unsafe { v8::ArrayBuffer::new_backing_store_from_ptr(base.cast(), len, release, std::ptr::null_mut()) };
  v8::ArrayBuffer::with_backing_store(scope, &backing.make_shared())
}

/// Buffers handed out by `caller.memory.buffer`, kept beside an instance's own (`which` values
/// are memory indexes and host import numbers, far below this).
const CALLER: u32 = u32::MAX;

/// `caller.memory.buffer` (hostcall.rs): the ArrayBuffer over `len` bytes at `base`, the calling
/// instance `id`'s memory in `store`, under the same rule as `memory.buffer`: the same object
/// while the size is unchanged, detached when the instance is dropped, and keeping the store
/// mapped while the JS engine holds it.
pub(crate) fn caller_view<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: &mut OpState,
  id: u64,
  base: *mut u8,
  len: usize,
  store: SharedStore,
) -> v8::Local<'s, v8::ArrayBuffer> {
  let handed = state.borrow_mut::<MemoryBuffers>().0.entry(id).or_default().entry(CALLER).or_default();
  if let Some(last) = handed.buffers.last().filter(|_| handed.len == len) {
    let last = v8::Local::new(scope, last);
    if !last.was_detached() {
      return last;
    }
  }
  let buffer = if len == 0 { v8::ArrayBuffer::new(scope, 0) } else { alias(scope, base, len, store) };
  handed.buffers.push(v8::Global::new(scope, buffer));
  handed.len = len;
  buffer
}

/// The memory `which` of the member `member` of a store: 0 for the instance's own memory (the
/// export `memory`, else the first exported one), `k + 1` for the memory made for host import
/// number `k` (a `WebAssembly.Memory` made in JS: link.rs).
pub(crate) fn memory_of(kiln: &crate::store::KilnStore, member: usize, which: u32) -> Option<wasmtime::Memory> {
  match which.checked_sub(1) {
    None => kiln.members[member].memory,
    Some(index) => kiln.store.data().adopted(index).and_then(|e| e.clone().into_memory()),
  }
}

/// The deleter of every backing store [`alias`] makes: gives back the store it kept alive. Any
/// entry under `data` will do: they are all the same live store.
unsafe extern "C" fn release(data: *mut c_void, _len: usize, _deleter_data: *mut c_void) {
  let store = {
    let mut kept = KEPT.lock().unwrap_or_else(PoisonError::into_inner);
    let key = data as usize;
    let store = kept.get_mut(&key).and_then(Vec::pop);
    if kept.get(&key).is_some_and(Vec::is_empty) {
      kept.remove(&key);
    }
    store
  };
  // Dropping the last reference frees the store: outside the lock, and never unwinding into the
  // JS engine's C code.
  let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(store)));
}

/// Detaches every buffer handed out for the instance `id`, which is being dropped.
pub fn detach_all(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState, id: u64) {
  let Some(memories) = state.borrow_mut::<MemoryBuffers>().0.remove(&id) else { return };
  for buffer in memories.into_values().flat_map(|handed| handed.buffers) {
    let buffer = v8::Local::new(scope, &buffer);
    // A buffer of an empty memory has no bytes of the guest's, but is detached all the same, so
    // the rule has no exception.
    let _ = buffer.detach(None);
  }
}

/// Detaches the `WebAssembly` global's buffers of memory `which` of the instance `id`: its
/// `grow(0)`, which the JS API has "refresh the memory buffer" as any growth does, though wasmtime
/// counts no growth for it.
pub(crate) fn detach_refreshed(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState, id: u64, which: u32) {
  let Some(handed_out) = state.try_borrow_mut::<MemoryBuffers>() else { return };
  let Some(handed) = handed_out.0.get_mut(&id).and_then(|memories| memories.get_mut(&which)) else { return };
  if handed.growth.is_none() {
    return;
  }
  for buffer in handed.buffers.drain(..) {
    let _ = v8::Local::new(scope, &buffer).detach(None);
  }
}
