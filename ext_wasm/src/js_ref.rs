//! `externref` values for Kiln's `WebAssembly` global: any JS value, carried through wasmtime.
//!
//! wasm-bindgen built with reference types (Rust 1.82 and later turn them on) passes JS values to
//! and from the guest as `externref`s and keeps them in an exported `externref` table. JS keeps
//! the values each store holds in an array of that store's (ts/wasm_values.ts, `Refs`), under a
//! number; only the store's own JS objects (its keepers) hold the array, so a value that refers
//! back to the instance (a closure over its exports) is garbage together with them, and the store
//! is dropped (reclaim.rs). An 8-byte slot carries that number (0 for null), and in the store the
//! value is an [`ExternRef`] holding a [`Held`] number. When wasmtime frees the reference (its
//! collector finds it unreachable, or the store is dropped), dropping the `Held` queues the number
//! in the store's [`JsRefs`], and JS forgets the value when it next collects that queue
//! (`op_wasm_refs_freed`, by the key JS gave the store when it made it: [`RefQueues`]). Every slot
//! conversion makes a new reference, so a number is held by exactly one `ExternRef` and freed
//! once. A number JS wrote for an op that fails before it makes the reference (a busy store, a
//! host call cancelled before it reads its reply) is never freed: the store's array keeps that
//! value, one per such failure, until the store goes.
//!
//! Only stores the `WebAssembly` global makes take `externref`s (`StoreData::refs`): runtime:wasm's
//! own API passes numbers, and refuses a signature with any other type (5007, or 5001 for an
//! import), as it always has.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};

use deno_core::{op2, OpState};
use wasmtime::{AsContext, AsContextMut, ExternRef, HeapType, Val, ValType};

use crate::error::WasmError;
use crate::store::StoreData;
use crate::value::{slot_to_val, val_to_slot, SLOT};

/// The numbers of one store's values whose references wasmtime has freed, waiting for JS to
/// forget them: the store's, shared with each `Held` it makes.
#[derive(Clone, Default)]
pub struct JsRefs(Arc<Mutex<Vec<u32>>>);

/// Each store's [`JsRefs`] by the key JS named its values with (ts/wasm_values.ts, `Refs.key`):
/// one table per runtime (in `OpState`), for `op_wasm_refs_freed`. It holds them weakly, so a
/// queue goes with its store and its `Held`s; the entries of those gone are swept out as the
/// table grows.
#[derive(Default)]
pub struct RefQueues(RefCell<Queues>);

#[derive(Default)]
struct Queues {
  by_key: HashMap<u32, Weak<Mutex<Vec<u32>>>>,
  /// The number of entries after the last sweep; the next sweeps at twice as many.
  swept: usize,
}

impl RefQueues {
  /// The queue of a new store whose values JS keeps under `key` (its `Refs.key`); none for key 0,
  /// a store of runtime:wasm's own API, which passes numbers only.
  ///
  /// # Errors
  /// 5007 for a key that is not a whole number from 0 to 2^32 - 1.
  pub fn store(state: &OpState, key: f64) -> Result<Option<JsRefs>, WasmError> {
    if key == 0.0 {
      return Ok(None);
    }
    let Some(key) = whole_u32(key) else {
      return Err(WasmError::type_error(format!(
        "{key} is not a key of a store's JS values; pass a whole number from 1 to 2^32 - 1, or 0 for none"
      )));
    };
    let refs = JsRefs::default();
    let mut queues = state.borrow::<RefQueues>().0.borrow_mut();
    if queues.by_key.len() >= 2 * queues.swept.max(64) {
      queues.by_key.retain(|_, queue| queue.strong_count() > 0);
      queues.swept = queues.by_key.len();
    }
    queues.by_key.insert(key, Arc::downgrade(&refs.0));
    Ok(Some(refs))
  }
}

/// `value` as a u32 if it is a whole number in u32's range.
fn whole_u32(value: f64) -> Option<u32> {
  // In range and whole (NaN fails both), so the cast is exact.
  (value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value)).then_some(value as u32)
}

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

/// The numbers of the store whose values JS keeps under `key` that JS may forget: their references
/// are gone (see the module docs). JS calls this now and then as it adds values to the store, so
/// the store's array stays as large as what the store still holds. Nothing for a key no live
/// store has.
///
/// # Examples
///
/// ```ts
/// for (const id of ops.op_wasm_refs_freed(refs.key)) refs.values[id] = undefined;
/// ```
#[op2]
#[serde]
pub fn op_wasm_refs_freed(state: &mut OpState, key: f64) -> Vec<u32> {
  take_freed(state, key)
}

/// What [`op_wasm_refs_freed`] returns, taken from the queue.
fn take_freed(state: &OpState, key: f64) -> Vec<u32> {
  let queue = whole_u32(key).and_then(|key| {
    let queues = state.try_borrow::<RefQueues>()?.0.borrow();
    queues.by_key.get(&key)?.upgrade()
  });
  queue.map(|queue| std::mem::take(&mut *JsRefs(queue).lock())).unwrap_or_default()
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

  #[test]
  fn each_store_has_its_own_queue_which_goes_with_it() {
    let mut state = OpState::new(None);
    state.put(RefQueues::default());
    assert!(RefQueues::store(&state, 0.0).unwrap().is_none(), "key 0: a store of runtime:wasm's");
    for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 2f64.powi(32)] {
      assert!(RefQueues::store(&state, bad).is_err(), "{bad} is refused");
      assert!(take_freed(&state, bad).is_empty());
    }
    let (one, two) = (RefQueues::store(&state, 1.0).unwrap().unwrap(), RefQueues::store(&state, 2.0).unwrap().unwrap());
    one.lock().extend([4, 5]);
    two.lock().push(9);
    assert_eq!(take_freed(&state, 1.0), vec![4, 5]);
    assert!(take_freed(&state, 1.0).is_empty(), "taken once");
    assert_eq!(take_freed(&state, 2.0), vec![9]);
    assert!(take_freed(&state, 3.0).is_empty(), "no store has key 3");
    drop(one);
    // The queues of stores that are gone are swept out as the table grows.
    for key in 3..200 {
      drop(RefQueues::store(&state, f64::from(key)).unwrap());
    }
    let queues = state.borrow::<RefQueues>().0.borrow();
    assert!(queues.by_key.len() < 100, "{} entries kept", queues.by_key.len());
    assert!(queues.by_key.contains_key(&2), "the live store's queue stays");
  }
}
