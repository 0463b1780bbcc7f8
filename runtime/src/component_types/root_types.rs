//! Top-level type exports, as type imports, for wit-parser's decoder.
//!
//! A hand-written component names the types of its top-level functions by exporting them,
//! `(export "item" (type $item-def))`; wit-component (and so every toolchain) names them with an
//! import instead, `(import "item" (type (eq $item-def)))`, and wit-parser's decoder reads only
//! that form: it rejects a top-level type export. [`as_imports`] rewrites the first form into the
//! second in a copy that is only read for its WIT. Both forms give the type a new index at the
//! same place, so every other index stays as it was.

use wasmparser::{BinaryReader, ComponentExport, ComponentExternalKind, SectionLimited};

/// The ids of the component sections this rewrites (component model binary format).
const IMPORT_SECTION: u8 = 10;
const EXPORT_SECTION: u8 = 11;

/// `component` with its top-level type exports made `eq` type imports of the same names; `None`
/// when it has none, or cannot be read this far (the decoder then says why).
///
/// A resource exported at the top level cannot be read this way (nor any other: WIT has no world
/// that exports a bare resource); the decoder then says that it has no name.
pub fn as_imports(component: &[u8]) -> Option<Vec<u8>> {
  let mut out = component.get(..8)?.to_vec();
  let mut pos = 8;
  let mut changed = false;
  while pos < component.len() {
    let id = component[pos];
    let mut reader = BinaryReader::new(&component[pos + 1..], pos + 1);
    let size = usize::try_from(reader.read_var_u32().ok()?).ok()?;
    let start = reader.original_position();
    let end = start.checked_add(size)?;
    let contents = component.get(start..end)?;
    if id == EXPORT_SECTION && rewrite_exports(contents, start, &mut out)? {
      changed = true;
    } else {
      out.extend_from_slice(&component[pos..end]);
    }
    pos = end;
  }
  changed.then_some(out)
}

/// Appends the export section `contents` (at offset `start` of the component) to `out`, its type
/// exports as import sections in their places. `Some(false)` (nothing appended) when it has no
/// type export.
fn rewrite_exports(contents: &[u8], start: usize, out: &mut Vec<u8>) -> Option<bool> {
  let section = SectionLimited::<ComponentExport>::new(BinaryReader::new(contents, start)).ok()?;
  let mut items = Vec::new(); // (is a type, the item's bytes as an export or an import)
  let mut offsets = section.into_iter_with_offsets().peekable();
  while let Some(item) = offsets.next() {
    let (offset, export) = item.ok()?;
    let end = match offsets.peek() {
      Some(Ok((next, _))) => *next,
      _ => start + contents.len(),
    };
    let bytes = contents.get(offset.checked_sub(start)?..end.checked_sub(start)?)?;
    if export.kind == ComponentExternalKind::Type {
      let mut import = vec![0x00]; // a plain name
      leb128(&mut import, u32::try_from(export.name.name.len()).ok()?);
      import.extend_from_slice(export.name.name.as_bytes());
      import.extend_from_slice(&[0x03, 0x00]); // a type, bounded by `eq`
      leb128(&mut import, export.index);
      items.push((true, import));
    } else {
      items.push((false, bytes.to_vec()));
    }
  }
  if !items.iter().any(|(is_type, _)| *is_type) {
    return Some(false);
  }
  // Runs of exports and of imports, each its own section, in the original order.
  for run in items.chunk_by(|a, b| a.0 == b.0) {
    let mut body = Vec::new();
    leb128(&mut body, u32::try_from(run.len()).ok()?);
    for (_, bytes) in run {
      body.extend_from_slice(bytes);
    }
    out.push(if run[0].0 { IMPORT_SECTION } else { EXPORT_SECTION });
    leb128(out, u32::try_from(body.len()).ok()?);
    out.extend_from_slice(&body);
  }
  Some(true)
}

/// Appends `value` as an unsigned LEB128.
fn leb128(out: &mut Vec<u8>, mut value: u32) {
  loop {
    let byte = (value & 0x7f) as u8;
    value >>= 7;
    if value == 0 {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn type_exports_become_type_imports_in_place() {
    let exported = wat::parse_str(
      r#"(component
        (type $r (record (field "x" u32)))
        (export $e "point" (type $r))
        (core module $m (func (export "f") (param i32) (result i32) local.get 0))
        (core instance $i (instantiate $m))
        (func $f (param "p" $e) (result u32) (canon lift (core func $i "f")))
        (export "f" (func $f))
        (export "point2" (type $e)))"#,
    )
    .unwrap();
    let imported = wat::parse_str(
      r#"(component
        (type $r (record (field "x" u32)))
        (import "point" (type $e (eq $r)))
        (core module $m (func (export "f") (param i32) (result i32) local.get 0))
        (core instance $i (instantiate $m))
        (func $f (param "p" $e) (result u32) (canon lift (core func $i "f")))
        (export "f" (func $f))
        (import "point2" (type (eq $e))))"#,
    )
    .unwrap();
    assert_eq!(as_imports(&exported).unwrap(), imported);
    assert_eq!(as_imports(&imported), None);
    assert_eq!(leb_of(300), [0xac, 0x02]);
  }

  fn leb_of(value: u32) -> Vec<u8> {
    let mut out = Vec::new();
    leb128(&mut out, value);
    out
  }
}
