//! `instance.memory`: read, write, size and grow an instance's linear memory.
//!
//! Bytes go in zero-copy (the op reads the caller's buffer) and come out with one copy (into a
//! buffer the caller allocated).

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::{op2, v8, JsBuffer, OpState};

use crate::error::WasmError;
use crate::instance::InstanceTable;
use crate::store::KilnStore;
use crate::store_lock::OwnedStoreGuard;

const PAGE: u64 = 65536;

/// Waits for the store's turn (a call in flight finishes first) and returns it locked, with the
/// instance's memory.
async fn lock(state: &Rc<RefCell<OpState>>, instance_id: f64) -> Result<LockedInstance, WasmError> {
  let (shared, member) = {
    let state = state.borrow();
    let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
    (entry.store.clone(), entry.member)
  };
  let guard = shared.lock_owned().await;
  let memory = guard.members[member].memory;
  Ok(LockedInstance(guard, memory))
}

/// A store locked for one memory operation on one of its instances' memory.
struct LockedInstance(OwnedStoreGuard<KilnStore>, Option<wasmtime::Memory>);

fn no_memory() -> WasmError {
  WasmError::memory("the instance exports no memory")
}

/// A non-negative integer from JS, as a byte count or offset.
fn to_u64(value: f64, what: &str) -> Result<u64, WasmError> {
  crate::handles::js_integer(value)
    .ok_or_else(|| WasmError::memory(format!("{what} must be a non-negative integer, got {value}")))
}

/// The byte range `[offset, offset + length)`, if it lies inside a memory of `size` bytes.
fn range(offset: f64, length: u64, size: usize, verb: &str) -> Result<std::ops::Range<usize>, WasmError> {
  let start = to_u64(offset, "offset")?;
  match start.checked_add(length) {
    Some(end) if end <= size as u64 => Ok(start as usize..end as usize),
    _ => Err(WasmError::memory(format!(
      "cannot {verb} {length} bytes at offset {start}: the memory is {size} bytes; grow it first \
       or use an offset the module returned"
    ))),
  }
}

/// `memory.read(offset, length)`: copies `out.length` bytes at `offset` into `out`, a buffer the
/// JS side allocated, so the bytes are copied once, straight from the guest's memory.
#[op2]
pub async fn op_wasm_memory_read(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  offset: f64,
  #[buffer] out: JsBuffer,
) -> Result<(), WasmError> {
  let mut out = out;
  let locked = lock(&state, instance_id).await?;
  let memory = locked.1.ok_or_else(no_memory)?;
  read_from(&locked.0.store, memory, offset, &mut out)
}

#[op2]
pub async fn op_wasm_memory_write(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  offset: f64,
  #[buffer] bytes: JsBuffer,
) -> Result<(), WasmError> {
  let mut locked = lock(&state, instance_id).await?;
  let memory = locked.1.ok_or_else(no_memory)?;
  write_into(&mut locked.0.store, memory, offset, &bytes)
}

/// `memory.read` at once, if the store is free: copies `out.length` bytes at `offset` into `out`
/// and returns true; false, touching nothing, if the store is busy (a call or memory operation
/// is in flight, or waits for its turn), when [`op_wasm_memory_read`] waits for its turn instead.
/// Most reads find the store free, and this spares them an async op.
///
/// # Errors
/// As [`op_wasm_memory_read`]: 5006 for a range out of bounds or no memory, 5005 for a dropped
/// instance.
#[op2(nofast)]
pub fn op_wasm_memory_read_now(
  state: &mut OpState,
  instance_id: f64,
  offset: f64,
  #[buffer] out: &mut [u8],
) -> Result<bool, WasmError> {
  let Some(locked) = try_lock(state, instance_id)? else { return Ok(false) };
  let memory = locked.1.ok_or_else(no_memory)?;
  read_from(&locked.0.store, memory, offset, out).map(|()| true)
}

/// Copies `out.len()` bytes of `memory` at `offset` into `out` (a buffer the JS side made for
/// them, never a view of the memory).
fn read_from(
  store: &wasmtime::Store<crate::store::StoreData>,
  memory: wasmtime::Memory,
  offset: f64,
  out: &mut [u8],
) -> Result<(), WasmError> {
  let data = memory.data(store);
  let range = range(offset, out.len() as u64, data.len(), "read")?;
  out.copy_from_slice(&data[range]);
  Ok(())
}

/// `memory.write` at once, if the store is free, as [`op_wasm_memory_read_now`] reads: true once
/// written, false (nothing written) if the store is busy, when [`op_wasm_memory_write`] waits
/// for its turn instead.
///
/// # Errors
/// As [`op_wasm_memory_write`].
#[op2(nofast)]
pub fn op_wasm_memory_write_now(
  state: &mut OpState,
  instance_id: f64,
  offset: f64,
  #[buffer] bytes: &[u8],
) -> Result<bool, WasmError> {
  let Some(mut locked) = try_lock(state, instance_id)? else { return Ok(false) };
  let memory = locked.1.ok_or_else(no_memory)?;
  write_into(&mut locked.0.store, memory, offset, bytes).map(|()| true)
}

/// Copies `bytes` into `memory` at `offset`. The bytes may be a view of this very memory (a
/// `Uint8Array` over `memory.buffer`), so the ranges may overlap: the copy is a memmove through
/// the memory's base pointer, with no slice of the memory made beside `bytes`.
fn write_into(
  store: &mut wasmtime::Store<crate::store::StoreData>,
  memory: wasmtime::Memory,
  offset: f64,
  bytes: &[u8],
) -> Result<(), WasmError> {
  let range = range(offset, bytes.len() as u64, memory.data_size(&*store), "write")?;
  let base = memory.data_ptr(&*store);
  // SAFETY: `range` lies inside the memory's `data_size` bytes from `base` (checked by `range`),
  // the store is locked, so nothing else touches the memory meanwhile, and `ptr::copy` allows the
  // source and destination to overlap.
  unsafe { std::ptr::copy(bytes.as_ptr(), base.add(range.start), bytes.len()) };
  Ok(())
}

/// The store locked now with the instance's memory, or `None` if it is busy. The store's lock is
/// fair: while an operation waits for it, this does not take it either.
fn try_lock(state: &OpState, instance_id: f64) -> Result<Option<LockedInstance>, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  let Ok(guard) = entry.store.clone().try_lock_owned() else { return Ok(None) };
  let memory = guard.members[entry.member].memory;
  Ok(Some(LockedInstance(guard, memory)))
}

/// The memory's size in 64 KiB pages.
#[op2]
pub async fn op_wasm_memory_size(state: Rc<RefCell<OpState>>, instance_id: f64) -> Result<f64, WasmError> {
  let locked = lock(&state, instance_id).await?;
  let memory = locked.1.ok_or_else(no_memory)?;
  let live = &*locked.0;
  Ok(memory.size(&live.store) as f64)
}

/// Grows the memory by `pages`; returns the previous size in pages.
#[op2]
pub async fn op_wasm_memory_grow(state: Rc<RefCell<OpState>>, instance_id: f64, pages: f64) -> Result<f64, WasmError> {
  let pages = to_u64(pages, "pages")?;
  let mut locked = lock(&state, instance_id).await?;
  let memory = locked.1.ok_or_else(no_memory)?;
  let live = &mut *locked.0;
  let before = memory.size(&live.store);
  memory.grow_async(&mut live.store, pages).await.map_err(|_| grow_refused(live, pages, before))?;
  Ok(before as f64)
}

/// `memory.grow(pages)` of the standard API (`WebAssembly.Memory`, webassembly.rs): grows the
/// memory `which` (memory_view.rs, `memory_of`) on this thread, at once; returns the previous
/// size in pages.
///
/// # Errors
/// 5005 for an unknown instance; 5006 while its store is busy with a call, if it exports no
/// memory, or if the memory cannot grow that far.
#[op2(nofast)]
pub fn op_wasm_memory_grow_sync(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  which: u32,
  pages: f64,
) -> Result<f64, WasmError> {
  let grown = grow_sync(&state, instance_id, which, pages);
  // The `WebAssembly` global's old buffers of the memory are detached, as the JS API says.
  crate::memory_view::detach_grown_in(scope, &state);
  if grown.is_ok() && pages == 0.0 {
    if let Some(id) = crate::handles::parse_id(instance_id) {
      crate::memory_view::detach_refreshed(scope, &mut state.borrow_mut(), id, which);
    }
  }
  grown
}

fn grow_sync(state: &Rc<RefCell<OpState>>, instance_id: f64, which: u32, pages: f64) -> Result<f64, WasmError> {
  let pages = to_u64(pages, "pages")?;
  let (store, wanted) = {
    let state = state.borrow();
    let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
    if let Ok(mut live) = entry.store.try_lock() {
      let memory = crate::memory_view::memory_of(&live, entry.member, which).ok_or_else(no_memory)?;
      let before = memory.size(&live.store);
      memory.grow(&mut live.store, pages).map_err(|_| grow_refused(&live, pages, before))?;
      return Ok(before as f64);
    }
    (entry.store.clone(), entry.which_memory(which).ok_or_else(no_memory)?)
  };
  // The store is busy: during one of its host functions (emscripten's glue grows the heap from
  // one), the call it waits in grows the memory.
  match crate::caller_memory::grow_in_host_call(state, &store, wanted, pages) {
    Some(grown) => grown.map(|before| before as f64),
    None => Err(WasmError::memory(
      "memory.grow: the instance is busy: a call or memory operation on it (or on an instance linked \
       with it) is still running; await it first",
    )),
  }
}

/// Why a memory did not grow by `pages` from `before` pages.
fn grow_refused(live: &KilnStore, pages: u64, before: u64) -> WasmError {
  let cap = match live.config.max_memory_bytes {
    Some(bytes) => format!(
      ", or over maxMemoryBytes = {bytes}, which bounds all the memories of the instance and of \
       the instances linked with it together ({} bytes now)",
      live.store.data().limits.memory_used()
    ),
    None => String::new(),
  };
  WasmError::memory(format!(
    "cannot grow the memory by {pages} pages from {before} pages ({} bytes): over the memory's \
     maximum{cap}",
    before * PAGE
  ))
}
