//! Instances: `instantiate`, `getExports`, `drop`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{op2, OpState};
use serde::Serialize;
use wasmtime::{ExternType, Func, FuncType, Instance, Memory, Module, Store, StoreLimitsBuilder, Val};

use crate::call::classify;
use crate::capabilities::WasmPermissions;
use crate::config::InstanceConfig;
use crate::engine::{on_epoch, EngineKind, StoreData, YIELD_TICKS};
use crate::error::WasmError;
use crate::handles::{parse_id, HandleTable};
use crate::value::ExportValueType;
use crate::engine::SharedEngines;
use crate::module::ModuleTable;

/// An instance with its store. Guarded by an async mutex: calls and memory operations on one
/// instance take turns, while other instances run between its epoch yields.
pub struct LiveInstance {
  pub store: Store<StoreData>,
  pub instance: Instance,
  pub memory: Option<Memory>,
  pub config: InstanceConfig,
  /// Argument and result buffers reused by every call, so a call allocates nothing.
  pub params: Vec<Val>,
  pub results: Vec<Val>,
  /// Function exports resolved by `instance.exports`, by export index (filled on first use).
  pub exported: Vec<Option<ExportFunc>>,
  /// The module imports nothing: calls need no fiber (see `Prepared::self_contained`).
  pub self_contained: bool,
}

/// A function export resolved once for the synchronous path (`instance.exports.f`).
pub struct ExportFunc {
  pub func: Func,
  pub ty: FuncType,
  pub name: Box<str>,
}

/// An entry of the instance table.
pub struct InstanceEntry {
  pub module_id: u64,
  pub module: Module,
  pub live: Arc<tokio::sync::Mutex<LiveInstance>>,
}

/// The live instances of a runtime (an `OpState` entry).
#[derive(Default)]
pub struct InstanceTable(pub HandleTable<InstanceEntry>);

impl InstanceTable {
  /// The instance behind a JS id, or 5005.
  pub fn lookup(&self, raw_id: f64) -> Result<&InstanceEntry, WasmError> {
    parse_id(raw_id).and_then(|id| self.0.get(id)).ok_or_else(|| invalid_instance(raw_id))
  }
}

/// Instantiations in progress (an `OpState` entry). They count against `max_instances` with the
/// live ones, so that many `instantiate` calls awaited together cannot pass the limit.
#[derive(Default)]
pub struct PendingInstances(Rc<std::cell::Cell<usize>>);

/// One reserved slot; released when the instantiation ends, however it ends.
struct Reservation(Rc<std::cell::Cell<usize>>);

impl PendingInstances {
  fn reserve(&self) -> Reservation {
    self.0.set(self.0.get() + 1);
    Reservation(self.0.clone())
  }
}

impl Drop for Reservation {
  fn drop(&mut self) {
    self.0.set(self.0.get() - 1);
  }
}

pub fn invalid_instance(raw_id: f64) -> WasmError {
  WasmError::invalid_instance(format!(
    "no instance with id {raw_id}: it was never returned by instantiate or has been dropped"
  ))
}

/// `instantiate(moduleId, config?)`: needs `[capabilities.wasm] execute`.
#[op2]
pub async fn op_wasm_instance_create(
  state: Rc<RefCell<OpState>>,
  module_id: f64,
  #[string] config_json: String,
) -> Result<f64, WasmError> {
  let (engines, module_entry, config, wasi, _reservation, table_elements) = {
    let state = state.borrow();
    let permissions = state.borrow::<WasmPermissions>();
    permissions.check_execute("instantiate")?;
    let module = state.borrow::<ModuleTable>().lookup(module_id)?;
    let pending = state.borrow::<PendingInstances>();
    let live = state.borrow::<InstanceTable>().0.len() + pending.0.get();
    if live >= permissions.max_instances {
      return Err(WasmError::instantiate(format!(
        "{live} instances are alive or being made, the most [capabilities.wasm] max_instances \
         allows; drop instances you no longer need or raise max_instances in the manifest"
      )));
    }
    let reservation = pending.reserve();
    let mut config = InstanceConfig::from_json(&config_json)?;
    config.check_interruptible(permissions.limits.timeout_ms)?;
    permissions.limits.apply_defaults(&mut config);
    let table_elements = permissions.limits.max_table_elements;
    let cwd = std::env::current_dir()
      .map_err(|e| WasmError::config(format!("cannot read the working directory: {e}")))?;
    let wasi = config.wasi(permissions, &cwd)?;
    (state.borrow::<SharedEngines>().0.clone(), module, config, wasi, reservation, table_elements)
  };

  let kind = EngineKind::of(&config);
  let kit = engines.kit(kind)?;
  let prepared = module_entry.prepared(kind, &kit.engine)?;
  let module = prepared.module.clone();
  let pre = prepared.pre(&kit.linker)?;

  let mut limits = StoreLimitsBuilder::new().table_elements(usize::try_from(table_elements).unwrap_or(usize::MAX));
  if let Some(max) = config.max_memory_bytes {
    limits = limits.memory_size(usize::try_from(max).unwrap_or(usize::MAX));
  }
  let data = StoreData { wasi, limits: limits.build(), deadline: None, sync: false };
  let mut store = Store::new(&kit.engine, data);
  store.limiter(|data| &mut data.limits);
  store.epoch_deadline_callback(|ctx| on_epoch(ctx.data()));
  store.set_epoch_deadline(YIELD_TICKS);
  if let Some(fuel) = config.fuel {
    store.set_fuel(fuel).map_err(|e| WasmError::config(format!("cannot set fuel: {e}")))?;
  }
  store.data_mut().deadline = crate::call::deadline(&config);

  let instance = if prepared.self_contained && !module_entry.has_start() {
    // No imports and no start function: no guest code runs, so no fiber is needed.
    pre.instantiate(&mut store)
  } else {
    let _running = engines.running();
    pre.instantiate_async(&mut store).await
  };
  let instance = instance.map_err(|e| {
    // Only a trap, an exit or a deadline comes from running the start function; anything else
    // (missing imports, a shared memory this engine refuses) is about the module itself.
    let ran = e.downcast_ref::<wasmtime::Trap>().is_some()
      || e.downcast_ref::<wasmtime_wasi::I32Exit>().is_some()
      || e.downcast_ref::<crate::engine::DeadlineExceeded>().is_some();
    if !ran {
      return WasmError::instantiate(format!("cannot instantiate the module: {}", crate::call::error_chain(&e)));
    }
    let classified = classify(e, "the start function", &config);
    match classified.code() {
      crate::error::ErrorCode::CallError => WasmError::instantiate(format!(
        "cannot instantiate the module: {classified}"
      )),
      _ => classified,
    }
  })?;
  let memory = find_memory(&module, &instance, &mut store);

  let live = LiveInstance {
    store,
    instance,
    memory,
    config,
    params: Vec::new(),
    results: Vec::new(),
    exported: Vec::new(),
    self_contained: prepared.self_contained,
  };
  let entry = InstanceEntry {
    module_id: parse_id(module_id).unwrap_or_default(),
    module,
    live: Arc::new(tokio::sync::Mutex::new(live)),
  };
  let id = state
    .borrow_mut()
    .borrow_mut::<InstanceTable>()
    .0
    .insert(entry)
    .ok_or_else(|| WasmError::instantiate("instance ids are exhausted; restart the app"))?;
  Ok(id as f64)
}

/// The memory `instance.memory` works on: the export named "memory", else the first exported one.
fn find_memory(module: &Module, instance: &Instance, store: &mut Store<StoreData>) -> Option<Memory> {
  if let Some(memory) = instance.get_memory(&mut *store, "memory") {
    return Some(memory);
  }
  module
    .exports()
    .find(|e| matches!(e.ty(), ExternType::Memory(_)))
    .and_then(|e| instance.get_memory(&mut *store, e.name()))
}

/// One export of an instance, as `getExports()` reports it.
///
/// # Examples
///
/// ```ts
/// for (const exp of await instance.getExports()) {
///   if (exp.kind === "function") console.log(exp.name, exp.params, "->", exp.results);
/// }
/// ```
#[derive(Debug, Serialize)]
pub struct ExportInfo {
  /// The export's name, as `call` takes it.
  pub name: String,
  /// What the export is.
  pub kind: ExportKind,
  /// The parameter types, for functions only.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub params: Option<Vec<ExportValueType>>,
  /// The result types, for functions only.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub results: Option<Vec<ExportValueType>>,
}

/// The kind of an export.
///
/// # Examples
///
/// ```ts
/// const functions = (await instance.getExports()).filter((e) => e.kind === "function");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
  /// A function: `call` it.
  Function,
  /// A linear memory: `instance.memory` is the first one.
  Memory,
  /// A table.
  Table,
  /// A global.
  Global,
  /// An exception tag.
  Tag,
}

/// Every export of the instance's module with its kind and, for functions, its signature.
pub fn exports_of(module: &Module) -> Vec<ExportInfo> {
  module
    .exports()
    .map(|export| {
      let (kind, params, results) = match export.ty() {
        ExternType::Func(f) => (
          ExportKind::Function,
          Some(f.params().map(|t| ExportValueType::of(&t)).collect()),
          Some(f.results().map(|t| ExportValueType::of(&t)).collect()),
        ),
        ExternType::Memory(_) => (ExportKind::Memory, None, None),
        ExternType::Table(_) => (ExportKind::Table, None, None),
        ExternType::Global(_) => (ExportKind::Global, None, None),
        ExternType::Tag(_) => (ExportKind::Tag, None, None),
      };
      ExportInfo { name: export.name().to_string(), kind, params, results }
    })
    .collect()
}

/// `instance.getExports()`.
#[op2]
#[serde]
pub fn op_wasm_instance_exports(
  state: &mut OpState,
  instance_id: f64,
) -> Result<Vec<ExportInfo>, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  Ok(exports_of(&entry.module))
}

/// `instance.drop()`. A call still running on the instance finishes first; its store is freed
/// when the last such call returns.
#[op2(fast)]
pub fn op_wasm_instance_drop(state: &mut OpState, instance_id: f64) -> Result<(), WasmError> {
  match parse_id(instance_id).and_then(|id| state.borrow_mut::<InstanceTable>().0.remove(id)) {
    Some(_) => Ok(()),
    None => Err(invalid_instance(instance_id)),
  }
}
