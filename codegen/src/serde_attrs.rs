//! What `#[serde(...)]` says about a type or field, as far as its JSON shape is concerned.

use syn::{Attribute, LitStr};

/// The container and field attributes the generator honours. Others (`expecting`, `bound`, ...) are
/// read and ignored; they do not change the JSON shape.
#[derive(Debug, Default, Clone)]
pub struct SerdeAttrs {
  pub rename: Option<String>,
  pub rename_all: Option<String>,
  pub untagged: bool,
  pub default: bool,
  pub skip: bool,
  pub skip_serializing_if: bool,
  pub flatten: bool,
  pub tag: Option<String>,
}

impl SerdeAttrs {
  pub fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
    let mut out = Self::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
      attr.parse_nested_meta(|meta| {
        let key = meta.path.get_ident().map(|i| i.to_string()).unwrap_or_default();
        let value = if meta.input.peek(syn::Token![=]) { Some(meta.value()?.parse::<LitStr>()?.value()) } else { None };
        match key.as_str() {
          "rename" => out.rename = value,
          "rename_all" => out.rename_all = value,
          "untagged" => out.untagged = true,
          "default" => out.default = true,
          "skip" | "skip_serializing" => out.skip = true,
          "skip_serializing_if" => out.skip_serializing_if = true,
          "flatten" => out.flatten = true,
          "tag" => out.tag = value,
          _ => {}
        }
        Ok(())
      })?;
    }
    Ok(out)
  }
}

/// Applies a serde `rename_all` rule to a field (snake_case) or variant (PascalCase) name.
pub fn apply_rename_all(rule: Option<&str>, name: &str) -> Result<String, String> {
  let words = words(name);
  Ok(match rule {
    None => name.to_string(),
    Some("lowercase") => words.concat(),
    Some("UPPERCASE") => words.concat().to_uppercase(),
    Some("snake_case") => words.join("_"),
    Some("SCREAMING_SNAKE_CASE") => words.join("_").to_uppercase(),
    Some("kebab-case") => words.join("-"),
    Some("camelCase") => {
      let mut out = words[0].clone();
      words[1..].iter().for_each(|w| out.push_str(&capitalize(w)));
      out
    }
    Some("PascalCase") => words.iter().map(|w| capitalize(w)).collect(),
    Some(other) => return Err(format!("serde rename_all = {other:?} is not supported by the generator")),
  })
}

/// Lower-case words of a snake_case or PascalCase identifier.
fn words(name: &str) -> Vec<String> {
  let mut out: Vec<String> = Vec::new();
  for part in name.split('_').filter(|p| !p.is_empty()) {
    let mut current = String::new();
    for c in part.chars() {
      if c.is_uppercase() && !current.is_empty() {
        out.push(std::mem::take(&mut current));
      }
      current.extend(c.to_lowercase());
    }
    out.push(current);
  }
  if out.is_empty() {
    out.push(String::new());
  }
  out
}

fn capitalize(word: &str) -> String {
  let mut chars = word.chars();
  match chars.next() {
    Some(first) => first.to_uppercase().chain(chars).collect(),
    None => String::new(),
  }
}

/// `instance_id` → `instanceId`, for op parameter names.
pub fn camel_case(name: &str) -> String {
  apply_rename_all(Some("camelCase"), name).unwrap_or_else(|_| name.to_string())
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn renames_like_serde() {
    assert_eq!(apply_rename_all(Some("camelCase"), "inherit_stdout").unwrap(), "inheritStdout");
    assert_eq!(apply_rename_all(Some("camelCase"), "timeout_ms").unwrap(), "timeoutMs");
    assert_eq!(apply_rename_all(Some("lowercase"), "FuncRef").unwrap(), "funcref");
    assert_eq!(apply_rename_all(Some("lowercase"), "I32").unwrap(), "i32");
    assert_eq!(apply_rename_all(Some("kebab-case"), "max_memory").unwrap(), "max-memory");
    assert_eq!(apply_rename_all(None, "as_is").unwrap(), "as_is");
    assert!(apply_rename_all(Some("Title Case"), "x").is_err());
  }
}
