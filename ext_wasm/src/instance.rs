//! Instances: `instantiate`, `getExports`, `drop`. An instance lives in a store (store.rs) with
//! the modules linked into it; the instance table (instance_table.rs) maps each id to its store and
//! member index.

use std::cell::{OnceCell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{op2, v8, OpState};
use wasmtime::{ExternType, Instance, Module, Trap};
use wasmtime_wasi::I32Exit;

use crate::call_first::poll_first_shared;
use crate::config::{InstanceConfig, Purpose};
use crate::engine::{EngineKind, Engines};
use crate::error::{classify, error_chain, DeadlineExceeded, ErrorCode, WasmError};
use crate::handles::parse_id;
use crate::host::{HostBridge, HostTable};
use crate::hostcall::{park, take_instance, Finished, Parked};
use crate::limiter::KilnLimiter;
use crate::link::{import_modules, instantiate_linked, link_order};
use crate::module::CompiledModule;
use crate::recipe::{check, Plan, Recipe, Request, Reservation};
use crate::signature::{describe_extern, exports_of, ExportInfo};
use crate::stdio::Captured;
use crate::store::{arm, disarm, new_store, KilnStore, Mode, SharedStore, StoreData};

pub use crate::instance_table::{invalid_instance, InstanceEntry, InstanceTable};

/// A store made by `instantiate` (or a process or pool thread), before it is registered.
pub struct Made {
  pub kiln: KilnStore,
  /// The member index of the instance of the module asked for.
  pub entry: usize,
  /// The members of the modules linked by name, by import name.
  pub members: Vec<(String, usize)>,
  pub module: Module,
  host: Option<Arc<HostTable>>,
  pub captured: Captured,
  _reservation: Option<Reservation>,
}

/// `instantiate(moduleId, config?)`: needs `[capabilities.wasm] execute`. `imports_json` lists
/// the modules to link by import name (see `linked_modules`). A store with JS host functions is
/// made with `op_wasm_instance_begin` instead. `refs_key` is the `WebAssembly` global's only: the
/// key of the JS array that keeps the JS values the store holds as `externref`s (js_ref.rs); 0 for
/// runtime:wasm's stores, which pass numbers only.
///
/// Polls the instantiation once (call_first.rs): the instance id if it ended, `null` if the JS
/// side is to await `op_wasm_call_unfinished` for the id (the module is still being compiled for
/// its engine, or a start function runs past its first slice of guest time). With an async op,
/// an instantiate and drop of a small module took 11,000 more instructions (85,000), counted by
/// callgrind.
///
/// # Errors
/// As `instantiate` documents: 5009, 5004, 5010, 5001 and 5011, on the first poll or from
/// `op_wasm_call_unfinished`.
#[op2]
pub fn op_wasm_instance_create(
  state: Rc<RefCell<OpState>>,
  module_id: f64,
  #[string] config_json: &str,
  #[string] imports_json: &str,
  refs_key: f64,
) -> Result<Option<f64>, WasmError> {
  let (plan, reservation) = plan(&state.borrow(), module_id, config_json, imports_json, "", refs_key)?;
  let shared = state.clone();
  poll_first_shared(&state, async move {
    let mut made = make_store(plan, None).await?;
    made._reservation = Some(reservation);
    register(&mut shared.borrow_mut(), made)
  })
}

/// `new WebAssembly.Instance(module, imports)` without JS host functions (webassembly.rs): as
/// [`op_wasm_instance_create`], but on this thread, blocking it until start functions end; their
/// deadline is the store's (`timeoutMs`), enforced by the epoch callback.
#[op2(fast)]
pub fn op_wasm_instance_create_sync(
  state: &mut OpState,
  module_id: f64,
  #[string] config_json: &str,
  #[string] imports_json: &str,
  refs_key: f64,
) -> Result<f64, WasmError> {
  let (mut plan, reservation) = plan(state, module_id, config_json, imports_json, "", refs_key)?;
  plan.blocking = true;
  let made = crate::call_sync::block_here(make_store(plan, None), None)
    .unwrap_or_else(|| Err(WasmError::instantiate("the instantiation did not end")));
  let mut made = made?;
  made._reservation = Some(reservation);
  register(state, made)
}

/// `instantiate` with JS host functions (`host_json`, see `host_imports`): parks the
/// instantiation, whose start functions may call them, for the JS side to drive
/// (hostcall.rs); `op_wasm_instance_end` then registers the instance.
#[op2(fast)]
pub fn op_wasm_instance_begin(
  state: &mut OpState,
  module_id: f64,
  #[string] config_json: &str,
  #[string] imports_json: &str,
  #[string] host_json: &str,
  refs_key: f64,
) -> Result<f64, WasmError> {
  let (plan, reservation) = plan(state, module_id, config_json, imports_json, host_json, refs_key)?;
  let bridge = Arc::new(HostBridge::default());
  let timeout = plan.recipe.config.timeout_ms.map(std::time::Duration::from_millis);
  let future = {
    let bridge = bridge.clone();
    async move {
      let made = make_store(plan, Some(bridge)).await.map(|mut made| {
        made._reservation = Some(reservation);
        made
      });
      Finished::Instance(Box::new(made))
    }
  };
  park(state, Parked::new(future, bridge, timeout))
}

/// Registers an instantiation `op_wasm_instance_begin` parked, once the JS side has run it to
/// the end; returns the instance id.
#[op2(fast)]
pub fn op_wasm_instance_end(state: &mut OpState, token: f64) -> Result<f64, WasmError> {
  let made = take_instance(state, token)?;
  register(state, made)
}

/// The checks of `instantiate` and the plan of its store.
fn plan(
  state: &OpState,
  module_id: f64,
  config_json: &str,
  imports_json: &str,
  host_json: &str,
  refs_key: f64,
) -> Result<(Plan, Reservation), WasmError> {
  let request = Request { module_id, config_json, imports_json, host_json, purpose: Purpose::Instance, stores: 1 };
  let refs = crate::js_ref::RefQueues::store(state, refs_key)?;
  let (mut recipe, reservation) = check(state, &request)?;
  if refs.is_some() && !recipe.module.has_start() {
    recipe.config.for_js_api();
  }
  let mut plan = recipe.into_plan()?;
  plan.refs = refs;
  Ok((plan, reservation))
}

/// Makes a store: compiles what the engine needs, links, instantiates (start functions and
/// reactor initializers run here), with `bridge` as the mailbox of its JS host functions.
pub(crate) async fn make_store(plan: Plan, bridge: Option<Arc<HostBridge>>) -> Result<Made, WasmError> {
  let Plan { recipe, wasi, captured, blocking, refs } = plan;
  let table_elements = recipe.table_elements();
  let memory_cap_name = recipe.memory_cap_name;
  let Recipe { engines, module: module_entry, imports, host, config, natives, .. } = recipe;

  let kind = EngineKind::of(&config);
  let kit = engines.kit(kind)?;
  let prepared = module_entry.prepared(kind, &engines).await?;
  let module = prepared.module.clone();
  let order = link_order(&module, &compile_linked(&module, &imports, kind, &engines).await?)?;

  // `maxMemoryBytes` bounds all the store's memories together: the linked instances' too.
  let limits = KilnLimiter::new(config.max_memory_bytes, Some(table_elements));
  let mut data = StoreData::new(wasi, limits);
  data.host = bridge.clone();
  data.refs = refs;
  let mut kiln = KilnStore::new(new_store(&kit.engine, data), config);
  // Start functions and reactor initializers run under the instance's limits, like calls.
  arm(&mut kiln.store, &kiln.config, if blocking { Mode::Sync } else { Mode::Async })?;
  let made = if order.is_empty() && host.is_empty() && natives.is_empty() {
    instantiate_plain(&engines, &mut kiln, prepared, module_entry.has_start()).await.map(|entry| (entry, Vec::new()))
  } else {
    instantiate_linked(&engines, &mut kiln, &kit.linker, order, &module, &host, &natives)
      .await
      .map(|l| (l.entry, l.members))
  };
  disarm(&mut kiln.store);
  let made = made.map_err(|e| match kiln.store.data().limits.refused_new_memory() {
    // wasmtime only says the memory's minimum exceeds the limits; say which limit and why.
    Some((total, cap)) if e.code() == ErrorCode::InstantiateError => WasmError::instantiate(format!(
      "cannot instantiate the module: its memories need {total} bytes when created, with those of the \
       instances in the same store, over the cap of {cap} bytes ({memory_cap_name}), which counts all \
       the store's memories together; raise the cap"
    )),
    _ => e,
  });
  let (entry, members) = made?;
  kiln.members[entry].bounded = module_entry.bounded().clone();
  for (name, member) in &members {
    if let Some(linked) = imports.get(name) {
      kiln.members[*member].bounded = linked.bounded().clone();
    }
  }
  let host = bridge.map(|bridge| Arc::new(HostTable { bridge }));
  Ok(Made { kiln, entry, members, module, host, captured, _reservation: None })
}

/// Puts a made store's instances in the instance table; returns the id of `instantiate`'s.
fn register(state: &mut OpState, made: Made) -> Result<f64, WasmError> {
  let Made { kiln, entry, members, module, host, captured, _reservation } = made;
  let (memory, instance) = (kiln.members[entry].memory, kiln.members[entry].instance);
  let bounded = kiln.members[entry].bounded.clone();
  let growths = kiln.store.data().limits.growths();
  let shared: SharedStore = Arc::new(crate::store_lock::StoreLock::new(kiln));
  let table = state.borrow_mut::<InstanceTable>();
  let exhausted = || WasmError::instantiate("instance ids are exhausted; restart the app");
  let mut linked = Vec::new();
  for (name, member) in members {
    let (module, memory, instance, member_bounded) = shared
      .try_lock()
      .map(|k| {
        let m = &k.members[member];
        (m.module.clone(), m.memory, m.instance, m.bounded.clone())
      })
      .map_err(|_| exhausted())?;
    let entry = InstanceEntry {
      store: shared.clone(),
      member,
      module,
      linked: Vec::new(),
      host: host.clone(),
      captured: captured.clone(),
      memory,
      instance,
      growths: growths.clone(),
      bounded: member_bounded,
      kept_top: OnceCell::new(),
    };
    linked.push((name, table.0.insert(entry).ok_or_else(exhausted)?));
  }
  let entry = InstanceEntry {
    store: shared,
    member: entry,
    module,
    linked,
    host,
    captured,
    memory,
    instance,
    growths,
    bounded,
    kept_top: OnceCell::new(),
  };
  let id = table.0.insert(entry).ok_or_else(exhausted)?;
  Ok(id as f64)
}

/// The modules of `imports` that `entry` reaches by import names, compiled for the engine of
/// `kind` (off the JS thread, like any compile), by import name.
async fn compile_linked(
  entry: &Module,
  imports: &BTreeMap<String, Arc<CompiledModule>>,
  kind: EngineKind,
  engines: &Arc<Engines>,
) -> Result<std::collections::HashMap<String, Module>, WasmError> {
  let mut modules = std::collections::HashMap::new();
  let mut queue: Vec<String> = import_modules(entry).filter(|name| imports.contains_key(name)).collect();
  while let Some(name) = queue.pop() {
    if modules.contains_key(&name) {
      continue;
    }
    let module = imports[&name].prepared(kind, engines).await?.module.clone();
    queue.extend(import_modules(&module).filter(|next| imports.contains_key(next) && !modules.contains_key(next)));
    modules.insert(name, module);
  }
  Ok(modules)
}

/// The common case, a module linked to WASI alone: its imports were resolved once for every
/// instance (`Prepared::pre`), and a module with no imports and no start function is
/// instantiated without a fiber, since no code of the guest's own runs. wasmtime may still run
/// a compiled startup function there (for passive element segments, tables, data segments at
/// computed offsets, complicated globals), which has an epoch check on entry: that instantiation
/// is armed as a synchronous call, so that a deadline passed by then lets it go on instead of
/// asking it to yield, which it cannot without a fiber (found by tests/fuzz.rs's differential
/// run: "cannot use `UpdateDeadline::YieldCustom` without using an async wasm entrypoint", now
/// and then).
async fn instantiate_plain(
  engines: &Engines,
  kiln: &mut KilnStore,
  prepared: &crate::module::Prepared,
  has_start: bool,
) -> Result<usize, WasmError> {
  let module = prepared.module.clone();
  let reactor = reactor_initializer(&module)? && kiln.config.initializes();
  let kit = engines.kit(EngineKind::of(&kiln.config))?;
  let pre = prepared.pre(&kit.linker)?;
  let instance = if prepared.self_contained && !has_start {
    let was = std::mem::replace(&mut kiln.store.data_mut().sync, true);
    let instance = pre.instantiate(&mut kiln.store);
    kiln.store.data_mut().sync = was;
    instance
  } else {
    let _running = engines.running();
    pre.instantiate_async(&mut kiln.store).await
  };
  let instance =
    crate::exception::caught(&mut kiln.store, instance).map_err(|e| instantiate_failed(e, &kiln.config))?;
  if reactor {
    run_initialize(engines, kiln, &instance).await?;
  }
  Ok(kiln.add(module, instance))
}

/// The error of a failed instantiation: from running the start function (a trap, an exit, a
/// deadline), or about the module itself (a shared memory this engine refuses, ...).
pub(crate) fn instantiate_failed(error: wasmtime::Error, config: &InstanceConfig) -> WasmError {
  // A WasmError here is a host function's failure inside the start function (host.rs).
  let ran = error.downcast_ref::<Trap>().is_some()
    || error.downcast_ref::<I32Exit>().is_some()
    || error.downcast_ref::<DeadlineExceeded>().is_some()
    || error.downcast_ref::<crate::exception::Uncaught>().is_some()
    || error.downcast_ref::<WasmError>().is_some_and(|e| e.code() == ErrorCode::CallError);
  if !ran {
    return WasmError::instantiate(format!("cannot instantiate the module: {}", error_chain(&error)));
  }
  setup_failed(error, Setup::Start, config)
}

/// The guest code `instantiate` runs, which can fail it.
#[derive(Clone, Copy)]
enum Setup {
  Start,
  Initialize,
}

impl Setup {
  /// As messages name it.
  fn what(self) -> &'static str {
    match self {
      Setup::Start => "the start function",
      Setup::Initialize => "the WASI reactor initializer `_initialize`",
    }
  }

  /// As the error's `stage` names it.
  fn stage(self) -> &'static str {
    match self {
      Setup::Start => "start",
      Setup::Initialize => "initialize",
    }
  }
}

/// `app.linked`: the instances of the modules linked into an instance's store, by import name.
#[op2]
#[serde]
pub fn op_wasm_instance_linked(state: &mut OpState, instance_id: f64) -> Result<Vec<(String, f64)>, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  Ok(entry.linked.iter().map(|(name, id)| (name.clone(), *id as f64)).collect())
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
pub(crate) fn reactor_initializer(module: &Module) -> Result<bool, WasmError> {
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
pub(crate) async fn run_initialize(
  engines: &Engines,
  kiln: &mut KilnStore,
  instance: &Instance,
) -> Result<(), WasmError> {
  let what = Setup::Initialize.what();
  let func = instance.get_func(&mut kiln.store, INITIALIZE).ok_or_else(|| {
    WasmError::instantiate(format!("cannot instantiate the module: {what} is not a function of the instance"))
  })?;
  // The store is armed by `instantiate`; the initializer is called like any call, and a WASI
  // proc_exit(0) ends it successfully, as it ends a command.
  let outcome = {
    let _running = engines.running();
    func.call_async(&mut kiln.store, &[], &mut []).await
  };
  match crate::exception::caught(&mut kiln.store, outcome) {
    Ok(()) => Ok(()),
    Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|exit| exit.0 == 0) => Ok(()),
    Err(e) => Err(setup_failed(e, Setup::Initialize, &kiln.config)),
  }
}

/// The error `instantiate` fails with when guest code it ran (`setup`: the start function, or a
/// reactor's `_initialize`) failed; its `stage` says which. Running out of fuel or time stays 5011, as in a call;
/// a trap or a WASI exit is 5001, because no instance is returned to call again.
fn setup_failed(error: wasmtime::Error, setup: Setup, config: &InstanceConfig) -> WasmError {
  let what = setup.what();
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
    ))
    .at_stage(setup.stage());
  }
  setup_error(classify(error, what, config.call_limits()), setup)
}

/// A classified error of guest code `instantiate` ran: 5002 and exits become 5001 (no instance
/// is returned to call again), deadlines and fuel stay 5011.
fn setup_error(classified: WasmError, setup: Setup) -> WasmError {
  let what = setup.what();
  if let Some(status) = classified.exit_code() {
    return WasmError::instantiate(format!(
      "cannot instantiate the module: {what} exited (WASI proc_exit) with status {status}; pass \
       inheritStderr: true to see what the guest printed"
    ));
  }
  match classified.code() {
    ErrorCode::CallError => WasmError::instantiate(format!(
      "cannot instantiate the module: {classified}; this is a bug in the module or something its \
       config lacks (env, args, preopens): pass inheritStderr: true to see what the guest printed"
    ))
    .at_stage(setup.stage())
    .with_exception_of(&classified),
    _ => classified,
  }
}

/// `instance.getExports()`.
#[op2]
#[serde]
pub fn op_wasm_instance_exports(state: &mut OpState, instance_id: f64) -> Result<Vec<ExportInfo>, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  Ok(exports_of(&entry.module))
}

/// `instance.drop()`. A call still running on the instance finishes first; its store is freed
/// when the last such call returns, and when no `memory.buffer` is still borrowed by an op
/// (memory_view.rs): the buffers handed out are detached here.
#[op2(fast)]
pub fn op_wasm_instance_drop(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  instance_id: f64,
) -> Result<(), WasmError> {
  if !parse_id(instance_id).is_some_and(|id| drop_instance(scope, state, id)) {
    return Err(invalid_instance(instance_id));
  }
  // And those the app forgot (reclaim.rs): the queue stays as short as what was freed since.
  crate::reclaim::reclaim(scope, state);
  Ok(())
}

/// Drops instance `id`'s store, if it is still there, detaching the memory buffers handed out for
/// it first; whether it was. What `drop()` does, and what reclaim.rs does for a forgotten one.
pub(crate) fn drop_instance(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState, id: u64) -> bool {
  if state.borrow::<InstanceTable>().0.get(id).is_none() {
    return false;
  }
  crate::memory_view::detach_all(scope, state, id);
  state.borrow_mut::<InstanceTable>().0.remove(id);
  true
}

/// Runs the JS engine's garbage collector in full, cycles included, for an instantiation refused
/// over `[capabilities.wasm] max_instances` (ts/wasm_values.ts, `reserving`), and drops the stores
/// of the instances it freed (reclaim.rs): an instance the app forgot whose host functions refer
/// back to it (`let instance; const imports = { env: { f: () => instance... } }`, and emscripten's
/// glue, always) is a cycle, which reference counting never frees, and which a collector that runs
/// by allocation may not reach before the app runs out of instances. Returns whether they are
/// dropped by now; if not (an engine that does not report what it frees), their
/// FinalizationRegistry callbacks drop them, as jobs afterwards.
#[op2(fast)]
pub fn op_wasm_collect_garbage(scope: &mut v8::PinScope<'_, '_>, state: &mut OpState) -> bool {
  scope.low_memory_notification();
  crate::reclaim::reclaim(scope, state)
}

/// `instance.takeStdout()` (`stream` 1) and `takeStderr()` (2): what the guest wrote to a
/// captured stream since the last take. Works during a call too: the streams are not the store's.
#[op2]
#[buffer]
pub fn op_wasm_instance_take_output(state: &mut OpState, instance_id: f64, stream: u32) -> Result<Vec<u8>, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  take_output(&entry.captured, stream)
}

/// What the guest wrote to captured stream `stream` (1 stdout, 2 stderr) since the last take.
pub(crate) fn take_output(captured: &Captured, stream: u32) -> Result<Vec<u8>, WasmError> {
  let (capture, name, option) = match stream {
    1 => (&captured.stdout, "takeStdout", "stdout"),
    _ => (&captured.stderr, "takeStderr", "stderr"),
  };
  let capture = capture.as_ref().ok_or_else(|| {
    WasmError::config(format!(
      "{name}: the instance's {option} is not captured; instantiate it with `{option}: \"capture\"`"
    ))
  })?;
  Ok(capture.take())
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::config::GuestWasi;
  use crate::engine::EngineOptions;
  use crate::module::Prepared;
  use crate::store::YIELD_TICKS;

  /// wasmtime initializes a passive element segment (and data segments at computed offsets,
  /// complicated globals, tables) in a compiled startup function, which checks the epoch on
  /// entry. A module with no imports and no start function is instantiated without a fiber; if
  /// its deadline has passed by then (the thread was descheduled for `YIELD_TICKS` ms), the
  /// epoch callback must let it go on, as for a synchronous call: asked to yield, wasmtime fails
  /// the instantiation ("cannot use `UpdateDeadline::YieldCustom` without using an async wasm
  /// entrypoint").
  #[test]
  fn an_instantiation_without_a_fiber_goes_on_past_its_deadline() {
    let engines = Arc::new(Engines::new(EngineOptions::default()).unwrap());
    let kit = engines.kit(EngineKind::Plain).unwrap();
    let wat = r#"(module (func $f) (elem funcref (ref.func $f)) (func (export "f")))"#;
    let prepared = Prepared::new(Module::new(&kit.engine, wat).unwrap());
    assert!(prepared.self_contained);
    let data = StoreData::new(GuestWasi::default(), KilnLimiter::new(None, None));
    let mut kiln = KilnStore::new(new_store(&kit.engine, data), InstanceConfig::default());
    arm(&mut kiln.store, &kiln.config, Mode::Async).unwrap();
    for _ in 0..=YIELD_TICKS {
      kit.engine.increment_epoch();
    }
    let made = crate::call_sync::block_here(instantiate_plain(&engines, &mut kiln, &prepared, false), None)
      .expect("an instantiation without a fiber ends on its first poll");
    disarm(&mut kiln.store);
    assert!(made.is_ok(), "{:?}", made.err().map(|e| e.to_string()));
    assert!(!kiln.store.data().sync, "the store is armed as it was before");
  }
}
