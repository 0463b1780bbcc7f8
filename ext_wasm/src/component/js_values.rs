//! Component values read from JS values and made into JS values in Rust, with no byte buffer
//! between: the direct path of `instance.exports` calls (direct.rs).
//!
//! `ts/wasm_wit_codec.ts` does the same in JS, through a buffer (wire.rs), and QuickJS interprets
//! it: each property read, type test and byte written is a few bytecodes. Here they are calls of the
//! JS engine's API. A function takes this path when all its types have a [`Shape`]; a value that
//! does not fit its shape is *refused*, not named: the op then hands the call to the JS path,
//! which converts it or throws the error that names the misfit, so every message still comes from
//! one place (ts/wasm_wit.ts). What is accepted is exactly what the JS encoders accept, read in the
//! same order (a record's `Object.keys` first, then its fields in the type's order), so getters and
//! proxies see the same reads; results are made as `decode` makes them.

use deno_core::v8;
use wasmtime::component::{LentBytes, Type, Val};

use super::types::camel;

/// The types of the direct path, with what converting a value needs precomputed: the JS names of
/// a record's fields, the names of cases. Made once per exported function (`Shape::of`).
pub enum Shape {
  Bool,
  S8,
  U8,
  S16,
  U16,
  S32,
  U32,
  F32,
  F64,
  Char,
  String,
  /// `list<u8>`: a `Uint8Array`.
  Bytes,
  List(Box<Shape>),
  Record(Vec<Field>),
  Tuple(Vec<Shape>),
  Variant(Vec<(String, Option<Shape>)>),
  Enum(Vec<String>),
  /// Of a type that is not itself an option (`{ tag: "some" }` nesting is the JS path's).
  Option(Box<Shape>),
  Result(Option<Box<Shape>>, Option<Box<Shape>>),
}

pub struct Field {
  /// The WIT name (wasmtime checks a record's field names), and the JS (camelCase) one.
  wit: String,
  js: String,
  shape: Shape,
}

impl Shape {
  /// The shape of `ty`, or `None` for a type whose values take the JS path: 64-bit integers
  /// (BigInts), flags, resources (which move between tables), an option of an option, and what
  /// Kiln cannot pass at all.
  pub fn of(ty: &Type) -> Option<Shape> {
    let boxed = |ty: &Type| Shape::of(ty).map(Box::new);
    Some(match ty {
      Type::Bool => Shape::Bool,
      Type::S8 => Shape::S8,
      Type::U8 => Shape::U8,
      Type::S16 => Shape::S16,
      Type::U16 => Shape::U16,
      Type::S32 => Shape::S32,
      Type::U32 => Shape::U32,
      Type::Float32 => Shape::F32,
      Type::Float64 => Shape::F64,
      Type::Char => Shape::Char,
      Type::String => Shape::String,
      Type::List(list) => match list.ty() {
        Type::U8 => Shape::Bytes,
        element => Shape::List(boxed(&element)?),
      },
      Type::Record(record) => Shape::Record(
        record
          .fields()
          .map(|f| Some(Field { wit: f.name.to_string(), js: camel(f.name), shape: Shape::of(&f.ty)? }))
          .collect::<Option<_>>()?,
      ),
      Type::Tuple(tuple) => Shape::Tuple(tuple.types().map(|t| Shape::of(&t)).collect::<Option<_>>()?),
      Type::Variant(variant) => Shape::Variant(
        variant
          .cases()
          .map(|c| match &c.ty {
            Some(t) => Some((c.name.to_string(), Some(Shape::of(t)?))),
            None => Some((c.name.to_string(), None)),
          })
          .collect::<Option<_>>()?,
      ),
      Type::Enum(e) => Shape::Enum(e.names().map(str::to_string).collect()),
      Type::Option(option) => match option.ty() {
        Type::Option(_) => return None,
        inner => Shape::Option(boxed(&inner)?),
      },
      Type::Result(result) => {
        let ok = match result.ok() {
          Some(t) => Some(boxed(&t)?),
          None => None,
        };
        let err = match result.err() {
          Some(t) => Some(boxed(&t)?),
          None => None,
        };
        Shape::Result(ok, err)
      }
      _ => return None,
    })
  }
}

/// Why a JS value was not converted.
#[derive(Debug)]
pub enum Stop {
  /// It does not fit its shape (the JS path names why, or converts it).
  Refused,
  /// A getter or proxy trap threw: the exception is pending, and reaches the caller when the op
  /// returns.
  Threw,
}

type Read<T> = Result<T, Stop>;

/// The value of JS number `v` if it is an integer in `[lo, hi]` (`-0` is 0), as the JS
/// encoders' truncation identities accept.
fn int(v: &v8::Value, lo: f64, hi: f64) -> Read<f64> {
  let x = crate::call_sync::number(v).ok_or(Stop::Refused)?;
  // An integer in range converts to i64 and back unchanged (`fract` is a libm call: shape.rs).
  if (lo..=hi).contains(&x) && x as i64 as f64 == x {
    Ok(x)
  } else {
    Err(Stop::Refused)
  }
}

/// Whether `v` is an object to JS's `typeof` (not `null`, not a function).
fn is_object(v: &v8::Value) -> bool {
  v.is_object() && !v.is_function()
}

fn key<'s>(scope: &mut v8::PinScope<'s, '_>, name: &str) -> Read<v8::Local<'s, v8::Value>> {
  v8::String::new(scope, name).map(Into::into).ok_or(Stop::Threw)
}

/// Whether JS string `s` is `name`. WIT names are ASCII, and one of up to `ROOM - 1` bytes is
/// compared through a buffer on the stack, read in one pass (the JS engine's `length` of a
/// string is a pass of its own).
fn is(scope: &mut v8::PinScope<'_, '_>, s: v8::Local<v8::String>, name: &str) -> bool {
  const ROOM: usize = 64;
  if !name.is_ascii() || name.len() >= ROOM {
    return s.to_rust_string_lossy(scope) == name;
  }
  // A longer string fills more than `name.len()` bytes, so it cannot compare equal.
  let mut buf = [0u8; ROOM];
  let n = s.write_utf8_v2(scope, &mut buf, v8::WriteFlags::kReplaceInvalidUtf8, None);
  buf.get(..n) == Some(name.as_bytes())
}

/// JS string `s` as UTF-8, as `core.encode` makes it (a lone surrogate becomes U+FFFD). A short
/// one is read in one pass through a buffer on the stack.
fn utf8(scope: &mut v8::PinScope<'_, '_>, s: v8::Local<v8::String>) -> String {
  const ROOM: usize = 256;
  let mut buf = [0u8; ROOM];
  let n = s.write_utf8_v2(scope, &mut buf, v8::WriteFlags::kReplaceInvalidUtf8, None);
  // With room for one more character (at most 4 bytes) left, the whole string was written.
  if n + 4 <= ROOM {
    if let Ok(text) = std::str::from_utf8(&buf[..n]) {
      return text.to_string();
    }
  }
  deno_core::serde_v8::to_utf8(s, scope)
}

/// The one of `names` (each named by `name`) that JS string `s` is.
fn find<'n, T>(
  scope: &mut v8::PinScope<'_, '_>,
  s: v8::Local<v8::String>,
  names: &'n [T],
  name: impl Fn(&T) -> &str,
) -> Option<&'n T> {
  names.iter().find(|n| is(scope, s, name(n)))
}

/// `object[name]`, running getters and proxy traps as JS does.
fn get<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  object: v8::Local<'s, v8::Value>,
  name: v8::Local<'s, v8::Value>,
) -> Read<v8::Local<'s, v8::Value>> {
  let object = v8::Local::<v8::Object>::try_from(object).map_err(|_| Stop::Refused)?;
  object.get(scope, name).ok_or(Stop::Threw)
}

/// The elements of JS array `v`, of which there must be `n` if given.
fn elements<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  v: v8::Local<'s, v8::Value>,
  n: Option<usize>,
  shape: &Shape,
  lent: &mut Vec<Lent<'s>>,
) -> Read<Vec<Val>> {
  let array = v8::Local::<v8::Array>::try_from(v).map_err(|_| Stop::Refused)?;
  let len = array.length();
  if n.is_some_and(|n| n != len as usize) {
    return Err(Stop::Refused);
  }
  let mut out = Vec::with_capacity(len as usize);
  for i in 0..len {
    let item = array.get_index(scope, i).ok_or(Stop::Threw)?;
    out.push(to_val(scope, shape, item, lent)?);
  }
  Ok(out)
}

/// The component value of JS value `v` of shape `shape`.
pub fn to_val<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  shape: &Shape,
  v: v8::Local<'s, v8::Value>,
  lent: &mut Vec<Lent<'s>>,
) -> Read<Val> {
  Ok(match shape {
    Shape::Bool if v.is_boolean() => Val::Bool(v.is_true()),
    Shape::S8 => Val::S8(int(&v, i8::MIN.into(), i8::MAX.into())? as i8),
    Shape::U8 => Val::U8(int(&v, 0.0, u8::MAX.into())? as u8),
    Shape::S16 => Val::S16(int(&v, i16::MIN.into(), i16::MAX.into())? as i16),
    Shape::U16 => Val::U16(int(&v, 0.0, u16::MAX.into())? as u16),
    Shape::S32 => Val::S32(int(&v, i32::MIN.into(), i32::MAX.into())? as i32),
    Shape::U32 => Val::U32(int(&v, 0.0, u32::MAX.into())? as u32),
    Shape::F32 => Val::Float32(crate::call_sync::number(&v).ok_or(Stop::Refused)? as f32),
    Shape::F64 => Val::Float64(crate::call_sync::number(&v).ok_or(Stop::Refused)?),
    Shape::Char => {
      // One UTF-16 unit that is no surrogate; a pair (outside the BMP) is the JS path's.
      let s = v8::Local::<v8::String>::try_from(v).map_err(|_| Stop::Refused)?;
      if s.length() != 1 {
        return Err(Stop::Refused);
      }
      let mut unit = [0u16; 1];
      s.write_v2(scope, 0, &mut unit, v8::WriteFlags::empty());
      Val::Char(char::from_u32(unit[0].into()).ok_or(Stop::Refused)?)
    }
    Shape::String => {
      let s = v8::Local::<v8::String>::try_from(v).map_err(|_| Stop::Refused)?;
      Val::String(utf8(scope, s))
    }
    Shape::Bytes => bytes(scope, v, lent)?,
    Shape::List(element) => Val::List(elements(scope, v, None, element, lent)?),
    Shape::Tuple(shapes) => {
      let array = v8::Local::<v8::Array>::try_from(v).map_err(|_| Stop::Refused)?;
      if array.length() as usize != shapes.len() {
        return Err(Stop::Refused);
      }
      let mut out = Vec::with_capacity(shapes.len());
      for (i, shape) in (0u32..).zip(shapes) {
        let item = array.get_index(scope, i).ok_or(Stop::Threw)?;
        out.push(to_val(scope, shape, item, lent)?);
      }
      Val::Tuple(out)
    }
    Shape::Record(fields) => Val::Record(record(scope, fields, v, lent)?),
    Shape::Variant(cases) => {
      if !is_object(&v) {
        return Err(Stop::Refused);
      }
      let name = key(scope, "tag")?;
      let tag = get(scope, v, name)?;
      let tag = v8::Local::<v8::String>::try_from(tag).map_err(|_| Stop::Refused)?;
      let (case, payload) = find(scope, tag, cases, |(case, _)| case).ok_or(Stop::Refused)?;
      let payload = match payload {
        Some(shape) => {
          let name = key(scope, "val")?;
          let val = get(scope, v, name)?;
          Some(Box::new(to_val(scope, shape, val, lent)?))
        }
        None => None,
      };
      Val::Variant(case.clone(), payload)
    }
    Shape::Enum(cases) => {
      let s = v8::Local::<v8::String>::try_from(v).map_err(|_| Stop::Refused)?;
      Val::Enum(find(scope, s, cases, String::as_str).ok_or(Stop::Refused)?.clone())
    }
    Shape::Option(_) if v.is_undefined() => Val::Option(None),
    Shape::Option(inner) => Val::Option(Some(Box::new(to_val(scope, inner, v, lent)?))),
    Shape::Result(ok, err) => {
      if !is_object(&v) {
        return Err(Stop::Refused);
      }
      let name = key(scope, "tag")?;
      let tag = get(scope, v, name)?;
      let tag = v8::Local::<v8::String>::try_from(tag).map_err(|_| Stop::Refused)?;
      let is_ok = match (is(scope, tag, "ok"), is(scope, tag, "err")) {
        (true, _) => true,
        (_, true) => false,
        _ => return Err(Stop::Refused),
      };
      let payload = match if is_ok { ok } else { err } {
        Some(shape) => {
          let name = key(scope, "val")?;
          let val = get(scope, v, name)?;
          Some(Box::new(to_val(scope, shape, val, lent)?))
        }
        None => None,
      };
      Val::Result(if is_ok { Ok(payload) } else { Err(payload) })
    }
    Shape::Bool => return Err(Stop::Refused),
  })
}

/// A record's fields: `v` must be an object (not an array) whose own enumerable keys are all
/// fields of the record; a field it lacks is `undefined` (only an option may be).
fn record<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  fields: &[Field],
  v: v8::Local<'s, v8::Value>,
  lent: &mut Vec<Lent<'s>>,
) -> Read<Vec<(String, Val)>> {
  if !is_object(&v) || v.is_array() {
    return Err(Stop::Refused);
  }
  let object = v8::Local::<v8::Object>::try_from(v).map_err(|_| Stop::Refused)?;
  // `Object.keys(v)`: own, enumerable, string keys.
  let args = v8::GetPropertyNamesArgs {
    mode: v8::KeyCollectionMode::OwnOnly,
    property_filter: v8::PropertyFilter::ONLY_ENUMERABLE | v8::PropertyFilter::SKIP_SYMBOLS,
    index_filter: v8::IndexFilter::IncludeIndices,
    key_conversion: v8::KeyConversionMode::ConvertToString,
  };
  let keys = object.get_own_property_names(scope, args).ok_or(Stop::Threw)?;
  if keys.length() as usize > fields.len() {
    return Err(Stop::Refused);
  }
  // Each field's key as the object holds it, so a read makes no new string.
  let mut held: [Option<v8::Local<v8::Value>>; 8] = [None; 8];
  for i in 0..keys.length() {
    let k = keys.get_index(scope, i).ok_or(Stop::Threw)?;
    let name = v8::Local::<v8::String>::try_from(k).map_err(|_| Stop::Refused)?;
    let at = fields.iter().position(|f| is(scope, name, &f.js)).ok_or(Stop::Refused)?;
    if let Some(slot) = held.get_mut(at) {
      *slot = Some(k);
    }
  }
  let mut out = Vec::with_capacity(fields.len());
  for (i, field) in fields.iter().enumerate() {
    let name = match held.get(i).copied().flatten() {
      Some(k) => k,
      None => key(scope, &field.js)?,
    };
    let value = object.get(scope, name).ok_or(Stop::Threw)?;
    out.push((field.wit.clone(), to_val(scope, &field.shape, value, lent)?));
  }
  Ok(out)
}

/// A `Uint8Array` whose bytes a [`Val::LentBytes`] borrows, as it was when they were read.
pub struct Lent<'s> {
  view: v8::Local<'s, v8::Uint8Array>,
  ptr: *const u8,
  len: usize,
}

impl Lent<'_> {
  /// Whether the array still holds the bytes lent. JS may run after a `list<u8>` is read (the
  /// getters of later arguments), and may detach or shrink its buffer; once every argument is
  /// read, no JS runs until the call ends, so bytes that are still there stay there.
  pub fn holds(&self) -> bool {
    let len = self.view.byte_length();
    len == self.len && (len == 0 || self.view.data().cast_const().cast::<u8>() == self.ptr)
  }
}

/// Below this many bytes a copy costs less than lending (which asks the JS engine for the
/// array's buffer, and again after the arguments are read); ts/wasm_wit_bytes.ts lends from
/// the same size.
const LEND_MIN: usize = 8192;

/// A `list<u8>`: the bytes of a `Uint8Array`, lent to wasmtime (one copy, into the guest), or
/// copied if they are few or its buffer is shared (another thread may write it meanwhile).
fn bytes<'s>(scope: &mut v8::PinScope<'s, '_>, v: v8::Local<'s, v8::Value>, lent: &mut Vec<Lent<'s>>) -> Read<Val> {
  let view = v8::Local::<v8::Uint8Array>::try_from(v).map_err(|_| Stop::Refused)?;
  let len = view.byte_length();
  if len < LEND_MIN || view.buffer(scope).is_none_or(|buffer| buffer.is_shared_array_buffer()) {
    let mut bytes = Vec::with_capacity(len);
    let copied = view.copy_contents_uninit(bytes.spare_capacity_mut());
    // SAFETY: `copy_contents_uninit` initialised the first `copied` bytes, at most the capacity.
    unsafe { bytes.set_len(copied.min(len)) };
    return Ok(Val::Bytes(bytes));
  }
  let ptr = view.data().cast_const().cast::<u8>();
  if ptr.is_null() {
    return Err(Stop::Refused);
  }
  // SAFETY: the view's `len` bytes at `ptr` are its buffer's, which `view` keeps alive for the
  // op's scope. The caller checks with `Lent::holds` that they are still there once every
  // argument is read, clears the call's parameters before the op returns, and runs no JS in
  // between (direct.rs), so they stay alive and unchanged while the value is used.
  let bytes = unsafe { LentBytes::new(std::slice::from_raw_parts(ptr, len)) };
  lent.push(Lent { view, ptr, len });
  Ok(Val::LentBytes(bytes))
}

/// The JS value of component value `val` of shape `shape`, as `decode` (ts/wasm_wit.ts) makes
/// it; `None` if the JS engine cannot make it (a string too long).
pub fn to_js<'s>(scope: &mut v8::PinScope<'s, '_>, shape: &Shape, val: Val) -> Option<v8::Local<'s, v8::Value>> {
  let number = |scope: &mut v8::PinScope<'s, '_>, x: f64| Some(v8::Number::new(scope, x).into());
  match (shape, val) {
    (_, Val::Bool(b)) => Some(v8::Boolean::new(scope, b).into()),
    (_, Val::S8(x)) => number(scope, x.into()),
    (_, Val::U8(x)) => number(scope, x.into()),
    (_, Val::S16(x)) => number(scope, x.into()),
    (_, Val::U16(x)) => number(scope, x.into()),
    (_, Val::S32(x)) => number(scope, x.into()),
    (_, Val::U32(x)) => number(scope, x.into()),
    (_, Val::Float32(x)) => number(scope, x.into()),
    (_, Val::Float64(x)) => number(scope, x),
    (_, Val::Char(c)) => v8::String::new(scope, c.encode_utf8(&mut [0; 4])).map(Into::into),
    (_, Val::String(s)) => v8::String::new_from_utf8(scope, s.as_bytes(), v8::NewStringType::Normal).map(Into::into),
    (_, Val::Bytes(bytes)) => Some(uint8_array(scope, bytes)),
    (Shape::Bytes, Val::List(items)) => {
      let bytes = items.into_iter().map(|v| if let Val::U8(b) = v { b } else { 0 }).collect();
      Some(uint8_array(scope, bytes))
    }
    (Shape::List(element), Val::List(items)) => {
      let items = items.into_iter().map(|v| to_js(scope, element, v)).collect::<Option<Vec<_>>>()?;
      Some(v8::Array::new_with_elements(scope, &items).into())
    }
    (Shape::Tuple(shapes), Val::Tuple(items)) => {
      let items = shapes.iter().zip(items).map(|(s, v)| to_js(scope, s, v)).collect::<Option<Vec<_>>>()?;
      Some(v8::Array::new_with_elements(scope, &items).into())
    }
    (Shape::Record(fields), Val::Record(values)) => {
      let object = v8::Object::new(scope);
      for (field, (_, value)) in fields.iter().zip(values) {
        let value = to_js(scope, &field.shape, value)?;
        let name = v8::String::new(scope, &field.js)?;
        object.create_data_property(scope, name.into(), value)?;
      }
      Some(object.into())
    }
    (Shape::Variant(cases), Val::Variant(tag, payload)) => {
      let payload = match (cases.iter().find(|(case, _)| *case == tag), payload) {
        (Some((_, Some(shape))), Some(value)) => Some(to_js(scope, shape, *value)?),
        _ => None,
      };
      tagged(scope, &tag, payload, false)
    }
    (_, Val::Enum(name)) => v8::String::new(scope, &name).map(Into::into),
    (_, Val::Option(None)) => Some(v8::undefined(scope).into()),
    (Shape::Option(inner), Val::Option(Some(value))) => to_js(scope, inner, *value),
    (Shape::Result(ok, err), Val::Result(result)) => {
      let (tag, shape, payload) = match result {
        Ok(payload) => ("ok", ok, payload),
        Err(payload) => ("err", err, payload),
      };
      let payload = match (shape, payload) {
        (Some(shape), Some(value)) => Some(to_js(scope, shape, *value)?),
        _ => None,
      };
      tagged(scope, tag, payload, true)
    }
    // A value of another shape than its type's: wasmtime lifted it by the same type, so this is
    // not reached; `undefined` rather than a panic.
    _ => Some(v8::undefined(scope).into()),
  }
}

/// `{ tag, val }`; without `val` when there is no payload, unless `always` (a result's `val` is
/// present and `undefined`).
fn tagged<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  tag: &str,
  payload: Option<v8::Local<'s, v8::Value>>,
  always: bool,
) -> Option<v8::Local<'s, v8::Value>> {
  let object = v8::Object::new(scope);
  let name = v8::String::new(scope, "tag")?;
  let tag = v8::String::new(scope, tag)?;
  object.create_data_property(scope, name.into(), tag.into())?;
  if payload.is_some() || always {
    let name = v8::String::new(scope, "val")?;
    let value = payload.unwrap_or_else(|| v8::undefined(scope).into());
    object.create_data_property(scope, name.into(), value)?;
  }
  Some(object.into())
}

/// A new `Uint8Array` over `bytes`, which it takes (no copy).
fn uint8_array<'s>(scope: &mut v8::PinScope<'s, '_>, bytes: Vec<u8>) -> v8::Local<'s, v8::Value> {
  let n = bytes.len();
  let store = v8::ArrayBuffer::new_backing_store_from_vec(bytes).make_shared();
  let buffer = v8::ArrayBuffer::with_backing_store(scope, &store);
  match v8::Uint8Array::new(scope, buffer, 0, n) {
    Some(array) => array.into(),
    None => v8::undefined(scope).into(),
  }
}
