//! Exports of a uniform shape: every parameter an i32 and the result, if any, an i32; or the
//! same with f64. They run as wasmtime `TypedFunc`s wherever a call goes through
//! `ExportFunc::call_async` (store.rs): `call` of the common shape (call.rs), and a synchronous
//! `exports` call of a module with imports (call_sync.rs). `call`'s slot path goes through it
//! too, but its shapes (an i64, more than three parameters, several results) are never uniform;
//! a store with JS host functions calls the plain `Func`.
//!
//! `Func::call_async` looks the function's type up in the engine's registry twice per call (a
//! lock and several reference counts) and checks each argument against it; a `TypedFunc` was
//! checked once, when it was made, and passes its arguments as they are. For `await
//! instance.call("add", i, 1)` that is about 900 of 14,800 instructions, and more of its time, as
//! the reference counts are atomic (BENCHMARKS.md, the twenty-fourth pass).
//!
//! Only the uniform shapes get typed functions, as the issue that asked for specialised calls
//! suggested (all-i32, all-f64): each shape is a copy of wasmtime's async call machinery in the
//! binary, and up to three parameters of three types with four kinds of result would be 160.
//! Other shapes of the common kind (shape.rs) take `Func::call_async`.

use wasmtime::{AsContextMut, Func, Store, TypedFunc, Val, WasmTy};

use crate::shape::{Num, NumberShape};
use crate::store::StoreData;

/// A uniform export as a typed function.
pub enum Uniform {
  I32(Typed<i32>),
  F64(Typed<f64>),
}

/// A typed function of `arity` parameters of type `T`, with or without a result of type `T`
/// (the variants ending in `Void`).
pub enum Typed<T> {
  Arity0(TypedFunc<(), T>),
  Arity0Void(TypedFunc<(), ()>),
  Arity1(TypedFunc<T, T>),
  Arity1Void(TypedFunc<T, ()>),
  Arity2(TypedFunc<(T, T), T>),
  Arity2Void(TypedFunc<(T, T), ()>),
  Arity3(TypedFunc<(T, T, T), T>),
  Arity3Void(TypedFunc<(T, T, T), ()>),
}

/// A value type a uniform shape is made of.
pub trait Lane: WasmTy + Copy + Default + Send + Sync + 'static {
  /// The lane in a `Val` of its own type; the default for any other.
  fn of(val: &Val) -> Self;
  fn val(self) -> Val;
}

impl Lane for i32 {
  fn of(val: &Val) -> Self {
    val.i32().unwrap_or_default()
  }
  fn val(self) -> Val {
    Val::I32(self)
  }
}

impl Lane for f64 {
  fn of(val: &Val) -> Self {
    val.f64().unwrap_or_default()
  }
  fn val(self) -> Val {
    Val::F64(self.to_bits())
  }
}

impl Uniform {
  /// `func` as a typed function, if `shape` is uniform. `None` for any other shape, and if
  /// wasmtime does not agree that the types match (it checks them here, once).
  pub fn of(func: &Func, store: &Store<StoreData>, shape: &NumberShape) -> Option<Self> {
    let params = &shape.params[..shape.arity];
    // `() -> ()` is uniform too, of either lane.
    let lane = params.first().copied().or(shape.result).unwrap_or(Num::I32);
    if params.iter().any(|p| *p != lane) || shape.result.is_some_and(|r| r != lane) {
      return None;
    }
    let result = shape.result.is_some();
    match lane {
      Num::I32 => Typed::of(func, store, shape.arity, result).map(Self::I32),
      Num::F64 => Typed::of(func, store, shape.arity, result).map(Self::F64),
      Num::F32 => None,
    }
  }

  /// Calls it with `params` (of its types, as `call` loaded them), leaving its result, if any,
  /// in `results[0]`.
  ///
  /// # Errors
  /// The call's own error (a trap, the deadline, a WASI exit).
  pub async fn call(
    &self,
    store: impl AsContextMut<Data = StoreData>,
    params: &[Val],
    results: &mut [Val],
  ) -> wasmtime::Result<()> {
    match self {
      Self::I32(f) => f.call(store, params, results).await,
      Self::F64(f) => f.call(store, params, results).await,
    }
  }
}

impl<T: Lane> Typed<T> {
  fn of(func: &Func, store: &Store<StoreData>, arity: usize, result: bool) -> Option<Self> {
    Some(match (arity, result) {
      (0, true) => Self::Arity0(func.typed(store).ok()?),
      (0, false) => Self::Arity0Void(func.typed(store).ok()?),
      (1, true) => Self::Arity1(func.typed(store).ok()?),
      (1, false) => Self::Arity1Void(func.typed(store).ok()?),
      (2, true) => Self::Arity2(func.typed(store).ok()?),
      (2, false) => Self::Arity2Void(func.typed(store).ok()?),
      (3, true) => Self::Arity3(func.typed(store).ok()?),
      (3, false) => Self::Arity3Void(func.typed(store).ok()?),
      _ => return None,
    })
  }

  async fn call(
    &self,
    mut store: impl AsContextMut<Data = StoreData>,
    params: &[Val],
    results: &mut [Val],
  ) -> wasmtime::Result<()> {
    let arg = |i: usize| params.get(i).map_or_else(T::default, T::of);
    let store = store.as_context_mut();
    let result = match self {
      Self::Arity0(f) => Some(f.call_async(store, ()).await?),
      Self::Arity0Void(f) => f.call_async(store, ()).await.map(|()| None)?,
      Self::Arity1(f) => Some(f.call_async(store, arg(0)).await?),
      Self::Arity1Void(f) => f.call_async(store, arg(0)).await.map(|()| None)?,
      Self::Arity2(f) => Some(f.call_async(store, (arg(0), arg(1))).await?),
      Self::Arity2Void(f) => f.call_async(store, (arg(0), arg(1))).await.map(|()| None)?,
      Self::Arity3(f) => Some(f.call_async(store, (arg(0), arg(1), arg(2))).await?),
      Self::Arity3Void(f) => f.call_async(store, (arg(0), arg(1), arg(2))).await.map(|()| None)?,
    };
    if let (Some(value), Some(slot)) = (result, results.first_mut()) {
      *slot = value.val();
    }
    Ok(())
  }
}

#[cfg(test)]
mod tests {
  use wasmtime::{Engine, Func, FuncType, Store, ValType};

  use super::{Typed, Uniform};
  use crate::shape::Shape;
  use crate::store::StoreData;

  /// Which lane and variant a host function of `params -> results` gets, if any.
  fn typed(params: &[ValType], results: &[ValType]) -> Option<String> {
    let engine = Engine::default();
    let mut store = Store::new(&engine, StoreData::new(Default::default(), Default::default()));
    let ty = FuncType::new(&engine, params.iter().cloned(), results.iter().cloned());
    let func = Func::new(&mut store, ty.clone(), |_, _, _| Ok(()));
    let numbers = Shape::of(&ty).numbers?;
    Uniform::of(&func, &store, &numbers).map(|u| match u {
      Uniform::I32(t) => format!("i32 {}", variant(&t)),
      Uniform::F64(t) => format!("f64 {}", variant(&t)),
    })
  }

  fn variant<T>(t: &Typed<T>) -> &'static str {
    match t {
      Typed::Arity0(_) => "0",
      Typed::Arity0Void(_) => "0 void",
      Typed::Arity1(_) => "1",
      Typed::Arity1Void(_) => "1 void",
      Typed::Arity2(_) => "2",
      Typed::Arity2Void(_) => "2 void",
      Typed::Arity3(_) => "3",
      Typed::Arity3Void(_) => "3 void",
    }
  }

  #[test]
  fn uniform_shapes_get_typed_functions_and_others_do_not() {
    use ValType::{F32, F64, I32, I64};
    assert_eq!(typed(&[I32, I32], &[I32]).as_deref(), Some("i32 2"));
    assert_eq!(typed(&[I32], &[]).as_deref(), Some("i32 1 void"));
    assert_eq!(typed(&[], &[]).as_deref(), Some("i32 0 void"));
    assert_eq!(typed(&[], &[F64]).as_deref(), Some("f64 0"));
    assert_eq!(typed(&[F64, F64, F64], &[F64]).as_deref(), Some("f64 3"));
    assert_eq!(typed(&[F64, F64, F64], &[]).as_deref(), Some("f64 3 void"));
    // Mixed, f32, and shapes outside the common one keep `Func::call_async`.
    assert_eq!(typed(&[I32, F64], &[I32]), None);
    assert_eq!(typed(&[I32], &[F64]), None);
    assert_eq!(typed(&[F32], &[F32]), None);
    assert_eq!(typed(&[I64], &[I64]), None);
    assert_eq!(typed(&[I32, I32, I32, I32], &[]), None);
  }
}
