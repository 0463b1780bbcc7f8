//! What a core WebAssembly module imports and exports, read from its binary with wasmparser (the
//! type, import, function, global and export sections; the code is not read, and nothing is
//! validated: compiling the module does that).

use wasmparser::{CompositeInnerType, ExternalKind, Operator, Parser, Payload, TypeRef, ValType};

/// A value type as the JS side sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Val {
  I32,
  I64,
  F32,
  F64,
  /// `v128` or a reference: `runtime:wasm` cannot pass these to or from JS.
  Other,
}

impl Val {
  fn of(ty: ValType) -> Self {
    match ty {
      ValType::I32 => Self::I32,
      ValType::I64 => Self::I64,
      ValType::F32 => Self::F32,
      ValType::F64 => Self::F64,
      ValType::V128 | ValType::Ref(_) => Self::Other,
    }
  }

  /// The name `runtime:wasm` gives the type in messages.
  pub fn name(self) -> &'static str {
    match self {
      Self::I32 => "i32",
      Self::I64 => "i64",
      Self::F32 => "f32",
      Self::F64 => "f64",
      Self::Other => "v128/reference",
    }
  }
}

/// A function type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signature {
  pub params: Vec<Val>,
  pub results: Vec<Val>,
}

impl Signature {
  /// `(i32, i32) -> i32`, as messages show it.
  pub fn text(&self) -> String {
    let list = |types: &[Val]| types.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ");
    let results = match self.results.as_slice() {
      [] => "()".to_string(),
      [one] => one.name().to_string(),
      many => format!("({})", list(many)),
    };
    format!("({}) -> {results}", list(&self.params))
  }
}

/// The kind of an import, with its type.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportKind {
  Function(Signature),
  Global { ty: Val, mutable: bool },
  Memory,
  Table,
  Tag,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Import {
  pub module: String,
  pub name: String,
  pub kind: ImportKind,
}

/// The value of an immutable global whose initializer is a constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Constant {
  I32(i32),
  I64(i64),
  F32(f32),
  F64(f64),
}

/// What an export is, as the module's ES module form exports it (see `wasm_module`).
#[derive(Debug, Clone, PartialEq)]
pub enum ExportKind {
  Function(Signature),
  /// The module's first exported memory: `instance.memory`.
  Memory,
  /// An immutable global with a constant initializer: its value.
  Constant(Constant),
  /// Not exported to JS; the reason, for documentation and tests.
  Skipped(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Export {
  pub name: String,
  pub kind: ExportKind,
}

/// A module's imports and exports, in the order of its sections.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interface {
  pub imports: Vec<Import>,
  pub exports: Vec<Export>,
}

/// What a binary is, by its preamble.
pub enum Kind {
  Module,
  Component,
  NotWasm,
}

/// Tells a core module from a component (or neither) by the 8-byte preamble.
pub fn kind(bytes: &[u8]) -> Kind {
  match bytes.get(..8) {
    // Magic, a 16-bit version, then the layer: 0 for a module, 1 for a component.
    Some([0, b'a', b's', b'm', _, _, 0, 0]) => Kind::Module,
    Some([0, b'a', b's', b'm', _, _, 1, 0]) => Kind::Component,
    _ => Kind::NotWasm,
  }
}

/// Reads the imports and exports of the core module `bytes`.
///
/// # Errors
/// The parser's message (with the byte offset) when the sections read here are malformed.
pub fn read(bytes: &[u8]) -> Result<Interface, String> {
  let mut types: Vec<Option<Signature>> = Vec::new();
  // The type of each function, then each global, by index (imports first, as the index spaces
  // count them).
  let mut functions: Vec<Option<Signature>> = Vec::new();
  let mut globals: Vec<Global> = Vec::new();
  let mut interface = Interface::default();
  let mut exports = Vec::new();
  for payload in Parser::new(0).parse_all(bytes) {
    match payload.map_err(|e| e.to_string())? {
      Payload::TypeSection(section) => {
        for group in section {
          for sub in group.map_err(|e| e.to_string())?.types() {
            types.push(match &sub.composite_type.inner {
              CompositeInnerType::Func(f) => Some(Signature {
                params: f.params().iter().copied().map(Val::of).collect(),
                results: f.results().iter().copied().map(Val::of).collect(),
              }),
              _ => None,
            });
          }
        }
      }
      Payload::ImportSection(section) => {
        for import in section.into_imports() {
          let import = import.map_err(|e| e.to_string())?;
          let kind = match import.ty {
            TypeRef::Func(index) | TypeRef::FuncExact(index) => {
              let signature = signature(&types, index)?;
              functions.push(Some(signature.clone()));
              ImportKind::Function(signature)
            }
            TypeRef::Global(g) => {
              globals.push(Global { ty: Val::of(g.content_type), constant: None, imported: true });
              ImportKind::Global { ty: Val::of(g.content_type), mutable: g.mutable }
            }
            TypeRef::Memory(_) => ImportKind::Memory,
            TypeRef::Table(_) => ImportKind::Table,
            TypeRef::Tag(_) => ImportKind::Tag,
          };
          interface.imports.push(Import { module: import.module.into(), name: import.name.into(), kind });
        }
      }
      Payload::FunctionSection(section) => {
        for index in section {
          functions.push(Some(signature(&types, index.map_err(|e| e.to_string())?)?));
        }
      }
      Payload::GlobalSection(section) => {
        for global in section {
          let global = global.map_err(|e| e.to_string())?;
          let constant = if global.ty.mutable { None } else { constant(&global.init_expr) };
          globals.push(Global { ty: Val::of(global.ty.content_type), constant, imported: false });
        }
      }
      Payload::ExportSection(section) => {
        for export in section {
          let export = export.map_err(|e| e.to_string())?;
          exports.push((export.name.to_string(), export.kind, export.index));
        }
      }
      _ => {}
    }
  }
  let mut memory_seen = false;
  for (name, kind, index) in exports {
    let kind = match kind {
      ExternalKind::Func | ExternalKind::FuncExact => match functions.get(index as usize) {
        Some(Some(signature)) => ExportKind::Function(signature.clone()),
        _ => return Err(format!("the export {name:?} names function {index}, which the module does not have")),
      },
      ExternalKind::Memory if !memory_seen => {
        memory_seen = true;
        ExportKind::Memory
      }
      ExternalKind::Memory => ExportKind::Skipped("a second memory (instance.memory is the first)"),
      ExternalKind::Global => match globals.get(index as usize) {
        Some(Global { constant: Some(value), .. }) => ExportKind::Constant(*value),
        Some(Global { imported: true, .. }) => ExportKind::Skipped("an imported global"),
        Some(Global { ty: Val::Other, .. }) => ExportKind::Skipped("a v128 or reference global"),
        Some(_) => ExportKind::Skipped("a mutable global, or one not initialized by a constant"),
        None => return Err(format!("the export {name:?} names global {index}, which the module does not have")),
      },
      ExternalKind::Table => ExportKind::Skipped("a table"),
      ExternalKind::Tag => ExportKind::Skipped("a tag"),
    };
    interface.exports.push(Export { name, kind });
  }
  Ok(interface)
}

struct Global {
  ty: Val,
  constant: Option<Constant>,
  imported: bool,
}

fn signature(types: &[Option<Signature>], index: u32) -> Result<Signature, String> {
  match types.get(index as usize) {
    Some(Some(signature)) => Ok(signature.clone()),
    Some(None) => Err(format!("type {index} is not a function type")),
    None => Err(format!("type {index} is out of range")),
  }
}

/// The value of a constant expression that is one `*.const` (then `end`).
fn constant(expr: &wasmparser::ConstExpr) -> Option<Constant> {
  let mut ops = expr.get_operators_reader();
  let value = match ops.read().ok()? {
    Operator::I32Const { value } => Constant::I32(value),
    Operator::I64Const { value } => Constant::I64(value),
    Operator::F32Const { value } => Constant::F32(f32::from_bits(value.bits())),
    Operator::F64Const { value } => Constant::F64(f64::from_bits(value.bits())),
    _ => return None,
  };
  matches!(ops.read().ok()?, Operator::End).then_some(value)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn interface(wat: &str) -> Interface {
    read(&wat::parse_str(wat).unwrap()).unwrap()
  }

  #[test]
  fn reads_imports_and_exports_with_their_types() {
    let i = interface(
      r#"(module
        (import "./host.js" "log" (func (param i32 i64)))
        (import "./host.js" "limit" (global i32))
        (import "./mem.wasm" "m" (memory 1))
        (func $add (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
        (func (export "pair") (result f32 f64) f32.const 1 f64.const 2)
        (export "log again" (func 0))
        (memory (export "mem2") 1)
        (global (export "answer") i64 (i64.const 42))
        (global (export "pi") f32 (f32.const 1.5))
        (global (export "counter") (mut i32) (i32.const 0))
        (global (export "copy") i32 (global.get 0))
        (export "limit" (global 0))
        (table (export "table") 1 funcref))"#,
    );
    assert_eq!(i.imports.len(), 3);
    assert_eq!(
      i.imports[0].kind,
      ImportKind::Function(Signature { params: vec![Val::I32, Val::I64], results: vec![] })
    );
    assert_eq!(i.imports[1].kind, ImportKind::Global { ty: Val::I32, mutable: false });
    assert_eq!(i.imports[2].kind, ImportKind::Memory);
    let kinds: Vec<(&str, &ExportKind)> = i.exports.iter().map(|e| (e.name.as_str(), &e.kind)).collect();
    let add = Signature { params: vec![Val::I32, Val::I32], results: vec![Val::I32] };
    assert_eq!(kinds[0], ("add", &ExportKind::Function(add.clone())));
    assert_eq!(add.text(), "(i32, i32) -> i32");
    assert_eq!(kinds[1].0, "pair");
    let ExportKind::Function(pair) = kinds[1].1 else { panic!("{kinds:?}") };
    assert_eq!(pair.text(), "() -> (f32, f64)");
    assert_eq!(
      kinds[2],
      ("log again", &ExportKind::Function(Signature { params: vec![Val::I32, Val::I64], results: vec![] }))
    );
    assert_eq!(kinds[3], ("mem2", &ExportKind::Memory));
    assert_eq!(kinds[4], ("answer", &ExportKind::Constant(Constant::I64(42))));
    assert_eq!(kinds[5], ("pi", &ExportKind::Constant(Constant::F32(1.5))));
    assert!(matches!(kinds[6], ("counter", ExportKind::Skipped(_))));
    assert!(matches!(kinds[7], ("copy", ExportKind::Skipped(_))));
    assert!(matches!(kinds[8], ("limit", ExportKind::Skipped(_))));
    assert!(matches!(kinds[9], ("table", ExportKind::Skipped(_))));
  }

  #[test]
  fn a_broken_binary_is_an_error_not_a_panic() {
    let bytes = wat::parse_str(r#"(module (func (export "f")))"#).unwrap();
    for end in 8..bytes.len() {
      let _ = read(&bytes[..end]);
    }
    assert!(read(&bytes[..bytes.len() - 1]).is_err());
    assert!(read(b"\0asm\x01\0\0\0\x07\x05garbage").is_err());
    assert!(matches!(kind(b"(module)"), Kind::NotWasm));
  }
}
