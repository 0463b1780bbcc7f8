//! Joining a store: an instance made in the store of another instance, so that the two link.
//!
//! wasmtime links only within one store. runtime:wasm's `instantiate` makes a store with the
//! modules linked by name up front; the standard JS API links instance by instance instead, as
//! the app's JS makes them: the second of two modules that import one `WebAssembly.Memory`, or a
//! module that imports another instance's exported memory, table, global or functions (emscripten's
//! side modules), is made after the first, in its store. [`op_wasm_instance_join`] does that: the
//! new module is instantiated into the store of the instance whose export it imports, with a
//! linker of its own (WASI, its JS host functions numbered after the store's, the store's own
//! memories, globals and functions it was given), and [`op_wasm_instance_joined`] registers it.
//! The new instance lives as long as the store: wasmtime frees instances with their store.

use std::sync::Arc;
use std::time::Duration;

use deno_core::{op2, v8, OpState};
use wasmtime::Module;

use crate::capabilities::WasmPermissions;
use crate::config::Purpose;
use crate::engine::{EngineKind, SharedEngines};
use crate::error::WasmError;
use crate::host::{HostBridge, HostTable};
use crate::hostcall::{park, take_finished, Finished, Parked};
use crate::instance::{InstanceEntry, InstanceTable};
use crate::link::{define_host, instantiate_one, HostImport, HostValue, StoreExtern};
use crate::module::ModuleTable;
use crate::recipe::{host_imports, reserve, Reservation};
use crate::stdio::Captured;
use crate::store::{arm, disarm, Mode, SharedStore};

/// An instance made in an existing store, before it is registered.
pub struct Joined {
  store: SharedStore,
  member: usize,
  module: Module,
  memory: Option<wasmtime::Memory>,
  instance: wasmtime::Instance,
  bridge: Arc<HostBridge>,
  captured: Captured,
  growths: Arc<std::sync::atomic::AtomicU64>,
  bounded: crate::bounded::BoundedExports,
  _reservation: Reservation,
}

/// `new WebAssembly.Instance(module, imports)` (and `WebAssembly.instantiate`) for a module that
/// imports what instance `anchor`'s store holds: parks its instantiation in that store, for the
/// JS side to drive as `op_wasm_instance_begin`'s (start functions may call JS); then
/// `op_wasm_instance_joined` registers it. `host_json` is `instantiate`'s list of host imports
/// (recipe.rs), where `"extern"` entries name memories, globals and functions of the store; its
/// entry `n` is the store's host import `offset + n` (the JS side keeps one table of host
/// functions per store). `blocking`: start functions run without yielding, as in a synchronous
/// call (`new WebAssembly.Instance`).
///
/// # Errors
/// 5009 without `[capabilities.wasm] execute`; 5004 for an unknown module; 5005 for an unknown
/// instance; 5001 past `max_instances`, for a value of another store, or while the store is busy
/// with a call (an instance cannot join the store it is made from inside of).
#[op2(fast)]
pub fn op_wasm_instance_join(
  state: &mut OpState,
  anchor: f64,
  module_id: f64,
  #[string] host_json: &str,
  offset: u32,
  blocking: bool,
) -> Result<f64, WasmError> {
  let _grant = state.borrow::<Arc<WasmPermissions>>().check_execute(Purpose::Instance.api())?;
  let module_entry = state.borrow::<ModuleTable>().lookup(module_id)?;
  let mut host = host_imports(host_json)?;
  let instances = state.borrow::<InstanceTable>();
  let anchor_entry = instances.lookup(anchor)?;
  let store = anchor_entry.store.clone();
  let captured = anchor_entry.captured.clone();
  for import in &mut host {
    if let HostValue::Extern(named) = &import.value {
      import.value = HostValue::Extern(resolve(instances, &store, named, import)?);
    }
  }
  let reservation = reserve(state, 1)?;
  let mut kiln = store.clone().try_lock_owned().map_err(|_| {
    WasmError::instantiate(
      "cannot instantiate the module: it imports from an instance whose store is busy with a call (was \
       this instance made inside one of that instance's imports?); instantiate it after the call returns",
    )
  })?;
  let bridge = kiln.store.data().host.clone().unwrap_or_default();
  kiln.store.data_mut().host = Some(bridge.clone());
  let engines = state.borrow::<SharedEngines>().0.clone();
  let timeout = kiln.config.timeout_ms.map(Duration::from_millis);
  let parked_bridge = bridge.clone();
  let shared = store.clone();
  let future = async move {
    let kiln = &mut *kiln;
    let made = async {
      let kind = EngineKind::of(&kiln.config);
      let module = module_entry.prepared(kind, &engines).await?.module.clone();
      let mut linker = engines.kit(kind)?.linker.clone();
      define_host(&mut linker, &mut kiln.store, &[("the module", &module)], &host, offset)?;
      arm(&mut kiln.store, &kiln.config, if blocking { Mode::Sync } else { Mode::Async })?;
      let provided: Vec<&str> = host.iter().map(|h| h.module.as_str()).collect();
      let initialize = kiln.config.initializes();
      let instance = instantiate_one(&engines, kiln, &linker, &module, "the module", &provided, initialize).await;
      disarm(&mut kiln.store);
      let instance = instance?;
      let member = kiln.add(module.clone(), instance);
      let bounded = module_entry.bounded().clone();
      kiln.members[member].bounded = bounded.clone();
      let memory = kiln.members[member].memory;
      let growths = kiln.store.data().limits.growths();
      Ok(Joined {
        store: shared,
        member,
        module,
        memory,
        instance,
        bridge,
        captured,
        growths,
        bounded,
        _reservation: reservation,
      })
    };
    Finished::Joined(Box::new(made.await))
  };
  let mut parked = Parked::new(future, parked_bridge, timeout);
  parked.store = crate::handles::parse_id(anchor).map(|id| (id, store));
  park(state, parked)
}

/// Registers an instance `op_wasm_instance_join` made, once the JS side has run its
/// instantiation to the end; returns its id.
///
/// # Errors
/// 5001 if the instantiation has not ended, or as it failed.
#[op2(nofast)]
pub fn op_wasm_instance_joined(
  scope: &mut v8::PinScope<'_, '_>,
  state: &mut OpState,
  token: f64,
) -> Result<f64, WasmError> {
  // A start function that grew the store's memory detaches the `WebAssembly` global's buffers of
  // it before JS goes on (memory_view.rs).
  crate::memory_view::detach_grown(scope, state);
  let not_yet = || WasmError::instantiate("the instantiation has not finished; run it to the end first");
  let joined = take_finished(state, token, not_yet, |finished| match finished {
    Finished::Joined(joined) => Ok(*joined),
    other => Err(other),
  })??;
  let Joined { store, member, module, memory, instance, bridge, captured, growths, bounded, _reservation } = joined;
  let entry = InstanceEntry {
    store,
    member,
    module,
    linked: Vec::new(),
    host: Some(Arc::new(HostTable { bridge })),
    captured,
    memory,
    instance,
    growths,
    bounded,
    kept_top: std::cell::OnceCell::new(),
  };
  let table = state.borrow_mut::<InstanceTable>();
  let id =
    table.0.insert(entry).ok_or_else(|| WasmError::instantiate("instance ids are exhausted; restart the app"))?;
  Ok(id as f64)
}

/// What a `Named` extern of `import` is in `store`, once its instance is known to live there.
fn resolve(
  instances: &InstanceTable,
  store: &SharedStore,
  named: &StoreExtern,
  import: &HostImport,
) -> Result<StoreExtern, WasmError> {
  let StoreExtern::Named { instance, kind, key } = named else { return Ok(named.clone()) };
  let what = format!("imports[\"{}\"][\"{}\"]", import.module, import.name);
  let entry = instances.lookup(*instance)?;
  if !Arc::ptr_eq(&entry.store, store) {
    return Err(WasmError::instantiate(format!(
      "cannot instantiate the module: {what} belongs to an instance in another store than the module's \
       other imports, and wasmtime links instances only within one store; import memories, globals and \
       functions of one group of linked instances only"
    )));
  }
  let bad = || WasmError::config(format!("{what}: invalid extern {kind} {key}"));
  let index = || key.as_u64().and_then(|k| u32::try_from(k).ok()).ok_or_else(bad);
  Ok(match (kind.as_str(), key) {
    ("memory", _) => match index()? {
      0 => StoreExtern::Memory(entry.memory.ok_or_else(|| {
        WasmError::instantiate(format!("cannot instantiate the module: {what}: the instance exports no memory"))
      })?),
      n => StoreExtern::Adopted(n - 1),
    },
    ("global" | "table", serde_json::Value::String(name)) => StoreExtern::Export(entry.instance, name.clone()),
    ("global" | "table", _) => StoreExtern::Adopted(index()?),
    ("function", _) => StoreExtern::Function(entry.instance, index()?),
    ("tag", _) => StoreExtern::Tag(index()?),
    _ => return Err(bad()),
  })
}
