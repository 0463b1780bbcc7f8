//! The ops of Kiln's `WebAssembly.Table` (ts/wasm_table.ts) on tables of wasmtime stores: each
//! names an instance and its exported table (or, with `adopted` ≥ 0, the table made in its store
//! for a `WebAssembly.Table` made in JS), and runs a [`TableOp`] (table.rs) on the locked store
//! or through the store's waiting host call.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{op2, OpState};
use wasmtime::{AsContextMut, RootScope, ValType};

use crate::error::WasmError;
use crate::host::{Command, Event};
use crate::instance::InstanceTable;
use crate::table::{holds, run, Element, TableFunc, TableOp, TableOut};

/// `table.length`: the number of elements of the exported table `name`.
///
/// # Errors
/// 5005 for an unknown instance; 5006 while its store is busy; 5007 if it exports no such table.
#[op2(fast)]
pub fn op_wasm_table_size(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
) -> Result<f64, WasmError> {
  match table_op(&state, instance_id, name, adopted, TableOp::Size)? {
    TableOut::Length(length) => Ok(length as f64),
    other => Err(unexpected(&other)),
  }
}

/// `table.get(index)`: `null` for a null element, else the function there, by the index JS calls
/// it with (see the module docs).
///
/// # Errors
/// As [`op_wasm_table_size`], and 5007 if `index` is past the end.
#[op2]
#[serde]
pub fn op_wasm_table_get(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  index: f64,
) -> Result<Option<TableFunc>, WasmError> {
  match table_op(&state, instance_id, name, adopted, TableOp::Get { index })? {
    TableOut::Got(found) => Ok(found),
    TableOut::GotRef(_) => Err(holds("JS values (externref)")),
    other => Err(unexpected(&other)),
  }
}

/// `table.set(index, value)`: `func` is the index of a function of instance `of` (an export, or
/// one taken out of a table), or -1 for `null`; `of` is 0 for the table's own instance, else an
/// instance of the same store.
///
/// # Errors
/// As [`op_wasm_table_get`], and 5007 if `func` names no such function or `of` is an instance of
/// another store.
#[op2(fast)]
pub fn op_wasm_table_set(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  index: f64,
  func: f64,
  of: f64,
) -> Result<(), WasmError> {
  let element = function_of(&state, instance_id, func, of)?;
  match table_op(&state, instance_id, name, adopted, TableOp::Set { index, element })? {
    TableOut::Set => Ok(()),
    other => Err(unexpected(&other)),
  }
}

/// `table.grow(delta, value)`: adds `delta` elements, each `func` (as for [`op_wasm_table_set`]),
/// and returns the old length.
///
/// # Errors
/// As [`op_wasm_table_set`], and 5007 if the table cannot grow that far (its maximum, or the
/// manifest's `max_table_elements`).
#[op2(fast)]
pub fn op_wasm_table_grow(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  delta: f64,
  func: f64,
  of: f64,
) -> Result<f64, WasmError> {
  let element = function_of(&state, instance_id, func, of)?;
  match table_op(&state, instance_id, name, adopted, TableOp::Grow { delta, element })? {
    TableOut::Length(old) => Ok(old as f64),
    other => Err(unexpected(&other)),
  }
}

/// `table.set(index, value)` for a function of another instance: host function number `host`
/// of the instance's store (the JS side added it, calling that function), of the type given as
/// value type names (`"i32,i32"`, `"i32"`; empty for none). `op_wasm_table_grow_js` is `grow`'s.
///
/// # Errors
/// As [`op_wasm_table_set`]; 5007 if the store has no JS imports, or for a type that is not
/// numbers.
#[op2(fast)]
pub fn op_wasm_table_set_js(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  index: f64,
  host: u32,
  #[string] params: &str,
  #[string] results: &str,
) -> Result<(), WasmError> {
  let element = js_element(host, params, results)?;
  match table_op(&state, instance_id, name, adopted, TableOp::Set { index, element })? {
    TableOut::Set => Ok(()),
    other => Err(unexpected(&other)),
  }
}

/// `table.grow(delta, value)` for a function of another instance (see [`op_wasm_table_set_js`]);
/// returns the old length.
///
/// # Errors
/// As [`op_wasm_table_grow`] and [`op_wasm_table_set_js`].
#[op2(fast)]
pub fn op_wasm_table_grow_js(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  delta: f64,
  host: u32,
  #[string] params: &str,
  #[string] results: &str,
) -> Result<f64, WasmError> {
  let element = js_element(host, params, results)?;
  match table_op(&state, instance_id, name, adopted, TableOp::Grow { delta, element })? {
    TableOut::Length(old) => Ok(old as f64),
    other => Err(unexpected(&other)),
  }
}

/// `table.get(index)` of a table of `externref`s: the id of the JS value there (0 for null;
/// js_ref.rs), which the JS side looks up.
///
/// # Errors
/// As [`op_wasm_table_get`], and 5007 for a table of function references.
#[op2(fast)]
pub fn op_wasm_table_get_ref(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  index: f64,
) -> Result<f64, WasmError> {
  match table_op(&state, instance_id, name, adopted, TableOp::Get { index })? {
    TableOut::GotRef(id) => Ok(f64::from(id)),
    TableOut::Got(_) => Err(holds("functions")),
    other => Err(unexpected(&other)),
  }
}

/// `table.set(index, value)` of a table of `externref`s: `id` is the value's (0 for null).
///
/// # Errors
/// As [`op_wasm_table_set`], and 5007 for a table of function references.
#[op2(fast)]
pub fn op_wasm_table_set_ref(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  index: f64,
  id: u32,
) -> Result<(), WasmError> {
  match table_op(&state, instance_id, name, adopted, TableOp::Set { index, element: Element::Ref(id) })? {
    TableOut::Set => Ok(()),
    other => Err(unexpected(&other)),
  }
}

/// `table.grow(delta, value)` of a table of `externref`s (see [`op_wasm_table_set_ref`]); returns
/// the old length.
///
/// # Errors
/// As [`op_wasm_table_grow`], and 5007 for a table of function references.
#[op2(fast)]
pub fn op_wasm_table_grow_ref(
  state: Rc<RefCell<OpState>>,
  instance_id: f64,
  #[string] name: &str,
  adopted: i32,
  delta: f64,
  id: u32,
) -> Result<f64, WasmError> {
  match table_op(&state, instance_id, name, adopted, TableOp::Grow { delta, element: Element::Ref(id) })? {
    TableOut::Length(old) => Ok(old as f64),
    other => Err(unexpected(&other)),
  }
}

fn js_element(host: u32, params: &str, results: &str) -> Result<Element, WasmError> {
  let types = |list: &str| -> Result<Vec<ValType>, WasmError> {
    list
      .split(',')
      .filter(|t| !t.is_empty())
      .map(|t| match t {
        "i32" => Ok(ValType::I32),
        "i64" => Ok(ValType::I64),
        "f32" => Ok(ValType::F32),
        "f64" => Ok(ValType::F64),
        other => Err(WasmError::type_error(format!(
          "a table can hold a function of another instance only if it takes and returns numbers, not `{other}`"
        ))),
      })
      .collect()
  };
  Ok(Element::Js { host, params: types(params)?, results: types(results)? })
}

fn unexpected(out: &TableOut) -> WasmError {
  WasmError::call(format!("a table operation came back with {out:?}; this is a bug in Kiln"))
}

/// Runs `op` on the exported table `name` of an instance (or, for `adopted` ≥ 0, on the table made
/// in its store for that host import: a `WebAssembly.Table` made in JS, link.rs; `name` then only
/// names it in messages): on its locked store, or, while one of the store's host functions runs
/// and the guest holds the lock, through that host call.
fn table_op(
  state: &Rc<RefCell<OpState>>,
  instance_id: f64,
  name: &str,
  adopted: i32,
  op: TableOp,
) -> Result<TableOut, WasmError> {
  let adopted = u32::try_from(adopted).ok();
  let (store, instance) = {
    let state = state.borrow();
    let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
    (entry.store.clone(), entry.instance)
  };
  if let Ok(mut kiln) = store.try_lock() {
    // An `externref` made for a set or grow is rooted for this operation only.
    let mut scope = RootScope::new(&mut kiln.store);
    return run(scope.as_context_mut(), instance, name, adopted, op);
  }
  let command = Command::Table { instance, name: name.to_string(), adopted, op };
  match crate::hostcall::command_in_host_call(state, &store, command) {
    Some(Ok(Event::Table(out))) => out,
    Some(Ok(_)) => Err(WasmError::call("the host call ended during a table operation")),
    Some(Err(e)) => Err(e),
    None => Err(WasmError::memory(format!(
      "table `{name}`: the instance is busy: a call or memory operation on it (or on an instance linked \
       with it) is still running; await it first"
    ))),
  }
}

/// What a set or grow of a function table stores: function `func` of the table's own instance
/// (`of` 0 or the same id), or of instance `of`, which must live in the same store.
fn function_of(state: &Rc<RefCell<OpState>>, instance_id: f64, func: f64, of: f64) -> Result<Element, WasmError> {
  if of == 0.0 || of == instance_id || func == -1.0 {
    return Ok(Element::Index(func));
  }
  let state = state.borrow();
  let instances = state.borrow::<InstanceTable>();
  let (table, owner) = (instances.lookup(instance_id)?, instances.lookup(of)?);
  if !Arc::ptr_eq(&table.store, &owner.store) {
    return Err(WasmError::type_error(
      "a table holds functions of the instances of its own store only: this one is another store's \
       (wasmtime links only within one store); instantiate its module with this table's memory or \
       functions among its imports, so that it joins the store",
    ));
  }
  Ok(Element::Of(owner.instance, func))
}
