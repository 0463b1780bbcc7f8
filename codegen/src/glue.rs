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

/// Parses `text` (the file at `file`) and lists its public surface.
pub fn read(file: &str, text: &str) -> Result<Glue, String> {
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
        if from.as_deref() != Some(INTERNAL_MODULE) || !named.type_only {
          return Err(src.error(
            named.span,
            format!("only `export type {{ ... }} from \"{INTERNAL_MODULE}\"` re-exports are supported"),
          ));
        }
        let mut names = Vec::new();
        for spec in &named.specifiers {
          match spec {
            ExportSpecifier::Named(n) if n.exported.is_none() => names.push(export_name(&n.orig)),
            _ => return Err(src.error(named.span, "re-export generated types under their own names")),
          }
        }
        glue.internal_names.extend(names.iter().cloned());
        glue.items.push(GlueItem::ReExport(names));
      }
      ModuleDecl::ExportDecl(export) => glue.items.push(declaration(&src, export.span, &export.decl)?),
      other => {
        return Err(src.error(other.span(), "unsupported export form in glue"));
      }
    }
  }
  Ok(glue)
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
      text.push_str(" {\n");
      let mut methods = Vec::new();
      for member in &c.class.body {
        match member {
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
            if !m.is_static {
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
    other => Err(src.error(other.span(), "public members need plain names")),
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
    let glue = read("sample.ts", SAMPLE).unwrap();
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
    let no_docs = read("a.ts", "export function f(): void {}").unwrap_err();
    assert!(no_docs.contains("a.ts:1:1") && no_docs.contains("JSDoc"), "{no_docs}");
    let no_example = read("a.ts", "/** F. */\nexport function f(): void {}").unwrap_err();
    assert!(no_example.contains("@example"), "{no_example}");
    let no_return = read("a.ts", "/** F. @example f() */\nexport function f() {}").unwrap_err();
    assert!(no_return.contains("explicit return type"), "{no_return}");
    let default = read("a.ts", "/** F. @example f() */\nexport function f(x = 1): void {}").unwrap_err();
    assert!(default.contains("optional parameter"), "{default}");
    let untyped = read("a.ts", "/** X. @example x */\nexport const x = 1;").unwrap_err();
    assert!(untyped.contains("type annotation"), "{untyped}");
    let value_import = read("a.ts", "import { X } from \"kiln:internal\";").unwrap_err();
    assert!(value_import.contains("import type"), "{value_import}");
  }
}
