//! JS host functions: imports a store's modules get from the app's JS (`imports: { env: { log } }`).
//!
//! JS never runs on a wasmtime fiber stack, nor from inside a wasmtime call: the JS engine checks
//! stack depth against the main thread's stack, and a fiber's is small and elsewhere. So a host
//! function defined here does not call JS. It posts a request on the store's [`HostBridge`] and
//! waits: the guest's fiber suspends, wasmtime's call future returns `Pending`, and the driver
//! (`hostcall.rs`) hands the request to the JS side, which runs the function in an ordinary JS
//! frame and answers with a [`Command`]. Besides the reply, the JS side may send commands that the
//! waiting host function carries out with its `Caller` (the only safe way to reach the store while
//! the guest is suspended): read or write the caller's memory, or call one of the caller's exports
//! (a re-entrant call, run nested on the same fiber; it may itself call host functions).
//!
//! Values cross as 8-byte slots (value.rs, and js_ref.rs for the `externref`s of the
//! `WebAssembly` global's stores); the host function converts them by the types it was defined
//! with, so nothing here trusts the JS side's idea of a signature.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use wasmtime::{AsContextMut, Caller, Extern, Func, FuncType, Linker, Val, ValType};

use crate::error::{finish, Ended, WasmError};
use crate::js_ref::{is_ref, passes, to_slot, to_val};
use crate::store::StoreData;
use crate::value::{unsupported, SLOT};

/// One value slot.
pub type Slot = [u8; SLOT];

/// What the JS side asks of a waiting host function.
pub enum Command {
  /// The function's results, one slot each.
  Reply(Vec<Slot>),
  /// The function failed: trap the guest with this error (5002 for a thrown value, 5007 for a
  /// result that does not fit).
  Throw(WasmError),
  /// A JS import of the `WebAssembly` global threw: throw it into the guest as a WebAssembly
  /// exception, which its handlers may catch (exception.rs).
  Raise(crate::exception::Raise),
  /// Call a function of the caller's store with these arguments (`caller.exports.name(...)`).
  Call { target: CallTarget, args: Vec<Slot> },
  /// The signature of the caller's export `name`.
  Signature(String),
  /// Read `len` bytes at `offset` of the caller's memory.
  MemRead { offset: u64, len: usize },
  /// Write bytes at `offset` of the caller's memory.
  MemWrite { offset: u64, bytes: Vec<u8> },
  /// The size of the caller's memory in pages.
  MemSize,
  /// Where the caller's memory is, for `caller.memory.buffer`.
  MemView,
  /// Where a memory of the caller's store is, for `memory.buffer` during the call (memory_view.rs).
  MemViewOf(WhichMemory),
  /// Grow a memory of the caller's store by this many pages, for `memory.grow` during the call
  /// (memory.rs); answered with the old size in pages.
  MemGrowOf(WhichMemory, u64),
  /// A component's host function's results, encoded by its WIT types (component/wire.rs).
  ReplyBytes(Vec<u8>),
  /// An operation on the exported table `name` of an instance of the caller's store, for
  /// `WebAssembly.Table` during the call (table.rs).
  Table { instance: wasmtime::Instance, name: String, adopted: Option<u32>, op: crate::table::TableOp },
}

/// The function a `Command::Call` calls.
pub enum CallTarget {
  /// The caller's export of this name.
  Export(String),
  /// The function JS calls by this index of an instance of the caller's store: an export, or a
  /// function a table handed out (table.rs, `func_at`).
  Index(wasmtime::Instance, u32),
}

/// What a host function tells the JS side.
pub enum Event {
  /// Host function `index` was called with these arguments.
  Request { index: u32, args: Vec<Slot> },
  /// A `Command::Call` ended: its results, or why it failed.
  Called(Result<Vec<Slot>, WasmError>),
  /// A `Command::Signature` answer: parameter and result type names.
  Signature(Result<(Vec<&'static str>, Vec<&'static str>), WasmError>),
  /// A memory command ended.
  Memory(Result<MemoryOut, WasmError>),
  /// A table command ended.
  Table(Result<crate::table::TableOut, WasmError>),
  /// A component's host function `index` was called with these arguments, encoded by its WIT
  /// types (component/wire.rs).
  Component { index: u32, args: Vec<u8> },
}

/// The answer to a memory command.
pub enum MemoryOut {
  Bytes(Vec<u8>),
  Written,
  Pages(u64),
  /// The memory's base address and current length in bytes.
  View {
    base: usize,
    len: usize,
  },
}

/// A store's JS host functions as its instance entries hold them: the mailbox their calls use.
/// (The JS side keeps the functions, with the types their importers declare.)
pub struct HostTable {
  pub bridge: Arc<HostBridge>,
}

/// The mailbox between a store's host functions and the driver. One command and one event are
/// enough: only one host function waits at a time (a nested call's host functions wait above the
/// one that made the call, and answer first).
#[derive(Default)]
pub struct HostBridge {
  state: Mutex<(Option<Command>, Option<Event>)>,
}

impl HostBridge {
  fn lock(&self) -> std::sync::MutexGuard<'_, (Option<Command>, Option<Event>)> {
    self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  pub(crate) fn post(&self, event: Event) {
    self.lock().1 = Some(event);
  }

  /// The event a host function posted, if any.
  pub fn take_event(&self) -> Option<Event> {
    self.lock().1.take()
  }

  /// Gives the waiting host function its next command; the driver then polls the call again.
  pub fn command(&self, command: Command) {
    self.lock().0 = Some(command);
  }

  fn take_command(&self) -> Option<Command> {
    self.lock().0.take()
  }
}

/// Waits for the next command. No waker is registered: a host function waits only after posting
/// an event, and the driver, seeing the event, answers with a command and polls again itself.
pub(crate) struct NextCommand<'a>(pub(crate) &'a HostBridge);

impl Future for NextCommand<'_> {
  type Output = Command;

  fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Command> {
    match self.0.take_command() {
      Some(command) => Poll::Ready(command),
      None => Poll::Pending,
    }
  }
}

/// Defines host function number `index` as `module.name` of type `ty` in `linker`. With `refs`
/// (a store of the `WebAssembly` global), `externref` values pass too (js_ref.rs).
///
/// # Errors
/// 5001 if `ty` has a type Kiln cannot pass (v128, function references; `externref` without
/// `refs`).
pub fn define(
  linker: &mut Linker<StoreData>,
  module: &str,
  name: &str,
  ty: FuncType,
  index: u32,
  refs: bool,
) -> Result<(), WasmError> {
  let qualified = format!("{module}.{name}");
  for value in ty.params().chain(ty.results()) {
    let passes = matches!(value, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64) || (refs && is_ref(&value));
    if !passes {
      let role = "value";
      return Err(WasmError::instantiate(format!(
        "cannot instantiate the module: its import {}",
        unsupported(&qualified, &value, role)
      )));
    }
  }
  let result_types: Arc<[ValType]> = ty.results().collect();
  linker
    .func_new_async(module, name, ty, move |caller, params, results| {
      serve(caller, params, results, index, result_types.clone())
    })
    .map_err(|e| WasmError::instantiate(format!("cannot define the host function `{qualified}`: {e}")))?;
  Ok(())
}

/// A function of the store `cx` reaches that runs host function number `index` (a JS function
/// a `WebAssembly.Table` was given: table.rs), of type `ty`: one of numbers only.
pub fn js_func(cx: impl AsContextMut<Data = StoreData>, ty: FuncType, index: u32) -> Func {
  let result_types: Arc<[ValType]> = ty.results().collect();
  Func::new_async(cx, ty, move |caller, params, results| serve(caller, params, results, index, result_types.clone()))
}

/// What host function number `index` does when the guest calls it: it posts its arguments to the
/// JS side and carries out the commands it gets until the reply (see the module docs).
fn serve<'a>(
  mut caller: Caller<'a, StoreData>,
  params: &'a [Val],
  results: &'a mut [Val],
  index: u32,
  result_types: Arc<[ValType]>,
) -> Box<dyn Future<Output = wasmtime::Result<()>> + Send + 'a> {
  Box::new(async move {
    let Some(bridge) = caller.data().host.clone() else {
      return Err(WasmError::call("a JS host function was called in a store without JS imports").into());
    };
    bridge.post(Event::Request { index, args: params.iter().map(|v| to_slot(&caller, v)).collect() });
    loop {
      match NextCommand(&bridge).await {
        Command::Reply(slots) => {
          for ((out, ty), slot) in results.iter_mut().zip(result_types.iter()).zip(slots) {
            *out = to_val(&mut caller, ty, slot)?.unwrap_or(Val::I32(0));
          }
          return Ok(());
        }
        Command::Throw(error) => return Err(error.into()),
        Command::Raise(raised) => {
          return Err(crate::exception::raise(
            &mut caller,
            raised,
            "a JS import threw, and the exception could not be made",
          ))
        }
        Command::Call { target, args } => {
          let called = call_back(&mut caller, target, &args).await;
          bridge.post(Event::Called(called));
        }
        Command::Signature(name) => bridge.post(Event::Signature(signature(&mut caller, &name))),
        Command::MemRead { offset, len } => bridge.post(Event::Memory(read(&mut caller, offset, len))),
        Command::MemWrite { offset, bytes } => bridge.post(Event::Memory(write(&mut caller, offset, &bytes))),
        Command::MemSize => bridge.post(Event::Memory(size(&mut caller))),
        Command::MemView => bridge.post(Event::Memory(view(&mut caller))),
        Command::MemViewOf(which) => bridge.post(Event::Memory(view_of(&mut caller, which))),
        Command::MemGrowOf(which, pages) => bridge.post(Event::Memory(grow_of(&mut caller, which, pages))),
        Command::Table { instance, name, adopted, op } => {
          bridge.post(Event::Table(crate::table::run(caller.as_context_mut(), instance, &name, adopted, op)));
        }
        Command::ReplyBytes(_) => {
          return Err(
            WasmError::call("a module's host function got a component's answer; this is a bug in Kiln").into(),
          )
        }
      }
    }
  })
}

/// `caller.exports.name(...args)`: a call back into the caller's store, nested on its fiber.
async fn call_back(
  caller: &mut Caller<'_, StoreData>,
  target: CallTarget,
  args: &[Slot],
) -> Result<Vec<Slot>, WasmError> {
  let (func, name) = match target {
    CallTarget::Export(name) => match caller.get_export(&name) {
      Some(Extern::Func(func)) => (func, name),
      _ => return Err(WasmError::export_not_found(format!("the calling instance exports no function `{name}`"))),
    },
    CallTarget::Index(instance, index) => {
      crate::table::func_at(caller.as_context_mut(), instance, index).ok_or_else(|| {
        WasmError::export_not_found(format!("the instance has no function number {index}; this is a bug in Kiln"))
      })?
    }
  };
  let name = name.as_str();
  let ty = func.ty(&*caller);
  let mut params = Vec::with_capacity(args.len());
  for (ty, slot) in ty.params().zip(args) {
    params.push(to_val(&mut *caller, &ty, *slot)?.ok_or_else(|| unsupported(name, &ty, "parameter"))?);
  }
  if let Some(result) = ty.results().find(|t| !passes(&*caller, t)) {
    return Err(unsupported(name, &result, "result"));
  }
  let mut results = vec![Val::I32(0); ty.results().len()];
  // The JS side waits for the answer inside a synchronous op, where the guest must not yield to
  // the event loop (nothing would turn it): the nested call runs in the synchronous mode.
  let was_sync = std::mem::replace(&mut caller.data_mut().sync, true);
  let outcome = func.call_async(&mut *caller, &params, &mut results).await;
  let outcome = crate::exception::caught(&mut *caller, outcome);
  caller.data_mut().sync = was_sync;
  let limits = crate::error::CallLimits { timeout_ms: None, fuel: None };
  if finish(outcome, &format!("`{name}`"), limits)? == Ended::Exited {
    results.iter_mut().for_each(|r| *r = Val::I32(0));
  }
  Ok(results.iter().map(|v| to_slot(&*caller, v)).collect())
}

fn signature(
  caller: &mut Caller<'_, StoreData>,
  name: &str,
) -> Result<(Vec<&'static str>, Vec<&'static str>), WasmError> {
  let Some(Extern::Func(func)) = caller.get_export(name) else {
    return Err(WasmError::export_not_found(format!("the calling instance exports no function `{name}`")));
  };
  let ty = func.ty(&*caller);
  let names = |types: &mut dyn Iterator<Item = ValType>| -> Result<Vec<&'static str>, WasmError> {
    types
      .map(|t| match t {
        ValType::I32 => Ok("i32"),
        ValType::I64 => Ok("i64"),
        ValType::F32 => Ok("f32"),
        ValType::F64 => Ok("f64"),
        other => Err(unsupported(name, &other, "value")),
      })
      .collect()
  };
  let params = names(&mut ty.params())?;
  let results = names(&mut ty.results())?;
  Ok((params, results))
}

/// The calling instance's memory: its export `memory`.
fn memory(caller: &mut Caller<'_, StoreData>) -> Result<wasmtime::Memory, WasmError> {
  match caller.get_export("memory") {
    Some(Extern::Memory(memory)) => Ok(memory),
    _ => Err(WasmError::memory("the calling instance exports no memory named `memory`")),
  }
}

fn bounds(offset: u64, len: usize, size: usize, verb: &str) -> Result<std::ops::Range<usize>, WasmError> {
  match offset.checked_add(len as u64) {
    Some(end) if end <= size as u64 => Ok(offset as usize..end as usize),
    _ => Err(WasmError::memory(format!(
      "caller.memory: cannot {verb} {len} bytes at offset {offset}: the memory is {size} bytes"
    ))),
  }
}

fn read(caller: &mut Caller<'_, StoreData>, offset: u64, len: usize) -> Result<MemoryOut, WasmError> {
  let memory = memory(caller)?;
  let data = memory.data(&*caller);
  Ok(MemoryOut::Bytes(data[bounds(offset, len, data.len(), "read")?].to_vec()))
}

fn write(caller: &mut Caller<'_, StoreData>, offset: u64, bytes: &[u8]) -> Result<MemoryOut, WasmError> {
  let memory = memory(caller)?;
  let data = memory.data_mut(&mut *caller);
  let range = bounds(offset, bytes.len(), data.len(), "write")?;
  data[range].copy_from_slice(bytes);
  Ok(MemoryOut::Written)
}

fn view(caller: &mut Caller<'_, StoreData>) -> Result<MemoryOut, WasmError> {
  let memory = memory(caller)?;
  Ok(MemoryOut::View { base: memory.data_ptr(&*caller) as usize, len: memory.data_size(&*caller) })
}

/// A memory of the store a host function runs in, named by the JS side (memory_view.rs).
#[derive(Debug, Clone, Copy)]
pub enum WhichMemory {
  /// An instance's memory (`InstanceEntry::memory`): a handle of this same store.
  Handle(wasmtime::Memory),
  /// The memory made for host import number `n` (a `WebAssembly.Memory` made in JS).
  Adopted(u32),
}

fn memory_of(caller: &Caller<'_, StoreData>, which: WhichMemory) -> Result<wasmtime::Memory, WasmError> {
  match which {
    WhichMemory::Handle(memory) => Some(memory),
    WhichMemory::Adopted(index) => caller.data().adopted(index).and_then(|e| e.clone().into_memory()),
  }
  .ok_or_else(|| WasmError::memory("the instance exports no memory"))
}

fn view_of(caller: &mut Caller<'_, StoreData>, which: WhichMemory) -> Result<MemoryOut, WasmError> {
  let memory = memory_of(caller, which)?;
  Ok(MemoryOut::View { base: memory.data_ptr(&*caller) as usize, len: memory.data_size(&*caller) })
}

fn grow_of(caller: &mut Caller<'_, StoreData>, which: WhichMemory, pages: u64) -> Result<MemoryOut, WasmError> {
  let memory = memory_of(caller, which)?;
  let before = memory.size(&*caller);
  memory.grow(&mut *caller, pages).map(MemoryOut::Pages).map_err(|_| {
    WasmError::memory(format!(
      "cannot grow the memory by {pages} pages from {before} pages: over the memory's maximum, or over \
       the store's memory cap (maxMemoryBytes, or the manifest's max_memory_bytes)"
    ))
  })
}

fn size(caller: &mut Caller<'_, StoreData>) -> Result<MemoryOut, WasmError> {
  let memory = memory(caller)?;
  Ok(MemoryOut::Pages(memory.size(&*caller)))
}
