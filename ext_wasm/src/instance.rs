//! Instances: `instantiate`, `getExports`, `drop`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{op2, OpState};
use serde::Serialize;
use wasmtime::{
  Extern, ExternType, Func, FuncType, HeapType, Instance, Linker, Memory, Module, Mutability, Store,
  StoreLimitsBuilder, Trap, Val, ValType,
};
use wasmtime_wasi::I32Exit;

use crate::call::classify;
use crate::capabilities::WasmPermissions;
use crate::config::InstanceConfig;
use crate::engine::SharedEngines;
use crate::engine::{on_epoch, EngineKind, Engines, StoreData, YIELD_TICKS};
use crate::error::{ErrorCode, WasmError};
use crate::handles::{parse_id, HandleTable};
use crate::module::ModuleTable;
use crate::value::ExportValueType;

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
    let cwd =
      std::env::current_dir().map_err(|e| WasmError::config(format!("cannot read the working directory: {e}")))?;
    let wasi = config.wasi(permissions, &cwd)?;
    (state.borrow::<SharedEngines>().0.clone(), module, config, wasi, reservation, table_elements)
  };

  let kind = EngineKind::of(&config);
  let kit = engines.kit(kind)?;
  let prepared = module_entry.prepared(kind, &engines).await?;
  let module = prepared.module.clone();
  let reactor = reactor_initializer(&module)?;
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
    setup_failed(e, "the start function", &config)
  })?;
  if reactor {
    run_initialize(&engines, &mut store, &instance, &config).await?;
  }
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

/// The export through which a WASI reactor is initialized: a `() -> ()` function that runs the
/// module's global constructors (wasi-libc's crt1-reactor calls `__wasm_call_ctors`). Until it
/// has run, a reactor's exports read zeroed state.
const INITIALIZE: &str = "_initialize";

/// Whether the module is a WASI reactor, whose `_initialize` `instantiate` must run once. Checked
/// before instantiation, so a module the WASI ABI calls invalid runs no guest code at all.
///
/// # Errors
/// 5001 if the module exports both `_start` and `_initialize` (the ABI makes a module a command
/// or a reactor, never both: which one would run the constructors?), or an `_initialize` that
/// is not a `() -> ()` function.
fn reactor_initializer(module: &Module) -> Result<bool, WasmError> {
  let Some(ty) = module.get_export(INITIALIZE) else { return Ok(false) };
  if module.get_export("_start").is_some() {
    return Err(WasmError::instantiate(
      "cannot instantiate the module: it exports both `_start` (a WASI command) and `_initialize` \
       (a WASI reactor), which the WASI ABI forbids; rebuild it as one or the other (with clang: \
       -mexec-model=command or -mexec-model=reactor)",
    ));
  }
  match ty {
    ExternType::Func(f) if f.params().len() == 0 && f.results().len() == 0 => Ok(true),
    other => Err(WasmError::instantiate(format!(
      "cannot instantiate the module: it exports `_initialize` as {}, but the WASI ABI reserves \
       that name for a reactor's initializer, a function with no parameters and no results; \
       rename the export or fix its type",
      describe_extern(&other)
    ))),
  }
}

/// Runs a reactor's `_initialize` once, before `instantiate` returns the instance, as the wasmtime
/// CLI and node:wasi's `initialize()` do. It is an async call like `instance.call`, under the same
/// limits (its own `timeoutMs` deadline and `fuel` budget), so a constructor that loops forever
/// is stopped and the event loop keeps running meanwhile.
async fn run_initialize(
  engines: &Engines,
  store: &mut Store<StoreData>,
  instance: &Instance,
  config: &InstanceConfig,
) -> Result<(), WasmError> {
  let what = "the WASI reactor initializer `_initialize`";
  let func = instance.get_func(&mut *store, INITIALIZE).ok_or_else(|| {
    WasmError::instantiate(format!("cannot instantiate the module: {what} is not a function of the instance"))
  })?;
  match crate::call::run_async(engines, store, config, func, &[], &mut []).await? {
    Ok(()) => Ok(()),
    // A WASI proc_exit(0) ends the initializer successfully, as it ends a command.
    Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|exit| exit.0 == 0) => Ok(()),
    Err(e) => Err(setup_failed(e, what, config)),
  }
}

/// The error `instantiate` fails with when guest code it ran (the start function, or a reactor's
/// `_initialize`, named by `what`) failed. Running out of fuel or time stays 5011, as in a call;
/// a trap or a WASI exit is 5001, because no instance is returned to call again.
fn setup_failed(error: wasmtime::Error, what: &str, config: &InstanceConfig) -> WasmError {
  if let Some(exit) = error.downcast_ref::<I32Exit>() {
    return WasmError::instantiate(format!(
      "cannot instantiate the module: {what} exited (WASI proc_exit) with status {}; pass \
       inheritStderr: true to see what the guest printed",
      exit.0
    ));
  }
  if let Some(Trap::StackOverflow) = error.downcast_ref::<Trap>() {
    return WasmError::instantiate(format!(
      "cannot instantiate the module: {what} trapped: call stack exhausted (unbounded recursion?)"
    ));
  }
  let classified = classify(error, what, config);
  match classified.code() {
    ErrorCode::CallError => WasmError::instantiate(format!(
      "cannot instantiate the module: {classified}; this is a bug in the module or something its \
       config lacks (env, args, preopens): pass inheritStderr: true to see what the guest printed"
    )),
    _ => classified,
  }
}

/// The module name of WASI preview 1, the only imports Kiln's linker defines.
const WASI_P1: &str = "wasi_snapshot_preview1";

/// Imports listed in one link error at most; the rest are counted.
const MAX_LISTED_IMPORTS: usize = 100;

/// Why `linker.instantiate_pre` refused `module`: every import the linker cannot satisfy, each with
/// its module, name, kind and type, in one 5001 message that says what to do. The linker stops at
/// the first unknown import (and checks types only once all names resolve), so its own error would
/// send the user through one fix and one (possibly long) compile per missing import.
///
/// Falls back to the linker's message if every import resolves (the failure was something else).
pub(crate) fn link_error(linker: &Linker<StoreData>, module: &Module, error: &wasmtime::Error) -> WasmError {
  // `Linker::get` hands out a definition as an `Extern`, which needs a store (a host function
  // becomes a `Func` in it). A throwaway store with an empty WASI context stands in: no guest code
  // runs in it, and this only happens when instantiation has already failed.
  let data = StoreData {
    wasi: wasmtime_wasi::WasiCtxBuilder::new().build_p1(),
    limits: StoreLimitsBuilder::new().build(),
    deadline: None,
    sync: false,
  };
  let mut store = Store::new(linker.engine(), data);
  let mut problems = Vec::new();
  let (mut other_modules, mut wasi) = (false, false);
  for import in module.imports() {
    let wanted = import.ty();
    let line = format!("{}.{}: {}", import.module(), import.name(), describe_extern(&wanted));
    let problem = match linker.get(&mut store, import.module(), import.name()) {
      Err(_) if import.module() == WASI_P1 => Some(format!("{line} (WASI preview 1 defines no `{}`)", import.name())),
      Err(_) if import.module() == "wasi_unstable" => {
        Some(format!("{line} (the old WASI snapshot 0, which Kiln does not provide)"))
      }
      Err(_) => Some(line),
      Ok(found) => {
        let fits = match (&found, &wanted) {
          (Extern::Func(func), ExternType::Func(ty)) => func.matches_ty(&store, ty),
          // Kiln's linker defines only functions. For a memory, table or global of the right kind,
          // wasmtime's limits and subtyping check is internal, so the kind is all this compares.
          (found, wanted) => kind(&found.ty(&store)) == kind(wanted),
        };
        let defined = describe_extern(&found.ty(&store));
        (!fits).then(|| format!("{line}, but Kiln's {} defines it as {defined}", import.module()))
      }
    };
    if let Some(problem) = problem {
      if import.module() == WASI_P1 || import.module() == "wasi_unstable" {
        wasi = true;
      } else {
        other_modules = true;
      }
      problems.push(problem);
    }
  }
  if problems.is_empty() {
    return WasmError::instantiate(format!("cannot instantiate the module: {}", crate::call::error_chain(error)));
  }
  let count = problems.len();
  let mut message = format!(
    "cannot instantiate the module: Kiln cannot provide {count} of its imports ({} in all):",
    module.imports().len()
  );
  for problem in problems.iter().take(MAX_LISTED_IMPORTS) {
    message.push_str("\n  ");
    message.push_str(problem);
  }
  if count > MAX_LISTED_IMPORTS {
    message.push_str(&format!("\n  ... and {} more", count - MAX_LISTED_IMPORTS));
  }
  if other_modules {
    message.push_str(&format!(
      "\nKiln provides only WASI preview 1 imports (`{WASI_P1}`); linking other modules and JS host \
       functions is not supported yet. Rebuild the module so that it imports nothing else (e.g. for \
       the wasm32-wasi / wasm32-wasip1 target, without a JS or host-specific glue layer)."
    ));
  }
  if wasi {
    message.push_str(&format!(
      "\nKiln's `{WASI_P1}` is WASI preview 1 as wasmtime-wasi defines it: rebuild the module \
       against a WASI preview 1 libc (wasi-libc, wasi-sdk, or a Rust wasm32-wasip1 target) so its \
       WASI imports have those names and types."
    ));
  }
  WasmError::instantiate(message)
}

/// The kind of an extern, as a link error names it.
fn kind(ty: &ExternType) -> &'static str {
  match ty {
    ExternType::Func(_) => "function",
    ExternType::Memory(_) => "memory",
    ExternType::Table(_) => "table",
    ExternType::Global(_) => "global",
    ExternType::Tag(_) => "tag",
  }
}

/// An extern's kind and type, as a link error names it: `function (i32, i32) -> ()`,
/// `memory (min 1 page)`, `global i32 (immutable)`, `table funcref (min 1)`.
pub(crate) fn describe_extern(ty: &ExternType) -> String {
  let values = |types: &mut dyn Iterator<Item = ValType>| types.map(|t| value_name(&t)).collect::<Vec<_>>().join(", ");
  match ty {
    ExternType::Func(f) => {
      let params = values(&mut f.params());
      let results = match f.results().len() {
        1 => values(&mut f.results()),
        _ => format!("({})", values(&mut f.results())),
      };
      format!("function ({params}) -> {results}")
    }
    ExternType::Memory(m) => {
      let pages = |n: u64| if n == 1 { "1 page".to_string() } else { format!("{n} pages") };
      let mut parts = vec![format!("min {}", pages(m.minimum()))];
      if let Some(max) = m.maximum() {
        parts.push(format!("max {}", pages(max)));
      }
      if m.page_size() != 65536 {
        parts.push(format!("{}-byte pages", m.page_size()));
      }
      if m.is_shared() {
        parts.push("shared".into());
      }
      if m.is_64() {
        parts.push("64-bit".into());
      }
      format!("memory ({})", parts.join(", "))
    }
    ExternType::Global(g) => {
      let mutability = match g.mutability() {
        Mutability::Const => "immutable",
        Mutability::Var => "mutable",
      };
      format!("global {} ({mutability})", value_name(g.content()))
    }
    ExternType::Table(t) => {
      let max = t.maximum().map(|max| format!(", max {max}")).unwrap_or_default();
      format!("table {} (min {}{max})", value_name(&ValType::Ref(t.element().clone())), t.minimum())
    }
    ExternType::Tag(t) => format!("tag ({})", values(&mut t.ty().params())),
  }
}

/// A value type as it is written in WAT: `i32`, `funcref`, `(ref null any)`.
fn value_name(ty: &ValType) -> String {
  match ty {
    ValType::Ref(r) if r.is_nullable() && matches!(r.heap_type(), HeapType::Func) => "funcref".into(),
    ValType::Ref(r) if r.is_nullable() && matches!(r.heap_type(), HeapType::Extern) => "externref".into(),
    other => other.to_string(),
  }
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
pub fn op_wasm_instance_exports(state: &mut OpState, instance_id: f64) -> Result<Vec<ExportInfo>, WasmError> {
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

#[cfg(test)]
mod tests {
  use super::*;

  fn linker() -> Linker<StoreData> {
    let mut config = wasmtime::Config::new();
    config.wasm_threads(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |data: &mut StoreData| &mut data.wasi).unwrap();
    linker
  }

  fn link_message(linker: &Linker<StoreData>, wat: &str) -> String {
    let module = Module::new(linker.engine(), wat).unwrap();
    let error = linker.instantiate_pre(&module).err().expect("the module must fail to link");
    let error = link_error(linker, &module, &error);
    assert_eq!(error.code(), ErrorCode::InstantiateError);
    error.to_string()
  }

  #[test]
  fn link_errors_describe_each_kind_and_type() {
    let message = link_message(
      &linker(),
      r#"(module
        (import "env" "f" (func (param i64 f32) (result f64 i32)))
        (import "env" "m" (memory 2 3))
        (import "env" "shared" (memory 1 1 shared))
        (import "env" "counter" (global (mut i64)))
        (import "env" "refs" (table 0 externref)))"#,
    );
    let listed: Vec<&str> = message.lines().skip(1).take(5).collect();
    assert_eq!(
      listed,
      [
        "  env.f: function (i64, f32) -> (f64, i32)",
        "  env.m: memory (min 2 pages, max 3 pages)",
        "  env.shared: memory (min 1 page, max 1 page, shared)",
        "  env.counter: global i64 (mutable)",
        "  env.refs: table externref (min 0)",
      ],
      "{message}"
    );
  }

  #[test]
  fn a_long_list_is_cut_and_counted() {
    let imports: String = (0..MAX_LISTED_IMPORTS + 5).map(|i| format!("(import \"env\" \"f{i}\" (func))")).collect();
    let message = link_message(&linker(), &format!("(module {imports})"));
    assert!(
      message.starts_with("cannot instantiate the module: Kiln cannot provide 105 of its imports (105 in all):\n"),
      "{message}"
    );
    assert_eq!(message.lines().filter(|l| l.starts_with("  env.f")).count(), MAX_LISTED_IMPORTS, "{message}");
    assert!(message.contains("\n  ... and 5 more\n"), "{message}");
  }

  #[test]
  fn a_module_linked_only_to_wasi_fails_for_other_reasons_as_the_linker_says() {
    // Every import resolves: the walk finds nothing, so the linker's own message is kept.
    let linker = linker();
    let module =
      Module::new(linker.engine(), r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))))"#)
        .unwrap();
    let error = link_error(&linker, &module, &wasmtime::Error::msg("something else"));
    assert_eq!(error.to_string(), "cannot instantiate the module: something else");
  }
}
