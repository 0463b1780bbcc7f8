//! JS host functions: imports a store's modules get from the app's JS (`imports: { env: { log } }`).
//!
//! JS never runs on a wasmtime fiber stack: the JS engine checks stack depth against the main
//! thread's stack, and a fiber's is small and elsewhere. A host function defined here runs one of
//! two ways, by where its guest runs:
//!
//! - **On the JS thread's own stack** (a synchronous export call of a store that takes
//!   synchronous calls): it calls JS directly (host_direct.rs).
//! - **On a fiber** (`await instance.call`, an instantiation, a store with WASI): it does not call
//!   JS. It posts a request on the store's [`HostBridge`] and waits: the guest's fiber suspends,
//!   wasmtime's call future returns `Pending`, and the driver (`hostcall.rs`) hands the request to
//!   the JS side, which runs the function in an ordinary JS frame and answers with a [`Command`].
//!
//! Besides the answer, the JS side may send commands that the host function carries out with its
//! `Caller` (the only safe way to reach the store while its guest is in a call): read or write the
//! caller's memory, or call one of the caller's exports (a re-entrant call, run nested on the
//! same stack; it may itself call host functions).
//!
//! Values cross as 8-byte slots (value.rs, and js_ref.rs for the `externref`s of the
//! `WebAssembly` global's stores); the host function converts them by the types it was defined
//! with, so nothing here trusts the JS side's idea of a signature.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use wasmtime::{AsContextMut, Caller, Extern, Func, Val, ValType};

use crate::error::WasmError;
use crate::exception::Raise;
use crate::js_ref::{to_slot, to_val};
use crate::slot_values::{read_slots, slots_of, values_for, values_of};
use crate::store::StoreData;
use crate::value::{unsupported, SLOT};

/// One value slot.
pub type Slot = [u8; SLOT];

/// What the JS side asks of a waiting host function.
pub enum Command {
  /// The function's results, one slot each.
  Reply(Vec<Slot>),
  /// The function's one result (or none), as Rust took it from what the function it called returned
  /// (host_entry.rs): of the function's result type already.
  Value(Option<Val>),
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
  Request { index: u32, args: Args },
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

/// A host function call's arguments as the driver gets them.
pub enum Args {
  /// One slot each, for the JS side.
  Slots(Vec<Slot>),
  /// All numbers: see [`Numbers`].
  Numbers(Numbers),
}

impl Args {
  /// `params`, the arguments of a call of a host function with results of `results` types.
  pub(crate) fn of(cx: impl wasmtime::AsContext<Data = StoreData>, params: &[Val], results: &Arc<[ValType]>) -> Self {
    match Numbers::of(params, results) {
      Some(numbers) => Self::Numbers(numbers),
      None => Self::Slots(params.iter().map(|v| to_slot(&cx, v)).collect()),
    }
  }

  /// How many arguments there are.
  pub(crate) fn len(&self) -> usize {
    match self {
      Self::Slots(args) => args.len(),
      Self::Numbers(numbers) => numbers.len,
    }
  }

  /// Writes the arguments into the slots, one each.
  pub(crate) fn write(&self, slots: &mut [u8]) -> Result<(), WasmError> {
    match self {
      Self::Slots(args) => crate::hostcall::write_slots(args, slots),
      Self::Numbers(numbers) => {
        let args = &numbers.vals[..numbers.len];
        if slots.len() < args.len() * SLOT {
          return Err(WasmError::type_error("the value buffer is too small for the arguments"));
        }
        for (i, value) in args.iter().enumerate() {
          slots[i * SLOT..(i + 1) * SLOT].copy_from_slice(&crate::value::val_to_slot(value));
        }
        Ok(())
      }
    }
  }
}

/// A host function call whose values are all JS numbers (i32, f32 or f64), at most three
/// arguments and one result: the async driver's first poll may call the function with them from
/// Rust (host_entry.rs), as a guest on the JS thread's stack does (host_drive.rs). Kept without
/// an allocation: every host call of such a function makes one.
pub struct Numbers {
  vals: [Val; 3],
  len: usize,
  /// The host function's result types, to take what the entry returned by.
  pub results: Arc<[ValType]>,
}

impl Numbers {
  /// `params` as numbers, if they and the results are all of those types and few enough.
  fn of(params: &[Val], results: &Arc<[ValType]>) -> Option<Self> {
    let number = |ty: &ValType| matches!(ty, ValType::I32 | ValType::F32 | ValType::F64);
    if params.len() > 3 || results.len() > 1 || !results.iter().all(number) {
      return None;
    }
    let mut vals = [Val::I32(0), Val::I32(0), Val::I32(0)];
    for (val, param) in vals.iter_mut().zip(params) {
      crate::value::val_to_number(param)?;
      *val = *param;
    }
    Some(Self { vals, len: params.len(), results: results.clone() })
  }

  /// The arguments, as the JS numbers they are passed as.
  pub fn args(&self) -> ([f64; 3], usize) {
    let mut args = [0.0; 3];
    for (arg, val) in args.iter_mut().zip(&self.vals[..self.len]) {
      *arg = crate::value::val_to_number(val).unwrap_or_default();
    }
    (args, self.len)
  }
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

  pub(crate) fn take_command(&self) -> Option<Command> {
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

/// Runs host function number `index` on a fiber: it posts its arguments to the JS side and
/// carries out the commands it gets until the answer (see the module docs).
pub(crate) fn serve<'a>(
  mut caller: Caller<'a, StoreData>,
  args: Args,
  index: u32,
) -> Box<dyn Future<Output = Command> + Send + 'a> {
  Box::new(async move {
    let Some(bridge) = caller.data().host.clone() else {
      return Command::Throw(WasmError::call("a JS host function was called in a store without JS imports"));
    };
    bridge.post(Event::Request { index, args });
    loop {
      match carry_out(&mut caller, NextCommand(&bridge).await) {
        Ok(event) => bridge.post(event),
        Err(Command::Call { target, args }) => {
          // Boxed: a call back holds a whole guest call's future, and kept inline it made every
          // host call's future (which wasmtime boxes) that large; a call back is rare.
          let called = Box::pin(call_back(&mut caller, target, &args)).await;
          bridge.post(Event::Called(called));
        }
        Err(answer) => return answer,
      }
    }
  })
}

/// Carries out a command a waiting host function got, other than its answer or a call back into
/// the store (those come back as `Err`): the event that answers it.
pub(crate) fn carry_out(caller: &mut Caller<'_, StoreData>, command: Command) -> Result<Event, Command> {
  Ok(match command {
    Command::Signature(name) => Event::Signature(signature(caller, &name)),
    Command::MemRead { offset, len } => Event::Memory(read(caller, offset, len)),
    Command::MemWrite { offset, bytes } => Event::Memory(write(caller, offset, &bytes)),
    Command::MemSize => Event::Memory(size(caller)),
    Command::MemView => Event::Memory(view(caller)),
    Command::MemViewOf(which) => Event::Memory(view_of(caller, which)),
    Command::MemGrowOf(which, pages) => Event::Memory(grow_of(caller, which, pages)),
    Command::Table { instance, name, adopted, op } => {
      Event::Table(crate::table::run(caller.as_context_mut(), instance, &name, adopted, op))
    }
    other => return Err(other),
  })
}

/// The host function's end, from the JS side's answer: its results (converted by the types it was
/// defined with), written into `results`, or the trap it ends the guest with.
pub(crate) fn apply(
  caller: &mut Caller<'_, StoreData>,
  answer: Command,
  result_types: &[ValType],
  results: &mut [Val],
) -> wasmtime::Result<()> {
  match answer {
    Command::Reply(slots) => {
      for (i, (out, ty)) in results.iter_mut().zip(result_types.iter()).enumerate() {
        let value = match slots.get(i) {
          Some(slot) => to_val(&mut *caller, ty, *slot)?,
          None => None,
        };
        *out = value.unwrap_or(Val::I32(0));
      }
      Ok(())
    }
    Command::Value(value) => {
      if let (Some(value), Some(out)) = (value, results.first_mut()) {
        *out = value;
      }
      Ok(())
    }
    Command::Throw(error) => Err(error.into()),
    Command::Raise(raised) => {
      Err(crate::exception::raise(caller, raised, "a JS import threw, and the exception could not be made"))
    }
    _ => Err(WasmError::call("a host function got an answer of another kind; this is a bug in Kiln").into()),
  }
}

/// `caller.exports.name(...args)`: a call back into the caller's store, nested on its fiber.
async fn call_back(
  caller: &mut Caller<'_, StoreData>,
  target: CallTarget,
  args: &[Slot],
) -> Result<Vec<Slot>, WasmError> {
  let Prepared { func, name, params, mut results } = prepare_call(caller, target, args)?;
  // The JS side waits for the answer inside a synchronous op, where the guest must not yield to
  // the event loop (nothing would turn it): the nested call runs in the synchronous mode.
  let was_sync = std::mem::replace(&mut caller.data_mut().sync, true);
  let outcome = func.call_async(&mut *caller, &params, &mut results).await;
  caller.data_mut().sync = was_sync;
  conclude_call(caller, outcome, &name, results)
}

/// [`call_back`] for a host function that runs on the JS thread's stack (host_direct.rs): the
/// nested call runs there too, and its own host functions call JS directly.
pub(crate) fn call_back_sync(
  caller: &mut Caller<'_, StoreData>,
  target: CallTarget,
  args: &[Slot],
) -> Result<Vec<Slot>, WasmError> {
  let Prepared { func, name, params, mut results } = prepare_call(caller, target, args)?;
  let outcome = func.call(&mut *caller, &params, &mut results);
  conclude_call(caller, outcome, &name, results)
}

/// A call back, ready to run.
struct Prepared {
  func: Func,
  /// The name errors give the function.
  name: Arc<str>,
  params: Vec<Val>,
  /// Room for its results.
  results: Vec<Val>,
}

/// The function a call back targets, its name, its arguments as values, and room for its results.
fn prepare_call(caller: &mut Caller<'_, StoreData>, target: CallTarget, args: &[Slot]) -> Result<Prepared, WasmError> {
  match target {
    CallTarget::Export(name) => {
      let Some(Extern::Func(func)) = caller.get_export(&name) else {
        return Err(WasmError::export_not_found(format!("the calling instance exports no function `{name}`")));
      };
      let ty = func.ty(&*caller);
      let (params, results) = values_for(&mut *caller, &ty, &name, args)?;
      Ok(Prepared { func, name: name.into(), params, results })
    }
    CallTarget::Index(instance, index) => {
      let callee = crate::callee::callee_at(caller.as_context_mut(), instance, index).ok_or_else(|| {
        WasmError::export_not_found(format!("the instance has no function number {index}; this is a bug in Kiln"))
      })?;
      let params = callee.params.iter().cloned();
      let (params, results) = values_of(&mut *caller, params, callee.results.iter().cloned(), &callee.name, args)?;
      Ok(Prepared { func: callee.func, name: callee.name, params, results })
    }
  }
}

/// A call back's results as slots, or its coded error.
pub(crate) fn conclude_call(
  caller: &mut Caller<'_, StoreData>,
  outcome: wasmtime::Result<()>,
  name: &str,
  mut results: Vec<Val>,
) -> Result<Vec<Slot>, WasmError> {
  slots_of(caller, outcome, name, crate::error::CallLimits { timeout_ms: None, fuel: None }, &mut results)
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

/// `caller.memory.read` straight into `out`, by an op that reaches the `Caller` itself
/// (caller_memory.rs): as [`read`], without the bytes' own copy.
pub(crate) fn read_into(caller: &mut Caller<'_, StoreData>, offset: u64, out: &mut [u8]) -> Result<(), WasmError> {
  let memory = memory(caller)?;
  let data = memory.data(&*caller);
  out.copy_from_slice(&data[bounds(offset, out.len(), data.len(), "read")?]);
  Ok(())
}

/// `caller.memory.write` (a `Command::MemWrite`, or an op that reaches the `Caller` itself).
pub(crate) fn write(caller: &mut Caller<'_, StoreData>, offset: u64, bytes: &[u8]) -> Result<MemoryOut, WasmError> {
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

/// `caller.memory.size()` (a `Command::MemSize`, or an op that reaches the `Caller` itself).
pub(crate) fn size(caller: &mut Caller<'_, StoreData>) -> Result<MemoryOut, WasmError> {
  let memory = memory(caller)?;
  Ok(MemoryOut::Pages(memory.size(&*caller)))
}

/// The command that answers a host function: `status` 0, its results are in `slots` (`count` of
/// them); 1, it threw (`message` says what, 5002); 2, a result did not fit the import's type
/// (5007); 3, a component's results, encoded; 4 and 5, a JS import of the `WebAssembly` global
/// threw, and the guest gets the exception: 4, a JS value, by its reference number in `count`; 5,
/// a `WebAssembly.Exception` (exception.rs, `Raise::parse` reads `message`).
pub(crate) fn answer(status: u32, count: u32, slots: &[u8], message: &str) -> Result<Command, WasmError> {
  Ok(match status {
    0 => Command::Reply(read_slots(slots, count as usize)?),
    1 => Command::Throw(WasmError::call(message.to_string())),
    4 => Command::Raise(Raise::Value(count)),
    5 => Raise::command(message),
    3 => Command::ReplyBytes(slots[..(count as usize).min(slots.len())].to_vec()),
    _ => Command::Throw(WasmError::type_error(message.to_string())),
  })
}
