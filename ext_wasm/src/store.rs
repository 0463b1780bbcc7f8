//! Kiln's stores. wasmtime links only within a store, so the store, not the instance, is the unit
//! Kiln owns: a [`KilnStore`] holds one or more instances (the module `instantiate` was given and
//! the modules linked into it by name), the buffers its calls reuse, and the limits every call
//! into it runs under. The per-call arming that every call path shares lives here too, once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{AsContextMut, Extern, Func, FuncType, Instance, Memory, Module, Store, UpdateDeadline, Val};

use crate::bounded::BoundedExports;
use crate::config::{GuestWasi, InstanceConfig};
use crate::error::{DeadlineExceeded, WasmError};
use crate::limiter::KilnLimiter;
use crate::shape::{js_number, Num, Shape};
use crate::store_lock::StoreLock;
use crate::uniform::Uniform;

/// How often the epoch ticker advances the epoch while guest code runs.
pub const TICK: Duration = Duration::from_millis(1);
/// A running guest yields to the event loop every this many ticks.
pub const YIELD_TICKS: u64 = 5;

/// The data every store carries.
pub struct StoreData {
  /// The guest's WASI view; empty (no files, env, args or stdio) unless configured.
  pub wasi: GuestWasi,
  /// Memory, table and instance limits for this store: the memory cap is for all its memories
  /// together (limiter.rs).
  pub limits: KilnLimiter,
  /// When the current call must stop (from `timeoutMs`).
  pub deadline: Option<Instant>,
  /// The current call is synchronous (`instance.exports.f()`): it cannot yield to the event loop,
  /// so the epoch callback only checks the deadline.
  pub sync: bool,
  /// The mailbox of the store's JS host functions, if it has any (host.rs).
  pub host: Option<Arc<crate::host::HostBridge>>,
  /// wasi:http's state, for a component granted it (its resources live in the WASI table).
  pub http: wasmtime_wasi_http::WasiHttpCtx,
  /// Memories and mutable globals made in this store for JS objects that stood for them in
  /// `imports` (a `WebAssembly.Memory` or `Global` made in JS: link.rs, `HostValue::Memory`), by
  /// their place in the list of host imports.
  pub adopted: Vec<(u32, wasmtime::Extern)>,
  /// The functions its instances' tables handed out to JS (table.rs).
  pub handed_out: crate::table::HandedOut,
  /// The functions JS called back into by index, resolved (callee.rs).
  pub callees: crate::callee::Callees,
  /// Set for a store the `WebAssembly` global made: it passes `externref`s, queueing the ids of
  /// those wasmtime frees here (js_ref.rs).
  pub refs: Option<crate::js_ref::JsRefs>,
  /// The tags JS knows of the store's, and the exceptions JS threw into it (exception.rs).
  pub tags: crate::exception::StoreTags,
}

impl StoreData {
  pub fn new(wasi: GuestWasi, limits: KilnLimiter) -> Self {
    Self {
      wasi,
      limits,
      deadline: None,
      sync: false,
      host: None,
      http: wasmtime_wasi_http::WasiHttpCtx::new(),
      adopted: Vec::new(),
      handed_out: crate::table::HandedOut::default(),
      callees: crate::callee::Callees::default(),
      refs: None,
      tags: crate::exception::StoreTags::default(),
    }
  }

  /// The memory or global made for host import number `index`, if there is one.
  pub fn adopted(&self, index: u32) -> Option<&wasmtime::Extern> {
    self.adopted.iter().find(|(i, _)| *i == index).map(|(_, e)| e)
  }
}

/// Components reach WASI preview 2 through the same context as modules reach preview 1: one
/// set of grants, one stdio, whichever the guest imports.
impl wasmtime_wasi::WasiView for StoreData {
  fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
    wasmtime_wasi::WasiView::ctx(self.wasi.get())
  }
}

impl wasmtime_wasi_http::WasiHttpView for StoreData {
  fn http(&mut self) -> wasmtime_wasi_http::WasiHttpCtxView<'_> {
    wasmtime_wasi_http::WasiHttpCtxView {
      ctx: &mut self.http,
      table: wasmtime_wasi::WasiView::ctx(self.wasi.get()).table,
      hooks: wasmtime_wasi_http::default_hooks(),
    }
  }
}

/// Makes a store on `engine` with its limiter and epoch callback installed.
pub fn new_store(engine: &wasmtime::Engine, data: StoreData) -> Store<StoreData> {
  let mut store = Store::new(engine, data);
  store.limiter(|data| &mut data.limits);
  store.epoch_deadline_callback(|ctx| on_epoch(ctx.data()));
  store.set_epoch_deadline(YIELD_TICKS);
  store
}

/// How a call runs: as an async call that yields to the event loop, or synchronously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
  Async,
  Sync,
}

/// Arms `store` for one call under `config`'s limits: its deadline (`timeoutMs`), its fuel, and
/// the yield behaviour of `mode`. Infallible steps come last, so an error leaves nothing armed;
/// [`disarm`] undoes the rest however the call ended. Returns the deadline.
///
/// # Errors
/// 5010 if the fuel cannot be set.
pub fn arm(store: &mut Store<StoreData>, config: &InstanceConfig, mode: Mode) -> Result<Option<Instant>, WasmError> {
  if let Some(fuel) = config.fuel {
    store.set_fuel(fuel).map_err(|e| WasmError::config(format!("cannot set fuel: {e}")))?;
  }
  let deadline = config.timeout_ms.map(|ms| Instant::now() + Duration::from_millis(ms));
  store.set_epoch_deadline(YIELD_TICKS);
  let data = store.data_mut();
  data.deadline = deadline;
  data.sync = mode == Mode::Sync;
  Ok(deadline)
}

/// Ends what [`arm`] started, after the call, whatever its outcome.
pub fn disarm(store: &mut Store<StoreData>) {
  store.data_mut().sync = false;
}

/// The epoch callback installed on every store: yield to the event loop, or stop at the deadline.
pub fn on_epoch(data: &StoreData) -> wasmtime::Result<UpdateDeadline> {
  if data.sync {
    return match data.deadline {
      Some(deadline) if Instant::now() >= deadline => Err(DeadlineExceeded.into()),
      _ => Ok(UpdateDeadline::Continue(YIELD_TICKS)),
    };
  }
  match data.deadline {
    Some(deadline) => {
      let now = Instant::now();
      if now >= deadline {
        return Err(DeadlineExceeded.into());
      }
      // Come back no later than the deadline so a timeout is noticed promptly.
      let left_ms = (deadline - now).as_millis() as u64;
      let ticks = left_ms.div_ceil(TICK.as_millis() as u64).clamp(1, YIELD_TICKS);
      Ok(yield_to_event_loop(ticks))
    }
    None => Ok(yield_to_event_loop(YIELD_TICKS)),
  }
}

/// Yields with `tokio::task::yield_now`, which defers the wake-up until tokio has turned its
/// timer and I/O drivers. A plain `UpdateDeadline::Yield` wakes the task at once, and tokio's
/// current-thread scheduler then re-polls it without firing timers for up to 61 polls (measured:
/// a 10 ms interval fired every ~330 ms during a spinning guest).
fn yield_to_event_loop(ticks: u64) -> UpdateDeadline {
  UpdateDeadline::YieldCustom(ticks, Box::pin(tokio::task::yield_now()))
}

/// A store with the instances in it, shared by their handles; calls and memory operations on any
/// of its instances take turns on the lock (store_lock.rs), while other stores run between its
/// epoch yields.
pub type SharedStore = Arc<StoreLock<KilnStore>>;

/// One store and what lives in it.
pub struct KilnStore {
  pub store: Store<StoreData>,
  /// The options `instantiate` was given (with the app's defaults): the limits of every call.
  pub config: InstanceConfig,
  /// Argument and result buffers reused by every async call, so a call allocates nothing.
  pub params: Vec<Val>,
  pub results: Vec<Val>,
  /// The instances, by the member index their handles hold.
  pub members: Vec<Member>,
}

impl KilnStore {
  pub fn new(store: Store<StoreData>, config: InstanceConfig) -> Self {
    Self { store, config, params: Vec::new(), results: Vec::new(), members: Vec::new() }
  }

  /// Adds an instance of `module`; returns its member index.
  pub fn add(&mut self, module: Module, instance: Instance) -> usize {
    let memory = first_memory(&module, &instance, &mut self.store);
    let self_contained = module.imports().len() == 0;
    let bounded = BoundedExports::default();
    self.members.push(Member { instance, module, memory, exported: Vec::new(), self_contained, bounded });
    self.members.len() - 1
  }
}

/// An instance in a store.
pub struct Member {
  pub instance: Instance,
  pub module: Module,
  /// Its memory as `instance.memory` sees it: the export named `memory`, else the first one.
  pub memory: Option<Memory>,
  /// Function exports resolved by `instance.exports` and the numbers path, by export index, then
  /// the functions its tables handed out, by the indexes past the exports (filled on first use).
  pub exported: Vec<Option<ExportFunc>>,
  /// The module imports nothing: calls need no fiber.
  pub self_contained: bool,
  /// Its module's exports that end in bounded time (bounded.rs): none until the store's maker
  /// sets them from the compiled module, after instantiation.
  pub bounded: BoundedExports,
}

/// A function export resolved once for the fast paths.
pub struct ExportFunc {
  pub func: Func,
  pub ty: FuncType,
  pub name: Box<str>,
  /// What a synchronous call needs to know of `ty`, worked out once.
  pub shape: Shape,
  /// The function as a typed one, if its shape is uniform (uniform.rs): `call` runs it so.
  pub uniform: Option<Uniform>,
  /// It ends in bounded time and passes numbers only: `call` runs it without a fiber (call.rs).
  pub bounded: bool,
}

impl ExportFunc {
  /// Resolves what the fast paths need to know of `func`, once.
  pub fn new(func: Func, name: Box<str>, store: &Store<StoreData>) -> Self {
    let ty = func.ty(store);
    let shape = Shape::of(&ty);
    let uniform = shape.numbers.and_then(|numbers| Uniform::of(&func, store, &numbers));
    Self { func, ty, name, shape, uniform, bounded: false }
  }

  /// Calls it as an async call (on a fiber): as its typed function when it has one (uniform.rs),
  /// else through `Func::call_async`. The results are left in `results`.
  ///
  /// # Errors
  /// The call's own error (a trap, the deadline, a WASI exit).
  pub async fn call_async(
    &self,
    store: impl AsContextMut<Data = StoreData>,
    params: &[Val],
    results: &mut [Val],
  ) -> wasmtime::Result<()> {
    match &self.uniform {
      Some(typed) => typed.call(store, params, results).await,
      None => self.func.call_async(store, params, results).await,
    }
  }

  /// The error for argument `index` of a numbers-path call that is not a `ty` (5007): `value` is
  /// the number it was, if it was one. The wording is `checkInt32`'s (ts/wasm_values.ts).
  pub fn not_a_number(&self, index: usize, ty: Num, value: Option<f64>) -> WasmError {
    let rule = if ty == Num::I32 { "an integer number in [-2^31, 2^32)" } else { "a number" };
    let what = value.map_or_else(|| "the value".to_string(), js_number);
    WasmError::type_error(format!(
      "argument {} of `{}`: {what} is not an {}; pass {rule}",
      index + 1,
      self.name,
      ty.name()
    ))
  }

  /// The error for a call given more arguments than the function's `arity` parameters.
  pub fn too_many_arguments(&self, arity: usize) -> WasmError {
    WasmError::type_error(format!(
      "`{}` takes {arity} argument{}; pass no more",
      self.name,
      if arity == 1 { "" } else { "s" }
    ))
  }

  /// The error for a call that took the numbers path to a function of another shape.
  pub fn not_numbers(&self) -> WasmError {
    WasmError::type_error(format!(
      "`{}` does not take and return plain numbers (up to three i32, f32 or f64 and at most one \
       such result); call it with its arguments as `call` takes them",
      self.name
    ))
  }
}

impl Member {
  /// The function export at `export_index` of the module's exports, resolved on first use.
  ///
  /// # Errors
  /// 5003 for an index past the end, or an export that is not a function.
  pub fn export_at<'a>(
    exported: &'a mut Vec<Option<ExportFunc>>,
    store: &mut Store<StoreData>,
    instance: &Instance,
    module: &Module,
    bounded: &BoundedExports,
    export_index: u32,
  ) -> Result<&'a ExportFunc, WasmError> {
    let index = export_index as usize;
    // Resolved before: the common case of every call after the first.
    if let Some(Some(_)) = exported.get(index) {
      return Ok(exported[index].as_ref().expect("checked above"));
    }
    let count = module.exports().len();
    if index >= count {
      // A function one of the instance's tables handed out (table.rs).
      let Some((func, name)) = store.data().handed_out.func(instance, export_index) else {
        return Err(WasmError::export_not_found(format!(
          "the module has {count} exports, so there is no export number {index}"
        )));
      };
      let name: Box<str> = name.into();
      if exported.len() <= index {
        exported.resize_with(index + 1, || None);
      }
      return Ok(exported[index].insert(ExportFunc::new(func, name, store)));
    }
    if exported.len() < count {
      exported.resize_with(count, || None);
    }
    Ok(match &mut exported[index] {
      Some(export) => export,
      slot => {
        let mut export = resolve(store, instance, module, index)?;
        export.bounded = export.shape.numeric && bounded.contains(index);
        slot.insert(export)
      }
    })
  }

  /// Why `name` cannot be called: it is another kind of export, or there is no such export.
  pub fn export_missing(&self, store: &mut Store<StoreData>, name: &str) -> WasmError {
    match self.instance.get_export(&mut *store, name) {
      Some(other) => {
        let kind = match other {
          Extern::Memory(_) | Extern::SharedMemory(_) => "a memory",
          Extern::Table(_) => "a table",
          Extern::Global(_) => "a global",
          _ => "not a function",
        };
        WasmError::export_not_found(format!("export `{name}` is {kind}, not a function"))
      }
      None => {
        let functions: Vec<&str> =
          self.module.exports().filter(|e| e.ty().func().is_some()).map(|e| e.name()).collect();
        WasmError::export_not_found(format!(
          "the module exports no function `{name}`; its functions are: {}",
          if functions.is_empty() { "(none)".to_string() } else { functions.join(", ") }
        ))
      }
    }
  }
}

/// Looks up the function export at `index` of the module's exports.
fn resolve(
  store: &mut Store<StoreData>,
  instance: &Instance,
  module: &Module,
  index: usize,
) -> Result<ExportFunc, WasmError> {
  let Some(export) = module.exports().nth(index) else {
    return Err(WasmError::export_not_found(format!("there is no export number {index}")));
  };
  let name = export.name();
  let Some(func) = instance.get_func(&mut *store, name) else {
    return Err(WasmError::export_not_found(format!("export `{name}` is not a function")));
  };
  Ok(ExportFunc::new(func, name.into(), store))
}

/// The memory `instance.memory` reads: the export named `memory`, else the first memory export.
fn first_memory(module: &Module, instance: &Instance, store: &mut Store<StoreData>) -> Option<Memory> {
  if let Some(memory) = instance.get_memory(&mut *store, "memory") {
    return Some(memory);
  }
  module
    .exports()
    .find(|e| matches!(e.ty(), wasmtime::ExternType::Memory(_)))
    .and_then(|e| instance.get_memory(&mut *store, e.name()))
}
