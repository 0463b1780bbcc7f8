//! Exports that end in bounded time, which `call` runs without a fiber.
//!
//! `await instance.call(...)` runs the guest on a fiber so that a long call can yield to the event
//! loop; entering the guest on a stack of its own and back costs as much as the rest of a short
//! call (BENCHMARKS.md, the thirty-seventh pass). A function whose body has no `loop` and calls
//! nothing (no `call`, `call_indirect`, `memory.grow`, no bulk or table operation) only branches
//! forward: it executes each of its instructions at most once, so it ends (or traps) within the
//! time of its own length, and never reaches a host function that could wait. Such an export,
//! defined by the module itself and built only of the instructions [`allowed`] lists, is run on
//! the calling stack, as a synchronous call is (`call.rs`, `call_sync.rs`); every other export
//! keeps the fiber.
//!
//! The scan reads the bodies of the exported functions only, once per module: where its bytes are
//! read (`compile`, `compileFile` of a file the cache does not know, `kiln compile`), and from the
//! cache's `.source` entry where they are not (artifact_cache.rs). WAT text is converted first.
//! Anything the scan does not understand counts as unbounded.

use std::sync::Arc;

use wasmparser::{ExternalKind, FunctionBody, Imports, Operator, Parser, Payload, TypeRef};

/// The export positions (in the module's export section, which is `Module::exports`' order and
/// the export index Kiln's calls use) of the functions that end in bounded time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoundedExports(Arc<[u32]>);

impl BoundedExports {
  /// The bounded exports of `bytes`, a module's binary or WAT text; none for anything else.
  pub fn of(bytes: &[u8]) -> Self {
    let Ok(binary) = wat::parse_bytes(bytes) else { return Self::default() };
    scan(&binary).map(|positions| Self(positions.into())).unwrap_or_default()
  }

  /// Whether the export at `position` is one.
  pub fn contains(&self, position: usize) -> bool {
    u32::try_from(position).is_ok_and(|p| self.0.binary_search(&p).is_ok())
  }

  /// As a field of a `.source` entry (artifact_cache.rs): the positions joined by commas, or `-`.
  pub fn to_field(&self) -> String {
    if self.0.is_empty() {
      return "-".to_string();
    }
    self.0.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
  }

  /// What [`BoundedExports::to_field`] wrote; `None` for anything else.
  pub fn from_field(field: &str) -> Option<Self> {
    if field == "-" {
      return Some(Self::default());
    }
    let positions = field.split(',').map(|p| p.parse::<u32>().ok()).collect::<Option<Vec<u32>>>()?;
    positions.windows(2).all(|w| w[0] < w[1]).then(|| Self(positions.into()))
  }
}

/// The positions of the exports whose functions end in bounded time, in increasing order.
fn scan(binary: &[u8]) -> wasmparser::Result<Vec<u32>> {
  let mut imported_functions = 0u32;
  // (function index, export position) of every function export.
  let mut exported: Vec<(u32, u32)> = Vec::new();
  let mut positions = Vec::new();
  let mut defined = 0u32;
  for payload in Parser::new(0).parse_all(binary) {
    match payload? {
      Payload::ImportSection(reader) => {
        for group in reader {
          imported_functions += match group? {
            Imports::Single(_, import) => u32::from(is_function(import.ty)),
            Imports::Compact1 { items, .. } => {
              let mut count = 0;
              for item in items {
                count += u32::from(is_function(item?.ty));
              }
              count
            }
            Imports::Compact2 { ty, names, .. } => {
              if is_function(ty) {
                names.count()
              } else {
                0
              }
            }
          };
        }
      }
      Payload::ExportSection(reader) => {
        for (position, export) in (0u32..).zip(reader) {
          let export = export?;
          if matches!(export.kind, ExternalKind::Func | ExternalKind::FuncExact) {
            exported.push((export.index, position));
          }
        }
        exported.sort_unstable();
      }
      Payload::CodeSectionEntry(body) => {
        let index = imported_functions + defined;
        defined += 1;
        let first = exported.partition_point(|&(f, _)| f < index);
        let exports = exported[first..].iter().take_while(|&&(f, _)| f == index);
        if exports.clone().next().is_some() && bounded_body(&body) {
          positions.extend(exports.map(|&(_, position)| position));
        }
        // Nothing after the last exported function's body is read (a 66 MB module's code
        // section has tens of thousands of bodies).
        if exported.last().is_none_or(|&(last, _)| index >= last) {
          break;
        }
      }
      _ => {}
    }
  }
  positions.sort_unstable();
  Ok(positions)
}

fn is_function(ty: TypeRef) -> bool {
  matches!(ty, TypeRef::Func(_) | TypeRef::FuncExact(_))
}

/// Whether every instruction of `body` is one [`allowed`] lists.
fn bounded_body(body: &FunctionBody<'_>) -> bool {
  let Ok(mut reader) = body.get_operators_reader() else { return false };
  while !reader.eof() {
    match reader.read() {
      Ok(op) if allowed(&op) => {}
      _ => return false,
    }
  }
  true
}

/// Defines [`allowed`] from wasmparser's list of every instruction and the proposal it is from.
macro_rules! define_allowed {
  ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
    /// Whether `op` runs in bounded time and leaves control only forward or out of the function:
    /// the core instructions (numbers, locals, globals, loads and stores, forward branches), the
    /// sign-extension and saturating conversions, and SIMD, but not `loop`, a call, or
    /// `memory.grow`. The instructions of every other proposal (bulk memory, tables, tail calls,
    /// exceptions, GC, threads' waits, stack switching) are not looked into and count as unbounded.
    fn allowed(op: &Operator<'_>) -> bool {
      match op {
        $( Operator::$op { .. } => proposal_allowed(stringify!($proposal), stringify!($op)), )*
        _ => false,
      }
    }
  };
}
wasmparser::for_each_operator!(define_allowed);

fn proposal_allowed(proposal: &str, op: &str) -> bool {
  match proposal {
    "mvp" => !matches!(op, "Loop" | "Call" | "CallIndirect" | "MemoryGrow"),
    "sign_extension" | "saturating_float_to_int" | "simd" | "relaxed_simd" => true,
    _ => false,
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn bounded(text: &str) -> Vec<u32> {
    BoundedExports::of(text.as_bytes()).0.to_vec()
  }

  #[test]
  fn straight_line_and_forward_branching_exports_are_bounded() {
    let module = r#"(module
      (import "env" "f" (func $f (param i32) (result i32)))
      (memory (export "memory") 1)
      (global $g (mut i32) (i32.const 0))
      (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
      (func (export "branchy") (param i32) (result i32)
        (block $out (result i32)
          (if (result i32) (local.get 0) (then (i32.const 1)) (else (i32.const 2)))
          (br_table $out $out (local.get 0))))
      (func (export "memory_and_globals") (param i32) (result f64)
        (i32.store (local.get 0) (global.get $g))
        (global.set $g (i32.load8_u (local.get 0)))
        (f64.convert_i32_s (i32.trunc_sat_f32_s (f32.const 1.5)))
        (drop (memory.size))
        (drop (i32.extend8_s (i32.const 255))))
      (func (export "simd") (result i32) (i32x4.extract_lane 0 (i32x4.splat (i32.const 7))))
      (func (export "traps") unreachable)
      (func (export "loops") (loop $l (br_if $l (i32.const 0))))
      (func (export "calls") (param i32) (result i32) (call $f (local.get 0)))
      (func (export "calls_indirect") (call_indirect (i32.const 0)))
      (func (export "grows") (result i32) (memory.grow (i32.const 1)))
      (func (export "fills") (memory.fill (i32.const 0) (i32.const 0) (i32.const 65536)))
      (export "add_again" (func 1))
      (export "reexported_import" (func $f))
      (table 1 funcref))"#;
    // Positions: memory 0, add 1, branchy 2, memory_and_globals 3, simd 4, traps 5, loops 6,
    // calls 7, calls_indirect 8, grows 9, fills 10, add_again 11, reexported_import 12.
    assert_eq!(bounded(module), vec![1, 2, 3, 4, 5, 11]);
  }

  #[test]
  fn bodies_after_the_last_exported_one_are_not_read() {
    // The scan stops after `b`'s body: the functions after it are neither exported nor looked at.
    let module = r#"(module (func $a (loop)) (func (export "b") (result i32) i32.const 1) (func $c) (func $d (loop)))"#;
    assert_eq!(bounded(module), vec![0]);
    assert_eq!(bounded(r#"(module (func $a (loop)) (memory (export "m") 1))"#), Vec::<u32>::new());
  }

  #[test]
  fn anything_unreadable_counts_as_unbounded() {
    assert_eq!(bounded("(module"), Vec::<u32>::new());
    assert_eq!(BoundedExports::of(b"\0asm\x01\0\0\0\x07\x05"), BoundedExports::default());
    assert!(!BoundedExports::default().contains(0));
  }

  #[test]
  fn the_field_round_trips() {
    let some = BoundedExports::of(br#"(module (func (export "a")) (func (export "b") (loop)) (func (export "c")))"#);
    assert_eq!(some.to_field(), "0,2");
    assert!(some.contains(0) && !some.contains(1) && some.contains(2));
    assert_eq!(BoundedExports::from_field(&some.to_field()), Some(some));
    assert_eq!(BoundedExports::from_field("-"), Some(BoundedExports::default()));
    assert_eq!(BoundedExports::default().to_field(), "-");
    for bad in ["", "1,", "x", "2,1", "1,1", "-1"] {
      assert_eq!(BoundedExports::from_field(bad), None, "{bad:?}");
    }
  }
}
