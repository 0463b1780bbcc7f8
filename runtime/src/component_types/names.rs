//! How WIT names become TypeScript names, as `runtime:wasm` spells them at run time: functions,
//! parameters, record fields and flags in camelCase (`order-id` -> `orderId`), types and resource
//! classes in PascalCase (`counter` -> `Counter`); variant tags and enum cases stay kebab-case.

use std::collections::{HashMap, HashSet};

use wit_parser::{Resolve, TypeId, TypeOwner};

/// Names the generated file uses itself, or that would shadow a global it refers to: a WIT type
/// with one of these names gets its interface's name in front (`ShapesExports`).
const RESERVED_TYPE_NAMES: &[&str] = &["Exports", "Imports", "Array", "Symbol", "Uint8Array"];

/// Words TypeScript does not accept as a parameter name (reserved words, strict-mode reserved
/// words, and the two names strict mode forbids binding); also what a `.wasm` export may not be
/// declared as (wasm_types.rs).
pub(crate) const RESERVED_WORDS: &[&str] = &[
  "arguments",
  "await",
  "break",
  "case",
  "catch",
  "class",
  "const",
  "continue",
  "debugger",
  "default",
  "delete",
  "do",
  "else",
  "enum",
  "eval",
  "export",
  "extends",
  "false",
  "finally",
  "for",
  "function",
  "if",
  "implements",
  "import",
  "in",
  "instanceof",
  "interface",
  "let",
  "new",
  "null",
  "package",
  "private",
  "protected",
  "public",
  "return",
  "static",
  "super",
  "switch",
  "this",
  "throw",
  "true",
  "try",
  "typeof",
  "var",
  "void",
  "while",
  "with",
  "yield",
];

// jco's spellings, as runtime:wasm's values use them at run time: one definition, in ext_wasm.
pub use ext_wasm::wit_names::{camel, pascal};

/// A parameter's name: camelCase, with `_` after a word TypeScript reserves (`in` -> `in_`).
pub fn param(name: &str) -> String {
  let name = camel(name);
  if RESERVED_WORDS.contains(&name.as_str()) {
    format!("{name}_")
  } else {
    name
  }
}

/// A property or method name: as it is when it is an identifier, else a quoted string
/// (`"kiln:test/counters"`).
pub fn property(name: &str) -> String {
  let mut chars = name.chars();
  let identifier = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
  if identifier {
    name.to_string()
  } else {
    string_literal(name)
  }
}

/// `text` as a double-quoted TypeScript string literal.
pub fn string_literal(text: &str) -> String {
  serde_json::Value::from(text).to_string()
}

/// Gives each declared type a TypeScript name of its own: the world's types first, then those
/// of interfaces, in order. The first type with a given name keeps it; a later one with the same
/// name gets its interface's (or world's) name in front, then a number, until it is unique.
pub fn allocate(resolve: &Resolve, types: &[TypeId]) -> HashMap<TypeId, String> {
  let mut taken: HashSet<String> = RESERVED_TYPE_NAMES.iter().map(|n| n.to_string()).collect();
  let mut names = HashMap::new();
  let mut ordered = types.to_vec();
  ordered.sort_by_key(|id| !matches!(resolve.types[*id].owner, TypeOwner::World(_)));
  for id in ordered {
    let def = &resolve.types[id];
    let base = pascal(def.name.as_deref().unwrap_or("anonymous"));
    let mut name = base.clone();
    if taken.contains(&name) {
      let owner = match def.owner {
        TypeOwner::Interface(i) => resolve.interfaces[i].name.clone(),
        TypeOwner::World(w) => Some(resolve.worlds[w].name.clone()),
        TypeOwner::None => None,
      };
      let prefixed = owner.map(|o| format!("{}{base}", pascal(&o))).unwrap_or(base);
      name = prefixed.clone();
      let mut n = 2;
      while taken.contains(&name) {
        name = format!("{prefixed}{n}");
        n += 1;
      }
    }
    taken.insert(name.clone());
    names.insert(id, name);
  }
  names
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn cases() {
    assert_eq!(camel("safe-div"), "safeDiv");
    assert_eq!(camel("order-id"), "orderId");
    assert_eq!(camel("get-URL"), "getUrl");
    assert_eq!(pascal("HTTP-request"), "HttpRequest");
    assert_eq!(camel("add"), "add");
    assert_eq!(pascal("blue-green"), "BlueGreen");
    assert_eq!(pascal("counter"), "Counter");
    assert_eq!(param("in"), "in_");
    assert_eq!(param("by"), "by");
    assert_eq!(property("safeDiv"), "safeDiv");
    assert_eq!(property("kiln:test/counters@0.1.0"), "\"kiln:test/counters@0.1.0\"");
  }
}
