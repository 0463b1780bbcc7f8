//! A look at a module's binary without a full parse: does it have a start section?
//!
//! wasmtime's `Module` does not say whether a module has a start function, and instantiation can
//! skip the fiber (and its stack) only when no guest code runs.

/// The start section's id in the binary format.
const START_SECTION: u8 = 8;

/// Whether `bytes` (an already validated module) has a start section. Anything that is not a
/// plain binary module, such as WAT text, answers `true`: the caller then takes the path that can
/// run guest code.
pub fn has_start_section(bytes: &[u8]) -> bool {
  let Some(mut rest) = bytes.strip_prefix(b"\0asm\x01\0\0\0") else { return true };
  while let Some((&id, after_id)) = rest.split_first() {
    let Some((size, after_size)) = read_u32_leb(after_id) else { return true };
    if id == START_SECTION {
      return true;
    }
    let Some(next) = after_size.get(size as usize..) else { return true };
    rest = next;
  }
  false
}

/// An unsigned LEB128 u32 and the bytes after it.
fn read_u32_leb(bytes: &[u8]) -> Option<(u32, &[u8])> {
  let mut value: u32 = 0;
  for (i, &byte) in bytes.iter().enumerate().take(5) {
    value |= u32::from(byte & 0x7f).checked_shl(7 * i as u32)?;
    if byte & 0x80 == 0 {
      return Some((value, &bytes[i + 1..]));
    }
  }
  None
}

#[cfg(test)]
mod tests {
  use super::*;

  fn wasm(text: &str) -> Vec<u8> {
    wat::parse_str(text).unwrap()
  }

  #[test]
  fn finds_the_start_section() {
    assert!(has_start_section(&wasm("(module (func $s) (start $s))")));
    assert!(!has_start_section(&wasm(
      r#"(module (memory 1) (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
         (data (i32.const 0) "hello"))"#
    )));
  }

  #[test]
  fn anything_else_counts_as_having_one() {
    assert!(has_start_section(b"(module)"));
    assert!(has_start_section(b""));
    assert!(has_start_section(b"\0asm\x01\0\0\0\x01\xff\xff\xff\xff\xff"));
    assert!(has_start_section(b"\0asm\x01\0\0\0\x01\x10"));
    assert!(!has_start_section(b"\0asm\x01\0\0\0"));
  }
}
