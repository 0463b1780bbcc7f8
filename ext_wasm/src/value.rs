//! Call values between JS and wasm, without serde: each value is one 8-byte little-endian slot in
//! a buffer the JS side fills (arguments) and reads back (results), laid out as the export's
//! signature says.
//!
//! Slot encodings: i32 in the low 4 bytes (two's complement), i64 in all 8, f32 as its IEEE bits in
//! the low 4 bytes, f64 as its IEEE bits.

use serde::Serialize;
use wasmtime::{FuncType, Val, ValRaw, ValType};

use crate::error::WasmError;

pub const SLOT: usize = 8;

/// A WebAssembly value type Kiln passes between JS and wasm: i32, f32 and f64 as `number`,
/// i64 as `bigint`.
///
/// # Examples
///
/// ```ts
/// const value = types.f64(2.5); // value.type is the WasmValueType "f64"
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WasmValueType {
  I32,
  I64,
  F32,
  F64,
}

/// A value type Kiln reports in signatures but cannot pass: calling a function that has one
/// fails with TypeError (5007).
///
/// # Examples
///
/// ```ts
/// const simd = (await instance.getExports()).some((e) => e.params?.includes("v128"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OpaqueValueType {
  V128,
  Funcref,
  Externref,
}

/// A type in an export's signature, as `getExports()` names it.
///
/// # Examples
///
/// ```ts
/// const [add] = (await instance.getExports()).filter((e) => e.name === "add");
/// console.log(add.params); // ["i32", "i32"]
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ExportValueType {
  Value(WasmValueType),
  Opaque(OpaqueValueType),
}

impl ExportValueType {
  pub fn of(ty: &ValType) -> Self {
    match ty {
      ValType::I32 => Self::Value(WasmValueType::I32),
      ValType::I64 => Self::Value(WasmValueType::I64),
      ValType::F32 => Self::Value(WasmValueType::F32),
      ValType::F64 => Self::Value(WasmValueType::F64),
      ValType::V128 => Self::Opaque(OpaqueValueType::V128),
      ValType::Ref(r) if r.heap_type().is_func() => Self::Opaque(OpaqueValueType::Funcref),
      ValType::Ref(_) => Self::Opaque(OpaqueValueType::Externref),
    }
  }

  /// The name `getExports()` gives it.
  pub fn name(self) -> &'static str {
    match self {
      Self::Value(WasmValueType::I32) => "i32",
      Self::Value(WasmValueType::I64) => "i64",
      Self::Value(WasmValueType::F32) => "f32",
      Self::Value(WasmValueType::F64) => "f64",
      Self::Opaque(OpaqueValueType::V128) => "v128",
      Self::Opaque(OpaqueValueType::Funcref) => "funcref",
      Self::Opaque(OpaqueValueType::Externref) => "externref",
    }
  }
}

/// Slots a call of `ty` needs: enough for its arguments and for its results.
pub fn slots_needed(ty: &FuncType) -> usize {
  ty.params().len().max(ty.results().len())
}

pub fn slot(buf: &[u8], index: usize) -> [u8; 8] {
  let mut out = [0u8; 8];
  out.copy_from_slice(&buf[index * SLOT..(index + 1) * SLOT]);
  out
}

pub fn unsupported(name: &str, ty: &ValType, role: &str) -> WasmError {
  WasmError::type_error(format!(
    "`{name}` has a {} {role}; Kiln passes only i32, i64, f32 and f64 values",
    ExportValueType::of(ty).name()
  ))
}

/// Decodes the arguments of `ty` from `buf` into `out`.
///
/// # Errors
/// 5007 if the buffer is too short or the signature has a type Kiln cannot represent.
pub fn read_params(name: &str, ty: &FuncType, buf: &[u8], out: &mut Vec<Val>) -> Result<(), WasmError> {
  if buf.len() < slots_needed(ty) * SLOT {
    return Err(WasmError::type_error(format!(
      "call of `{name}`: the value buffer holds {} bytes, the signature needs {}",
      buf.len(),
      slots_needed(ty) * SLOT
    )));
  }
  out.clear();
  for (i, param) in ty.params().enumerate() {
    out.push(slot_to_val(&param, slot(buf, i)).ok_or_else(|| unsupported(name, &param, "parameter"))?);
  }
  Ok(())
}

/// The value of type `ty` in one slot; `None` for a type Kiln does not pass.
pub fn slot_to_val(ty: &ValType, raw: [u8; SLOT]) -> Option<Val> {
  let low = [raw[0], raw[1], raw[2], raw[3]];
  match ty {
    ValType::I32 => Some(Val::I32(i32::from_le_bytes(low))),
    ValType::I64 => Some(Val::I64(i64::from_le_bytes(raw))),
    ValType::F32 => Some(Val::F32(u32::from_le_bytes(low))),
    ValType::F64 => Some(Val::F64(u64::from_le_bytes(raw))),
    _ => None,
  }
}

/// One slot holding `value` (zero for a type Kiln does not pass).
pub fn val_to_slot(value: &Val) -> [u8; SLOT] {
  match *value {
    Val::I32(v) => (v as u32 as u64).to_le_bytes(),
    Val::I64(v) => v.to_le_bytes(),
    Val::F32(bits) => (bits as u64).to_le_bytes(),
    Val::F64(bits) => bits.to_le_bytes(),
    _ => [0; SLOT],
  }
}

/// Placeholder results for `ty`, checking first that every result type can be returned to JS.
pub fn prepare_results(name: &str, ty: &FuncType, out: &mut Vec<Val>) -> Result<(), WasmError> {
  out.clear();
  for result in ty.results() {
    match result {
      ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64 => out.push(Val::I32(0)),
      other => return Err(unsupported(name, &other, "result")),
    }
  }
  Ok(())
}

/// Encodes `results` into the first slots of `buf` (already checked to be long enough).
pub fn write_results(results: &[Val], buf: &mut [u8]) {
  for (i, value) in results.iter().enumerate() {
    buf[i * SLOT..(i + 1) * SLOT].copy_from_slice(&val_to_slot(value));
  }
}

/// The JS number of an i32, f32 or f64 value; `None` for any other.
pub fn val_to_number(value: &Val) -> Option<f64> {
  match *value {
    Val::I32(v) => Some(f64::from(v)),
    Val::F32(bits) => Some(f64::from(f32::from_bits(bits))),
    Val::F64(bits) => Some(f64::from_bits(bits)),
    _ => None,
  }
}

/// A numeric value in wasmtime's raw form; any other is zero (callers only pass numbers).
pub fn val_to_raw(value: &Val) -> ValRaw {
  match *value {
    Val::I32(v) => ValRaw::i32(v),
    Val::I64(v) => ValRaw::i64(v),
    Val::F32(bits) => ValRaw::f32(bits),
    Val::F64(bits) => ValRaw::f64(bits),
    _ => ValRaw::i64(0),
  }
}

/// The raw value `raw` read as the numeric type `ty` (f64 for any non-numeric type, which callers
/// have already refused).
pub fn raw_to_val(ty: &ValType, raw: &ValRaw) -> Val {
  match ty {
    ValType::I32 => Val::I32(raw.get_i32()),
    ValType::I64 => Val::I64(raw.get_i64()),
    ValType::F32 => Val::F32(raw.get_f32()),
    _ => Val::F64(raw.get_f64()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use wasmtime::Engine;

  #[test]
  fn round_trip_all_four_types() {
    let engine = Engine::default();
    let ty = FuncType::new(&engine, [ValType::I32, ValType::I64, ValType::F32, ValType::F64], []);
    let mut buf = vec![0u8; 32];
    buf[0..4].copy_from_slice(&(-7i32).to_le_bytes());
    buf[8..16].copy_from_slice(&i64::MIN.to_le_bytes());
    buf[16..20].copy_from_slice(&1.5f32.to_bits().to_le_bytes());
    buf[24..32].copy_from_slice(&2.25f64.to_bits().to_le_bytes());
    let mut vals = Vec::new();
    read_params("f", &ty, &buf, &mut vals).unwrap();
    assert_eq!(vals[0].unwrap_i32(), -7);
    assert_eq!(vals[1].unwrap_i64(), i64::MIN);
    assert_eq!(vals[2].unwrap_f32(), 1.5);
    assert_eq!(vals[3].unwrap_f64(), 2.25);
    let mut out = vec![0u8; 32];
    write_results(&vals, &mut out);
    assert_eq!(out, buf);
  }

  #[test]
  fn short_buffer_is_a_type_error() {
    let engine = Engine::default();
    let ty = FuncType::new(&engine, [ValType::I32], []);
    let err = read_params("f", &ty, &[0u8; 4], &mut Vec::new()).unwrap_err();
    assert_eq!(err.code(), crate::error::ErrorCode::TypeError);
  }
}

#[cfg(test)]
mod names {
  use super::*;

  #[test]
  fn serialized_names_are_the_reported_names() {
    for ty in
      [ValType::I32, ValType::I64, ValType::F32, ValType::F64, ValType::V128, ValType::FUNCREF, ValType::EXTERNREF]
    {
      let t = ExportValueType::of(&ty);
      assert_eq!(serde_json::to_value(t).unwrap(), serde_json::Value::from(t.name()));
    }
  }
}
