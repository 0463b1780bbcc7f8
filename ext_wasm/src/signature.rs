//! What a module looks like from outside: its exports (`getExports()`) and imports
//! (`moduleImports()`), and the text link errors use for an import's type.

use serde::Serialize;
use wasmtime::{ExternType, HeapType, Module, Mutability, ValType};

use crate::value::ExportValueType;

/// One export of an instance, as `getExports()` reports it.
///
/// # Examples
///
/// ```ts
/// for (const exp of await instance.getExports()) {
///   if (exp.kind === "function") console.log(exp.name, exp.params, "->", exp.results);
/// }
/// ```
#[derive(Debug, Serialize)]
pub struct ExportInfo {
  /// The export's name, as `call` takes it.
  pub name: String,
  /// What the export is.
  pub kind: ExportKind,
  /// The parameter types, for functions only.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub params: Option<Vec<ExportValueType>>,
  /// The result types, for functions only.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub results: Option<Vec<ExportValueType>>,
  /// A component's export: its WIT type as text, e.g. `func(a: s32, b: s32) -> result<s32, string>`
  /// (`params` and `results` are then absent: they describe core WebAssembly types).
  #[serde(skip_serializing_if = "Option::is_none")]
  pub wit: Option<String>,
}

/// The kind of an export or import.
///
/// # Examples
///
/// ```ts
/// const functions = (await instance.getExports()).filter((e) => e.kind === "function");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportKind {
  /// A function: `call` it.
  Function,
  /// A linear memory: `instance.memory` is the first one.
  Memory,
  /// A table.
  Table,
  /// A global.
  Global,
  /// An exception tag.
  Tag,
  /// A component's resource type (its constructor, methods and static functions are listed as
  /// functions, e.g. `[method]counter.get`).
  Resource,
}

/// Every export of the instance's module with its kind and, for functions, its signature.
pub fn exports_of(module: &Module) -> Vec<ExportInfo> {
  module
    .exports()
    .map(|export| {
      let ty = export.ty();
      let (params, results) = function_types(&ty);
      ExportInfo { name: export.name().to_string(), kind: export_kind(&ty), params, results, wit: None }
    })
    .collect()
}

/// One import of a module, as `moduleImports` reports it: like `WebAssembly.Module.imports`, with
/// the signature of a function and the type of anything else.
///
/// # Examples
///
/// ```ts
/// for (const i of await moduleImports(moduleId)) {
///   console.log(`${i.module}.${i.name}: ${i.kind}`, i.params ?? i.type ?? "");
/// }
/// ```
#[derive(Debug, Serialize)]
pub struct ModuleImport {
  /// The module name it is imported from: a key of `instantiate`'s `imports`.
  pub module: String,
  /// The field name within that module.
  pub name: String,
  /// What is imported.
  pub kind: ExportKind,
  /// The parameter types, for functions only.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub params: Option<Vec<ExportValueType>>,
  /// The result types, for functions only.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub results: Option<Vec<ExportValueType>>,
  /// The type of a memory, table, global or tag, as text: `"memory (min 1 page)"`,
  /// `"global i32 (immutable)"`, `"table funcref (min 2)"`.
  #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
  pub ty: Option<String>,
  /// A component's import: its WIT type as text (`module` is then the interface name, e.g.
  /// `wasi:cli/stdout@0.2.0`, or `""` for a function the component imports by itself).
  #[serde(skip_serializing_if = "Option::is_none")]
  pub wit: Option<String>,
}

/// Every import of `module`, in order.
pub fn imports_of(module: &Module) -> Vec<ModuleImport> {
  module
    .imports()
    .map(|import| {
      let ty = import.ty();
      let (params, results) = function_types(&ty);
      let text = ty.func().is_none().then(|| describe_extern(&ty));
      ModuleImport {
        module: import.module().to_string(),
        name: import.name().to_string(),
        kind: export_kind(&ty),
        params,
        results,
        ty: text,
        wit: None,
      }
    })
    .collect()
}

/// A function's parameter and result types as `getExports()` and `moduleImports()` name them;
/// nothing for any other kind.
fn function_types(ty: &ExternType) -> (Option<Vec<ExportValueType>>, Option<Vec<ExportValueType>>) {
  match ty {
    ExternType::Func(f) => (
      Some(f.params().map(|t| ExportValueType::of(&t)).collect()),
      Some(f.results().map(|t| ExportValueType::of(&t)).collect()),
    ),
    _ => (None, None),
  }
}

fn export_kind(ty: &ExternType) -> ExportKind {
  match ty {
    ExternType::Func(_) => ExportKind::Function,
    ExternType::Memory(_) => ExportKind::Memory,
    ExternType::Table(_) => ExportKind::Table,
    ExternType::Global(_) => ExportKind::Global,
    ExternType::Tag(_) => ExportKind::Tag,
  }
}

/// The kind of an extern, as a link error names it.
pub(crate) fn kind(ty: &ExternType) -> &'static str {
  match ty {
    ExternType::Func(_) => "function",
    ExternType::Memory(_) => "memory",
    ExternType::Table(_) => "table",
    ExternType::Global(_) => "global",
    ExternType::Tag(_) => "tag",
  }
}

/// An extern's kind and type, as a link error names it: `function (i32, i32) -> ()`,
/// `memory (min 1 page)`, `global i32 (immutable)`, `table funcref (min 1)`.
pub(crate) fn describe_extern(ty: &ExternType) -> String {
  let values = |types: &mut dyn Iterator<Item = ValType>| types.map(|t| value_name(&t)).collect::<Vec<_>>().join(", ");
  match ty {
    ExternType::Func(f) => {
      let params = values(&mut f.params());
      let results = match f.results().len() {
        1 => values(&mut f.results()),
        _ => format!("({})", values(&mut f.results())),
      };
      format!("function ({params}) -> {results}")
    }
    ExternType::Memory(m) => {
      let pages = |n: u64| if n == 1 { "1 page".to_string() } else { format!("{n} pages") };
      let mut parts = vec![format!("min {}", pages(m.minimum()))];
      if let Some(max) = m.maximum() {
        parts.push(format!("max {}", pages(max)));
      }
      if m.page_size() != 65536 {
        parts.push(format!("{}-byte pages", m.page_size()));
      }
      if m.is_shared() {
        parts.push("shared".into());
      }
      if m.is_64() {
        parts.push("64-bit".into());
      }
      format!("memory ({})", parts.join(", "))
    }
    ExternType::Global(g) => {
      let mutability = match g.mutability() {
        Mutability::Const => "immutable",
        Mutability::Var => "mutable",
      };
      format!("global {} ({mutability})", value_name(g.content()))
    }
    ExternType::Table(t) => {
      let max = t.maximum().map(|max| format!(", max {max}")).unwrap_or_default();
      format!("table {} (min {}{max})", value_name(&ValType::Ref(t.element().clone())), t.minimum())
    }
    ExternType::Tag(t) => format!("tag ({})", values(&mut t.ty().params())),
  }
}

/// A value type as it is written in WAT: `i32`, `funcref`, `(ref null any)`.
pub(crate) fn value_name(ty: &ValType) -> String {
  match ty {
    ValType::Ref(r) if r.is_nullable() && matches!(r.heap_type(), HeapType::Func) => "funcref".into(),
    ValType::Ref(r) if r.is_nullable() && matches!(r.heap_type(), HeapType::Extern) => "externref".into(),
    other => other.to_string(),
  }
}
