//! The functions JS calls back into a store by index while one of the store's host functions
//! runs (`CallTarget::Index`: the `WebAssembly` API's exports, and the functions its tables hand
//! out, called from the imports of their own instance). Each is resolved once and kept in the
//! store's data with its name and types: emscripten's `invoke_*` imports call a table's function
//! back on every C++ call that may throw, and resolving it walked the module's exports each time.

use std::sync::Arc;

use wasmtime::{AsContextMut, Func, Instance, StoreContextMut, ValType};

use crate::store::StoreData;

/// A function JS calls back into by index.
#[derive(Clone)]
pub(crate) struct Callee {
  pub func: Func,
  /// The name errors give it: the export's, or `table[3]` for one a table handed out.
  pub name: Arc<str>,
  pub params: Arc<[ValType]>,
  pub results: Arc<[ValType]>,
}

/// A store's resolved callees, by instance and index (`StoreData::callees`). Only functions that
/// exist are kept, so an index is at most the instance's exports and handed-out functions.
#[derive(Default)]
pub struct Callees(Vec<(Instance, Vec<Option<Callee>>)>);

/// Function `index` of `instance` (table.rs, `func_at`), resolved on its first call back.
pub(crate) fn callee_at(mut cx: StoreContextMut<'_, StoreData>, instance: Instance, index: u32) -> Option<Callee> {
  let at = index as usize;
  let known = cx.data().callees.0.iter().find(|(i, _)| *i == instance).and_then(|(_, c)| c.get(at)?.clone());
  if known.is_some() {
    return known;
  }
  let (func, name) = crate::table::func_at(cx.as_context_mut(), instance, index)?;
  let ty = func.ty(&cx);
  let callee = Callee { func, name: name.into(), params: ty.params().collect(), results: ty.results().collect() };
  let callees = &mut cx.data_mut().callees.0;
  let slot = match callees.iter().position(|(i, _)| *i == instance) {
    Some(found) => found,
    None => {
      callees.push((instance, Vec::new()));
      callees.len() - 1
    }
  };
  let list = &mut callees[slot].1;
  if list.len() <= at {
    list.resize(at + 1, None);
  }
  list[at] = Some(callee.clone());
  Some(callee)
}
