//! Rust types as TypeScript types, for values that cross to JS as JSON (serde) or as op values.

use std::collections::BTreeMap;

use syn::{Attribute, GenericArgument, PathArguments, Type};

/// Maps Rust types to TS, knowing the TS name of every serde type in the sources.
pub struct TypeMapper {
  /// Rust ident → TS name (a serde `rename` on the container wins).
  pub names: BTreeMap<String, String>,
}

impl TypeMapper {
  /// The TS type of `ty`; the generated types it mentions are pushed to `deps`.
  pub fn ts(&self, ty: &Type, deps: &mut Vec<String>) -> Result<String, String> {
    match ty {
      Type::Reference(r) => self.ts(&r.elem, deps),
      Type::Paren(p) => self.ts(&p.elem, deps),
      Type::Group(g) => self.ts(&g.elem, deps),
      Type::Slice(s) => Ok(array_of(&self.ts(&s.elem, deps)?)),
      Type::Array(a) => Ok(array_of(&self.ts(&a.elem, deps)?)),
      Type::Tuple(t) if t.elems.is_empty() => Ok("void".into()),
      Type::Tuple(t) => {
        let items = t.elems.iter().map(|e| self.ts(e, deps)).collect::<Result<Vec<_>, _>>()?;
        Ok(format!("[{}]", items.join(", ")))
      }
      Type::Path(p) => {
        let last = p.path.segments.last().ok_or("empty type path")?;
        let args = generic_types(&last.arguments);
        let ident = last.ident.to_string();
        match (ident.as_str(), args.as_slice()) {
          ("String" | "str" | "char" | "PathBuf" | "Path", []) => Ok("string".into()),
          ("Cow", [inner]) => self.ts(inner, deps),
          ("bool", []) => Ok("boolean".into()),
          ("u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize" | "f32" | "f64", []) => {
            Ok("number".into())
          }
          ("Option", [inner]) => Ok(format!("{} | null", self.ts(inner, deps)?)),
          ("Vec" | "VecDeque" | "BTreeSet" | "HashSet", [inner]) => Ok(array_of(&self.ts(inner, deps)?)),
          ("BTreeMap" | "HashMap", [key, value]) => {
            if self.ts(key, deps)? != "string" {
              return Err(format!("map keys must be strings to cross to JS, in `{}`", quote::quote!(#ty)));
            }
            Ok(format!("Record<string, {}>", self.ts(value, deps)?))
          }
          ("Box" | "Arc" | "Rc", [inner]) => self.ts(inner, deps),
          (name, []) if self.names.contains_key(name) => {
            let ts = self.names[name].clone();
            deps.push(ts.clone());
            Ok(ts)
          }
          _ => Err(format!(
            "cannot type `{}` for JS: derive Serialize/Deserialize on it, or teach codegen/src/ts_type.rs",
            quote::quote!(#ty)
          )),
        }
      }
      other => Err(format!("cannot type `{}` for JS", quote::quote!(#other))),
    }
  }

  /// `Option<T>` → `T`.
  pub fn option_inner(ty: &Type) -> Option<&Type> {
    single_generic(ty, "Option")
  }

  /// `Result<T, E>` → `T`.
  pub fn result_ok(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
      return None;
    }
    generic_types(&last.arguments).into_iter().next()
  }

  pub fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
  }
}

fn single_generic<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
  let Type::Path(p) = ty else { return None };
  let last = p.path.segments.last()?;
  if last.ident != name {
    return None;
  }
  match generic_types(&last.arguments).as_slice() {
    [inner] => Some(inner),
    _ => None,
  }
}

fn generic_types(args: &PathArguments) -> Vec<&Type> {
  match args {
    PathArguments::AngleBracketed(a) => a
      .args
      .iter()
      .filter_map(|arg| match arg {
        GenericArgument::Type(t) => Some(t),
        _ => None,
      })
      .collect(),
    _ => Vec::new(),
  }
}

fn array_of(ts: &str) -> String {
  if ts.contains('|') {
    format!("({ts})[]")
  } else {
    format!("{ts}[]")
  }
}

/// The `///` lines of an item, with rustdoc's intra-doc links made plain code spans.
pub fn docs_of(attrs: &[Attribute]) -> Vec<String> {
  let mut lines = Vec::new();
  for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
    if let syn::Meta::NameValue(nv) = &attr.meta {
      if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
        for line in s.value().split('\n') {
          lines.push(plain_links(line.strip_prefix(' ').unwrap_or(line)).trim_end().to_string());
        }
      }
    }
  }
  jsdoc_sections(lines)
}

/// rustdoc's `# Examples` heading becomes JSDoc's `@example` (the blank line after it goes).
fn jsdoc_sections(lines: Vec<String>) -> Vec<String> {
  let mut out: Vec<String> = Vec::new();
  let mut after_heading = false;
  for line in lines {
    if line == "# Examples" || line == "# Example" {
      out.push("@example".to_string());
      after_heading = true;
    } else if !(after_heading && line.is_empty()) {
      out.push(line);
      after_heading = false;
    }
  }
  out
}

/// "[`Foo`]" → "`Foo`".
fn plain_links(line: &str) -> String {
  line.replace("[`", "`").replace("`]", "`")
}
