//! `caller.memory`: a JS host function's access to the memory of the instance that called it
//! (`read`, `write`, `size`, and `buffer`, a view with no copy). Each is a command the parked
//! guest answers from inside its host call (host.rs), driven like the other caller commands
//! (hostcall.rs); for a guest that runs on the JS thread's stack (host_direct.rs), `read`, `write`
//! and `size` reach its `Caller` themselves, as `caller.exports` calls do (caller_call.rs).

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::{op2, v8, OpState};

use crate::error::WasmError;
use crate::handles::parse_id;
use crate::host::{Command, Event, MemoryOut, WhichMemory};
use crate::host_direct::with_innermost;
use crate::hostcall::{command_in_host_call, direct_callers_of, event_sync, no_call, HostCalls};
use crate::store::SharedStore;

fn memory_command(state: &Rc<RefCell<OpState>>, token: f64, command: Command) -> Result<MemoryOut, WasmError> {
  match event_sync(state, token, command)? {
    Event::Memory(answer) => answer,
    _ => Err(WasmError::memory("the host call ended during a memory operation")),
  }
}

/// `caller.memory.read(offset, out.length)` into `out`.
#[op2(fast)]
pub fn op_wasm_caller_memory_read(
  state: Rc<RefCell<OpState>>,
  token: f64,
  offset: f64,
  #[buffer] out: &mut [u8],
) -> Result<(), WasmError> {
  let offset = index(offset)?;
  if let Some(callers) = direct_callers_of(&state, token) {
    return with_innermost(&callers, |caller| crate::host::read_into(caller, offset, out));
  }
  match memory_command(&state, token, Command::MemRead { offset, len: out.len() })? {
    MemoryOut::Bytes(bytes) => {
      out.copy_from_slice(&bytes);
      Ok(())
    }
    _ => Err(WasmError::memory("caller.memory.read: no bytes came back")),
  }
}

/// `caller.memory.write(offset, bytes)`.
#[op2(fast)]
pub fn op_wasm_caller_memory_write(
  state: Rc<RefCell<OpState>>,
  token: f64,
  offset: f64,
  #[buffer] bytes: &[u8],
) -> Result<(), WasmError> {
  let offset = index(offset)?;
  if let Some(callers) = direct_callers_of(&state, token) {
    return with_innermost(&callers, |caller| crate::host::write(caller, offset, bytes)).map(|_| ());
  }
  memory_command(&state, token, Command::MemWrite { offset, bytes: bytes.to_vec() }).map(|_| ())
}

/// `caller.memory.buffer`: an ArrayBuffer over the calling instance's memory, under the rule of
/// `memory.buffer` (memory_view.rs), kept with the instance's buffers.
///
/// # Errors
/// 5006 while a start function runs (the store is not an instance's yet: use `read`/`write`),
/// or if the caller exports no memory named `memory`.
#[op2]
pub fn op_wasm_caller_memory_buffer<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
) -> Result<v8::Local<'s, v8::ArrayBuffer>, WasmError> {
  let store = {
    let state = state.borrow();
    let calls = state.borrow::<HostCalls>().0.borrow();
    let parked = parse_id(token).and_then(|id| calls.get(id)).ok_or_else(|| no_call(token))?;
    parked.store.clone()
  };
  let Some((id, store)) = store else {
    return Err(WasmError::memory(
      "caller.memory.buffer is not available while the module is being instantiated (a start \
       function or _initialize called this host function); use caller.memory.read and write",
    ));
  };
  match memory_command(&state, token, Command::MemView)? {
    MemoryOut::View { base, len } => {
      Ok(crate::memory_view::caller_view(scope, &mut state.borrow_mut(), id, base as *mut u8, len, store))
    }
    _ => Err(WasmError::memory("caller.memory.buffer: no view came back")),
  }
}

/// Where memory `which` of `store` is (its base and length), asked of the newest host call
/// running in that store: while a host function runs, its guest holds the store's lock, and
/// `memory.buffer` (memory_view.rs) asks it instead, as `caller.memory.buffer` does. `None` if no
/// host call of that store is waiting on JS.
pub(crate) fn view_in_host_call(
  state: &Rc<RefCell<OpState>>,
  store: &SharedStore,
  which: WhichMemory,
) -> Option<Result<(usize, usize), WasmError>> {
  Some(match command_in_host_call(state, store, Command::MemViewOf(which))? {
    Ok(Event::Memory(Ok(MemoryOut::View { base, len }))) => Ok((base, len)),
    Ok(Event::Memory(Err(e))) => Err(e),
    Ok(_) => Err(WasmError::memory("memory.buffer: no view came back")),
    Err(e) => Err(e),
  })
}

/// `memory.grow(pages)` of memory `which` of `store`, asked of the newest host call running in
/// that store (see [`view_in_host_call`]): the old size in pages. `None` if there is none.
pub(crate) fn grow_in_host_call(
  state: &Rc<RefCell<OpState>>,
  store: &SharedStore,
  which: WhichMemory,
  pages: u64,
) -> Option<Result<u64, WasmError>> {
  Some(match command_in_host_call(state, store, Command::MemGrowOf(which, pages))? {
    Ok(Event::Memory(Ok(MemoryOut::Pages(before)))) => Ok(before),
    Ok(Event::Memory(Err(e))) => Err(e),
    Ok(_) => Err(WasmError::memory("memory.grow: no size came back")),
    Err(e) => Err(e),
  })
}

/// `caller.memory.size()` in pages.
#[op2(fast)]
pub fn op_wasm_caller_memory_size(state: Rc<RefCell<OpState>>, token: f64) -> Result<f64, WasmError> {
  let out = match direct_callers_of(&state, token) {
    Some(callers) => with_innermost(&callers, crate::host::size)?,
    None => memory_command(&state, token, Command::MemSize)?,
  };
  match out {
    MemoryOut::Pages(pages) => Ok(pages as f64),
    _ => Err(WasmError::memory("caller.memory.size: no size came back")),
  }
}

fn index(value: f64) -> Result<u64, WasmError> {
  crate::handles::js_integer(value)
    .ok_or_else(|| WasmError::memory(format!("caller.memory: the offset must be a non-negative integer, got {value}")))
}
