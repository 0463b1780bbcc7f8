//! Exported tables of function references, for Kiln's `WebAssembly.Table` (ts/wasm_table.ts):
//! what emscripten's glue does with `__indirect_function_table` (`get(i)` to call a function
//! pointer, `set` and `grow` to add one), on wasmtime instead of the JS engine's interpreter.
//!
//! A function taken out of a table is called like an export: it is appended to its instance's
//! resolved exports (`Member::exported`, past the module's own exports), once per function, and
//! JS calls it by that index with the same ops and the same checks as any export. A function goes
//! into a table only by that index, so only functions of the same store can be stored (wasmtime
//! links within one store). Tables of other element types (`externref`) and 64-bit tables stay with
//! the interpreter (`op_wasm_module_funcref_tables`).

use deno_core::{op2, OpState};
use serde::Serialize;
use wasmtime::{ExternType, Func, Module, Ref, RefType, Store, Table};

use crate::error::WasmError;
use crate::instance::InstanceTable;
use crate::module::ModuleTable;
use crate::shape::Shape;
use crate::store::{ExportFunc, KilnStore, Member, StoreData};
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

/// Whether every table `module` exports is a 32-bit table of function references, which Kiln's
/// `WebAssembly.Table` serves on wasmtime (the others make the module the interpreter's).
///
/// # Errors
/// 5004 if the id names no live core module.
#[op2(fast)]
pub fn op_wasm_module_funcref_tables(state: &mut OpState, module_id: f64) -> Result<bool, WasmError> {
  let module = state.borrow::<ModuleTable>().lookup(module_id)?;
  Ok(funcref_tables_only(&module.plain().module))
}

fn funcref_tables_only(module: &Module) -> bool {
  module.exports().all(|e| match e.ty() {
    ExternType::Table(t) => !t.is_64() && t.element().matches(&RefType::FUNCREF),
    _ => true,
  })
}

/// `table.length`: the number of elements of the exported table `name`.
///
/// # Errors
/// 5005 for an unknown instance; 5006 while its store is busy; 5007 if it exports no such table.
#[op2(fast)]
pub fn op_wasm_table_size(state: &mut OpState, instance_id: f64, #[string] name: &str) -> Result<f64, WasmError> {
  with_table(state, instance_id, name, |kiln, _, table| Ok(table.size(&kiln.store) as f64))
}

/// `table.get(index)`: `null` for a null element, else the function there, by the index JS calls
/// it with (see the module docs).
///
/// # Errors
/// As [`op_wasm_table_size`], and 5007 if `index` is past the end.
#[op2]
#[serde]
pub fn op_wasm_table_get(
  state: &mut OpState,
  instance_id: f64,
  #[string] name: &str,
  index: f64,
) -> Result<Option<TableFunc>, WasmError> {
  with_table(state, instance_id, name, |kiln, member, table| {
    let at = element_index(index, table.size(&kiln.store), name)?;
    let Some(element) = table.get(&mut kiln.store, at) else {
      return Err(out_of_range(name, index, table.size(&kiln.store)));
    };
    let Some(func) = element.as_func().flatten().copied() else {
      return Ok(None);
    };
    let KilnStore { store, members, .. } = kiln;
    let index = callable(store, &mut members[member], func, &format!("{name}[{at}]"))?;
    let ty = func.ty(&*store);
    Ok(Some(TableFunc {
      index,
      params: ty.params().map(|t| ExportValueType::of(&t)).collect(),
      results: ty.results().map(|t| ExportValueType::of(&t)).collect(),
    }))
  })
}

/// `table.set(index, value)`: `func` is the index of a function of the same instance (an export,
/// or one taken out of a table), or -1 for `null`.
///
/// # Errors
/// As [`op_wasm_table_get`], and 5007 if `func` names no such function.
#[op2(fast)]
pub fn op_wasm_table_set(
  state: &mut OpState,
  instance_id: f64,
  #[string] name: &str,
  index: f64,
  func: f64,
) -> Result<(), WasmError> {
  with_table(state, instance_id, name, |kiln, member, table| {
    let at = element_index(index, table.size(&kiln.store), name)?;
    let value = element(kiln, member, func)?;
    table.set(&mut kiln.store, at, value).map_err(|e| WasmError::type_error(format!("table `{name}`: {e}")))
  })
}

/// `table.grow(delta, value)`: adds `delta` elements, each `func` (as for [`op_wasm_table_set`]),
/// and returns the old length.
///
/// # Errors
/// As [`op_wasm_table_set`], and 5007 if the table cannot grow that far (its maximum, or the
/// manifest's `max_table_elements`).
#[op2(fast)]
pub fn op_wasm_table_grow(
  state: &mut OpState,
  instance_id: f64,
  #[string] name: &str,
  delta: f64,
  func: f64,
) -> Result<f64, WasmError> {
  with_table(state, instance_id, name, |kiln, member, table| {
    if !(delta >= 0.0 && delta.fract() == 0.0 && delta <= f64::from(u32::MAX)) {
      return Err(WasmError::type_error(format!("table `{name}`: grow by a whole number of elements, got {delta}")));
    }
    let value = element(kiln, member, func)?;
    let old = table.size(&kiln.store);
    table.grow(&mut kiln.store, delta as u64, value).map(|old| old as f64).map_err(|_| {
      WasmError::type_error(format!(
        "table `{name}` cannot grow from {old} by {delta} elements: past its maximum, or past the \
         manifest's `[capabilities.wasm] max_table_elements`"
      ))
    })
  })
}

/// The element a set or grow stores: function `func` of member `member` (an export index, or one
/// [`callable`] handed out), or null for -1.
fn element(kiln: &mut KilnStore, member: usize, func: f64) -> Result<Ref, WasmError> {
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
  let KilnStore { store, members, .. } = kiln;
  let Member { instance, module, exported, .. } = &mut members[member];
  let export = Member::export_at(exported, store, instance, module, func as u32).map_err(|_| not_ours())?;
  Ok(Ref::Func(Some(export.func)))
}

/// The index JS calls `func` by: its export index if the module exports it, else an index past
/// the exports, appended the first time a table hands it out.
fn callable(store: &mut Store<StoreData>, member: &mut Member, func: Func, name: &str) -> Result<u32, WasmError> {
  let Member { instance, module, exported, table_funcs, .. } = member;
  let known = table_funcs.get_or_insert_with(|| {
    module
      .exports()
      .enumerate()
      .filter_map(|(i, e)| instance.get_func(&mut *store, e.name()).map(|f| (f.to_raw(&mut *store) as usize, i as u32)))
      .collect()
  });
  let address = func.to_raw(&mut *store) as usize;
  if let Some(&index) = known.get(&address) {
    return Ok(index);
  }
  let count = module.exports().len();
  if exported.len() < count {
    exported.resize_with(count, || None);
  }
  let index = exported.len();
  if index as u64 >= crate::handles::EXPORT_INDEX_LIMIT {
    return Err(WasmError::type_error(format!(
      "table `{name}`: this instance has handed out {index} functions, the most Kiln keeps per instance"
    )));
  }
  let ty = func.ty(&*store);
  let shape = Shape::of(&ty);
  exported.push(Some(ExportFunc { func, ty, name: name.into(), shape }));
  known.insert(address, index as u32);
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

/// Runs `f` on the exported table `name` of an instance, with its store locked.
fn with_table<R>(
  state: &mut OpState,
  instance_id: f64,
  name: &str,
  f: impl FnOnce(&mut KilnStore, usize, Table) -> Result<R, WasmError>,
) -> Result<R, WasmError> {
  let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
  let Ok(mut kiln) = entry.store.try_lock() else {
    return Err(WasmError::memory(format!(
      "table `{name}`: the instance is busy: a call or memory operation on it (or on an instance linked \
       with it) is still running; await it first"
    )));
  };
  let kiln = &mut *kiln;
  let table = kiln.members[entry.member].instance.get_table(&mut kiln.store, name).ok_or_else(|| {
    WasmError::type_error(format!("the instance exports no table named `{name}`; see WebAssembly.Module.exports"))
  })?;
  f(kiln, entry.member, table)
}

#[cfg(test)]
mod tests {
  use super::funcref_tables_only;

  fn module(wat: &str) -> wasmtime::Module {
    wasmtime::Module::new(&wasmtime::Engine::default(), wat).unwrap()
  }

  #[test]
  fn only_32_bit_funcref_tables_are_served_on_wasmtime() {
    assert!(funcref_tables_only(&module("(module (table (export \"t\") 1 funcref))")));
    assert!(funcref_tables_only(&module("(module (func (export \"f\")))")));
    assert!(!funcref_tables_only(&module("(module (table (export \"t\") 1 externref))")));
  }
}
