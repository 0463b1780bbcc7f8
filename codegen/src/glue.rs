//! Reads the public surface of a TS glue module (`ts/runtime_wasm.ts`) with deno_ast: every
//! exported function, class, const, interface and type alias, with its JSDoc, as declarations.
//!
//! Signatures are sliced from the source text, so what the d.ts says is exactly what the glue
//! says. The glue must annotate what a declaration needs (return types, const types).

use std::sync::Arc;

use deno_ast::swc::ast::{
  Accessibility, ClassMember, Decl, ExportSpecifier, MethodKind, ModuleDecl, ModuleExportName, ModuleItem, Pat,
  PropName,
};
use deno_ast::swc::common::{BytePos, Span, Spanned};
use deno_ast::{MediaType, ParseParams, ParsedSource, SourcePos, SourceRange};

/// The module glue code imports generated types from (type-only; erased at run time).
pub const INTERNAL_MODULE: &str = "kiln:internal";

/// One exported item of the glue, in source order.
#[derive(Debug)]
pub enum GlueItem {
  /// A declaration ready for a `declare module` block (without `export`).
  Decl { name: String, kind: RuntimeKind, docs: String, text: String },
  /// `export type { A, B } from "kiln:internal"`: generated types the module makes public.
  ReExport(Vec<String>),
  /// `export { a, B, type C } from "runtime:wasm/process"`: declarations of one of the module's
  /// parts (another glue file, see `ModuleSpec::parts`) that the module makes public. The
  /// generator replaces it with those declarations before anything else reads the items.
  Part { from: String, names: Vec<String> },
}

/// What a declaration is at run time, for the test that walks a module's exports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeKind {
  /// Types and interfaces: nothing at run time.
  TypeOnly,
  Function,
  Const,
  /// A class and its public methods.
  Class(Vec<String>),
}

#[derive(Debug, Default)]
pub struct Glue {
  pub items: Vec<GlueItem>,
  /// Names the glue imports or re-exports from `kiln:internal`.
  pub internal_names: Vec<String>,
}

struct Source {
  parsed: ParsedSource,
  file: String,
}

impl Source {
  fn slice(&self, lo: BytePos, hi: BytePos) -> &str {
    let range = SourceRange::new(SourcePos::unsafely_from_byte_pos(lo), SourcePos::unsafely_from_byte_pos(hi));
    self.parsed.text_info_lazy().range_text(&range)
  }

  fn text(&self, span: Span) -> &str {
    self.slice(span.lo, span.hi)
  }

  fn error(&self, span: Span, message: impl std::fmt::Display) -> String {
    let pos = SourcePos::unsafely_from_byte_pos(span.lo);
    let loc = self.parsed.text_info_lazy().line_and_column_display(pos);
    format!("{}:{}:{}: {message}", self.file, loc.line_number, loc.column_number)
  }

  /// The JSDoc block just before `lo`, normalised to ` * ` lines at `indent`.
  fn jsdoc(&self, lo: BytePos, indent: &str) -> Option<String> {
    let comments = self.parsed.comments().get_leading(SourcePos::unsafely_from_byte_pos(lo))?;
    let doc = comments.iter().rev().find(|c| c.text.starts_with('*'))?;
    let mut out = format!("{indent}/**\n");
    let body = doc.text.trim_start_matches('*');
    for line in body.lines() {
      // Keep the indentation after ` * `: it matters inside @example code.
      let line = line.trim_start();
      let line = line.strip_prefix('*').map(|rest| rest.strip_prefix(' ').unwrap_or(rest)).unwrap_or(line).trim_end();
      out.push_str(&format!("{indent} *{}{line}\n", if line.is_empty() { "" } else { " " }));
    }
    // A one-line `/** text */` leaves an empty first and no empty last line: tidy both ends.
    let out = out.replace(&format!("{indent}/**\n{indent} *\n"), &format!("{indent}/**\n"));
    let trimmed = out.trim_end_matches(&format!("{indent} *\n")).to_string();
    Some(format!("{trimmed}{indent} */\n"))
  }
}

/// Parses the glue `text` (the file at `file`) and lists its public surface: every export is
/// public. `parts` are the module's part specifiers: `export { .. } from` one of them is a
/// [`GlueItem::Part`].
pub fn read(file: &str, text: &str, parts: &[&str]) -> Result<Glue, String> {
  parse(file, text, Role::Glue { parts })
}

/// Parses the part `text` (the file at `file`): only the declarations named in `public` (those the
/// module's glue re-exports) are read, and checked as any public item; the part's other exports
/// are its own business (the glue may import them) and are skipped. Its `kiln:internal` imports
/// are listed as for a glue file.
pub fn read_part(file: &str, text: &str, public: &[String]) -> Result<Glue, String> {
  parse(file, text, Role::Part { public })
}

/// What `parse` is reading.
#[derive(Clone, Copy)]
enum Role<'a> {
  /// A module's glue, with its part specifiers.
  Glue { parts: &'a [&'a str] },
  /// A part, with the names the glue re-exports from it.
  Part { public: &'a [String] },
}

fn parse(file: &str, text: &str, role: Role) -> Result<Glue, String> {
  let parsed = deno_ast::parse_module(ParseParams {
    specifier: deno_ast::ModuleSpecifier::parse(&format!("file:///{file}")).map_err(|e| e.to_string())?,
    text: Arc::from(text),
    media_type: MediaType::TypeScript,
    capture_tokens: false,
    scope_analysis: false,
    maybe_syntax: None,
  })
  .map_err(|e| format!("{file}: {e}"))?;
  let src = Source { parsed, file: file.to_string() };
  let program = src.parsed.program_ref();
  let deno_ast::ProgramRef::Module(module) = program else {
    return Err(format!("{file}: expected an ES module"));
  };

  let mut glue = Glue::default();
  for item in &module.body {
    let ModuleItem::ModuleDecl(decl) = item else { continue };
    match decl {
      ModuleDecl::Import(import) => {
        if unquote(src.text(import.src.span)) == INTERNAL_MODULE {
          if !import.type_only {
            return Err(src.error(import.span, format!("imports from {INTERNAL_MODULE} must be `import type`")));
          }
          for spec in &import.specifiers {
            glue.internal_names.push(src.text(spec.span()).to_string());
          }
        }
      }
      ModuleDecl::ExportNamed(named) => {
        let from = named.src.as_ref().map(|s| unquote(src.text(s.span)).to_string());
        let part = match (role, from.as_deref()) {
          (_, Some(INTERNAL_MODULE)) if named.type_only => None,
          (Role::Glue { parts }, Some(from)) if !named.type_only && parts.contains(&from) => Some(from.to_string()),
          (Role::Part { .. }, _) => continue,
          (Role::Glue { parts }, Some(from)) if parts.contains(&from) => {
            return Err(src.error(
              named.span,
              format!("re-export from a part with `export {{ a, type B }} from \"{from}\"`, not `export type`"),
            ));
          }
          (Role::Glue { parts }, _) => {
            let mut message = format!("only `export type {{ ... }} from \"{INTERNAL_MODULE}\"`");
            if !parts.is_empty() {
              let parts: Vec<String> = parts.iter().map(|p| format!("\"{p}\"")).collect();
              message.push_str(&format!(
                " and `export {{ a, B, type C }} from` one of this module's parts ({})",
                parts.join(", ")
              ));
            }
            return Err(src.error(named.span, format!("{message} re-exports are supported")));
          }
        };
        let mut names = Vec::new();
        for spec in &named.specifiers {
          match spec {
            ExportSpecifier::Named(n) if n.exported.is_none() => names.push(export_name(&n.orig)),
            _ if part.is_some() => return Err(src.error(named.span, "re-export a part's items under their own names")),
            _ => return Err(src.error(named.span, "re-export generated types under their own names")),
          }
        }
        match part {
          Some(from) => glue.items.push(GlueItem::Part { from, names }),
          None => {
            glue.internal_names.extend(names.iter().cloned());
            glue.items.push(GlueItem::ReExport(names));
          }
        }
      }
      ModuleDecl::ExportDecl(export) => {
        if let Role::Part { public } = role {
          if !declared_names(&export.decl).iter().any(|n| public.contains(n)) {
            continue;
          }
        }
        glue.items.push(declaration(&src, export.span, &export.decl)?);
      }
      _ if matches!(role, Role::Part { .. }) => {}
      other => {
        return Err(src.error(other.span(), "unsupported export form in glue"));
      }
    }
  }
  Ok(glue)
}

/// The names an exported declaration binds (before `declaration` checks its form).
fn declared_names(decl: &Decl) -> Vec<String> {
  match decl {
    Decl::Fn(f) => vec![f.ident.sym.to_string()],
    Decl::Class(c) => vec![c.ident.sym.to_string()],
    Decl::Var(v) => v
      .decls
      .iter()
      .filter_map(|d| match &d.name {
        Pat::Ident(binding) => Some(binding.id.sym.to_string()),
        _ => None,
      })
      .collect(),
    Decl::TsInterface(i) => vec![i.id.sym.to_string()],
    Decl::TsTypeAlias(t) => vec![t.id.sym.to_string()],
    Decl::TsEnum(e) => vec![e.id.sym.to_string()],
    _ => vec![],
  }
}

fn unquote(text: &str) -> &str {
  text.trim_matches(|c| c == '"' || c == '\'')
}

fn export_name(name: &ModuleExportName) -> String {
  match name {
    ModuleExportName::Ident(i) => i.sym.to_string(),
    ModuleExportName::Str(s) => s.value.to_string_lossy().to_string(),
  }
}

fn required_docs(src: &Source, span: Span, name: &str, indent: &str) -> Result<String, String> {
  src
    .jsdoc(span.lo, indent)
    .ok_or_else(|| src.error(span, format!("`{name}` is public: give it a /** JSDoc */ comment")))
}

/// Top-level items show how they are used.
fn item_docs(src: &Source, span: Span, name: &str) -> Result<String, String> {
  let docs = required_docs(src, span, name, "")?;
  if !docs.contains("@example") {
    return Err(src.error(span, format!("the JSDoc of `{name}` needs an @example section")));
  }
  Ok(docs)
}

/// Functions and methods show how they are used. (How they fail, `@throws`, is checked against
/// the error codes in ext_wasm/src/error.rs.)
fn check_callable_docs(src: &Source, span: Span, name: &str, docs: &str) -> Result<(), String> {
  if !docs.contains("@example") {
    return Err(src.error(span, format!("the JSDoc of `{name}` needs an @example section")));
  }
  Ok(())
}

fn declaration(src: &Source, export_span: Span, decl: &Decl) -> Result<GlueItem, String> {
  match decl {
    Decl::Fn(f) => {
      let name = f.ident.sym.to_string();
      let docs = item_docs(src, export_span, &name)?;
      let text = format!("function {name}{};", signature(src, &f.function, f.ident.span.hi, &name)?);
      Ok(GlueItem::Decl { name, kind: RuntimeKind::Function, docs, text })
    }
    Decl::Class(c) => {
      let name = c.ident.sym.to_string();
      let docs = item_docs(src, export_span, &name)?;
      let mut text = format!("class {name}");
      if let Some(type_params) = &c.class.type_params {
        text.push_str(src.text(type_params.span));
      }
      if let Some(sup) = &c.class.super_class {
        text.push_str(&format!(" extends {}", src.text(sup.span())));
      }
      if !c.class.implements.is_empty() {
        let names: Vec<&str> = c.class.implements.iter().map(|i| src.text(i.span)).collect();
        text.push_str(&format!(" implements {}", names.join(", ")));
      }
      text.push_str(" {\n");
      let mut methods = Vec::new();
      for member in &c.class.body {
        match member {
          // A constructor the glue marks `public` is part of the API (an error class apps throw);
          // any other is internal.
          ClassMember::Constructor(ctor) if ctor.accessibility == Some(Accessibility::Public) => {
            let full = format!("{name}.constructor");
            let member_docs = required_docs(src, ctor.span, &full, "  ")?;
            let body = ctor.body.as_ref().ok_or_else(|| src.error(ctor.span, format!("`{full}` has no body")))?;
            let params = src.slice(ctor.key.span_hi(), body.span.lo).trim().to_string();
            text.push_str(&format!("{member_docs}  constructor{params};\n"));
          }
          ClassMember::Constructor(_) => {
            text.push_str("  /** Instances come from the module's functions; the constructor is internal. */\n");
            text.push_str("  private constructor();\n");
          }
          ClassMember::Method(m) if !is_hidden(m.accessibility) => {
            let key = prop_name(src, &m.key)?;
            let full = format!("{name}.{key}");
            let member_docs = required_docs(src, m.span, &full, "  ")?;
            let prefix = if m.is_static { "static " } else { "" };
            let accessor = match m.kind {
              MethodKind::Method => {
                check_callable_docs(src, m.span, &full, &member_docs)?;
                ""
              }
              MethodKind::Getter => "get ",
              MethodKind::Setter => "set ",
            };
            let sig = signature(src, &m.function, m.key.span_hi(), &full)?;
            text.push_str(&format!("{member_docs}  {prefix}{accessor}{key}{sig};\n"));
            // A symbol-keyed method is typed but not walked by name at run time.
            if !m.is_static && !key.starts_with('[') {
              methods.push(key);
            }
          }
          ClassMember::ClassProp(p) if !is_hidden(p.accessibility) => {
            let key = prop_name(src, &p.key)?;
            let full = format!("{name}.{key}");
            let member_docs = required_docs(src, p.span, &full, "  ")?;
            let ty =
              p.type_ann.as_ref().ok_or_else(|| src.error(p.span, format!("`{full}` needs a type annotation")))?;
            let prefix =
              format!("{}{}", if p.is_static { "static " } else { "" }, if p.readonly { "readonly " } else { "" });
            text.push_str(&format!("{member_docs}  {prefix}{key}{};\n", src.text(ty.span)));
          }
          _ => {}
        }
      }
      text.push('}');
      Ok(GlueItem::Decl { name, kind: RuntimeKind::Class(methods), docs, text })
    }
    Decl::Var(v) => {
      let [declarator] = v.decls.as_slice() else {
        return Err(src.error(v.span, "export one const per statement"));
      };
      let Pat::Ident(binding) = &declarator.name else {
        return Err(src.error(v.span, "exported consts must be plain names"));
      };
      let name = binding.id.sym.to_string();
      let docs = item_docs(src, export_span, &name)?;
      let ty = binding
        .type_ann
        .as_ref()
        .ok_or_else(|| src.error(v.span, format!("exported const `{name}` needs a type annotation")))?;
      Ok(GlueItem::Decl {
        name: name.clone(),
        kind: RuntimeKind::Const,
        docs,
        text: format!("const {name}{};", src.text(ty.span)),
      })
    }
    Decl::TsInterface(i) => {
      let name = i.id.sym.to_string();
      let docs = item_docs(src, export_span, &name)?;
      Ok(GlueItem::Decl { name, kind: RuntimeKind::TypeOnly, docs, text: src.text(i.span).to_string() })
    }
    Decl::TsTypeAlias(t) => {
      let name = t.id.sym.to_string();
      let docs = item_docs(src, export_span, &name)?;
      Ok(GlueItem::Decl { name, kind: RuntimeKind::TypeOnly, docs, text: src.text(t.span).to_string() })
    }
    _ => Err(
      src
        .error(export_span, "unsupported exported declaration in glue (use function, class, const, interface or type)"),
    ),
  }
}

fn is_hidden(accessibility: Option<Accessibility>) -> bool {
  matches!(accessibility, Some(Accessibility::Private | Accessibility::Protected))
}

fn prop_name(src: &Source, key: &PropName) -> Result<String, String> {
  match key {
    PropName::Ident(i) => Ok(i.sym.to_string()),
    // Well-known symbols only (`[Symbol.asyncIterator]`): what a d.ts can name.
    PropName::Computed(c) if src.text(c.span).starts_with("[Symbol.") => Ok(src.text(c.span).to_string()),
    other => Err(src.error(other.span(), "public members need plain names (or a well-known symbol)")),
  }
}

/// `<T>(a: A, b: B): R` from the text between a function's name and its body.
fn signature(
  src: &Source,
  function: &deno_ast::swc::ast::Function,
  after_name: BytePos,
  name: &str,
) -> Result<String, String> {
  if function.return_type.is_none() {
    return Err(src.error(function.span, format!("`{name}` needs an explicit return type")));
  }
  for param in &function.params {
    if matches!(param.pat, Pat::Assign(_)) {
      return Err(
        src.error(param.span, format!("`{name}`: write an optional parameter as `x?: T`, not a default value")),
      );
    }
  }
  let body = function.body.as_ref().ok_or_else(|| src.error(function.span, format!("`{name}` has no body")))?;
  Ok(src.slice(after_name, body.span.lo).trim().to_string())
}

#[cfg(test)]
mod tests {
  use super::*;

  const SAMPLE: &str = r#"
import type { Thing } from "kiln:internal";
export type { Thing } from "kiln:internal";

/**
 * Adds.
 *
 * @example
 * ```ts
 * add(1, 2);
 * ```
 */
export async function add<T extends number>(a: T, b?: number): Promise<number> {
  return a + (b ?? 0);
}

/** A box. @example new Box("a") */
export class Box {
  #secret = 1;
  /** The id. */
  readonly id: string;
  constructor(id: string) { this.id = id; }
  /**
   * Opens it.
   * @example
   * ```ts
   * box.open();
   * ```
   */
  open(): void {}
  private hidden(): void {}
}

/** Helpers. @example helpers.n */
export const helpers: { n: number } = { n: 1 };
"#;

  #[test]
  fn reads_the_public_surface() {
    let glue = read("sample.ts", SAMPLE, &[]).unwrap();
    assert_eq!(glue.internal_names, ["Thing", "Thing"]);
    assert!(matches!(&glue.items[0], GlueItem::ReExport(names) if names == &["Thing"]));
    let GlueItem::Decl { name, text, docs, kind } = &glue.items[1] else { panic!() };
    assert_eq!((name.as_str(), kind), ("add", &RuntimeKind::Function));
    assert_eq!(text, "function add<T extends number>(a: T, b?: number): Promise<number>;");
    assert!(docs.contains(" * ```ts\n * add(1, 2);"), "{docs}");
    let GlueItem::Decl { text, kind, .. } = &glue.items[2] else { panic!() };
    assert_eq!(kind, &RuntimeKind::Class(vec!["open".into()]));
    assert!(text.contains("  readonly id: string;\n"), "{text}");
    assert!(text.contains("  private constructor();\n"), "{text}");
    assert!(text.contains("  open(): void;\n"), "{text}");
    assert!(!text.contains("secret") && !text.contains("hidden"), "{text}");
    let GlueItem::Decl { text, .. } = &glue.items[3] else { panic!() };
    assert_eq!(text, "const helpers: { n: number };");
  }

  #[test]
  fn rejects_what_a_declaration_cannot_say() {
    let no_docs = read("a.ts", "export function f(): void {}", &[]).unwrap_err();
    assert!(no_docs.contains("a.ts:1:1") && no_docs.contains("JSDoc"), "{no_docs}");
    let no_example = read("a.ts", "/** F. */\nexport function f(): void {}", &[]).unwrap_err();
    assert!(no_example.contains("@example"), "{no_example}");
    let no_return = read("a.ts", "/** F. @example f() */\nexport function f() {}", &[]).unwrap_err();
    assert!(no_return.contains("explicit return type"), "{no_return}");
    let default = read("a.ts", "/** F. @example f() */\nexport function f(x = 1): void {}", &[]).unwrap_err();
    assert!(default.contains("optional parameter"), "{default}");
    let untyped = read("a.ts", "/** X. @example x */\nexport const x = 1;", &[]).unwrap_err();
    assert!(untyped.contains("type annotation"), "{untyped}");
    let value_import = read("a.ts", "import { X } from \"kiln:internal\";", &[]).unwrap_err();
    assert!(value_import.contains("import type"), "{value_import}");
  }

  const PARTS: &[&str] = &["m/process", "m/pool"];

  #[test]
  fn reads_re_exports_from_parts() {
    let text = r#"
import { helper } from "m/pool";
export { spawn, Process, type Options } from "m/process";
export type { Thing } from "kiln:internal";
export { Pool } from "m/pool";
"#;
    let glue = read("glue.ts", text, PARTS).unwrap();
    assert_eq!(glue.internal_names, ["Thing"], "a part's names are not internal");
    let [GlueItem::Part { from, names }, GlueItem::ReExport(_), GlueItem::Part { from: pool, names: pooled }] =
      glue.items.as_slice()
    else {
      panic!("{:?}", glue.items)
    };
    assert_eq!(from, "m/process");
    assert_eq!(names, &["spawn", "Process", "Options"]);
    assert_eq!(pool, "m/pool");
    assert_eq!(pooled, &["Pool"]);
  }

  #[test]
  fn refuses_re_exports_from_anywhere_else() {
    for (text, parts) in [
      ("export { a } from \"m/other\";", PARTS),
      ("export { a } from \"m/process\";", &[][..]),
      ("export { Thing } from \"kiln:internal\";", PARTS),
      ("export { a };", PARTS),
    ] {
      let err = read("glue.ts", text, parts).unwrap_err();
      assert!(err.starts_with("glue.ts:1:1: only `export type { ... } from \"kiln:internal\"`"), "{text}: {err}");
      assert_eq!(err.contains("parts (\"m/process\", \"m/pool\") re-exports"), !parts.is_empty(), "{text}: {err}");
    }
    let type_only = read("glue.ts", "export type { A } from \"m/process\";", PARTS).unwrap_err();
    assert!(type_only.contains("not `export type`"), "{type_only}");
    let renamed = read("glue.ts", "export { a as b } from \"m/process\";", PARTS).unwrap_err();
    assert!(renamed.contains("under their own names"), "{renamed}");
  }

  #[test]
  fn reads_only_the_public_declarations_of_a_part() {
    let text = r#"
import type { Thing } from "kiln:internal";
import { other } from "./elsewhere";
export { other };
export * from "./elsewhere";
/** Spawns. @example spawn() */
export function spawn(): Thing { return other(); }
export function helper(x = 1) { return x; }
export const a = 1, b = 2;
export default 3;
"#;
    let part = read_part("part.ts", text, &["spawn".to_string()]).unwrap();
    assert_eq!(part.internal_names, ["Thing"]);
    let [GlueItem::Decl { name, .. }] = part.items.as_slice() else { panic!("{:?}", part.items) };
    assert_eq!(name, "spawn");
    // What the glue makes public is checked as any public item.
    let err = read_part("part.ts", text, &["helper".to_string()]).unwrap_err();
    assert!(err.contains("part.ts:8:1") && err.contains("JSDoc"), "{err}");
  }
}
