//! Tables of function references, for Kiln's `WebAssembly.Table` (ts/wasm_table.ts): what
//! emscripten's glue does with `__indirect_function_table` (`get(i)` to call a function pointer,
//! `set` and `grow` to add one), on wasmtime instead of the JS engine's interpreter. A table is an
//! instance's export, or one made in a store for a `new WebAssembly.Table` that a module imports
//! (link.rs, `HostValue::Table`); the ops are in table_ops.rs.
//!
//! A function taken out of a table is called like an export: it gets an index past its
//! instance's exports, once per function ([`HandedOut`], kept in the store's data), and JS calls
//! it by that index with the same ops and the same checks as any export (`Member::export_at`
//! finds it there). A function goes into a table only by such an index (of the table's instance or
//! another instance of its store), so only functions of the same store can be stored (wasmtime
//! links within one store).
//!
//! A table of `externref`s (wasm-bindgen's, built with reference types) holds JS values, by the
//! ids js_ref.rs gives them: `op_wasm_table_get_ref`, `set_ref` and `grow_ref`. Tables of other
//! element types and 64-bit tables stay with the interpreter (`op_wasm_module_ref_tables`).
//!
//! Every table operation is a [`TableOp`] that [`run`] carries out on a store context: the locked
//! store's, or, while one of the store's JS host functions runs (emscripten's `invoke_*` imports
//! call function pointers from inside the guest), the waiting host function's `Caller`, asked
//! with a command as `memory.buffer` is (host.rs).

use std::collections::HashMap;

use deno_core::{op2, OpState};
use serde::Serialize;
use wasmtime::{
  AsContextMut, ExternType, Func, FuncType, Instance, Module, Ref, RefType, StoreContextMut, Val, ValType,
};

use crate::error::WasmError;
use crate::js_ref::{to_slot, to_val};
use crate::module::ModuleTable;
use crate::store::StoreData;
use crate::value::ExportValueType;

/// A function taken out of a table: the index JS calls it by (an export index of its instance,
/// see the module docs), and its signature.
///
/// # Examples
///
/// ```ts
/// const found = ops.op_wasm_table_get(raw, "__indirect_function_table", 1);
/// if (found !== null) console.log(found.index, found.params, "->", found.results);
/// ```
#[derive(Debug, Serialize)]
pub struct TableFunc {
  /// The index to call it by: its export index if the module exports it, else one past them.
  pub index: u32,
  /// Its parameter types.
  pub params: Vec<ExportValueType>,
  /// Its result types.
  pub results: Vec<ExportValueType>,
}

/// One operation on an exported table (its arguments as JS gave them; [`run`] checks them).
#[derive(Debug, Clone)]
pub enum TableOp {
  Size,
  Get { index: f64 },
  Set { index: f64, element: Element },
  Grow { delta: f64, element: Element },
}

/// What a set or grow stores.
#[derive(Debug, Clone)]
pub enum Element {
  /// Null for -1, else the function of the same instance JS calls by this index ([`func_at`]).
  Index(f64),
  /// A function of another instance (emscripten's `addFunction` of a JS function wraps it in an
  /// instance of its own), made a function of this store that calls it: host function number
  /// `host` of the store's JS host functions, which ts/wasm_table.ts added, of this type.
  Js { host: u32, params: Vec<ValType>, results: Vec<ValType> },
  /// For a table of `externref`s: the JS value with this id (0 for null; js_ref.rs).
  Ref(u32),
  /// The function of another instance of the same store that JS calls by this index (emscripten
  /// puts a side module's functions in the main module's table).
  Of(Instance, f64),
}

/// What a [`TableOp`] gives back.
#[derive(Debug)]
pub enum TableOut {
  /// The length (`Size`), or the old length (`Grow`).
  Length(u64),
  Got(Option<TableFunc>),
  /// The id of the JS value an `externref` table holds there (0 for null).
  GotRef(u32),
  Set,
}

/// The functions the tables of a store handed out, by instance: the index past the instance's
/// exports that each is called by (`StoreData::handed_out`).
#[derive(Default)]
pub struct HandedOut(Vec<Handed>, Vec<(u32, Func)>);

struct Handed {
  instance: Instance,
  /// The instance's function exports and the functions handed out, by `Func::to_raw` address.
  by_address: HashMap<usize, u32>,
  /// The number of the module's exports: the first index past them.
  exports: u32,
  /// The functions handed out, with the names errors give them (`__indirect_function_table[3]`).
  funcs: Vec<(Func, Box<str>)>,
}

impl HandedOut {
  /// The function of this store that calls JS host function number `host`, made once.
  fn js(cx: &mut StoreContextMut<'_, StoreData>, host: u32, params: &[ValType], results: &[ValType]) -> Func {
    if let Some((_, func)) = cx.data().handed_out.1.iter().find(|(h, _)| *h == host) {
      return *func;
    }
    let ty = FuncType::new(cx.engine(), params.iter().cloned(), results.iter().cloned());
    let func = crate::host_fn::js_func(&mut *cx, ty, host);
    cx.data_mut().handed_out.1.push((host, func));
    func
  }
}

impl HandedOut {
  /// The function handed out under `index` by a table of `instance`, with its name.
  pub fn func(&self, instance: &Instance, index: u32) -> Option<(Func, &str)> {
    let handed = self.0.iter().find(|h| h.instance == *instance)?;
    let (func, name) = handed.funcs.get(index.checked_sub(handed.exports)? as usize)?;
    Some((*func, name))
  }
}

/// The exported tables of `module` that hold `externref`s, if Kiln's `WebAssembly.Table` serves
/// every table it exports on wasmtime: 32-bit tables of function references or of `externref`s.
/// `null` if one of them is the interpreter's to serve (and so is the module).
///
/// # Errors
/// 5004 if the id names no live core module.
///
/// # Examples
///
/// ```ts
/// const refTables = ops.op_wasm_module_ref_tables(id); // ["__wbindgen_externrefs"], [] or null
/// ```
#[op2]
#[serde]
pub fn op_wasm_module_ref_tables(state: &mut OpState, module_id: f64) -> Result<Option<Vec<String>>, WasmError> {
  let module = state.borrow::<ModuleTable>().lookup(module_id)?;
  Ok(ref_tables(&module.first().module))
}

fn ref_tables(module: &Module) -> Option<Vec<String>> {
  let mut refs = Vec::new();
  for export in module.exports() {
    let ExternType::Table(t) = export.ty() else { continue };
    if t.is_64() {
      return None;
    }
    if t.element().matches(&RefType::EXTERNREF) && t.element().is_nullable() {
      refs.push(export.name().to_string());
    } else if !t.element().matches(&RefType::FUNCREF) {
      return None;
    }
  }
  Some(refs)
}

/// The error of an op for the other kind of table (5007): the `_ref` ops are for tables of
/// `externref`s, the others for tables of functions.
pub(crate) fn holds(what: &str) -> WasmError {
  WasmError::type_error(format!("this table holds {what}; use the table ops for its element type"))
}

/// Carries out `op` on the exported table `name` of `instance` (or the store's table made for host
/// import `adopted`), in the store `cx` reaches. Functions it hands out are called by indexes of
/// `instance` (see the module docs).
pub(crate) fn run(
  mut cx: StoreContextMut<'_, StoreData>,
  instance: Instance,
  name: &str,
  adopted: Option<u32>,
  op: TableOp,
) -> Result<TableOut, WasmError> {
  let table = match adopted {
    Some(index) => cx.data().adopted(index).and_then(|e| e.clone().into_table()),
    None => instance.get_table(&mut cx, name),
  };
  let table = table.ok_or_else(|| {
    WasmError::type_error(format!("the instance exports no table named `{name}`; see WebAssembly.Module.exports"))
  })?;
  let size = table.size(&cx);
  match op {
    TableOp::Size => Ok(TableOut::Length(size)),
    TableOp::Get { index } => {
      let at = element_index(index, size, name)?;
      let Some(element) = table.get(&mut cx, at) else {
        return Err(out_of_range(name, index, size));
      };
      if let Ref::Extern(reference) = element {
        let slot = to_slot(&cx, &Val::ExternRef(reference));
        return Ok(TableOut::GotRef(u32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]])));
      }
      let Some(func) = element.as_func().flatten().copied() else {
        return Ok(TableOut::Got(None));
      };
      let index = callable(cx.as_context_mut(), instance, func, &format!("{name}[{at}]"))?;
      let ty = func.ty(&cx);
      Ok(TableOut::Got(Some(TableFunc {
        index,
        params: ty.params().map(|t| ExportValueType::of(&t)).collect(),
        results: ty.results().map(|t| ExportValueType::of(&t)).collect(),
      })))
    }
    TableOp::Set { index, element: wanted } => {
      let at = element_index(index, size, name)?;
      let value = element(&mut cx, instance, &table, wanted)?;
      table.set(&mut cx, at, value).map_err(|e| WasmError::type_error(format!("table `{name}`: {e}")))?;
      Ok(TableOut::Set)
    }
    TableOp::Grow { delta, element: wanted } => {
      if !(delta >= 0.0 && delta.fract() == 0.0 && delta <= f64::from(u32::MAX)) {
        return Err(WasmError::type_error(format!("table `{name}`: grow by a whole number of elements, got {delta}")));
      }
      let value = element(&mut cx, instance, &table, wanted)?;
      table.grow(&mut cx, delta as u64, value).map(TableOut::Length).map_err(|_| {
        WasmError::type_error(format!(
          "table `{name}` cannot grow from {size} by {delta} elements: past its maximum, or past the \
           manifest's `[capabilities.wasm] max_table_elements`"
        ))
      })
    }
  }
}

/// The function of `instance` that JS calls by `index`: its export number `index`, or a function
/// one of its tables handed out under that index; with its name, for errors.
pub(crate) fn func_at(
  mut cx: StoreContextMut<'_, StoreData>,
  instance: Instance,
  index: u32,
) -> Option<(Func, String)> {
  let module = instance.module(&cx);
  // A function a table handed out comes after the exports (whose count is known without walking
  // them).
  if index as usize >= module.exports().len() {
    return cx.data().handed_out.func(&instance, index).map(|(f, name)| (f, name.to_string()));
  }
  let name = module.exports().nth(index as usize).map(|e| e.name().to_string())?;
  instance.get_func(&mut cx, &name).map(|f| (f, name))
}

/// The element a set or grow stores in `table`: the function of `instance` JS calls by the index
/// (see [`func_at`]), null for -1, a function that calls JS, or a JS value.
fn element(
  cx: &mut StoreContextMut<'_, StoreData>,
  instance: Instance,
  table: &wasmtime::Table,
  element: Element,
) -> Result<Ref, WasmError> {
  let holds_refs = table.ty(&*cx).element().matches(&RefType::EXTERNREF);
  if holds_refs != matches!(element, Element::Ref(_)) {
    return Err(holds(if holds_refs { "JS values (externref)" } else { "functions" }));
  }
  let (owner, func) = match element {
    Element::Ref(id) => {
      let value = to_val(&mut *cx, &ValType::EXTERNREF, u64::from(id).to_le_bytes())?;
      return match value {
        Some(Val::ExternRef(reference)) => Ok(Ref::Extern(reference)),
        _ => Err(WasmError::type_error("this store does not hold JS values; this is a bug in Kiln")),
      };
    }
    Element::Index(func) => (instance, func),
    Element::Of(other, func) => (other, func),
    Element::Js { host, params, results } => {
      if cx.data().host.is_none() {
        return Err(WasmError::type_error(
          "a table of an instance without JS imports holds only null and the instance's own functions; \
           give the module at least one JS import to store another instance's function",
        ));
      }
      return Ok(Ref::Func(Some(HandedOut::js(cx, host, &params, &results))));
    }
  };
  if func == -1.0 {
    return Ok(Ref::Func(None));
  }
  let not_ours = || {
    WasmError::type_error(
      "a table of this instance holds only null and the instance's own functions: its exports, and \
       functions taken out of its tables",
    )
  };
  if !(func >= 0.0 && func.fract() == 0.0 && func < crate::handles::EXPORT_INDEX_LIMIT as f64) {
    return Err(not_ours());
  }
  let (func, _) = func_at(cx.as_context_mut(), owner, func as u32).ok_or_else(not_ours)?;
  Ok(Ref::Func(Some(func)))
}

/// The index JS calls `func` by: its export index if the module exports it, else an index past
/// the exports, given out the first time a table hands it out.
fn callable(
  mut cx: StoreContextMut<'_, StoreData>,
  instance: Instance,
  func: Func,
  name: &str,
) -> Result<u32, WasmError> {
  if !cx.data().handed_out.0.iter().any(|h| h.instance == instance) {
    let module = instance.module(&cx).clone();
    let by_address = module
      .exports()
      .enumerate()
      .filter_map(|(i, e)| instance.get_func(&mut cx, e.name()).map(|f| (f.to_raw(&mut cx) as usize, i as u32)))
      .collect();
    let exports = module.exports().len() as u32;
    cx.data_mut().handed_out.0.push(Handed { instance, by_address, exports, funcs: Vec::new() });
  }
  let address = func.to_raw(&mut cx) as usize;
  let handed = cx.data_mut().handed_out.0.iter_mut().find(|h| h.instance == instance).expect("added above");
  if let Some(&index) = handed.by_address.get(&address) {
    return Ok(index);
  }
  let index = u64::from(handed.exports) + handed.funcs.len() as u64;
  if index >= crate::handles::EXPORT_INDEX_LIMIT {
    return Err(WasmError::type_error(format!(
      "table `{name}`: this instance has handed out {index} functions, the most Kiln keeps per instance"
    )));
  }
  handed.funcs.push((func, name.into()));
  handed.by_address.insert(address, index as u32);
  Ok(index as u32)
}

fn element_index(index: f64, size: u64, name: &str) -> Result<u64, WasmError> {
  if index >= 0.0 && index.fract() == 0.0 && (index as u64) < size {
    Ok(index as u64)
  } else {
    Err(out_of_range(name, index, size))
  }
}

fn out_of_range(name: &str, index: f64, size: u64) -> WasmError {
  WasmError::type_error(format!("table `{name}` has {size} elements, so there is no element {index}"))
}

#[cfg(test)]
mod tests {
  use super::ref_tables;

  fn module(wat: &str) -> wasmtime::Module {
    wasmtime::Module::new(&wasmtime::Engine::default(), wat).unwrap()
  }

  #[test]
  fn only_32_bit_tables_of_funcrefs_and_externrefs_are_served_on_wasmtime() {
    assert_eq!(ref_tables(&module("(module (table (export \"t\") 1 funcref))")), Some(vec![]));
    assert_eq!(ref_tables(&module("(module (func (export \"f\")))")), Some(vec![]));
    let both = "(module (table (export \"f\") 1 funcref) (table (export \"r\") 1 externref))";
    assert_eq!(ref_tables(&module(both)), Some(vec!["r".to_string()]));
    assert_eq!(ref_tables(&module("(module (table (export \"t\") i64 1 funcref))")), None);
  }
}
