//! Reads the Rust source of truth with `syn`: the ops each `extension!` registers, the serde
//! types that cross to JS, and the error-code table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syn::{Attribute, Fields, FnArg, Item, ItemEnum, ItemFn, ItemStruct, Pat, ReturnType, Type};

use crate::serde_attrs::{apply_rename_all, camel_case, SerdeAttrs};
use crate::ts_type::{docs_of, TypeMapper};

/// Everything the generator takes from Rust.
#[derive(Debug, Default)]
pub struct RustApi {
  /// One entry per `deno_core::extension!` with ops, in file order.
  pub extensions: Vec<ExtensionOps>,
  /// TypeScript declarations of the serde types and code tables, by TS name.
  pub types: BTreeMap<String, TypeDecl>,
  /// The error-code table: (name, code), in source order.
  pub codes: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct ExtensionOps {
  /// The extension's name, e.g. `ext_wasm`.
  pub name: String,
  /// Where the `extension!` is, relative to the workspace root.
  pub source: String,
  pub ops: Vec<Op>,
}

#[derive(Debug)]
pub struct Op {
  pub name: String,
  pub docs: Vec<String>,
  pub params: Vec<(String, String)>,
  pub result: String,
}

/// A TypeScript declaration made from a Rust item.
#[derive(Debug, Clone)]
pub struct TypeDecl {
  pub docs: Vec<String>,
  /// The declaration without docs, e.g. `interface ExportInfo { ... }` or `type X = ...;`.
  pub body: String,
  /// TS names of the other generated types it mentions.
  pub deps: Vec<String>,
}

/// A Rust item the generator could not type, named with its file.
pub fn error_at(file: &Path, item: impl std::fmt::Display, message: impl std::fmt::Display) -> String {
  format!("{}: {item}: {message}", file.display())
}

struct SourceFile {
  rel: String,
  path: PathBuf,
  items: Vec<Item>,
}

/// Parses the given files (and `.rs` files under the given directories).
pub fn read(root: &Path, sources: &[&str]) -> Result<RustApi, String> {
  let mut files = Vec::new();
  for source in sources {
    for path in rust_files(&root.join(source))? {
      let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
      let parsed = syn::parse_file(&text).map_err(|e| error_at(&path, "syntax", e))?;
      let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
      files.push(SourceFile { rel, path, items: parsed.items });
    }
  }

  // Pass 1: the TS name of every type that crosses to JS, so pass 2 can resolve references.
  let mut names = BTreeMap::new();
  for file in &files {
    for item in &file.items {
      match item {
        Item::Struct(s) if is_serde(&s.attrs) => {
          names.insert(s.ident.to_string(), ts_name(&s.ident, &s.attrs, &file.path)?);
        }
        Item::Enum(e) if is_serde(&e.attrs) => {
          names.insert(e.ident.to_string(), ts_name(&e.ident, &e.attrs, &file.path)?);
        }
        _ => {}
      }
    }
  }
  let mapper = TypeMapper { names };

  let mut api = RustApi::default();
  let mut op_fns = BTreeMap::new();
  let mut registrations = Vec::new();
  for file in &files {
    for item in &file.items {
      match item {
        Item::Struct(s) if is_serde(&s.attrs) => {
          let decl = struct_decl(s, &mapper).map_err(|e| error_at(&file.path, &s.ident, e))?;
          api.types.insert(mapper.names[&s.ident.to_string()].clone(), decl);
        }
        Item::Enum(e) if is_serde(&e.attrs) => {
          let decl = enum_decl(e, &mapper).map_err(|e2| error_at(&file.path, &e.ident, e2))?;
          api.types.insert(mapper.names[&e.ident.to_string()].clone(), decl);
        }
        Item::Enum(e) if is_code_table(e) => {
          let (name, decl) = code_table(e);
          api.types.insert(name, decl);
          for v in &e.variants {
            let value = v.discriminant.as_ref().map(|(_, expr)| quote::quote!(#expr).to_string());
            api.codes.push((v.ident.to_string(), value.unwrap_or_default()));
          }
        }
        Item::Fn(f) if f.attrs.iter().any(|a| a.path().is_ident("op2")) => {
          let op = op_of(f, &mapper).map_err(|e| error_at(&file.path, &f.sig.ident, e))?;
          op_fns.insert(op.name.clone(), op);
        }
        Item::Macro(m) if m.mac.path.segments.last().is_some_and(|s| s.ident == "extension") => {
          if let Some(reg) = extension_ops(&m.mac.tokens) {
            registrations.push((reg, file.rel.clone()));
          }
        }
        _ => {}
      }
    }
  }

  for ((name, ops), source) in registrations {
    let ops = ops
      .iter()
      .map(|op| {
        op_fns
          .remove(op)
          .ok_or_else(|| format!("{source}: extension {name} registers {op}, but no #[op2] fn {op} was found"))
      })
      .collect::<Result<Vec<_>, _>>()?;
    api.extensions.push(ExtensionOps { name, source, ops });
  }
  if let Some(orphan) = op_fns.keys().next() {
    return Err(format!("#[op2] fn {orphan} is not registered by any extension!; register it or delete it"));
  }
  Ok(api)
}

fn rust_files(path: &Path) -> Result<Vec<PathBuf>, String> {
  if path.is_file() {
    return Ok(vec![path.to_path_buf()]);
  }
  let mut out = Vec::new();
  let entries = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
  for entry in entries {
    let p = entry.map_err(|e| format!("{}: {e}", path.display()))?.path();
    if p.is_dir() {
      out.extend(rust_files(&p)?);
    } else if p.extension().is_some_and(|e| e == "rs") {
      out.push(p);
    }
  }
  out.sort();
  Ok(out)
}

fn derives(attrs: &[Attribute], wanted: &[&str]) -> bool {
  attrs.iter().filter(|a| a.path().is_ident("derive")).any(|a| {
    let mut found = false;
    let _ = a.parse_nested_meta(|meta| {
      found |= meta.path.segments.last().is_some_and(|s| wanted.iter().any(|w| s.ident == w));
      Ok(())
    });
    found
  })
}

fn is_serde(attrs: &[Attribute]) -> bool {
  derives(attrs, &["Serialize", "Deserialize"])
}

fn is_deserialize(attrs: &[Attribute]) -> bool {
  derives(attrs, &["Deserialize"])
}

/// A C-like enum whose every variant has an explicit number (the error codes).
fn is_code_table(e: &ItemEnum) -> bool {
  !e.variants.is_empty() && e.variants.iter().all(|v| matches!(v.fields, Fields::Unit) && v.discriminant.is_some())
}

/// `ErrorCode { CompileError = 5000, .. }` → `interface ErrorCodes { readonly CompileError: 5000; .. }`.
fn code_table(e: &ItemEnum) -> (String, TypeDecl) {
  let name = format!("{}s", e.ident);
  let mut body = format!("interface {name} {{\n");
  for v in &e.variants {
    let value = v.discriminant.as_ref().map(|(_, expr)| quote::quote!(#expr).to_string()).unwrap_or_default();
    push_docs(&mut body, &docs_of(&v.attrs), "  ");
    body.push_str(&format!("  readonly {}: {value};\n", v.ident));
  }
  body.push('}');
  (name, TypeDecl { docs: docs_of(&e.attrs), body, deps: vec![] })
}

fn ts_name(ident: &syn::Ident, attrs: &[Attribute], file: &Path) -> Result<String, String> {
  let serde = SerdeAttrs::parse(attrs).map_err(|e| error_at(file, ident, e))?;
  Ok(serde.rename.unwrap_or_else(|| ident.to_string()))
}

pub fn push_docs(out: &mut String, docs: &[String], indent: &str) {
  match docs {
    [] => return,
    [line] => return out.push_str(&format!("{indent}/** {line} */\n")),
    _ => {}
  }
  out.push_str(&format!("{indent}/**\n"));
  for line in docs {
    if line.is_empty() {
      out.push_str(&format!("{indent} *\n"));
    } else {
      out.push_str(&format!("{indent} * {line}\n"));
    }
  }
  out.push_str(&format!("{indent} */\n"));
}

/// A struct as an interface; each field's docs carried over, serde renames and optionality honoured.
fn struct_decl(s: &ItemStruct, mapper: &TypeMapper) -> Result<TypeDecl, String> {
  let serde = SerdeAttrs::parse(&s.attrs).map_err(|e| e.to_string())?;
  let name = serde.rename.clone().unwrap_or_else(|| s.ident.to_string());
  let Fields::Named(fields) = &s.fields else {
    return Err(format!("{}: only structs with named fields can cross to JS", s.ident));
  };
  let mut deps = Vec::new();
  let body =
    format!("interface {name} {}", object_type(fields, &serde, is_deserialize(&s.attrs), mapper, &mut deps, "")?);
  Ok(TypeDecl { docs: docs_of(&s.attrs), body, deps })
}

/// `{ field: T; ... }` for named fields, one per line at `indent`.
fn object_type(
  fields: &syn::FieldsNamed,
  container: &SerdeAttrs,
  deserialize: bool,
  mapper: &TypeMapper,
  deps: &mut Vec<String>,
  indent: &str,
) -> Result<String, String> {
  let mut out = String::from("{\n");
  for field in &fields.named {
    let attrs = SerdeAttrs::parse(&field.attrs).map_err(|e| e.to_string())?;
    if attrs.skip {
      continue;
    }
    if attrs.flatten {
      return Err("serde(flatten) is not supported by the generator".into());
    }
    let ident = field.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
    let key = match attrs.rename {
      Some(r) => r,
      None => apply_rename_all(container.rename_all.as_deref(), &ident)?,
    };
    let (inner, is_option) = match TypeMapper::option_inner(&field.ty) {
      Some(inner) => (inner, true),
      None => (&field.ty, false),
    };
    let ty = mapper.ts(inner, deps)?;
    // Deserialized: a missing Option or #[serde(default)] field is fine. Serialized: a skipped
    // None is absent, a kept None is null.
    let optional = if deserialize {
      is_option || attrs.default || container.default
    } else {
      is_option && attrs.skip_serializing_if
    };
    let ty = if is_option && !optional { format!("{ty} | null") } else { ty };
    push_docs(&mut out, &docs_of(&field.attrs), &format!("{indent}  "));
    out.push_str(&format!("{indent}  {key}{}: {ty};\n", if optional { "?" } else { "" }));
  }
  out.push_str(&format!("{indent}}}"));
  Ok(out)
}

fn enum_decl(e: &ItemEnum, mapper: &TypeMapper) -> Result<TypeDecl, String> {
  let serde = SerdeAttrs::parse(&e.attrs).map_err(|e| e.to_string())?;
  if serde.tag.is_some() {
    return Err("internally tagged enums are not supported by the generator".into());
  }
  let name = serde.rename.clone().unwrap_or_else(|| e.ident.to_string());
  let mut deps = Vec::new();
  let mut arms = Vec::new();
  let mut docs = docs_of(&e.attrs);
  // Variant notes go before the example section.
  let mut at = docs.iter().position(|l| l == "@example").unwrap_or(docs.len());
  if at > 0 && docs[at - 1].is_empty() {
    at -= 1;
  }
  for v in &e.variants {
    let attrs = SerdeAttrs::parse(&v.attrs).map_err(|e| e.to_string())?;
    if attrs.skip {
      continue;
    }
    let tag = match attrs.rename.clone() {
      Some(r) => r,
      None => apply_rename_all(serde.rename_all.as_deref(), &v.ident.to_string())?,
    };
    let shape = match &v.fields {
      Fields::Unit if serde.untagged => return Err(format!("{}: a unit variant of an untagged enum is null", v.ident)),
      Fields::Unit => None,
      Fields::Unnamed(f) if f.unnamed.len() == 1 => Some(mapper.ts(&f.unnamed[0].ty, &mut deps)?),
      Fields::Unnamed(f) => {
        let items = f.unnamed.iter().map(|f| mapper.ts(&f.ty, &mut deps)).collect::<Result<Vec<_>, _>>()?;
        Some(format!("[{}]", items.join(", ")))
      }
      Fields::Named(f) => {
        Some(inline_object(&object_type(f, &attrs, is_deserialize(&e.attrs), mapper, &mut deps, "")?))
      }
    };
    let variant_docs = docs_of(&v.attrs);
    let arm = match (serde.untagged, shape) {
      (true, Some(shape)) => shape,
      (false, None) => format!("\"{tag}\""),
      (false, Some(shape)) => format!("{{ \"{tag}\": {shape} }}"),
      (true, None) => unreachable!("rejected above"),
    };
    if !variant_docs.is_empty() {
      docs.insert(at, format!("- `{arm}`: {}", variant_docs.join(" ")));
      at += 1;
    }
    arms.push(arm);
  }
  let body = format!("type {name} = {};", arms.join(" | "));
  Ok(TypeDecl { docs, body, deps })
}

/// A multi-line object type on one line: `{ path: string; readonly?: boolean }` (docs dropped).
fn inline_object(multi_line: &str) -> String {
  let members: Vec<&str> = multi_line
    .lines()
    .map(str::trim)
    .filter(|l| !l.is_empty() && *l != "{" && *l != "}" && !l.starts_with("/*") && !l.starts_with('*'))
    .map(|l| l.trim_end_matches(';'))
    .collect();
  format!("{{ {} }}", members.join("; "))
}

/// An `#[op2]` fn as a TS method signature: state parameters dropped, attributes mapped.
fn op_of(f: &ItemFn, mapper: &TypeMapper) -> Result<Op, String> {
  let mut params = Vec::new();
  let mut unused = Vec::new();
  for input in &f.sig.inputs {
    let FnArg::Typed(arg) = input else {
      return Err("ops cannot take self".into());
    };
    let ty = &arg.ty;
    let ty_text = quote::quote!(#ty).to_string();
    // The op's state and its JS scope are supplied by deno_core, not passed from JS.
    if ty_text.contains("OpState") || ty_text.contains("PinScope") {
      continue;
    }
    let Pat::Ident(ident) = &*arg.pat else {
      return Err("op parameters must be plain names".into());
    };
    // `#[varargs]`: the op reads its JS arguments itself, however many there are.
    if arg.attrs.iter().any(|a| a.path().is_ident("varargs")) {
      params.push(("...args".to_string(), "unknown[]".to_string()));
      continue;
    }
    let ts = value_type(&arg.attrs, &arg.ty, mapper, &mut unused)?;
    params.push((camel_case(ident.ident.to_string().trim_start_matches('_')), ts));
  }
  let ret = match &f.sig.output {
    ReturnType::Default => "void".to_string(),
    ReturnType::Type(_, ty) => {
      let ok = TypeMapper::result_ok(ty).unwrap_or(ty);
      // `fn op(...) -> impl Future<Output = T>` (or a `Result` of one) is an async op, as an
      // `async fn` is: its promise resolves to the future's `T` (or its `Result`'s `Ok`).
      let ok = future_output(ok).map_or(ok, |out| TypeMapper::result_ok(out).unwrap_or(out));
      if TypeMapper::is_unit(ok) {
        "void".to_string()
      } else {
        value_type(&f.attrs, ok, mapper, &mut unused)?
      }
    }
  };
  let is_async = f.sig.asyncness.is_some()
    || matches!(&f.sig.output, ReturnType::Type(_, ty) if future_output(TypeMapper::result_ok(ty).unwrap_or(ty)).is_some());
  let result = if is_async { format!("Promise<{ret}>") } else { ret };
  Ok(Op { name: f.sig.ident.to_string(), docs: docs_of(&f.attrs), params, result })
}

/// `T` of `impl Future<Output = T>`.
fn future_output(ty: &Type) -> Option<&Type> {
  let Type::ImplTrait(imp) = ty else { return None };
  imp.bounds.iter().find_map(|bound| {
    let syn::TypeParamBound::Trait(t) = bound else { return None };
    let last = t.path.segments.last().filter(|s| s.ident == "Future")?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else { return None };
    args.args.iter().find_map(|arg| match arg {
      syn::GenericArgument::AssocType(a) if a.ident == "Output" => Some(&a.ty),
      _ => None,
    })
  })
}

/// A value crossing the op boundary, typed by its op2 attribute (or its scalar type).
fn value_type(attrs: &[Attribute], ty: &Type, mapper: &TypeMapper, deps: &mut Vec<String>) -> Result<String, String> {
  let has = |name: &str| attrs.iter().any(|a| a.path().is_ident(name));
  if has("string") {
    Ok("string".into())
  } else if has("buffer") || has("arraybuffer") {
    // A buffer of `u32`s is a Uint32Array's (encoding.rs); every other one a Uint8Array's.
    Ok(if quote::quote!(#ty).to_string().contains("[u32]") { "Uint32Array" } else { "Uint8Array" }.into())
  } else if has("bigint") {
    Ok("bigint".into())
  } else if has("serde") {
    mapper.ts(ty, deps)
  } else {
    match quote::quote!(#ty).to_string().as_str() {
      "f64" | "f32" | "u32" | "i32" | "u16" | "i16" | "u8" | "i8" => Ok("number".into()),
      "bool" => Ok("boolean".into()),
      // An op2 `Option` of a scalar is the scalar or `null`.
      "Option < f64 >" => Ok("number | null".into()),
      // A JS value the op makes itself (memory_view.rs: an ArrayBuffer over a guest's memory).
      other if other.starts_with("v8 :: Local <") && other.ends_with("v8 :: ArrayBuffer >") => Ok("ArrayBuffer".into()),
      // A JS string the op reads itself (encoding.rs: written into a buffer in one pass).
      other if other.starts_with("v8 :: Local <") && other.ends_with("v8 :: String >") => Ok("string".into()),
      // Any JS value, which the op inspects or makes itself (call_sync.rs: a number, or refused;
      // call.rs: an argument array in, one of several kinds of value out).
      other if other.starts_with("v8 :: Local <") && other.ends_with("v8 :: Value >") => Ok("unknown".into()),
      other => Err(format!(
        "op value of type `{other}` needs an op2 attribute the generator knows (string, buffer, bigint, serde)"
      )),
    }
  }
}

/// `extension!(name, ops = [a::op_x, op_y], ...)` → (`name`, [`op_x`, `op_y`]).
fn extension_ops(tokens: &proc_macro2::TokenStream) -> Option<(String, Vec<String>)> {
  use proc_macro2::TokenTree;
  let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
  let name = match trees.first()? {
    TokenTree::Ident(i) => i.to_string(),
    _ => return None,
  };
  let at = trees.windows(3).position(|w| {
    matches!(&w[0], TokenTree::Ident(i) if i == "ops") && matches!(&w[1], TokenTree::Punct(p) if p.as_char() == '=')
  })?;
  let TokenTree::Group(list) = &trees[at + 2] else { return None };
  let mut ops = Vec::new();
  let mut last_ident = None;
  for tree in list.stream() {
    match tree {
      TokenTree::Ident(i) => last_ident = Some(i.to_string()),
      TokenTree::Punct(p) if p.as_char() == ',' => ops.extend(last_ident.take()),
      _ => {}
    }
  }
  ops.extend(last_ident);
  Some((name, ops))
}

#[cfg(test)]
mod tests {
  use super::*;

  fn api_of(source: &str) -> Result<RustApi, String> {
    let dir = std::env::temp_dir().join(format!("kiln-codegen-{}-{}", std::process::id(), source.len()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("lib.rs"), source).unwrap();
    let api = read(&dir, &["lib.rs"]);
    std::fs::remove_dir_all(&dir).unwrap();
    api
  }

  const SAMPLE: &str = r#"
    /// Options.
    ///
    /// # Examples
    ///
    /// ```ts
    /// f({});
    /// ```
    #[derive(Deserialize)]
    #[serde(rename = "Options", rename_all = "camelCase", deny_unknown_fields)]
    pub struct RustOptions {
      /// How long.
      pub timeout_ms: Option<u64>,
      #[serde(default)]
      pub names: Vec<String>,
      #[serde(rename = "where")]
      pub place: BTreeMap<String, Place>,
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub enum Place { Path(String), Full { path: String, #[serde(default)] readonly: bool } }
    #[derive(Serialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Kind { Function, Memory }
    #[derive(Serialize)]
    pub struct Info { pub kind: Kind, #[serde(skip_serializing_if = "Option::is_none")] pub size: Option<u32>, pub note: Option<String> }
    /// Codes.
    pub enum Code { /// First.
      First = 1, Second = 2 }

    /// Reads.
    #[op2]
    #[serde]
    pub async fn op_x_read(state: Rc<RefCell<OpState>>, #[string] path: String, id: f64, #[buffer] data: JsBuffer, #[bigint] n: i64) -> Result<Vec<Info>, E> { Ok(vec![]) }
    #[op2(fast)]
    pub fn op_x_drop(state: &mut OpState, instance_id: f64) -> Result<(), E> { Ok(()) }
    deno_core::extension!(my_ext, ops = [a::op_x_read, op_x_drop], esm = ["x.js"]);
  "#;

  #[test]
  fn types_ops_and_serde_types() {
    let api = api_of(SAMPLE).unwrap();
    let ext = &api.extensions[0];
    assert_eq!(ext.name, "my_ext");
    assert_eq!(
      ext.ops[0].params,
      [
        ("path".into(), "string".into()),
        ("id".into(), "number".into()),
        ("data".into(), "Uint8Array".into()),
        ("n".into(), "bigint".into())
      ]
    );
    assert_eq!(ext.ops[0].result, "Promise<Info[]>");
    assert_eq!(ext.ops[1].params, [("instanceId".into(), "number".into())]);
    assert_eq!(ext.ops[1].result, "void");

    let options = &api.types["Options"].body;
    assert!(options.contains("  timeoutMs?: number;\n"), "{options}");
    assert!(options.contains("  names?: string[];\n"), "{options}");
    assert!(options.contains("  where: Record<string, Place>;\n"), "{options}");
    assert_eq!(api.types["Options"].docs, ["Options.", "", "@example", "```ts", "f({});", "```"]);
    assert_eq!(api.types["Place"].body, "type Place = string | { path: string; readonly?: boolean };");
    assert_eq!(api.types["Kind"].body, "type Kind = \"function\" | \"memory\";");
    let info = &api.types["Info"].body;
    assert!(info.contains("  size?: number;\n") && info.contains("  note: string | null;\n"), "{info}");
    assert!(api.types["Codes"].body.contains("  readonly First: 1;\n"));
    assert_eq!(api.codes, [("First".to_string(), "1".to_string()), ("Second".to_string(), "2".to_string())]);
  }

  #[test]
  fn a_future_returning_op_is_async_an_option_may_be_null_and_varargs_are_a_rest_parameter() {
    let api = api_of(concat!(
      "#[op2] pub fn op_later(state: &mut OpState) -> Result<impl Future<Output = Result<f64, E>>, E> { Ok(async { Ok(1.0) }) }\n",
      "#[op2] pub fn op_soon() -> impl Future<Output = bool> { async { true } }\n",
      "#[op2] pub fn op_maybe(a: f64) -> Result<Option<f64>, E> { Ok(Some(a)) }\n",
      "#[op2] pub fn op_any(scope: &mut v8::PinScope<'_, '_>, #[varargs] args: Option<&v8::FunctionCallbackArguments>) -> f64 { 0.0 }\n",
      "extension!(e, ops = [op_later, op_soon, op_maybe, op_any]);",
    ))
    .unwrap();
    let ops = &api.extensions[0].ops;
    assert_eq!((ops[0].result.as_str(), ops[0].params.len()), ("Promise<number>", 0));
    assert_eq!(ops[1].result, "Promise<boolean>");
    assert_eq!(ops[2].result, "number | null");
    assert_eq!(ops[3].params, [("...args".into(), "unknown[]".into())]);
  }

  #[test]
  fn unregistered_and_untypable_ops_are_errors() {
    let orphan = api_of("#[op2(fast)] pub fn op_lonely() {}").unwrap_err();
    assert!(orphan.contains("op_lonely is not registered"), "{orphan}");
    let untyped = api_of("#[op2] pub fn op_o(x: Widget) {}\nextension!(e, ops = [op_o]);").unwrap_err();
    assert!(untyped.contains("op2 attribute"), "{untyped}");
    let missing = api_of("extension!(e, ops = [op_gone]);").unwrap_err();
    assert!(missing.contains("no #[op2] fn op_gone"), "{missing}");
  }
}
