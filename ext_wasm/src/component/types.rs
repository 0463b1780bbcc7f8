//! The WIT types of a component's functions, described twice: as a JSON tree the JS side encodes
//! and decodes values by (`ts/wasm_component.ts`), and as WIT text for `getExports()` and
//! `moduleImports()`. Named types (records, variants, enums, flags, resources the component
//! exports or imports by name) keep their WIT names in both.

use serde_json::{json, Value as Json};
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{ResourceType, Type};
use wasmtime::Engine;

/// A named record, variant, enum or flags type of a component's WIT, by its members' names: how
/// the types a component imports (wit-component's layout) get their names, since wasmtime's type
/// reflection does not list type imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hint {
  kind: &'static str,
  members: Vec<String>,
  name: String,
}

/// The named types of the WIT `bytes` carry (decoded by wit-parser); none if it cannot decode them.
pub fn hints(bytes: &[u8]) -> Vec<Hint> {
  use wit_parser::TypeDefKind;
  let Ok(binary) = wat::parse_bytes(bytes) else { return Vec::new() };
  let resolve = match wit_parser::decoding::decode(&binary) {
    Ok(wit_parser::decoding::DecodedWasm::Component(resolve, _)) => resolve,
    _ => return Vec::new(),
  };
  let mut out: Vec<Hint> = Vec::new();
  for (_, def) in resolve.types.iter() {
    let Some(name) = &def.name else { continue };
    let (kind, members): (&str, Vec<String>) = match &def.kind {
      TypeDefKind::Record(r) => ("record", r.fields.iter().map(|f| f.name.clone()).collect()),
      TypeDefKind::Variant(v) => ("variant", v.cases.iter().map(|c| c.name.clone()).collect()),
      TypeDefKind::Enum(e) => ("enum", e.cases.iter().map(|c| c.name.clone()).collect()),
      TypeDefKind::Flags(f) => ("flags", f.flags.iter().map(|f| f.name.clone()).collect()),
      _ => continue,
    };
    let hint = Hint { kind, members, name: name.clone() };
    if !out.contains(&hint) {
      out.push(hint);
    }
  }
  out
}

/// The names a component gives its types (from its exported and imported type items, and from
/// its WIT's named types by structure), and the keys of the resource types JS classes stand for.
#[derive(Default)]
pub struct Names {
  types: Vec<(Type, String)>,
  hints: std::sync::Arc<Vec<Hint>>,
  /// Resource types by key (`"kiln:test/counters#counter"`, or `"counter"` at the top level).
  pub resources: Vec<(ResourceType, String)>,
}

impl Names {
  /// The names of the types `component` exports and imports, at the top level and in instances.
  pub fn of(component: &wasmtime::component::Component, engine: &Engine, hints: std::sync::Arc<Vec<Hint>>) -> Self {
    let mut names = Self { hints, ..Self::default() };
    let ty = component.component_type();
    for (name, item) in ty.imports(engine).chain(ty.exports(engine)) {
      match item.ty {
        ComponentItem::Type(t) => names.add_type(t, name),
        ComponentItem::Resource(r) => names.add_resource(r, name.to_string()),
        ComponentItem::ComponentInstance(instance) => {
          for (inner, item) in instance.exports(engine) {
            match item.ty {
              ComponentItem::Type(t) => names.add_type(t, inner),
              ComponentItem::Resource(r) => names.add_resource(r, format!("{name}#{inner}")),
              _ => {}
            }
          }
        }
        _ => {}
      }
    }
    names
  }

  /// Records the name of a type item.
  pub fn add_type(&mut self, ty: Type, name: &str) {
    if !self.types.iter().any(|(t, _)| *t == ty) {
      self.types.push((ty, name.to_string()));
    }
  }

  /// Records the key of a resource type.
  pub fn add_resource(&mut self, ty: ResourceType, key: String) {
    if !self.resources.iter().any(|(t, _)| *t == ty) {
      self.resources.push((ty, key));
    }
  }

  fn type_name(&self, ty: &Type) -> Option<&str> {
    if let Some((_, name)) = self.types.iter().find(|(t, _)| t == ty) {
      return Some(name);
    }
    let (kind, members): (&str, Vec<&str>) = match ty {
      Type::Record(r) => ("record", r.fields().map(|f| f.name).collect()),
      Type::Variant(v) => ("variant", v.cases().map(|c| c.name).collect()),
      Type::Enum(e) => ("enum", e.names().collect()),
      Type::Flags(f) => ("flags", f.names().collect()),
      _ => return None,
    };
    // By structure: only a name no other type of the same shape has.
    let mut found =
      self.hints.iter().filter(|h| h.kind == kind && h.members.iter().map(String::as_str).eq(members.iter().copied()));
    let first = found.next()?;
    found.all(|other| other.name == first.name).then_some(first.name.as_str())
  }

  /// The key of a resource type; unnamed ones get a key from their order of appearance.
  pub fn resource_key(&mut self, ty: ResourceType) -> String {
    if let Some((_, key)) = self.resources.iter().find(|(t, _)| *t == ty) {
      return key.clone();
    }
    let key = format!("resource{}", self.resources.len());
    self.resources.push((ty, key.clone()));
    key
  }

  /// The short name of a resource (its key's part after `#`).
  fn resource_name(&mut self, ty: ResourceType) -> String {
    let key = self.resource_key(ty);
    key.rsplit('#').next().unwrap_or(&key).to_string()
  }
}

/// jco's camelCase of a WIT name: `safe-div` is `safeDiv`.
pub fn camel(name: &str) -> String {
  let mut out = String::with_capacity(name.len());
  for (i, word) in name.split('-').enumerate() {
    let lower = word.to_ascii_lowercase();
    if i == 0 {
      out.push_str(&lower);
    } else {
      let mut chars = lower.chars();
      if let Some(first) = chars.next() {
        out.push(first.to_ascii_uppercase());
        out.extend(chars);
      }
    }
  }
  out
}

/// jco's PascalCase of a resource name: `output-stream` is `OutputStream`.
pub fn pascal(name: &str) -> String {
  let camel = camel(name);
  let mut chars = camel.chars();
  match chars.next() {
    Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
    None => camel,
  }
}

/// The JSON tree of `ty` the JS side converts values by.
pub fn describe(ty: &Type, names: &mut Names) -> Json {
  match ty {
    Type::Bool => json!("bool"),
    Type::S8 => json!("s8"),
    Type::U8 => json!("u8"),
    Type::S16 => json!("s16"),
    Type::U16 => json!("u16"),
    Type::S32 => json!("s32"),
    Type::U32 => json!("u32"),
    Type::S64 => json!("s64"),
    Type::U64 => json!("u64"),
    Type::Float32 => json!("f32"),
    Type::Float64 => json!("f64"),
    Type::Char => json!("char"),
    Type::String => json!("string"),
    Type::List(list) => match list.ty() {
      Type::U8 => json!("bytes"),
      element => json!({ "k": "list", "t": describe(&element, names) }),
    },
    Type::Record(record) => {
      let fields: Vec<Json> = record.fields().map(|f| json!([f.name, camel(f.name), describe(&f.ty, names)])).collect();
      json!({ "k": "record", "n": names.type_name(ty), "f": fields })
    }
    Type::Tuple(tuple) => {
      let types: Vec<Json> = tuple.types().map(|t| describe(&t, names)).collect();
      json!({ "k": "tuple", "t": types })
    }
    Type::Variant(variant) => {
      let cases: Vec<Json> =
        variant.cases().map(|c| json!([c.name, c.ty.as_ref().map(|t| describe(t, names))])).collect();
      json!({ "k": "variant", "n": names.type_name(ty), "c": cases })
    }
    Type::Enum(e) => json!({ "k": "enum", "n": names.type_name(ty), "c": e.names().collect::<Vec<_>>() }),
    Type::Flags(flags) => {
      let cases: Vec<Json> = flags.names().map(|n| json!([n, camel(n)])).collect();
      json!({ "k": "flags", "n": names.type_name(ty), "c": cases })
    }
    Type::Option(option) => json!({ "k": "option", "t": describe(&option.ty(), names) }),
    Type::Result(result) => json!({
      "k": "result",
      "ok": result.ok().map(|t| describe(&t, names)),
      "err": result.err().map(|t| describe(&t, names)),
    }),
    Type::Own(resource) => {
      let key = names.resource_key(*resource);
      json!({ "k": "own", "r": key })
    }
    Type::Borrow(resource) => {
      let key = names.resource_key(*resource);
      json!({ "k": "borrow", "r": key })
    }
    other => json!({ "k": "unsupported", "what": wit(other, names) }),
  }
}

/// Whether Kiln can pass values of `ty` (maps, futures, streams, error contexts and fixed-length
/// lists it cannot yet).
pub fn supported(ty: &Type) -> bool {
  match ty {
    Type::List(list) => supported(&list.ty()),
    Type::Record(record) => record.fields().all(|f| supported(&f.ty)),
    Type::Tuple(tuple) => tuple.types().all(|t| supported(&t)),
    Type::Variant(variant) => variant.cases().all(|c| c.ty.as_ref().is_none_or(supported)),
    Type::Option(option) => supported(&option.ty()),
    Type::Result(result) => result.ok().as_ref().is_none_or(supported) && result.err().as_ref().is_none_or(supported),
    Type::Map(_) | Type::Future(_) | Type::Stream(_) | Type::ErrorContext | Type::FixedLengthList(_) => false,
    _ => true,
  }
}

/// `ty` as WIT text: a named type by its name, others spelled out.
pub fn wit(ty: &Type, names: &mut Names) -> String {
  if let Some(name) = names.type_name(ty) {
    return name.to_string();
  }
  match ty {
    Type::Bool => "bool".into(),
    Type::S8 => "s8".into(),
    Type::U8 => "u8".into(),
    Type::S16 => "s16".into(),
    Type::U16 => "u16".into(),
    Type::S32 => "s32".into(),
    Type::U32 => "u32".into(),
    Type::S64 => "s64".into(),
    Type::U64 => "u64".into(),
    Type::Float32 => "f32".into(),
    Type::Float64 => "f64".into(),
    Type::Char => "char".into(),
    Type::String => "string".into(),
    Type::List(list) => format!("list<{}>", wit(&list.ty(), names)),
    Type::Map(map) => format!("map<{}, {}>", wit(&map.key(), names), wit(&map.value(), names)),
    Type::FixedLengthList(list) => format!("list<{}, {}>", wit(&list.ty(), names), list.len()),
    Type::Record(record) => {
      let fields: Vec<String> = record.fields().map(|f| format!("{}: {}", f.name, wit(&f.ty, names))).collect();
      format!("record {{ {} }}", fields.join(", "))
    }
    Type::Tuple(tuple) => {
      let types: Vec<String> = tuple.types().map(|t| wit(&t, names)).collect();
      format!("tuple<{}>", types.join(", "))
    }
    Type::Variant(variant) => {
      let cases: Vec<String> = variant
        .cases()
        .map(|c| match &c.ty {
          Some(t) => format!("{}({})", c.name, wit(t, names)),
          None => c.name.to_string(),
        })
        .collect();
      format!("variant {{ {} }}", cases.join(", "))
    }
    Type::Enum(e) => format!("enum {{ {} }}", e.names().collect::<Vec<_>>().join(", ")),
    Type::Flags(f) => format!("flags {{ {} }}", f.names().collect::<Vec<_>>().join(", ")),
    Type::Option(option) => format!("option<{}>", wit(&option.ty(), names)),
    Type::Result(result) => match (result.ok(), result.err()) {
      (None, None) => "result".into(),
      (Some(ok), None) => format!("result<{}>", wit(&ok, names)),
      (None, Some(err)) => format!("result<_, {}>", wit(&err, names)),
      (Some(ok), Some(err)) => format!("result<{}, {}>", wit(&ok, names), wit(&err, names)),
    },
    Type::Own(resource) => names.resource_name(*resource),
    Type::Borrow(resource) => format!("borrow<{}>", names.resource_name(*resource)),
    Type::Future(f) => match f.ty() {
      Some(t) => format!("future<{}>", wit(&t, names)),
      None => "future".into(),
    },
    Type::Stream(s) => match s.ty() {
      Some(t) => format!("stream<{}>", wit(&t, names)),
      None => "stream".into(),
    },
    Type::ErrorContext => "error-context".into(),
  }
}

/// A function's type as WIT text: `func(a: s32, b: s32) -> result<s32, string>`.
pub fn func_wit(func: &ComponentFunc, names: &mut Names) -> String {
  let params: Vec<String> = func.params().map(|(name, ty)| format!("{name}: {}", wit(&ty, names))).collect();
  let results: Vec<String> = func.results().map(|ty| wit(&ty, names)).collect();
  let asynchronous = if func.async_() { "async " } else { "" };
  match results.as_slice() {
    [] => format!("{asynchronous}func({})", params.join(", ")),
    [one] => format!("{asynchronous}func({}) -> {one}", params.join(", ")),
    many => format!("{asynchronous}func({}) -> ({})", params.join(", "), many.join(", ")),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn names_are_jcos() {
    assert_eq!(camel("safe-div"), "safeDiv");
    assert_eq!(camel("order-id"), "orderId");
    assert_eq!(camel("add"), "add");
    assert_eq!(pascal("output-stream"), "OutputStream");
    assert_eq!(pascal("counter"), "Counter");
  }
}
