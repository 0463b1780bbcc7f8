//! A look at a module's binary without a full parse: does it have a start section, and how big
//! is its code?
//!
//! wasmtime's `Module` does not say whether a module has a start function, and instantiation can
//! skip the fiber (and its stack) only when no guest code runs. The code section's size and
//! function count feed the progress estimate of a long compile (`progress.rs`), before wasmtime
//! has parsed anything.

/// The start section's id in the binary format.
const START_SECTION: u8 = 8;
/// The code section's id: the function bodies wasmtime compiles.
const CODE_SECTION: u8 = 10;

/// The size of a module's code section: what the compiler works through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeSize {
  /// The number of function bodies.
  pub functions: u32,
  /// The code section's size in bytes.
  pub bytes: u64,
}

/// The code section of a binary module, or `None` for anything else (WAT text, a truncated or
/// malformed binary). A module without a code section has no functions to compile.
pub fn code_size(bytes: &[u8]) -> Option<CodeSize> {
  let mut rest = bytes.strip_prefix(b"\0asm\x01\0\0\0")?;
  while let Some((&id, after_id)) = rest.split_first() {
    let (size, after_size) = read_u32_leb(after_id)?;
    let body = after_size.get(..size as usize)?;
    if id == CODE_SECTION {
      let (functions, _) = read_u32_leb(body)?;
      return Some(CodeSize { functions, bytes: u64::from(size) });
    }
    rest = &after_size[size as usize..];
  }
  Some(CodeSize { functions: 0, bytes: 0 })
}

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
  fn measures_the_code_section() {
    let module = wasm(r#"(module (func) (func (result i32) i32.const 7) (func $s) (start $s))"#);
    let size = code_size(&module).unwrap();
    assert_eq!(size.functions, 3);
    assert!(size.bytes > 3, "{size:?}");
    assert_eq!(code_size(&wasm("(module (memory 1))")), Some(CodeSize { functions: 0, bytes: 0 }));
    assert_eq!(code_size(b"(module)"), None);
    assert_eq!(code_size(b"\0asm\x01\0\0\0\x0a\x10"), None);
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
