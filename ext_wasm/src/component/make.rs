//! `instantiate` for a component: the checks, the linker (WASI preview 2 under the grants, JS
//! host functions), the store, and the description of its exports the JS side builds
//! `instance.exports` from.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{op2, OpState};
use serde_json::json;
use wasmtime::component::types::ComponentItem;
use wasmtime::component::{Component, Func, Instance, Type, Val};
use wasmtime::Store;

use super::direct::Direct;
use super::grants::WasiInterface;
use super::types::{camel, describe, func_wit, pascal, Names};
use super::wire::Resources;
use super::CompiledComponent;
use crate::capabilities::{CallGrant, ExecuteGrant, WasmPermissions};
use crate::config::{InstanceConfig, Purpose};
use crate::engine::{EngineKind, Engines, SharedEngines};
use crate::error::WasmError;
use crate::handles::HandleTable;
use crate::host::{HostBridge, HostTable};
use crate::hostcall::{park, Finished, Parked};
use crate::limiter::KilnLimiter;
use crate::module::{Loaded, ModuleTable};
use crate::recipe::{PendingInstances, Reservation};
use crate::stdio::Captured;
use crate::store::{arm, disarm, new_store, Mode, StoreData};
use crate::store_lock::StoreLock;

/// A component instance's store.
pub struct ComponentStore {
  pub store: Store<StoreData>,
  pub config: InstanceConfig,
  /// The exported functions, by the index the JS side calls them by.
  pub funcs: Vec<ExportedFunc>,
  /// The resources JS holds, by handle.
  pub resources: Resources,
  pub params: Vec<Val>,
  pub results: Vec<Val>,
  /// The encoded results of the last call, kept (with its capacity) for the next: a synchronous
  /// call copies them into the caller's buffer, or leaves them here when they do not fit.
  pub out: Vec<u8>,
  /// Whether a synchronous call runs the guest on this thread's stack, with no fiber: the
  /// component imports no functions and no resources, so nothing it calls can be async (a
  /// store with async host functions refuses a call that is not `call_async`).
  pub inline: bool,
}

/// An exported function with its WIT types.
pub struct ExportedFunc {
  pub func: Func,
  pub params: Vec<Type>,
  pub results: Vec<Type>,
  /// Its name as `call` takes it: `safe-div`, `kiln:test/counters#[method]counter.get`.
  pub name: String,
}

pub type SharedComponent = Arc<StoreLock<ComponentStore>>;

/// An entry of the component instance table.
pub struct ComponentEntry {
  pub store: SharedComponent,
  pub host: Option<Arc<HostTable>>,
  pub captured: Captured,
  /// The exports as the JS side reads them (JSON).
  pub described: String,
  /// The shapes of each exported function's values, if it takes the direct path (direct.rs);
  /// outside the store's lock, since reading JS values may run JS that calls the instance.
  pub direct: Arc<Vec<Option<Direct>>>,
  /// Counts against `max_instances` while the instance lives.
  _reservation: Reservation,
}

/// The live component instances of a runtime (an `OpState` entry), with the answer of
/// `[capabilities.wasm] execute` for calls into them.
pub struct ComponentTable(pub HandleTable<ComponentEntry>, CallGrant);

impl ComponentTable {
  /// An empty table for a runtime with `permissions` (see [`CallGrant`]).
  pub fn new(permissions: &WasmPermissions) -> Self {
    Self(HandleTable::default(), CallGrant::of(permissions))
  }

  /// The instance behind a JS id, or 5005.
  pub fn lookup(&self, raw_id: f64) -> Result<&ComponentEntry, WasmError> {
    crate::handles::parse_id(raw_id)
      .and_then(|id| self.0.get(id))
      .ok_or_else(|| crate::instance::invalid_instance(raw_id))
  }

  /// The instance behind a JS id, for running guest code in it: only with the proof that the
  /// manifest grants `execute` (5009 naming the key if it does not, before the id is looked at).
  pub fn lookup_for_call(&self, raw_id: f64) -> Result<&ComponentEntry, WasmError> {
    let _grant: ExecuteGrant = self.1.check()?;
    self.lookup(raw_id)
  }
}

/// A component instance made, before it is registered.
pub struct ComponentMade {
  pub(crate) kiln: ComponentStore,
  captured: Captured,
  described: String,
  direct: Vec<Option<Direct>>,
  host: Option<Arc<HostTable>>,
  reservation: Reservation,
}

/// Everything an instantiation is made from, checked on the JS thread.
pub(crate) struct Plan {
  engines: Arc<Engines>,
  component: Arc<CompiledComponent>,
  config: InstanceConfig,
  wasi: crate::config::GuestWasi,
  /// The instance's captured stdout and stderr, and a process's pipes.
  pub(crate) captured: Captured,
  host: Vec<(String, String)>,
  /// The component imports wasi:http, and is granted it.
  http: bool,
  table_elements: u64,
  reservation: Reservation,
}

impl Plan {
  pub(crate) fn engines(&self) -> Arc<Engines> {
    self.engines.clone()
  }
}

/// The checks of `instantiate` (or `spawn`, for `purpose` Process): `execute`, the instance
/// budget, the options, the WASI grants.
pub(crate) fn plan(
  state: &OpState,
  module_id: f64,
  config_json: &str,
  host_json: &str,
  purpose: Purpose,
) -> Result<Plan, WasmError> {
  let permissions = state.borrow::<Arc<crate::capabilities::WasmPermissions>>();
  permissions.check_execute(purpose.api())?;
  let Loaded::Component(component) = state.borrow::<ModuleTable>().get(module_id)? else {
    return Err(WasmError::invalid_module(format!("module {module_id} is a core module, not a component")));
  };
  let pending = state.borrow::<PendingInstances>();
  let live = state.borrow::<crate::instance::InstanceTable>().0.len() + pending.count();
  let max = permissions.limits.max_instances;
  if live >= max {
    return Err(WasmError::instantiate(format!(
      "{live} instances are alive or being made, the most [capabilities.wasm] max_instances allows; drop \
       instances you no longer need, or raise max_instances in the manifest"
    )));
  }
  let config = InstanceConfig::from_json(config_json)?;
  config.check_interruptible(permissions.limits.timeout_ms, purpose)?;
  if config.initialize.is_some() {
    return Err(WasmError::config(
      "`initialize` is for a WASI reactor module's `_initialize`; a component has none: leave initialize out",
    ));
  }
  let config = config.with_app_defaults(&permissions.limits);
  let grants = permissions.wasi.narrowed(config.wasi.as_deref(), &permissions.origin)?;
  let engine = component.plain().engine();
  let imports = super::host::import_names(component.plain(), engine);
  grants.check_imports(imports.iter().map(String::as_str), &permissions.wasi, &permissions.origin)?;
  let network = grants.allows(WasiInterface::Sockets);
  let http = imports.iter().any(|name| WasiInterface::of_import(name) == Some(WasiInterface::Http));
  let cwd = config.preopen_base()?;
  let (wasi, captured) = config.wasi_with(permissions, &cwd, purpose, network)?;
  let host: Vec<(String, String)> = if host_json.is_empty() {
    Vec::new()
  } else {
    serde_json::from_str(host_json).map_err(|e| WasmError::config(format!("invalid instantiate imports: {e}")))?
  };
  Ok(Plan {
    engines: state.borrow::<SharedEngines>().0.clone(),
    component,
    config,
    wasi,
    captured,
    host,
    http,
    table_elements: permissions.limits.max_table_elements,
    reservation: pending.reserve(1),
  })
}

/// Makes the store and instantiates the component in it, with `bridge` as the mailbox of its JS
/// host functions.
pub(crate) async fn make(plan: Plan, bridge: Option<Arc<HostBridge>>) -> Result<ComponentMade, WasmError> {
  let Plan { engines, component, config, wasi, captured, host, http, table_elements, reservation } = plan;
  let kind = EngineKind::of(&config);
  let kit = engines.kit(kind)?;
  let hints = component.hints();
  let component = component.prepared(kind, &engines).await?;
  let mut linker = kit.component_linker()?.clone();
  if http {
    // Granted (the plan checked): wasi:http's outgoing requests, on the WASI streams and table.
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
      .map_err(|e| WasmError::instantiate(format!("cannot link wasi:http: {e}")))?;
  }
  let imported = super::host::imported_funcs(component, &kit.engine);
  for (index, (iface, name)) in host.iter().enumerate() {
    super::host::define(&mut linker, &imported, iface, name, index as u32)?;
  }
  let pre = linker.instantiate_pre(component).map_err(|e| link_error(component, &kit.engine, &e))?;
  let mut data = StoreData::new(wasi, KilnLimiter::new(config.max_memory_bytes, Some(table_elements)));
  data.host = bridge.clone();
  let mut store = new_store(&kit.engine, data);
  arm(&mut store, &config, Mode::Async)?;
  let instance = {
    let _running = engines.running();
    pre.instantiate_async(&mut store).await
  };
  disarm(&mut store);
  let instance = instance.map_err(|e| crate::instance::instantiate_failed(e, &config))?;
  let (funcs, described, direct) = exports(component, &instance, &mut store, hints);
  let kiln = ComponentStore {
    store,
    config,
    funcs,
    resources: Resources::default(),
    params: Vec::new(),
    results: Vec::new(),
    out: Vec::new(),
    inline: imports_nothing_to_run(component, &kit.engine),
  };
  let host = bridge.map(|bridge| Arc::new(HostTable { bridge }));
  Ok(ComponentMade { kiln, captured, described, direct, host, reservation })
}

/// Whether `component` imports only types (a record bounded by equality, say): then it has no
/// host function, WASI's included, that a call could reach.
fn imports_nothing_to_run(component: &Component, engine: &wasmtime::Engine) -> bool {
  component.component_type().imports(engine).all(|(_, item)| matches!(item.ty, ComponentItem::Type(_)))
}

/// Why the linker refused the component: wasmtime's reason, and what Kiln provides.
fn link_error(component: &Component, engine: &wasmtime::Engine, error: &wasmtime::Error) -> WasmError {
  let others: Vec<String> =
    super::host::import_names(component, engine).into_iter().filter(|n| !n.starts_with("wasi:")).collect();
  let hint = if others.is_empty() {
    "Kiln provides WASI preview 2 (0.2.x) to components".to_string()
  } else {
    format!(
      "Kiln provides WASI preview 2 (0.2.x); the component's other imports ({}) must be JS functions \
       in `imports`, keyed by interface name (e.g. `imports: {{ \"{}\": {{ ... }} }}`); see moduleImports(moduleId)",
      others.join(", "),
      others[0]
    )
  };
  WasmError::instantiate(format!("cannot instantiate the component: {}. {hint}", crate::error::error_chain(error)))
}

/// The exported functions (by index), the JSON the JS side builds `exports` and resource classes
/// from (`{ funcs: [...], resources: [{ key, name, iface, cls }] }`), and each function's shapes
/// for the direct path.
fn exports(
  component: &Component,
  instance: &Instance,
  store: &mut Store<StoreData>,
  hints: Arc<Vec<super::types::Hint>>,
) -> (Vec<ExportedFunc>, String, Vec<Option<Direct>>) {
  let engine = component.engine().clone();
  let mut names = Names::of(component, &engine, hints);
  // Resource types first, so functions name them by their keys.
  let mut resources = Vec::new();
  let mut found: Vec<(Option<String>, String, Func)> = Vec::new();
  for (name, item) in component.component_type().exports(&engine) {
    match item.ty {
      ComponentItem::ComponentFunc(_) => {
        if let Some(func) = instance.get_func(&mut *store, name) {
          found.push((None, name.to_string(), func));
        }
      }
      ComponentItem::Resource(_) => {
        if let Some(ty) = instance.get_resource(&mut *store, name) {
          names.add_resource(ty, name.to_string());
          resources.push(json!({ "key": name, "name": name, "iface": null, "cls": pascal(name) }));
        }
      }
      ComponentItem::ComponentInstance(inner) => {
        let Some(index) = instance.get_export_index(&mut *store, None, name) else { continue };
        for (item_name, item) in inner.exports(&engine) {
          let Some(item_index) = instance.get_export_index(&mut *store, Some(&index), item_name) else { continue };
          match item.ty {
            ComponentItem::ComponentFunc(_) => {
              if let Some(func) = instance.get_func(&mut *store, item_index) {
                found.push((Some(name.to_string()), item_name.to_string(), func));
              }
            }
            ComponentItem::Resource(_) => {
              if let Some(ty) = instance.get_resource(&mut *store, item_index) {
                let key = format!("{name}#{item_name}");
                names.add_resource(ty, key.clone());
                resources.push(json!({ "key": key, "name": item_name, "iface": name, "cls": pascal(item_name) }));
              }
            }
            _ => {}
          }
        }
      }
      _ => {}
    }
  }
  let mut funcs = Vec::new();
  let mut described = Vec::new();
  let mut shapes = Vec::new();
  for (iface, local, func) in found {
    let ty = func.ty(&*store);
    let params: Vec<Type> = ty.params().map(|(_, t)| t).collect();
    let results: Vec<Type> = ty.results().collect();
    let full = match &iface {
      Some(iface) => format!("{iface}#{local}"),
      None => local.clone(),
    };
    let (kind, resource, member) = parse_name(&local);
    let resource_key = resource.map(|r| match &iface {
      Some(iface) => format!("{iface}#{r}"),
      None => r.to_string(),
    });
    let numbers = params.len() <= 3 && results.len() <= 1 && params.iter().chain(&results).all(is_number);
    let direct = Direct::of(&params, &results);
    described.push(json!({
      "i": funcs.len(),
      "name": full,
      "iface": iface,
      "local": local,
      "js": camel(member),
      "kind": kind,
      "res": resource_key,
      "params": ty.params().map(|(n, t)| json!([n, describe(&t, &mut names)])).collect::<Vec<_>>(),
      "results": results.iter().map(|t| describe(t, &mut names)).collect::<Vec<_>>(),
      "wit": func_wit(&ty, &mut names),
      "numbers": numbers,
      "direct": direct.is_some(),
    }));
    shapes.push(direct);
    funcs.push(ExportedFunc { func, params, results, name: full });
  }
  let described = json!({ "funcs": described, "resources": resources }).to_string();
  (funcs, described, shapes)
}

/// A plain number both ways: what the numbers path passes as an f64.
fn is_number(ty: &Type) -> bool {
  matches!(ty, Type::S8 | Type::U8 | Type::S16 | Type::U16 | Type::S32 | Type::U32 | Type::Float32 | Type::Float64)
}

/// The kind of an exported function by its name: `[constructor]r`, `[method]r.m`, `[static]r.s`,
/// or a plain function; with the resource and the member name.
fn parse_name(local: &str) -> (&'static str, Option<&str>, &str) {
  if let Some(resource) = local.strip_prefix("[constructor]") {
    return ("constructor", Some(resource), resource);
  }
  for (prefix, kind) in [("[method]", "method"), ("[static]", "static")] {
    if let Some((resource, member)) = local.strip_prefix(prefix).and_then(|rest| rest.split_once('.')) {
      return (kind, Some(resource), member);
    }
  }
  ("func", None, local)
}

/// Puts a made instance in the table; returns its id.
fn register(state: &mut OpState, made: ComponentMade) -> Result<f64, WasmError> {
  let ComponentMade { kiln, captured, described, direct, host, reservation } = made;
  let entry = ComponentEntry {
    store: Arc::new(StoreLock::new(kiln)),
    host,
    captured,
    described,
    direct: Arc::new(direct),
    _reservation: reservation,
  };
  let id = state
    .borrow_mut::<ComponentTable>()
    .0
    .insert(entry)
    .ok_or_else(|| WasmError::instantiate("instance ids are exhausted; restart the app"))?;
  Ok(id as f64)
}

/// `instantiate(componentId, config?)` with no JS host functions.
#[op2]
pub async fn op_wasm_component_instantiate(
  state: Rc<RefCell<OpState>>,
  module_id: f64,
  #[string] config_json: String,
) -> Result<f64, WasmError> {
  let plan = plan(&state.borrow(), module_id, &config_json, "", Purpose::Instance)?;
  let made = make(plan, None).await?;
  register(&mut state.borrow_mut(), made)
}

/// `instantiate` with JS host functions (`host_json`: `[[iface, name], ...]`, each numbered by its
/// place): parked for the JS side to drive, as a module's is (hostcall.rs), since a start function
/// may call them; `op_wasm_component_end` registers it.
#[op2(fast)]
pub fn op_wasm_component_begin(
  state: &mut OpState,
  module_id: f64,
  #[string] config_json: &str,
  #[string] host_json: &str,
) -> Result<f64, WasmError> {
  let plan = plan(state, module_id, config_json, host_json, Purpose::Instance)?;
  let timeout = plan.config.timeout_ms.map(std::time::Duration::from_millis);
  let bridge = Arc::new(HostBridge::default());
  let future = {
    let bridge = bridge.clone();
    async move { Finished::Component(Box::new(make(plan, Some(bridge)).await)) }
  };
  park(state, Parked::new(future, bridge, timeout))
}

/// Registers an instantiation `op_wasm_component_begin` parked, once driven to its end.
#[op2(fast)]
pub fn op_wasm_component_end(state: &mut OpState, token: f64) -> Result<f64, WasmError> {
  let made = crate::hostcall::take_component(state, token)?;
  register(state, made)
}
