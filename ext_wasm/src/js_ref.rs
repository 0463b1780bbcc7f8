//! `externref` values for Kiln's `WebAssembly` global: any JS value, carried through wasmtime.
//!
//! wasm-bindgen built with reference types (Rust 1.82 and later turn them on) passes JS values to
//! and from the guest as `externref`s and keeps them in an exported `externref` table. JS keeps
//! each value in a registry under a number (ts/wasm_values.ts, `refId`); an 8-byte slot carries
//! that number (0 for null), and in the store the value is an [`ExternRef`] holding a [`Held`]
//! id. When wasmtime frees the reference (its collector finds it unreachable, or the store is
//! dropped), dropping the `Held` queues the id, and JS forgets the value when it next collects
//! the queue (`op_wasm_refs_freed`). Every slot conversion makes a new reference, so an id is
//! held by exactly one `ExternRef` and freed once. An id JS wrote for an op that fails before it
//! makes the reference (a busy store, a host call cancelled before it reads its reply) is never
//! freed: the registry keeps that value, one per such failure.
//!
//! Only stores the `WebAssembly` global makes take `externref`s (`StoreData::refs`): runtime:wasm's
//! own API passes numbers, and refuses a signature with any other type (5007, or 5001 for an
//! import), as it always has.

use std::sync::{Arc, Mutex};

use deno_core::{op2, OpState};
use wasmtime::{AsContext, AsContextMut, ExternRef, HeapType, Val, ValType};

use crate::error::WasmError;
use crate::store::StoreData;
use crate::value::{slot_to_val, val_to_slot, SLOT};

/// The ids whose references wasmtime has freed, waiting for JS to forget their values: one queue
/// per runtime (in `OpState`), shared with each of its stores that take `externref`s.
#[derive(Clone, Default)]
pub struct JsRefs(Arc<Mutex<Vec<u32>>>);

impl JsRefs {
  fn lock(&self) -> std::sync::MutexGuard<'_, Vec<u32>> {
    self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
  }
}

/// The host data of an `externref` JS made: the id of its value.
struct Held {
  id: u32,
  freed: JsRefs,
}

impl Drop for Held {
  fn drop(&mut self) {
    self.freed.lock().push(self.id);
  }
}

/// The ids JS may forget: their references are gone (see the module docs). JS calls this now and
/// then as it adds values, so the registry stays as large as what the stores still hold.
///
/// # Examples
///
/// ```ts
/// for (const id of ops.op_wasm_refs_freed()) values[id] = undefined;
/// ```
#[op2]
#[serde]
pub fn op_wasm_refs_freed(state: &mut OpState) -> Vec<u32> {
  state.try_borrow::<JsRefs>().map(|refs| std::mem::take(&mut *refs.lock())).unwrap_or_default()
}

/// Whether `ty` is a type of JS values: `externref`, nullable or not.
pub fn is_ref(ty: &ValType) -> bool {
  matches!(ty, ValType::Ref(r) if matches!(r.heap_type(), HeapType::Extern))
}

/// Whether a store takes `externref`s, and `ty` is a type it passes: a number or an `externref`.
pub fn passes(cx: impl AsContext<Data = StoreData>, ty: &ValType) -> bool {
  match ty {
    ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 => true,
    _ => is_ref(ty) && cx.as_context().data().refs.is_some(),
  }
}

/// The value of type `ty` in one slot, made in the store `cx` reaches: a number as
/// [`slot_to_val`] reads it, or for an `externref` a new reference to the JS value with that id.
/// `Ok(None)` for a type the store does not pass.
///
/// # Errors
/// 5007 for null where the type does not allow it, or if wasmtime cannot allocate the reference.
pub fn to_val(
  mut cx: impl AsContextMut<Data = StoreData>,
  ty: &ValType,
  raw: [u8; SLOT],
) -> Result<Option<Val>, WasmError> {
  if !is_ref(ty) {
    return Ok(slot_to_val(ty, raw));
  }
  let Some(freed) = cx.as_context().data().refs.clone() else {
    return Ok(None);
  };
  let id = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]);
  if id == 0 {
    if matches!(ty, ValType::Ref(r) if !r.is_nullable()) {
      return Err(WasmError::type_error("null given for a non-nullable externref; give a value other than null"));
    }
    return Ok(Some(Val::ExternRef(None)));
  }
  let held = Held { id, freed };
  let made = ExternRef::new(&mut cx, held)
    .map_err(|e| WasmError::type_error(format!("cannot make an externref for a JS value: {e}")))?;
  Ok(Some(Val::ExternRef(Some(made))))
}

/// One slot holding `value`: a number as [`val_to_slot`] writes it, an `externref` as the id of
/// its JS value (0 for null, and for a reference JS did not make, which JS reads as null).
pub fn to_slot(cx: impl AsContext<Data = StoreData>, value: &Val) -> [u8; SLOT] {
  let Val::ExternRef(Some(reference)) = value else {
    return val_to_slot(value);
  };
  let cx = cx.as_context();
  let id = reference.data(&cx).ok().flatten().and_then(|data| data.downcast_ref::<Held>()).map_or(0, |held| held.id);
  u64::from(id).to_le_bytes()
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::limiter::KilnLimiter;
  use wasmtime::{Config, Engine, Instance, Module, RootScope, Store};

  fn store(refs: Option<JsRefs>) -> Store<StoreData> {
    let engine = Engine::new(&Config::new()).unwrap();
    let mut data = StoreData::new(crate::config::GuestWasi::default(), KilnLimiter::new(None, None));
    data.refs = refs;
    Store::new(&engine, data)
  }

  #[test]
  fn ids_round_trip_and_are_freed_with_the_store() {
    let refs = JsRefs::default();
    let mut store = store(Some(refs.clone()));
    {
      let mut scope = RootScope::new(&mut store);
      let val = to_val(&mut scope, &ValType::EXTERNREF, 7u64.to_le_bytes()).unwrap().unwrap();
      assert_eq!(to_slot(&scope, &val), 7u64.to_le_bytes());
      let null = to_val(&mut scope, &ValType::EXTERNREF, [0; SLOT]).unwrap().unwrap();
      assert_eq!(to_slot(&scope, &null), [0; SLOT]);
    }
    assert!(refs.lock().is_empty(), "nothing is freed while the store may still hold it");
    drop(store);
    assert_eq!(*refs.lock(), vec![7]);
  }

  #[test]
  fn a_collected_reference_frees_its_id() {
    let refs = JsRefs::default();
    let mut store = store(Some(refs.clone()));
    let module = Module::new(
      store.engine(),
      r#"(module (table (export "t") 2 externref)
           (func (export "set") (param externref) (table.set (i32.const 0) (local.get 0))))"#,
    )
    .unwrap();
    let future = Instance::new_async(&mut store, &module, &[]);
    let instance = crate::call_sync::block_here(future, None).unwrap().unwrap();
    let table = instance.get_table(&mut store, "t").unwrap();
    for id in [1u64, 2] {
      let mut scope = RootScope::new(&mut store);
      let Val::ExternRef(r) = to_val(&mut scope, &ValType::EXTERNREF, id.to_le_bytes()).unwrap().unwrap() else {
        unreachable!("an externref slot makes an externref")
      };
      table.set(&mut scope, 0, wasmtime::Ref::Extern(r)).unwrap();
    }
    store.gc(None).unwrap();
    assert_eq!(*refs.lock(), vec![1], "the overwritten reference is freed, the stored one kept");
  }

  #[test]
  fn stores_of_runtime_wasm_do_not_pass_references() {
    let store = store(None);
    assert!(!passes(&store, &ValType::EXTERNREF));
    assert!(passes(&store, &ValType::I64));
    let mut store = store;
    assert!(to_val(&mut store, &ValType::EXTERNREF, 3u64.to_le_bytes()).unwrap().is_none());
  }
}
