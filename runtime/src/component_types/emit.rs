//! Renders the world of a component as TypeScript declarations, with `runtime:wasm`'s value
//! mapping (the table in the docs of `super`).

use std::collections::{HashMap, HashSet, VecDeque};

use wit_parser::decoding::DecodedWasm;
use wit_parser::{
  Docs, Field, Function, FunctionKind, Handle, InterfaceId, Resolve, Result_, Type, TypeDefKind, TypeId, TypeOwner,
  WorldId, WorldItem, WorldKey,
};

use super::names::{self, camel, param, pascal, property, string_literal};

/// Appends one formatted line to a `String` (writing to a `String` cannot fail).
macro_rules! line {
  ($out:expr, $($arg:tt)*) => {{
    use std::fmt::Write as _;
    let _ = writeln!($out, $($arg)*);
  }};
}

/// The declarations for the component `bytes` (the file's header goes before them). Errs, saying
/// why, when its WIT cannot be read.
pub fn dts(bytes: &[u8]) -> Result<String, String> {
  let (resolve, world) = match wit_parser::decoding::decode(bytes).map_err(|e| format!("{e:#}"))? {
    DecodedWasm::Component(resolve, world) => (resolve, world),
    DecodedWasm::WitPackage(..) => {
      return Err("it is a WIT package (types only, no code), not a component to instantiate".to_string())
    }
  };
  Ok(render(&resolve, world))
}

/// The declarations for `world`.
pub fn render(resolve: &Resolve, world: WorldId) -> String {
  Emitter::new(resolve, world).render()
}

/// The types one component's declarations need, and their TypeScript names.
struct Emitter<'a> {
  resolve: &'a Resolve,
  world: WorldId,
  /// The named types to declare, in the order they are written.
  declared: Vec<TypeId>,
  /// The TypeScript name of each declared type.
  names: HashMap<TypeId, String>,
}

impl<'a> Emitter<'a> {
  /// Finds the types to declare: every named type of the world and of its exported interfaces and
  /// non-WASI imported interfaces, and every named type those and their functions refer to.
  fn new(resolve: &'a Resolve, world: WorldId) -> Self {
    let mut emitter = Emitter { resolve, world, declared: Vec::new(), names: HashMap::new() };
    let mut queue = VecDeque::new();
    for item in emitter.surface().map(|(_, item)| item) {
      match item {
        WorldItem::Type { id, .. } => queue.push_back(*id),
        WorldItem::Function(f) => queue.extend(ids(f.parameter_and_result_types())),
        WorldItem::Interface { id, .. } => {
          let interface = &resolve.interfaces[*id];
          queue.extend(interface.types.values().copied());
          for f in interface.functions.values() {
            queue.extend(ids(f.parameter_and_result_types()));
          }
        }
      }
    }
    let mut seen = HashSet::new();
    while let Some(id) = queue.pop_front() {
      let id = emitter.canonical(id);
      if !seen.insert(id) {
        continue;
      }
      let def = &resolve.types[id];
      if def.name.is_some() {
        emitter.declared.push(id);
      }
      queue.extend(ids(emitter.children(id)));
    }
    // In the order the component defines them (in WIT order when it came from WIT).
    emitter.declared.sort_by_key(|id| id.index());
    emitter.names = names::allocate(resolve, &emitter.declared);
    emitter
  }

  /// The world's exports, then its imports except WASI's (Kiln provides those).
  fn surface(&self) -> impl Iterator<Item = (&'a WorldKey, &'a WorldItem)> + '_ {
    let world = &self.resolve.worlds[self.world];
    world.exports.iter().chain(self.host_imports())
  }

  /// The imports `instantiate`'s `imports` option gives: all but WASI's.
  fn host_imports(&self) -> impl Iterator<Item = (&'a WorldKey, &'a WorldItem)> + '_ {
    let resolve = self.resolve;
    resolve.worlds[self.world].imports.iter().filter(move |(_, item)| match item {
      WorldItem::Interface { id, .. } => !is_wasi(resolve, *id),
      _ => true,
    })
  }

  /// The types a type refers to directly (for a resource: those of its functions).
  fn children(&self, id: TypeId) -> Vec<Type> {
    match &self.resolve.types[id].kind {
      TypeDefKind::Record(r) => r.fields.iter().map(|f| f.ty).collect(),
      TypeDefKind::Variant(v) => v.cases.iter().filter_map(|c| c.ty).collect(),
      TypeDefKind::Tuple(t) => t.types.clone(),
      TypeDefKind::Option(t) | TypeDefKind::List(t) | TypeDefKind::FixedLengthList(t, _) | TypeDefKind::Type(t) => {
        vec![*t]
      }
      TypeDefKind::Map(k, v) => vec![*k, *v],
      TypeDefKind::Result(r) => r.ok.iter().chain(&r.err).copied().collect(),
      TypeDefKind::Future(t) | TypeDefKind::Stream(t) => t.iter().copied().collect(),
      TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => vec![Type::Id(*r)],
      TypeDefKind::Resource => {
        self.resource_functions(id).into_iter().flat_map(|f| f.parameter_and_result_types()).collect()
      }
      TypeDefKind::Flags(_) | TypeDefKind::Enum(_) | TypeDefKind::Unknown => Vec::new(),
    }
  }

  /// The constructor, methods and static functions of a resource.
  fn resource_functions(&self, id: TypeId) -> Vec<&'a Function> {
    let of_resource = |f: &&'a Function| f.kind.resource() == Some(id);
    match self.resolve.types[id].owner {
      TypeOwner::Interface(i) => self.resolve.interfaces[i].functions.values().filter(of_resource).collect(),
      TypeOwner::World(w) => {
        let world = &self.resolve.worlds[w];
        world
          .imports
          .values()
          .chain(world.exports.values())
          .filter_map(|item| match item {
            WorldItem::Function(f) => Some(f),
            _ => None,
          })
          .filter(of_resource)
          .collect()
      }
      TypeOwner::None => Vec::new(),
    }
  }

  /// `id`, or the type it renames when it is an alias of the same name (a WIT `use`).
  fn canonical(&self, mut id: TypeId) -> TypeId {
    loop {
      let def = &self.resolve.types[id];
      match def.kind {
        TypeDefKind::Type(Type::Id(target)) if def.name.is_some() && def.name == self.resolve.types[target].name => {
          id = target
        }
        _ => return id,
      }
    }
  }

  /// What an alias (`type a = b`) stands for, through any number of aliases.
  fn deref(&self, mut ty: Type) -> Type {
    while let Type::Id(id) = ty {
      match self.resolve.types[id].kind {
        TypeDefKind::Type(inner) => ty = inner,
        _ => break,
      }
    }
    ty
  }

  /// The `result` a function's return type is (through aliases), if it is one.
  fn top_level_result(&self, ty: Type) -> Option<&'a Result_> {
    match self.deref(ty) {
      Type::Id(id) => match &self.resolve.types[id].kind {
        TypeDefKind::Result(r) => Some(r),
        _ => None,
      },
      _ => None,
    }
  }

  /// A record field: `key: T`, or `key?: T | undefined` for an option, which may be left out.
  fn field(&self, field: &Field) -> String {
    let optional = if self.is_option(field.ty) { "?" } else { "" };
    format!("{}{optional}: {}", property(&camel(&field.name)), self.ty(&field.ty))
  }

  /// Whether a type is an `option` (through aliases).
  fn is_option(&self, ty: Type) -> bool {
    matches!(self.deref(ty), Type::Id(id) if matches!(self.resolve.types[id].kind, TypeDefKind::Option(_)))
  }

  /// The TypeScript type of a WIT type: its declared name, or its structure.
  fn ty(&self, ty: &Type) -> String {
    match ty {
      Type::Bool => "boolean".to_string(),
      Type::U8 | Type::U16 | Type::U32 | Type::S8 | Type::S16 | Type::S32 | Type::F32 | Type::F64 => {
        "number".to_string()
      }
      Type::U64 | Type::S64 => "bigint".to_string(),
      Type::Char | Type::String => "string".to_string(),
      Type::ErrorContext => "unknown".to_string(),
      Type::Id(id) => {
        let id = self.canonical(*id);
        match self.names.get(&id) {
          Some(name) => name.clone(),
          None => self.structure(&self.resolve.types[id].kind),
        }
      }
    }
  }

  /// The TypeScript type of a type definition, spelled out.
  fn structure(&self, kind: &TypeDefKind) -> String {
    match kind {
      TypeDefKind::Record(r) => {
        let fields: Vec<String> = r.fields.iter().map(|f| self.field(f)).collect();
        format!("{{ {} }}", fields.join("; "))
      }
      TypeDefKind::Flags(f) => {
        let flags: Vec<String> = f.flags.iter().map(|f| format!("{}?: boolean", property(&camel(&f.name)))).collect();
        format!("{{ {} }}", flags.join("; "))
      }
      TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => self.ty(&Type::Id(*r)),
      TypeDefKind::Tuple(t) => format!("[{}]", t.types.iter().map(|t| self.ty(t)).collect::<Vec<_>>().join(", ")),
      TypeDefKind::Variant(v) => {
        v.cases.iter().map(|c| self.tagged(&c.name, c.ty.as_ref())).collect::<Vec<_>>().join(" | ")
      }
      TypeDefKind::Enum(e) => e.cases.iter().map(|c| string_literal(&c.name)).collect::<Vec<_>>().join(" | "),
      TypeDefKind::Option(t) => self.option(t),
      TypeDefKind::Result(r) => {
        format!("{} | {}", self.tagged("ok", r.ok.as_ref()), self.tagged("err", r.err.as_ref()))
      }
      TypeDefKind::List(t) | TypeDefKind::FixedLengthList(t, _) => match self.deref(*t) {
        Type::U8 => "Uint8Array".to_string(),
        _ => array_of(&self.ty(t)),
      },
      TypeDefKind::Type(t) => self.ty(t),
      // Not in runtime:wasm's value mapping (yet): anything goes, the runtime checks.
      TypeDefKind::Resource
      | TypeDefKind::Map(..)
      | TypeDefKind::Future(_)
      | TypeDefKind::Stream(_)
      | TypeDefKind::Unknown => "unknown".to_string(),
    }
  }

  /// `{ tag: "name"; val: T }`, or `{ tag: "name" }` without a payload.
  fn tagged(&self, tag: &str, payload: Option<&Type>) -> String {
    match payload {
      Some(t) => format!("{{ tag: {}; val: {} }}", string_literal(tag), self.ty(t)),
      None => format!("{{ tag: {} }}", string_literal(tag)),
    }
  }

  /// `option<T>` is `T | undefined`; an option directly inside it is tagged, so that the two
  /// kinds of nothing stay apart.
  fn option(&self, inner: &Type) -> String {
    let nested = match self.deref(*inner) {
      Type::Id(id) => match &self.resolve.types[id].kind {
        TypeDefKind::Option(t) => Some(*t),
        _ => None,
      },
      _ => None,
    };
    match nested {
      Some(t) => format!("{} | {{ tag: \"none\" }} | undefined", self.tagged("some", Some(&t))),
      None => format!("{} | undefined", self.ty(inner)),
    }
  }

  /// The whole file.
  fn render(&self) -> String {
    let mut out = String::new();
    let has_classes = self.declared.iter().any(|id| matches!(self.resolve.types[*id].kind, TypeDefKind::Resource));
    if has_classes {
      // `[Symbol.dispose]` needs the explicit resource management lib, which the app's tsconfig
      // (lib ES2022) does not load; QuickJS-ng implements it.
      out.push_str("/// <reference lib=\"esnext.disposable\" />\n");
    }
    out.push('\n');
    for id in &self.declared {
      self.declaration(&mut out, *id);
      out.push('\n');
    }
    let world = &self.resolve.worlds[self.world];
    let mut doc =
      vec!["The component's exports: the type of `instance.exports`, as in `instantiate<Exports>(id)`.".to_string()];
    doc.extend(doc_lines(&world.docs));
    jsdoc(&mut out, "", &doc);
    let mut members = String::new();
    for (key, item) in &world.exports {
      self.member(&mut members, key, item, Side::Export);
    }
    interface(&mut out, "Exports", &members);
    out.push('\n');
    jsdoc(
      &mut out,
      "",
      &["What `instantiate`'s `imports` option must give the component (Kiln provides its WASI imports).".to_string()],
    );
    let mut members = String::new();
    for (key, item) in self.host_imports() {
      self.member(&mut members, key, item, Side::Import);
    }
    // A type literal rather than an interface, so that it fits `imports`' index signature.
    if members.is_empty() {
      line!(out, "export type Imports = {{ [name: string]: never }};");
    } else {
      line!(out, "export type Imports = {{\n{members}}};");
    }
    out
  }

  /// The declaration of a named type.
  fn declaration(&self, out: &mut String, id: TypeId) {
    let def = &self.resolve.types[id];
    let name = &self.names[&id];
    let mut doc = doc_lines(&def.docs);
    match &def.kind {
      TypeDefKind::Record(r) => {
        jsdoc(out, "", &doc);
        line!(out, "export interface {name} {{");
        for field in &r.fields {
          jsdoc(out, "  ", &doc_lines(&field.docs));
          line!(out, "  {};", self.field(field));
        }
        line!(out, "}}");
      }
      TypeDefKind::Flags(f) => {
        doc.push("Flags: one optional boolean each; a missing one is false (results have them all).".to_string());
        jsdoc(out, "", &doc);
        line!(out, "export interface {name} {{");
        for flag in &f.flags {
          jsdoc(out, "  ", &doc_lines(&flag.docs));
          line!(out, "  {}?: boolean;", property(&camel(&flag.name)));
        }
        line!(out, "}}");
      }
      TypeDefKind::Variant(v) => {
        for case in &v.cases {
          case_doc(&mut doc, &case.name, &case.docs);
        }
        jsdoc(out, "", &doc);
        line!(out, "export type {name} =");
        let cases: Vec<String> =
          v.cases.iter().map(|c| format!("  | {}", self.tagged(&c.name, c.ty.as_ref()))).collect();
        line!(out, "{};", cases.join("\n"));
      }
      TypeDefKind::Enum(e) => {
        for case in &e.cases {
          case_doc(&mut doc, &case.name, &case.docs);
        }
        jsdoc(out, "", &doc);
        let cases: Vec<String> = e.cases.iter().map(|c| string_literal(&c.name)).collect();
        line!(out, "export type {name} = {};", cases.join(" | "));
      }
      TypeDefKind::Resource => self.class(out, id, name, &doc),
      kind => {
        jsdoc(out, "", &doc);
        line!(out, "export type {name} = {};", self.structure(kind));
      }
    }
  }

  /// A resource's class: `new` for its constructor, its methods, static functions, and
  /// `[Symbol.dispose]()` to drop it.
  fn class(&self, out: &mut String, id: TypeId, name: &str, doc: &[String]) {
    jsdoc(out, "", doc);
    line!(out, "export declare class {name} {{");
    // A resource of an interface the component imports (and does not export) is the host's.
    let world = &self.resolve.worlds[self.world];
    let side = match self.resolve.types[id].owner {
      TypeOwner::Interface(i) if !world.exports.values().any(|e| is_interface(e, i)) => Side::Import,
      _ => Side::Export,
    };
    let functions = self.resource_functions(id);
    if !functions.iter().any(|f| matches!(f.kind, FunctionKind::Constructor(_))) {
      line!(out, "  /** It has no constructor: functions that return one make it. */");
      line!(out, "  private constructor();");
    }
    for f in functions {
      let (params, result, doc) = self.signature(f, side);
      jsdoc(out, "  ", &doc);
      let method = match camel(f.item_name()).as_str() {
        // Not the class's constructor: a method of that name.
        "constructor" => "[\"constructor\"]".to_string(),
        other => property(other),
      };
      match f.kind {
        FunctionKind::Constructor(_) => line!(out, "  constructor({params});"),
        FunctionKind::Static(_) | FunctionKind::AsyncStatic(_) => line!(out, "  static {method}({params}): {result};"),
        _ => line!(out, "  {method}({params}): {result};"),
      }
    }
    line!(out, "  /** Drops the resource now: its destructor runs. */");
    line!(out, "  [Symbol.dispose](): void;");
    line!(out, "}}");
  }

  /// A function's parameter list, return type and JSDoc lines. A `result<T, E>` return is `T`:
  /// the `err` case is a thrown ComponentError.
  fn signature(&self, f: &Function, side: Side) -> (String, String, Vec<String>) {
    let implicit_self = matches!(f.kind, FunctionKind::Method(_) | FunctionKind::AsyncMethod(_));
    let params: Vec<String> = f
      .params
      .iter()
      .skip(usize::from(implicit_self))
      .map(|p| format!("{}: {}", param(&p.name), self.ty(&p.ty)))
      .collect();
    let mut doc = doc_lines(&f.docs);
    let result = match f.result {
      None => "void".to_string(),
      Some(ty) => match self.top_level_result(ty) {
        Some(r) => {
          doc.push(self.result_doc(side, r.err.as_ref()));
          r.ok.as_ref().map(|t| self.ty(t)).unwrap_or_else(|| "void".to_string())
        }
        None => self.ty(&ty),
      },
    };
    (params.join(", "), result, doc)
  }

  /// What the JSDoc of a function whose return type is a `result` says about its `err` case.
  fn result_doc(&self, side: Side, err: Option<&Type>) -> String {
    let err = err.map(|e| self.ty(e));
    match (side, err) {
      (Side::Export, Some(e)) => {
        format!("@throws {{ComponentError}} (code 5012) when the result is `err`; its `payload` is the error, a `{e}`.")
      }
      (Side::Export, None) => {
        "@throws {ComponentError} (code 5012) when the result is `err`; its `payload` is undefined.".to_string()
      }
      (Side::Import, Some(e)) => format!(
        "Returns the `ok` value of a WIT `result`; to return `err`, throw `new ComponentError(message, payload)` \
         with the error, a `{e}`, as `payload`."
      ),
      (Side::Import, None) => {
        "Returns the `ok` value of a WIT `result`; to return `err`, throw `new ComponentError(message, undefined)`."
          .to_string()
      }
    }
  }

  /// A member of `Exports` or `Imports`: a function as a method; an interface as a property
  /// keyed by its full name, with its functions and (for exports) its resources' classes: JS host
  /// functions cannot give resources yet.
  fn member(&self, out: &mut String, key: &WorldKey, item: &WorldItem, side: Side) {
    match item {
      WorldItem::Function(f) if f.kind.resource().is_none() => self.method(out, "  ", f, side),
      WorldItem::Function(_) | WorldItem::Type { .. } => {}
      WorldItem::Interface { id, docs, .. } => {
        let interface = &self.resolve.interfaces[*id];
        let classes: Vec<(&String, TypeId)> = interface
          .types
          .iter()
          .filter(|(_, t)| {
            matches!(side, Side::Export) && matches!(self.resolve.types[**t].kind, TypeDefKind::Resource)
          })
          .map(|(n, t)| (n, *t))
          .collect();
        let functions: Vec<&Function> = interface.functions.values().filter(|f| f.kind.resource().is_none()).collect();
        if classes.is_empty() && functions.is_empty() {
          return; // only types: nothing to call or to give
        }
        let doc = if docs.is_empty() { &interface.docs } else { docs };
        jsdoc(out, "  ", &doc_lines(doc));
        line!(out, "  {}: {{", property(&self.resolve.name_world_key(key)));
        for (wit_name, id) in classes {
          line!(out, "    {}: typeof {};", property(&pascal(wit_name)), self.names[&self.canonical(id)]);
        }
        for f in functions {
          self.method(out, "    ", f, side);
        }
        line!(out, "  }};");
      }
    }
  }

  /// A function as a method signature, with its JSDoc.
  fn method(&self, out: &mut String, indent: &str, f: &Function, side: Side) {
    let (params, mut result, doc) = self.signature(f, side);
    if let Side::Import = side {
      // A host function may answer later (under `await instance.call(...)`).
      result = format!("{result} | Promise<{result}>");
    }
    jsdoc(out, indent, &doc);
    line!(out, "{indent}{}({params}): {result};", property(&camel(f.item_name())));
  }
}

/// `export interface NAME { ... }` around `members` (lines), or `{}` when there are none.
fn interface(out: &mut String, name: &str, members: &str) {
  if members.is_empty() {
    line!(out, "export interface {name} {{}}");
  } else {
    line!(out, "export interface {name} {{\n{members}}}");
  }
}

/// Whether a function is the component's (called by the app) or the host's (given in `imports`).
#[derive(Clone, Copy)]
enum Side {
  Export,
  Import,
}

/// Whether an interface is WASI's (its package's namespace is `wasi`): Kiln provides those.
fn is_wasi(resolve: &Resolve, id: InterfaceId) -> bool {
  resolve.interfaces[id].package.is_some_and(|p| resolve.packages[p].name.namespace == "wasi")
}

/// Whether a world item is the interface `id`.
fn is_interface(item: &WorldItem, id: InterfaceId) -> bool {
  matches!(item, WorldItem::Interface { id: i, .. } if *i == id)
}

/// The type ids among `types`.
fn ids(types: impl IntoIterator<Item = Type>) -> impl Iterator<Item = TypeId> {
  types.into_iter().filter_map(|t| match t {
    Type::Id(id) => Some(id),
    _ => None,
  })
}

/// `T[]`, or `Array<T>` when `T` is a union.
fn array_of(element: &str) -> String {
  if element.contains('|') {
    format!("Array<{element}>")
  } else {
    format!("{element}[]")
  }
}

/// The lines of a WIT doc comment, made safe inside `/** */`.
fn doc_lines(docs: &Docs) -> Vec<String> {
  let Some(text) = docs.contents.as_deref() else { return Vec::new() };
  text.trim_end().lines().map(|l| l.trim_end().replace("*/", "*\\/")).collect()
}

/// Adds a variant or enum case's docs to its type's: `- \`name\`: text`.
fn case_doc(doc: &mut Vec<String>, name: &str, docs: &Docs) {
  let lines = doc_lines(docs);
  if let Some((first, rest)) = lines.split_first() {
    doc.push(format!("- `{name}`: {first}"));
    doc.extend(rest.iter().map(|l| format!("  {l}")));
  }
}

/// Writes `lines` as a JSDoc comment (nothing when there are none).
fn jsdoc(out: &mut String, indent: &str, lines: &[String]) {
  match lines {
    [] => {}
    [one] => line!(out, "{indent}/** {one} */"),
    _ => {
      line!(out, "{indent}/**");
      for l in lines {
        if l.is_empty() {
          line!(out, "{indent} *");
        } else {
          line!(out, "{indent} * {l}");
        }
      }
      line!(out, "{indent} */");
    }
  }
}
