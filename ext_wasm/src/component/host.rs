//! JS host functions for a component's imports: `imports: { "kiln:test/host": { log } }` for an
//! imported interface, `imports: { double }` for a function the component imports by itself.
//!
//! As for modules (`crate::host`), no JS runs inside wasmtime: the host function encodes its
//! arguments by the import's WIT types (wire.rs), posts them on the store's bridge and waits; the
//! JS side (`runtime:wasm/component`) decodes them, runs the function in an ordinary JS frame and
//! answers with the encoded results, which the host function decodes by the same types. So a
//! result that does not fit the import's type fails on the JS side, naming the path, and the
//! buffer is checked again here.

use serde_json::{json, Value as Json};
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, Linker, Type};
use wasmtime::Engine;

use super::types::{describe, func_wit, supported, Names};
use super::wire::{read, write, Reader, Resources};
use crate::error::WasmError;
use crate::host::{Command, Event, NextCommand};
use crate::store::StoreData;

/// A function a component imports: from an interface (`iface`), or by itself (`iface` empty).
pub struct ImportedFunc {
  pub iface: String,
  pub name: String,
  pub ty: ComponentFunc,
}

/// Every function `component` imports, WASI's included, in order.
pub fn imported_funcs(component: &Component, engine: &Engine) -> Vec<ImportedFunc> {
  let mut out = Vec::new();
  for (name, item) in component.component_type().imports(engine) {
    match item.ty {
      ComponentItem::ComponentFunc(ty) => out.push(ImportedFunc { iface: String::new(), name: name.into(), ty }),
      ComponentItem::ComponentInstance(instance) => {
        for (inner, item) in instance.exports(engine) {
          if let ComponentItem::ComponentFunc(ty) = item.ty {
            out.push(ImportedFunc { iface: name.into(), name: inner.into(), ty });
          }
        }
      }
      _ => {}
    }
  }
  out
}

/// The names of the interfaces and functions `component` imports, top level only.
pub fn import_names(component: &Component, engine: &Engine) -> Vec<String> {
  component.component_type().imports(engine).map(|(name, _)| name.to_string()).collect()
}

/// The imported functions JS may provide, described for the JS side: `[{ iface, name, js,
/// params: [[name, type]], results: [type], wit }]` (WASI's are left out: Kiln provides those).
pub fn describe_imports(
  component: &Component,
  engine: &Engine,
  hints: std::sync::Arc<Vec<super::types::Hint>>,
) -> Json {
  let mut names = Names::of(component, engine, hints);
  let funcs: Vec<Json> = imported_funcs(component, engine)
    .into_iter()
    .filter(|f| !f.iface.starts_with("wasi:"))
    .map(|f| {
      let params: Vec<Json> = f.ty.params().map(|(n, t)| json!([n, describe(&t, &mut names)])).collect();
      let results: Vec<Json> = f.ty.results().map(|t| describe(&t, &mut names)).collect();
      json!({
        "iface": f.iface,
        "name": f.name,
        "js": super::types::camel(&f.name),
        "params": params,
        "results": results,
        "wit": func_wit(&f.ty, &mut names),
      })
    })
    .collect();
  Json::Array(funcs)
}

/// Defines JS host function number `index` as `iface`'s `name` (top level if `iface` is empty).
///
/// # Errors
/// 5001 if the component imports no such function, if it is a WASI function (Kiln provides
/// those), or if its types include resources, which JS host functions cannot take yet.
pub fn define(
  linker: &mut Linker<StoreData>,
  funcs: &[ImportedFunc],
  iface: &str,
  name: &str,
  index: u32,
) -> Result<(), WasmError> {
  let what = if iface.is_empty() { format!("imports[\"{name}\"]") } else { format!("imports[\"{iface}\"].{name}") };
  if iface.starts_with("wasi:") {
    return Err(WasmError::instantiate(format!(
      "cannot instantiate the component: {what} is a JS function for a WASI interface, which Kiln \
       provides itself under the manifest's grants; leave it out of `imports`"
    )));
  }
  let Some(func) = funcs.iter().find(|f| f.iface == iface && (f.name == name || super::types::camel(&f.name) == name))
  else {
    return Err(WasmError::instantiate(format!(
      "cannot instantiate the component: {what} is given, but the component imports no such function; \
       see moduleImports(moduleId) for what it imports"
    )));
  };
  let params: Vec<Type> = func.ty.params().map(|(_, t)| t).collect();
  let results: Vec<Type> = func.ty.results().collect();
  if let Some(bad) = params.iter().chain(&results).find(|t| has_resource(t) || !supported(t)) {
    return Err(WasmError::instantiate(format!(
      "cannot instantiate the component: {what} passes a value of the WIT type {}, which a JS host \
       function cannot take or return yet (resources, maps, futures and streams)",
      super::types::wit(bad, &mut Names::default())
    )));
  }
  let mut instance = if iface.is_empty() {
    linker.root()
  } else {
    linker.instance(iface).map_err(|e| WasmError::instantiate(format!("cannot define {what}: {e}")))?
  };
  let wit_name = func.name.clone();
  instance
    .func_new_async(&wit_name, move |store, _ty, args, out| {
      let (params, results) = (params.clone(), results.clone());
      Box::new(async move {
        let Some(bridge) = store.data().host.clone() else {
          return Err(WasmError::call("a JS host function was called in a store without JS imports").into());
        };
        let mut none = Resources::default();
        let mut bytes = Vec::new();
        for (ty, value) in params.iter().zip(args) {
          write(ty, value, &mut bytes, &mut none)?;
        }
        bridge.post(Event::Component { index, args: bytes });
        match NextCommand(&bridge).await {
          Command::ReplyBytes(bytes) => {
            let mut reader = Reader::new(&bytes);
            for (slot, ty) in out.iter_mut().zip(&results) {
              *slot = read(ty, &mut reader, &mut none)?;
            }
            Ok(())
          }
          Command::Throw(error) => Err(error.into()),
          _ => {
            Err(WasmError::call("a component's host function got an answer out of turn; this is a bug in Kiln").into())
          }
        }
      })
    })
    .map_err(|e| WasmError::instantiate(format!("cannot define {what}: {e}")))
}

fn has_resource(ty: &Type) -> bool {
  match ty {
    Type::Own(_) | Type::Borrow(_) => true,
    Type::List(list) => has_resource(&list.ty()),
    Type::Record(record) => record.fields().any(|f| has_resource(&f.ty)),
    Type::Tuple(tuple) => tuple.types().any(|t| has_resource(&t)),
    Type::Variant(variant) => variant.cases().any(|c| c.ty.as_ref().is_some_and(has_resource)),
    Type::Option(option) => has_resource(&option.ty()),
    Type::Result(result) => {
      result.ok().as_ref().is_some_and(has_resource) || result.err().as_ref().is_some_and(has_resource)
    }
    _ => false,
  }
}
