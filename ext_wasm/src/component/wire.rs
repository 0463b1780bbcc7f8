//! Component values between JS and Rust: one byte buffer per call, laid out by the WIT types of
//! the function (`ts/wasm_component.ts` writes and reads the same layout, and checks each value
//! against its type first, naming the parameter path in its errors).
//!
//! Little-endian, packed, in type order: `bool`, `s8`, `u8` one byte; `s16`, `u16` two; `s32`,
//! `u32`, `f32` and `char` (a scalar value) four; `s64`, `u64`, `f64` eight. A string or
//! `list<u8>` is a u32 byte length and the bytes (UTF-8 for strings); another list a u32 count and
//! the elements. Records and tuples are their members in order; a variant or enum a u32 case
//! index (and the case's payload); flags a u32 bitmask per 32 flags; an option or result a byte
//! (0 none/ok, 1 some/err) and the payload if there is one. A resource is an f64 handle of the
//! instance's resource table.
//!
//! A synchronous call may lend its largest `list<u8>` instead of copying it into the buffer: its
//! length is then written as `LENT` (no JS array can be that long) and its bytes are the op's
//! second buffer, taken once.
//!
//! Nothing here trusts the buffer: a short buffer, a bad discriminant or invalid UTF-8 is 5007.

use wasmtime::component::{ResourceAny, Type, Val};

use crate::error::WasmError;
use crate::handles::HandleTable;

/// The length that stands for the lent `list<u8>` (see the module's documentation).
const LENT: u32 = u32::MAX;

/// Reads values out of an argument buffer.
pub struct Reader<'a> {
  bytes: &'a [u8],
  at: usize,
  /// The lent `list<u8>`, until it is read.
  lent: Option<&'a [u8]>,
}

fn malformed(what: &str) -> WasmError {
  WasmError::type_error(format!("the component value buffer is malformed ({what}); this is a bug in Kiln's JS side"))
}

impl<'a> Reader<'a> {
  pub fn new(bytes: &'a [u8]) -> Self {
    Self { bytes, at: 0, lent: None }
  }

  /// A reader of `bytes` whose lent `list<u8>` is `lent`.
  pub fn lending(bytes: &'a [u8], lent: &'a [u8]) -> Self {
    Self { bytes, at: 0, lent: Some(lent) }
  }

  fn take(&mut self, n: usize) -> Result<&'a [u8], WasmError> {
    let end = self.at.checked_add(n).filter(|end| *end <= self.bytes.len()).ok_or_else(|| malformed("too short"))?;
    let out = &self.bytes[self.at..end];
    self.at = end;
    Ok(out)
  }

  fn array<const N: usize>(&mut self) -> Result<[u8; N], WasmError> {
    let mut out = [0; N];
    out.copy_from_slice(self.take(N)?);
    Ok(out)
  }

  fn u32(&mut self) -> Result<u32, WasmError> {
    Ok(u32::from_le_bytes(self.array()?))
  }

  fn len(&mut self) -> Result<usize, WasmError> {
    Ok(self.u32()? as usize)
  }

  /// Whether every byte was read, the lent `list<u8>` too.
  pub fn done(&self) -> bool {
    self.at == self.bytes.len() && self.lent.is_none_or(<[u8]>::is_empty)
  }
}

/// The resources of a component instance that JS holds: handles are their ids.
pub type Resources = HandleTable<ResourceAny>;

/// Reads one value of type `ty`.
pub fn read(ty: &Type, r: &mut Reader, resources: &mut Resources) -> Result<Val, WasmError> {
  Ok(match ty {
    Type::Bool => match r.array::<1>()?[0] {
      0 => Val::Bool(false),
      1 => Val::Bool(true),
      _ => return Err(malformed("bool")),
    },
    Type::S8 => Val::S8(i8::from_le_bytes(r.array()?)),
    Type::U8 => Val::U8(r.array::<1>()?[0]),
    Type::S16 => Val::S16(i16::from_le_bytes(r.array()?)),
    Type::U16 => Val::U16(u16::from_le_bytes(r.array()?)),
    Type::S32 => Val::S32(i32::from_le_bytes(r.array()?)),
    Type::U32 => Val::U32(r.u32()?),
    Type::S64 => Val::S64(i64::from_le_bytes(r.array()?)),
    Type::U64 => Val::U64(u64::from_le_bytes(r.array()?)),
    Type::Float32 => Val::Float32(f32::from_le_bytes(r.array()?)),
    Type::Float64 => Val::Float64(f64::from_le_bytes(r.array()?)),
    Type::Char => Val::Char(char::from_u32(r.u32()?).ok_or_else(|| malformed("char"))?),
    Type::String => {
      let n = r.len()?;
      Val::String(String::from_utf8(r.take(n)?.to_vec()).map_err(|_| malformed("utf-8"))?)
    }
    Type::List(list) => {
      let n = r.len()?;
      match list.ty() {
        // One copy: the patched wasmtime stores a `Val::Bytes` with one more (patches/README.md).
        Type::U8 if n == LENT as usize => Val::Bytes(r.lent.take().ok_or_else(|| malformed("lent list"))?.to_vec()),
        Type::U8 => Val::Bytes(r.take(n)?.to_vec()),
        element => {
          // Each element takes at least a byte (or is a zero-sized record/tuple, which a count
          // past the buffer's size cannot be made of honestly either).
          if n > r.bytes.len() {
            return Err(malformed("list length"));
          }
          let mut out = Vec::with_capacity(n);
          for _ in 0..n {
            out.push(read(&element, r, resources)?);
          }
          Val::List(out)
        }
      }
    }
    Type::Record(record) => {
      let mut fields = Vec::with_capacity(record.fields().len());
      for field in record.fields() {
        fields.push((field.name.to_string(), read(&field.ty, r, resources)?));
      }
      Val::Record(fields)
    }
    Type::Tuple(tuple) => {
      let mut items = Vec::with_capacity(tuple.types().len());
      for t in tuple.types() {
        items.push(read(&t, r, resources)?);
      }
      Val::Tuple(items)
    }
    Type::Variant(variant) => {
      let index = r.u32()? as usize;
      let case = variant.cases().nth(index).ok_or_else(|| malformed("variant case"))?;
      let payload = match &case.ty {
        Some(t) => Some(Box::new(read(t, r, resources)?)),
        None => None,
      };
      Val::Variant(case.name.to_string(), payload)
    }
    Type::Enum(e) => {
      let index = r.u32()? as usize;
      Val::Enum(e.names().nth(index).ok_or_else(|| malformed("enum case"))?.to_string())
    }
    Type::Flags(flags) => {
      let count = flags.names().len();
      let mut words = Vec::with_capacity(count.div_ceil(32));
      for _ in 0..count.div_ceil(32) {
        words.push(r.u32()?);
      }
      let set = flags.names().enumerate().filter(|(i, _)| words[i / 32] & (1 << (i % 32)) != 0);
      Val::Flags(set.map(|(_, n)| n.to_string()).collect())
    }
    Type::Option(option) => match r.array::<1>()?[0] {
      0 => Val::Option(None),
      1 => Val::Option(Some(Box::new(read(&option.ty(), r, resources)?))),
      _ => return Err(malformed("option")),
    },
    Type::Result(result) => {
      let ok = match r.array::<1>()?[0] {
        0 => true,
        1 => false,
        _ => return Err(malformed("result")),
      };
      let side = if ok { result.ok() } else { result.err() };
      let payload = match side {
        Some(t) => Some(Box::new(read(&t, r, resources)?)),
        None => None,
      };
      Val::Result(if ok { Ok(payload) } else { Err(payload) })
    }
    Type::Own(_) | Type::Borrow(_) => {
      let raw = f64::from_le_bytes(r.array()?);
      let id = crate::handles::parse_id(raw).ok_or_else(|| malformed("resource handle"))?;
      let resource = match ty {
        // An owned handle moves into the guest: JS can no longer use it.
        Type::Own(_) => resources.remove(id),
        _ => resources.get(id).copied(),
      };
      Val::Resource(resource.ok_or_else(|| {
        WasmError::invalid_instance(
          "a resource passed to the component was already dropped, or moved into the guest by an \
           earlier call that took it as `own`",
        )
      })?)
    }
    other => {
      return Err(WasmError::type_error(format!(
        "Kiln cannot pass values of the WIT type {} yet",
        crate::component::types::wit(other, &mut Default::default())
      )))
    }
  })
}

/// Writes `val` of type `ty`; owned resources are added to `resources`, and JS gets their ids.
pub fn write(ty: &Type, val: &Val, out: &mut Vec<u8>, resources: &mut Resources) -> Result<(), WasmError> {
  let mismatch = || WasmError::call(format!("the component returned a value that is not of its type {ty:?}"));
  match (ty, val) {
    (Type::Bool, Val::Bool(b)) => out.push(*b as u8),
    (Type::S8, Val::S8(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::U8, Val::U8(v)) => out.push(*v),
    (Type::S16, Val::S16(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::U16, Val::U16(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::S32, Val::S32(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::U32, Val::U32(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::S64, Val::S64(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::U64, Val::U64(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::Float32, Val::Float32(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::Float64, Val::Float64(v)) => out.extend_from_slice(&v.to_le_bytes()),
    (Type::Char, Val::Char(c)) => out.extend_from_slice(&(*c as u32).to_le_bytes()),
    (Type::String, Val::String(s)) => {
      write_len(s.len(), out)?;
      out.extend_from_slice(s.as_bytes());
    }
    // What the patched wasmtime lifts a `list<u8>` to (patches/README.md).
    (Type::List(list), Val::Bytes(bytes)) if list.ty() == Type::U8 => {
      write_len(bytes.len(), out)?;
      out.extend_from_slice(bytes);
    }
    (Type::List(list), Val::List(items)) => {
      write_len(items.len(), out)?;
      match list.ty() {
        Type::U8 => {
          out.reserve(items.len());
          for item in items {
            let Val::U8(b) = item else { return Err(mismatch()) };
            out.push(*b);
          }
        }
        element => {
          for item in items {
            write(&element, item, out, resources)?;
          }
        }
      }
    }
    (Type::Record(record), Val::Record(fields)) => {
      for (field, (_, value)) in record.fields().zip(fields) {
        write(&field.ty, value, out, resources)?;
      }
    }
    (Type::Tuple(tuple), Val::Tuple(items)) => {
      for (t, item) in tuple.types().zip(items) {
        write(&t, item, out, resources)?;
      }
    }
    (Type::Variant(variant), Val::Variant(name, payload)) => {
      let (index, case) = variant.cases().enumerate().find(|(_, c)| c.name == name).ok_or_else(mismatch)?;
      out.extend_from_slice(&(index as u32).to_le_bytes());
      if let (Some(t), Some(value)) = (&case.ty, payload) {
        write(t, value, out, resources)?;
      }
    }
    (Type::Enum(e), Val::Enum(name)) => {
      let index = e.names().position(|n| n == name).ok_or_else(mismatch)?;
      out.extend_from_slice(&(index as u32).to_le_bytes());
    }
    (Type::Flags(flags), Val::Flags(set)) => {
      let mut words = vec![0u32; flags.names().len().div_ceil(32)];
      for (i, name) in flags.names().enumerate() {
        if set.iter().any(|s| s == name) {
          words[i / 32] |= 1 << (i % 32);
        }
      }
      words.iter().for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
    }
    (Type::Option(option), Val::Option(value)) => match value {
      None => out.push(0),
      Some(value) => {
        out.push(1);
        write(&option.ty(), value, out, resources)?;
      }
    },
    (Type::Result(result), Val::Result(value)) => {
      let (tag, side, payload) = match value {
        Ok(payload) => (0, result.ok(), payload),
        Err(payload) => (1, result.err(), payload),
      };
      out.push(tag);
      if let (Some(t), Some(value)) = (side, payload) {
        write(&t, value, out, resources)?;
      }
    }
    (Type::Own(_) | Type::Borrow(_), Val::Resource(resource)) => {
      let id = resources
        .insert(*resource)
        .ok_or_else(|| WasmError::call("resource handles are exhausted; drop the resources you no longer need"))?;
      out.extend_from_slice(&(id as f64).to_le_bytes());
    }
    _ => return Err(mismatch()),
  }
  Ok(())
}

fn write_len(n: usize, out: &mut Vec<u8>) -> Result<(), WasmError> {
  let n = u32::try_from(n).map_err(|_| WasmError::call("a component value is longer than 4 GiB"))?;
  out.extend_from_slice(&n.to_le_bytes());
  Ok(())
}
