//! What `instantiate`, `spawn` and `createPool` check on the JS thread before any store is made:
//! the capability, the module ids, the options, the instance budget. The result is a [`Recipe`],
//! which holds no JS-thread state, so a process or pool thread can make its own stores from it (a
//! pool makes a new member from it when one traps); [`Recipe::plan`] adds the WASI context.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use deno_core::OpState;

use crate::capabilities::WasmPermissions;
use crate::config::{InstanceConfig, Purpose};
use crate::engine::{Engines, SharedEngines};
use crate::error::WasmError;
use crate::instance::InstanceTable;
use crate::link::{HostImport, HostValue};
use crate::module::{CompiledModule, ModuleTable};
use crate::stdio::Captured;

/// Instances being made, and those of processes and pools (an `OpState` entry). They count
/// against `max_instances` with the instance table, so that many `instantiate` calls awaited
/// together cannot pass the limit, nor can processes and pool members.
#[derive(Default)]
pub struct PendingInstances(Arc<AtomicUsize>);

/// Reserved slots; released when dropped (an instantiation ended, a process ended, a pool was
/// dropped), however that happens. It may move to the thread that owns what it counts.
pub struct Reservation(Arc<AtomicUsize>, usize);

impl PendingInstances {
  pub(crate) fn reserve(&self, count: usize) -> Reservation {
    self.0.fetch_add(count, Ordering::Relaxed);
    Reservation(self.0.clone(), count)
  }

  pub(crate) fn count(&self) -> usize {
    self.0.load(Ordering::Relaxed)
  }
}

impl Drop for Reservation {
  fn drop(&mut self) {
    self.0.fetch_sub(self.1, Ordering::Relaxed);
  }
}

/// Everything a store is made from, checked.
#[derive(Clone)]
pub struct Recipe {
  pub engines: Arc<Engines>,
  pub module: Arc<CompiledModule>,
  pub imports: BTreeMap<String, Arc<CompiledModule>>,
  pub host: Vec<HostImport>,
  /// The options, with the app's defaults filled in.
  pub config: InstanceConfig,
  pub permissions: Arc<WasmPermissions>,
  /// What relative preopens resolve against (`InstanceConfig::preopen_base`: empty without any).
  pub cwd: PathBuf,
  pub purpose: Purpose,
  /// Host functions written in Rust (`command.rs`); JS never gives any.
  pub natives: Vec<crate::native::NativeImport>,
  /// Where the memory cap comes from, for messages (`maxMemoryBytes` for an app; a job's
  /// `Resources.Memory` for `kiln job run`).
  pub memory_cap_name: &'static str,
}

/// How the options of `instantiate`, `spawn` and `createPool` name the memory cap.
pub const APP_MEMORY_CAP: &str = "maxMemoryBytes, or the manifest's max_memory_bytes";

/// A recipe with the WASI context of one store.
pub struct Plan {
  pub recipe: Recipe,
  pub wasi: crate::config::GuestWasi,
  pub captured: Captured,
  /// Instantiated by blocking the JS thread (`new WebAssembly.Instance`): start functions then
  /// run without yielding to the event loop, as a synchronous call does (store.rs, `Mode::Sync`).
  pub blocking: bool,
  /// Made for the `WebAssembly` global: the store passes `externref`s (js_ref.rs).
  pub refs: Option<crate::js_ref::JsRefs>,
}

impl Recipe {
  /// The plan of one store: builds its WASI context (the preopens are opened here).
  ///
  /// # Errors
  /// 5009 and 5010 as [`InstanceConfig::wasi`].
  pub fn plan(&self) -> Result<Plan, WasmError> {
    self.clone().into_plan()
  }

  /// [`Self::plan`] for a recipe used once (`instantiate`): no clone of it.
  ///
  /// # Errors
  /// As [`Self::plan`].
  pub fn into_plan(self) -> Result<Plan, WasmError> {
    let (wasi, captured) = self.config.wasi(&self.permissions, &self.cwd, self.purpose)?;
    Ok(Plan { recipe: self, wasi, captured, blocking: false, refs: None })
  }

  /// The most table elements one table may have (the manifest's `max_table_elements`).
  pub fn table_elements(&self) -> u64 {
    self.permissions.limits.max_table_elements
  }
}

/// The request of one `instantiate`, `spawn` or `createPool` as its op received it.
pub struct Request<'a> {
  pub module_id: f64,
  pub config_json: &'a str,
  pub imports_json: &'a str,
  pub host_json: &'a str,
  pub purpose: Purpose,
  /// How many stores it makes (a pool's size).
  pub stores: usize,
}

/// Checks `request` against the app's grants and budget, and resolves its module ids; reserves
/// its instances.
///
/// # Errors
/// 5009 without `[capabilities.wasm] execute`; 5004 for a module id that names no live module;
/// 5010 for invalid options; 5001 past `max_instances`.
pub fn check(state: &OpState, request: &Request) -> Result<(Recipe, Reservation), WasmError> {
  let purpose = request.purpose;
  let permissions = state.borrow::<Arc<WasmPermissions>>();
  permissions.check_execute(purpose.api())?;
  let modules = state.borrow::<ModuleTable>();
  let module = modules.lookup(request.module_id)?;
  let imports = linked_modules(modules, request.imports_json)?;
  let host = host_imports(request.host_json)?;
  if purpose != Purpose::Instance {
    if let Some(function) = host.iter().find(|h| matches!(h.value, HostValue::Function)) {
      return Err(WasmError::config(format!(
        "imports[\"{}\"][\"{}\"] is a JS function, which {} cannot take: its guests run on threads of \
         their own, and JS runs only on the JS thread; call the function from an instance made by \
         instantiate, or give the guest what it needs as arguments",
        function.module,
        function.name,
        purpose.api()
      )));
    }
  }
  let reservation = reserve(state, request.stores * (1 + imports.len()))?;
  let config = InstanceConfig::from_json(request.config_json)?;
  config.check_interruptible(permissions.limits.timeout_ms, purpose)?;
  config.check_initialize(purpose)?;
  let config = config.with_app_defaults(&permissions.limits);
  let cwd = config.preopen_base()?;
  let recipe = Recipe {
    engines: state.borrow::<SharedEngines>().0.clone(),
    module,
    imports,
    host,
    config,
    permissions: permissions.clone(),
    cwd,
    purpose,
    natives: Vec::new(),
    memory_cap_name: APP_MEMORY_CAP,
  };
  Ok((recipe, reservation))
}

/// Reserves `wanted` instances under `[capabilities.wasm] max_instances`, which counts the live
/// ones, those being made, and processes' and pools' (join.rs reserves one too).
///
/// # Errors
/// 5001 past `max_instances`.
pub(crate) fn reserve(state: &OpState, wanted: usize) -> Result<Reservation, WasmError> {
  let pending = state.borrow::<PendingInstances>();
  let live = state.borrow::<InstanceTable>().0.len() + pending.count();
  let max = state.borrow::<Arc<WasmPermissions>>().limits.max_instances;
  if live + wanted > max {
    return Err(WasmError::instantiate(format!(
      "{live} instances are alive or being made (processes and pool members count) and this needs \
       {wanted} more, over the {max} [capabilities.wasm] max_instances allows; drop instances, pools \
       or processes you no longer need, or raise max_instances in the manifest"
    )));
  }
  Ok(pending.reserve(wanted))
}

/// The modules `imports` links by name: `[[importName, moduleId], ...]` as JSON (`""`: none).
fn linked_modules(
  modules: &ModuleTable,
  imports_json: &str,
) -> Result<BTreeMap<String, Arc<CompiledModule>>, WasmError> {
  if imports_json.is_empty() {
    return Ok(BTreeMap::new());
  }
  let pairs: Vec<(String, f64)> =
    serde_json::from_str(imports_json).map_err(|e| WasmError::config(format!("invalid instantiate imports: {e}")))?;
  let mut out = BTreeMap::new();
  for (name, id) in pairs {
    let module = modules
      .lookup(id)
      .map_err(|e| WasmError::new(e.code(), format!("imports[{}]: {e}", serde_json::Value::String(name.clone()))))?;
    out.insert(name, module);
  }
  Ok(out)
}

/// The JS values `imports` gives, as `[[module, name, kind, value], ...]` JSON (`""`: none), kind
/// being `"function"` (a JS host function, numbered by its place in the list), `"number"` or
/// `"bigint"` (a value for an immutable global; a bigint's value is its decimal text), and for
/// the WebAssembly API's objects made in JS, `"memory"` (`[minPages, maxPages or null]`) or
/// `"mutable"` (a mutable global's first value, a number or a bigint's text) or `"table"`
/// (`[minLength, maxLength or null, "anyfunc" | "externref"]`) or `"tag"` (its parameter types,
/// `["i32", "externref"]`) or `"jstag"` (`WebAssembly.JSTag`); for an instance's
/// memory, global, table, function or tag in the store a module joins (join.rs), `"extern"`
/// (`[instanceId, "memory" | "global" | "table" | "function" | "tag", key]`, see
/// [`crate::link::StoreExtern::Named`]); for a JS object given again under another name, `"same"`
/// (the place in the list of its first entry, a memory, table, mutable global or tag).
pub(crate) fn host_imports(host_json: &str) -> Result<Vec<HostImport>, WasmError> {
  if host_json.is_empty() {
    return Ok(Vec::new());
  }
  let entries: Vec<(String, String, String, serde_json::Value)> =
    serde_json::from_str(host_json).map_err(|e| WasmError::config(format!("invalid instantiate imports: {e}")))?;
  entries
    .into_iter()
    .map(|(module, name, kind, value)| {
      let unknown = || WasmError::config(format!("imports[\"{module}\"][\"{name}\"]: unknown value kind {kind}"));
      let value = match (kind.as_str(), value) {
        ("function", _) => HostValue::Function,
        ("number", serde_json::Value::Number(n)) => HostValue::Number(n.as_f64().unwrap_or(f64::NAN)),
        ("bigint", serde_json::Value::String(text)) => HostValue::BigInt(text),
        ("memory", serde_json::Value::Array(limits)) => {
          let page = |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_u64).filter(|&p| p <= 65536);
          let min = page(limits.first()).ok_or_else(unknown)?;
          let max = match limits.get(1) {
            None | Some(serde_json::Value::Null) => None,
            given => Some(page(given).ok_or_else(unknown)?),
          };
          HostValue::Memory { min, max }
        }
        ("table", serde_json::Value::Array(limits)) => {
          let count =
            |v: Option<&serde_json::Value>| v.and_then(serde_json::Value::as_u64).filter(|&n| n <= u32::MAX.into());
          let min = count(limits.first()).ok_or_else(unknown)?;
          let max = match limits.get(1) {
            None | Some(serde_json::Value::Null) => None,
            given => Some(count(given).ok_or_else(unknown)?),
          };
          let refs = match limits.get(2).and_then(serde_json::Value::as_str) {
            Some("externref") => true,
            Some("anyfunc" | "funcref") => false,
            _ => return Err(unknown()),
          };
          HostValue::Table { min, max, refs }
        }
        ("mutable", serde_json::Value::Number(n)) => {
          HostValue::Mutable(Box::new(HostValue::Number(n.as_f64().unwrap_or(f64::NAN))))
        }
        ("mutable", serde_json::Value::String(text)) => HostValue::Mutable(Box::new(HostValue::BigInt(text))),
        ("tag", serde_json::Value::Array(types)) => HostValue::Tag(
          types.into_iter().map(|t| t.as_str().map(str::to_string).ok_or_else(unknown)).collect::<Result<_, _>>()?,
        ),
        ("jstag", _) => HostValue::JsTag,
        ("same", serde_json::Value::Number(first)) => {
          HostValue::Same(first.as_u64().and_then(|n| usize::try_from(n).ok()).ok_or_else(unknown)?)
        }
        ("extern", serde_json::Value::Array(parts)) => match <[serde_json::Value; 3]>::try_from(parts) {
          Ok([serde_json::Value::Number(instance), serde_json::Value::String(kind), key]) => {
            let instance = instance.as_f64().unwrap_or(f64::NAN);
            HostValue::Extern(crate::link::StoreExtern::Named { instance, kind, key })
          }
          _ => return Err(unknown()),
        },
        _ => return Err(unknown()),
      };
      Ok(HostImport { module, name, value })
    })
    .collect::<Result<Vec<_>, _>>()
    .and_then(|imports| {
      // A "same" names an earlier entry that the store makes something for.
      let made = |value: &HostValue| {
        matches!(value, HostValue::Memory { .. } | HostValue::Table { .. } | HostValue::Mutable(_) | HostValue::Tag(_))
      };
      for (at, import) in imports.iter().enumerate() {
        if let HostValue::Same(first) = import.value {
          if first >= at || !made(&imports[first].value) {
            return Err(WasmError::config(format!(
              "imports[\"{}\"][\"{}\"]: \"same\" must name an earlier memory, table, mutable global or tag",
              import.module, import.name
            )));
          }
        }
      }
      Ok(imports)
    })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn same_names_an_earlier_entry_the_store_makes() {
    let read = host_imports(r#"[["m","a","tag",["i32"]],["m","b","same",0]]"#).expect("a tag given twice");
    assert!(matches!(read[1].value, HostValue::Same(0)));
    for bad in [
      r#"[["m","a","same",0]]"#,
      r#"[["m","a","function",null],["m","b","same",0]]"#,
      r#"[["m","a","tag",[]],["m","b","same",5]]"#,
      r#"[["m","a","tag",[]],["m","b","same",-1]]"#,
      r#"[["m","a","tag",[]],["m","b","same",0.5]]"#,
    ] {
      let error = host_imports(bad).err().unwrap_or_else(|| panic!("{bad} was read"));
      assert_eq!(error.code(), crate::error::ErrorCode::WasiError, "{bad}: {error}");
    }
  }
}
