//! Linking: the imports a store's instances get, and why a module cannot be linked.
//!
//! Every store starts from its engine's linker, which defines WASI preview 1. A store made with
//! module ids in `imports` gets its own copy, to which each linked module's exports are added
//! under its import name once the module is instantiated into the store (dependencies first, each
//! once, cycles refused). wasmtime links only within a store, so linked instances share one.

use std::collections::HashMap;

use wasmtime::{AsContextMut, Extern, ExternType, Global, Instance, Linker, Module, Mutability, Store, Val, ValType};

use crate::engine::Engines;
use crate::error::{error_chain, WasmError};
use crate::limiter::KilnLimiter;
use crate::signature::{describe_extern, kind, value_name};
use crate::store::{KilnStore, StoreData};

/// The module name of WASI preview 1, the only imports Kiln's linker defines.
const WASI_P1: &str = "wasi_snapshot_preview1";

/// Imports listed in one link error at most; the rest are counted.
const MAX_LISTED_IMPORTS: usize = 100;

/// Why `linker.instantiate_pre` refused `module`: every import the linker cannot satisfy, each with
/// its module, name, kind and type, in one 5001 message that says what to do. The linker stops at
/// the first unknown import (and checks types only once all names resolve), so its own error would
/// send the user through one fix and one (possibly long) compile per missing import.
///
/// Falls back to the linker's message if every import resolves (the failure was something else).
pub(crate) fn link_error(linker: &Linker<StoreData>, module: &Module, error: &wasmtime::Error) -> WasmError {
  // `Linker::get` hands out a definition as an `Extern`, which needs a store (a host function
  // becomes a `Func` in it). A throwaway store with an empty WASI context stands in: no guest code
  // runs in it, and this only happens when instantiation has already failed.
  let data = StoreData::new(crate::config::GuestWasi::default(), KilnLimiter::default());
  let mut store = Store::new(linker.engine(), data);
  link_error_in(linker, &mut store, module, error, &[])
}

/// [`link_error`] with a store that already holds the linked modules' instances, whose import
/// names (`provided`) the message then tells apart from names nothing provides.
pub(crate) fn link_error_in(
  linker: &Linker<StoreData>,
  store: &mut Store<StoreData>,
  module: &Module,
  error: &wasmtime::Error,
  provided: &[&str],
) -> WasmError {
  let mut problems = Vec::new();
  let (mut other_modules, mut wasi) = (None, false);
  for import in module.imports() {
    let wanted = import.ty();
    let line = format!("{}.{}: {}", import.module(), import.name(), describe_extern(&wanted));
    let problem = match linker.get(&mut *store, import.module(), import.name()) {
      Err(_) if import.module() == WASI_P1 => Some(format!("{line} (WASI preview 1 defines no `{}`)", import.name())),
      Err(_) if import.module() == "wasi_unstable" => {
        Some(format!("{line} (the old WASI snapshot 0, which Kiln does not provide)"))
      }
      Err(_) if matches!(wanted, ExternType::Tag(_)) => Some(format!(
        "{line} (a tag comes from a linked module: give the id of the module that exports it, as \
         `imports: {{ {}: moduleId }}`; JS values cannot give one, except through the WebAssembly global's \
         WebAssembly.Tag)",
        serde_json::Value::String(import.module().to_string())
      )),
      Err(_) if provided.contains(&import.module()) => {
        Some(format!("{line} (the module linked as `{}` exports no `{}`)", import.module(), import.name()))
      }

      Err(_) => Some(line),
      Ok(found) => {
        let fits = match (&found, &wanted) {
          (Extern::Func(func), ExternType::Func(ty)) => func.matches_ty(&*store, ty),
          // Kiln's linker defines only functions. For a memory, table or global of the right kind,
          // wasmtime's limits and subtyping check is internal, so the kind is all this compares.
          (found, wanted) => kind(&found.ty(&store)) == kind(wanted),
        };
        let defined = describe_extern(&found.ty(&*store));
        let by = if provided.contains(&import.module()) { "the linked module" } else { "Kiln's" };
        (!fits).then(|| format!("{line}, but {by} `{}` defines it as {defined}", import.module()))
      }
    };
    if let Some(problem) = problem {
      if import.module() == WASI_P1 || import.module() == "wasi_unstable" {
        wasi = true;
      } else if !provided.contains(&import.module()) {
        other_modules = other_modules.or(Some(import.module().to_string()));
      }
      problems.push(problem);
    }
  }
  if problems.is_empty() {
    return WasmError::instantiate(format!("cannot instantiate the module: {}", error_chain(error)));
  }
  let count = problems.len();
  let mut message = format!(
    "cannot instantiate the module: Kiln cannot provide {count} of its imports ({} in all):",
    module.imports().len()
  );
  for problem in problems.iter().take(MAX_LISTED_IMPORTS) {
    message.push_str("\n  ");
    message.push_str(problem);
  }
  if count > MAX_LISTED_IMPORTS {
    message.push_str(&format!("\n  ... and {} more", count - MAX_LISTED_IMPORTS));
  }
  if let Some(example) = other_modules {
    message.push_str(&format!(
      "\nKiln provides WASI preview 1 (`{WASI_P1}`) and the modules `instantiate`'s `imports` \
       option links: pass the id of the module that provides each other import module under its \
       name, e.g. `imports: {{ {}: moduleId }}`.",
      serde_json::Value::String(example)
    ));
  }
  if wasi {
    message.push_str(&format!(
      "\nKiln's `{WASI_P1}` is WASI preview 1 as wasmtime-wasi defines it: rebuild the module \
       against a WASI preview 1 libc (wasi-libc, wasi-sdk, or a Rust wasm32-wasip1 target) so its \
       WASI imports have those names and types."
    ));
  }
  WasmError::instantiate(message)
}

/// What `instantiate_linked` made: the entry module's member and each linked module's, by its
/// import name.
pub struct Linked {
  pub entry: usize,
  pub members: Vec<(String, usize)>,
}

/// A value `instantiate`'s `imports` gives from JS: `imports[module][name]`.
#[derive(Clone)]
pub struct HostImport {
  pub module: String,
  pub name: String,
  pub value: HostValue,
}

/// What kind of JS value a host import is.
#[derive(Clone)]
pub enum HostValue {
  /// A JS function (numbered by its place in the list of host imports).
  Function,
  /// A number, for an immutable i32, f32 or f64 global (or an i64 one, if it is a safe integer).
  Number(f64),
  /// A bigint's decimal text, for an immutable i64 global.
  BigInt(String),
  /// A memory made in JS (`new WebAssembly.Memory`) that the importing store makes, empty, with
  /// these page limits; the JS object then stands for it (webassembly.rs).
  Memory { min: u64, max: Option<u64> },
  /// A mutable global made in JS (`new WebAssembly.Global({ mutable: true })`), made in the store
  /// with this value (a `Number` or `BigInt`); the JS object then stands for it.
  Mutable(Box<HostValue>),
  /// A table made in JS (`new WebAssembly.Table`) that the importing store makes, empty (null
  /// elements), with these limits; of `externref`s if `refs`, else of function references.
  Table { min: u64, max: Option<u64>, refs: bool },
  /// A memory, global or function of an instance in the store the importer joins (join.rs):
  /// imported as it is, not as a copy or a JS call.
  Extern(StoreExtern),
  /// A tag made in JS (`new WebAssembly.Tag`) that the importing store makes, with these
  /// parameter types (as WAT names them); the JS object then stands for it (exception.rs).
  Tag(Vec<String>),
  /// `WebAssembly.JSTag`: the store's tag of JS exceptions, `(param externref)`.
  JsTag,
}

/// What a [`HostValue::Extern`] names: first as JS gave it, then, once join.rs has checked that
/// the instance is in the store joined, as wasmtime handles of that store.
#[derive(Clone)]
pub enum StoreExtern {
  /// Instance id `instance`'s memory (`key` 0: `instance.memory`; n: the memory made for host
  /// import n - 1), global or table (`key` a number: the one made for that host import; a string:
  /// its export of that name), function (`key` its export index, as `caller_call.rs` takes it)
  /// or tag (`key` its number, exception.rs).
  Named { instance: f64, kind: String, key: serde_json::Value },
  /// A memory of the store.
  Memory(wasmtime::Memory),
  /// The memory, global or table made for this host import of the store.
  Adopted(u32),
  /// An instance's export of this name.
  Export(Instance, String),
  /// The function an instance's exports or tables give JS under this index (table.rs, `func_at`).
  Function(Instance, u32),
  /// The tag of the store with this number (exception.rs).
  Tag(u32),
}

impl StoreExtern {
  /// The wasmtime value it stands for, in `store`.
  fn get(&self, store: &mut Store<StoreData>) -> Option<Extern> {
    match self {
      Self::Named { .. } => None,
      Self::Memory(memory) => Some((*memory).into()),
      Self::Adopted(index) => store.data().adopted(*index).cloned(),
      Self::Export(instance, name) => instance.get_export(&mut *store, name),
      Self::Function(instance, index) => {
        crate::table::func_at(store.as_context_mut(), *instance, *index).map(|(f, _)| f.into())
      }
      Self::Tag(number) => crate::exception::tag_of(&mut *store, *number).map(Extern::Tag),
    }
  }
}

/// Defines, in `linker`, every host import one of `modules` imports: functions as host functions
/// (host.rs), numbers and bigints as immutable globals made in `store`. A name two modules import
/// is defined once, with the type the first one declares. Host import number `n` of `host` is the
/// store's number `offset + n`: a module joining a store (join.rs) numbers its host imports after
/// those the store has.
///
/// # Errors
/// 5001 for a value of the wrong kind (a function for a global, a number for a function or for a
/// mutable global, anything for a memory or table), 5007 for a number that does not fit.
pub fn define_host(
  linker: &mut Linker<StoreData>,
  store: &mut Store<StoreData>,
  modules: &[(&str, &Module)],
  host: &[HostImport],
  offset: u32,
) -> Result<(), WasmError> {
  let mut defined = std::collections::HashSet::new();
  for (what, module) in modules {
    for import in module.imports() {
      let Some(position) = host.iter().position(|h| h.module == import.module() && h.name == import.name()) else {
        continue;
      };
      let index = offset as usize + position;
      if !defined.insert((import.module(), import.name())) {
        continue;
      }
      let qualified = format!("{}.{}", import.module(), import.name());
      let ty = import.ty();
      let mismatch = |given: &str| {
        WasmError::instantiate(format!(
          "cannot instantiate {what}: imports[\"{}\"][\"{}\"] is {given}, but {what} imports `{qualified}` as {}",
          import.module(),
          import.name(),
          describe_extern(&ty)
        ))
      };
      match (&host[position].value, &ty) {
        (HostValue::Function, ExternType::Func(func)) => {
          // A JS function given for a WASI import replaces Kiln's own for this store: the JS API
          // takes every import from the import object, so a WASI written in JS (a browser shim)
          // is the one the module gets. It can do only what the app's JS can.
          linker.allow_shadowing(import.module() == WASI_P1);
          let defined = crate::host::define(
            linker,
            import.module(),
            import.name(),
            func.clone(),
            index as u32,
            store.data().refs.is_some(),
          );
          linker.allow_shadowing(false);
          defined?;
        }
        (HostValue::Function, _) => return Err(mismatch("a function")),
        (value, ExternType::Global(global)) if global.mutability() == Mutability::Const => {
          let val = global_value(value, global.content(), &qualified)?;
          let made = Global::new(&mut *store, global.clone(), val)
            .map_err(|e| WasmError::instantiate(format!("cannot make the global `{qualified}`: {e}")))?;
          linker
            .define(&mut *store, import.module(), import.name(), made)
            .map_err(|e| WasmError::instantiate(format!("cannot define `{qualified}`: {e}")))?;
        }
        (HostValue::Number(_), ExternType::Global(_)) | (HostValue::BigInt(_), ExternType::Global(_)) => {
          return Err(WasmError::instantiate(format!(
            "cannot instantiate {what}: `{qualified}` is a mutable global, and a JS number or bigint \
             can only stand for an immutable one; link a module that exports the global instead"
          )))
        }
        (HostValue::Memory { min, max }, ExternType::Memory(wanted)) => {
          let fits = *min >= wanted.minimum() && wanted.maximum().is_none_or(|w| max.is_some_and(|m| m <= w));
          if !fits || wanted.is_64() || wanted.is_shared() {
            let given = match max {
              Some(max) => format!("a memory of {min} to {max} pages"),
              None => format!("a memory of at least {min} pages"),
            };
            return Err(mismatch(&given));
          }
          let made = wasmtime::Memory::new(&mut *store, wasmtime::MemoryType::new(*min as u32, max.map(|m| m as u32)))
            .map_err(|e| WasmError::instantiate(format!("cannot make the memory `{qualified}`: {e}")))?;
          adopt(linker, store, import.module(), import.name(), index, made.into())?;
        }
        (HostValue::Mutable(value), ExternType::Global(global)) if global.mutability() == Mutability::Var => {
          let val = global_value(value, global.content(), &qualified)?;
          let made = Global::new(&mut *store, global.clone(), val)
            .map_err(|e| WasmError::instantiate(format!("cannot make the global `{qualified}`: {e}")))?;
          adopt(linker, store, import.module(), import.name(), index, made.into())?;
        }
        (HostValue::Extern(source), _) => {
          let found = source.get(store).ok_or_else(|| {
            WasmError::instantiate(format!(
              "cannot instantiate {what}: the value given for `{qualified}` is gone from its store"
            ))
          })?;
          linker
            .define(&mut *store, import.module(), import.name(), found)
            .map_err(|e| WasmError::instantiate(format!("cannot define `{qualified}`: {e}")))?;
        }
        (HostValue::Table { min, max, refs }, ExternType::Table(wanted)) => {
          let element = if *refs { wasmtime::RefType::EXTERNREF } else { wasmtime::RefType::FUNCREF };
          let fits = *min >= wanted.minimum() && wanted.maximum().is_none_or(|w| max.is_some_and(|m| m <= w));
          if !fits || wanted.is_64() || !wanted.element().matches(&element) || !element.matches(wanted.element()) {
            let limits = match max {
              Some(max) => format!("{min} to {max} elements"),
              None => format!("at least {min} elements"),
            };
            let kind = if *refs { "externref" } else { "funcref" };
            return Err(mismatch(&format!("a table of {limits} of {kind}")));
          }
          let ty = wasmtime::TableType::new(element, *min as u32, max.map(|m| m as u32));
          let null = if *refs { wasmtime::Ref::Extern(None) } else { wasmtime::Ref::Func(None) };
          let made = wasmtime::Table::new(&mut *store, ty, null)
            .map_err(|e| WasmError::instantiate(format!("cannot make the table `{qualified}`: {e}")))?;
          adopt(linker, store, import.module(), import.name(), index, made.into())?;
        }
        (HostValue::Tag(params), ExternType::Tag(wanted)) => {
          let declared: Vec<String> = wanted.ty().params().map(|t| value_name(&t)).collect();
          if *params != declared {
            return Err(mismatch(&format!("a WebAssembly.Tag of ({})", params.join(", "))));
          }
          let made = crate::exception::new_tag(&mut *store, wanted)
            .map_err(|e| WasmError::instantiate(format!("cannot make the tag `{qualified}`: {e}")))?;
          adopt(linker, store, import.module(), import.name(), index, made.into())?;
        }
        (HostValue::JsTag, ExternType::Tag(wanted)) => {
          let js = crate::exception::js_tag(&mut *store)
            .map_err(|e| WasmError::instantiate(format!("cannot make the tag `{qualified}`: {e}")))?;
          if !wanted.ty().matches(js.ty(&*store).ty()) || !js.ty(&*store).ty().matches(wanted.ty()) {
            return Err(mismatch("WebAssembly.JSTag, a tag of (externref)"));
          }
          linker
            .define(&mut *store, import.module(), import.name(), js)
            .map_err(|e| WasmError::instantiate(format!("cannot define `{qualified}`: {e}")))?;
        }
        (HostValue::Tag(_) | HostValue::JsTag, _) => return Err(mismatch("a WebAssembly.Tag")),
        (HostValue::Table { .. }, _) => return Err(mismatch("a WebAssembly.Table")),
        (HostValue::Memory { .. }, _) => return Err(mismatch("a WebAssembly.Memory")),
        (HostValue::Mutable(_), _) => return Err(mismatch("a mutable WebAssembly.Global")),
        (HostValue::Number(_), _) => return Err(mismatch("a number")),
        (HostValue::BigInt(_), _) => return Err(mismatch("a bigint")),
      }
    }
  }
  Ok(())
}

/// Defines `made`, a memory or global made for host import number `index`, and keeps it in the
/// store's data for the JS object that stands for it.
fn adopt(
  linker: &mut Linker<StoreData>,
  store: &mut Store<StoreData>,
  module: &str,
  name: &str,
  index: usize,
  made: wasmtime::Extern,
) -> Result<(), WasmError> {
  linker
    .define(&mut *store, module, name, made.clone())
    .map_err(|e| WasmError::instantiate(format!("cannot define `{module}.{name}`: {e}")))?;
  store.data_mut().adopted.push((index as u32, made));
  Ok(())
}

/// The value of an immutable global of type `content` that a JS number or bigint gives.
fn global_value(value: &HostValue, content: &ValType, qualified: &str) -> Result<Val, WasmError> {
  let bad = |what: String| {
    WasmError::type_error(format!(
      "imports: `{qualified}` is a global {}, and {what} does not fit it",
      value_name(content)
    ))
  };
  match (value, content) {
    (HostValue::Number(n), ValType::I32) if n.fract() == 0.0 && *n >= -(2f64.powi(31)) && *n < 2f64.powi(32) => {
      Ok(Val::I32(*n as i64 as i32))
    }
    (HostValue::Number(n), ValType::I64) if n.fract() == 0.0 && n.abs() <= 9007199254740991.0 => {
      Ok(Val::I64(*n as i64))
    }
    (HostValue::Number(n), ValType::F32) => Ok(Val::F32((*n as f32).to_bits())),
    (HostValue::Number(n), ValType::F64) => Ok(Val::F64(n.to_bits())),
    (HostValue::BigInt(text), ValType::I64) => text
      .parse::<i64>()
      .or_else(|_| text.parse::<u64>().map(|u| u as i64))
      .map(Val::I64)
      .map_err(|_| bad(format!("{text}n"))),
    (HostValue::Number(n), _) => Err(bad(format!("{n}"))),
    (HostValue::BigInt(text), _) => Err(bad(format!("{text}n"))),
    (HostValue::Mutable(value), _) => global_value(value, content, qualified),
    (HostValue::Function, _) => Err(bad("a function".into())),
    (HostValue::Memory { .. }, _) => Err(bad("a memory".into())),
    (HostValue::Table { .. }, _) => Err(bad("a table".into())),
    (HostValue::Extern(_), _) => Err(bad("an instance's export".into())),
    (HostValue::Tag(_) | HostValue::JsTag, _) => Err(bad("a tag".into())),
  }
}

/// The order in which the linked modules (`modules`, by import name, compiled for the store's
/// engine) must be instantiated: every module after the modules it imports from. Only modules the
/// entry module (or a linked module) imports from are taken; others are left out, as a
/// `WebAssembly` import object's unused entries are.
///
/// # Errors
/// 5001 naming a cycle (`the module -> a.wasm -> b.wasm -> a.wasm`).
pub fn link_order(entry: &Module, modules: &HashMap<String, Module>) -> Result<Vec<(String, Module)>, WasmError> {
  let mut order = Vec::new();
  let mut state: HashMap<String, bool> = HashMap::new(); // false: on the path, true: placed
  let mut path: Vec<String> = vec!["the module".into()];
  for name in import_modules(entry).filter(|name| modules.contains_key(name)) {
    visit(&name, modules, &mut state, &mut path, &mut order)?;
  }
  Ok(order.into_iter().map(|name| (name.clone(), modules[&name].clone())).collect())
}

/// The module names `module` imports from, each once, in order.
pub fn import_modules(module: &Module) -> impl Iterator<Item = String> + '_ {
  let mut seen = std::collections::HashSet::new();
  module.imports().map(|i| i.module().to_string()).filter(move |name| seen.insert(name.clone()))
}

fn visit(
  name: &str,
  modules: &HashMap<String, Module>,
  state: &mut HashMap<String, bool>,
  path: &mut Vec<String>,
  order: &mut Vec<String>,
) -> Result<(), WasmError> {
  match state.get(name) {
    Some(true) => return Ok(()),
    Some(false) => {
      let start = path.iter().position(|p| p == name).unwrap_or(0);
      let cycle: Vec<&str> = path[start..].iter().map(String::as_str).chain([name]).collect();
      return Err(WasmError::instantiate(format!(
        "cannot instantiate the module: the modules in `imports` import from each other in a cycle \
         ({}); a module can only be linked to modules instantiated before it, so break the cycle",
        cycle.join(" -> ")
      )));
    }
    None => {}
  }
  state.insert(name.to_string(), false);
  path.push(name.to_string());
  for next in import_modules(&modules[name]).filter(|next| modules.contains_key(next)) {
    visit(&next, modules, state, path, order)?;
  }
  path.pop();
  state.insert(name.to_string(), true);
  order.push(name.to_string());
  Ok(())
}

/// Instantiates `order` (from [`link_order`]) and then `entry` into `kiln`'s store, with a linker
/// that starts from `base` (WASI) and gains each linked module's exports under its import name.
/// Start functions and reactor initializers run as each module is instantiated, under the store's
/// armed limits.
///
/// # Errors
/// 5001 listing what cannot be linked, naming the module; errors of start functions and
/// initializers as `instance::setup_failed` classifies them.
pub async fn instantiate_linked(
  engines: &Engines,
  kiln: &mut KilnStore,
  base: &Linker<StoreData>,
  order: Vec<(String, Module)>,
  entry: &Module,
  host: &[HostImport],
  natives: &[crate::native::NativeImport],
) -> Result<Linked, WasmError> {
  let mut linker = base.clone();
  crate::native::define_natives(&mut linker, natives)?;
  let whats: Vec<String> = order.iter().map(|(name, _)| format!("the module linked as `{name}`")).collect();
  let mut all: Vec<(&str, &Module)> = order.iter().zip(&whats).map(|((_, m), what)| (what.as_str(), m)).collect();
  all.push(("the module", entry));
  define_host(&mut linker, &mut kiln.store, &all, host, 0)?;
  let mut provided: Vec<String> = order.iter().map(|(name, _)| name.clone()).collect();
  provided.extend(host.iter().map(|h| h.module.clone()));
  provided.extend(natives.iter().map(|n| n.module.clone()));
  let provided: Vec<&str> = provided.iter().map(String::as_str).collect();
  let mut members = Vec::new();
  for (name, module) in &order {
    let what = format!("the module linked as `{name}`");
    let instance = instantiate_one(engines, kiln, &linker, module, &what, &provided, true).await?;
    linker
      .instance(&mut kiln.store, name, instance)
      .map_err(|e| WasmError::instantiate(format!("cannot link the module `{name}`: {}", error_chain(&e))))?;
    members.push((name.clone(), kiln.add(module.clone(), instance)));
  }
  let initialize = kiln.config.initializes();
  let instance = instantiate_one(engines, kiln, &linker, entry, "the module", &provided, initialize).await?;
  let entry_member = kiln.add(entry.clone(), instance);
  Ok(Linked { entry: entry_member, members })
}

/// Instantiates one module into the store with `linker`, then runs its reactor initializer if
/// `initialize` (the config's `initialize`, for the entry module; linked ones always are).
pub(crate) async fn instantiate_one(
  engines: &Engines,
  kiln: &mut KilnStore,
  linker: &Linker<StoreData>,
  module: &Module,
  what: &str,
  provided: &[&str],
  initialize: bool,
) -> Result<Instance, WasmError> {
  let reactor = crate::instance::reactor_initializer(module)? && initialize;
  let pre = linker.instantiate_pre(module).map_err(|e| {
    let error = link_error_in(linker, &mut kiln.store, module, &e, provided);
    rename(error, what)
  })?;
  let instance = {
    let _running = engines.running();
    pre.instantiate_async(&mut kiln.store).await
  };
  let instance = crate::exception::caught(&mut kiln.store, instance)
    .map_err(|e| rename(crate::instance::instantiate_failed(e, &kiln.config), what))?;
  if reactor {
    crate::instance::run_initialize(engines, kiln, &instance).await.map_err(|e| rename(e, what))?;
  }
  Ok(instance)
}

/// Names which module an instantiation error is about, in a store of several.
fn rename(error: WasmError, what: &str) -> WasmError {
  if what == "the module" {
    return error;
  }
  let message = error.to_string();
  let message = message
    .strip_prefix("cannot instantiate the module")
    .map_or(message.clone(), |rest| format!("cannot instantiate {what}{rest}"));
  WasmError::new(error.code(), message)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn linker() -> Linker<StoreData> {
    let mut config = wasmtime::Config::new();
    config.wasm_threads(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |data: &mut StoreData| data.wasi.get()).unwrap();
    linker
  }

  fn link_message(linker: &Linker<StoreData>, wat: &str) -> String {
    let module = Module::new(linker.engine(), wat).unwrap();
    let error = linker.instantiate_pre(&module).err().expect("the module must fail to link");
    let error = link_error(linker, &module, &error);
    assert_eq!(error.code(), crate::error::ErrorCode::InstantiateError);
    error.to_string()
  }

  #[test]
  fn link_errors_describe_each_kind_and_type() {
    let message = link_message(
      &linker(),
      r#"(module
        (import "env" "f" (func (param i64 f32) (result f64 i32)))
        (import "env" "m" (memory 2 3))
        (import "env" "shared" (memory 1 1 shared))
        (import "env" "counter" (global (mut i64)))
        (import "env" "refs" (table 0 externref)))"#,
    );
    let listed: Vec<&str> = message.lines().skip(1).take(5).collect();
    assert_eq!(
      listed,
      [
        "  env.f: function (i64, f32) -> (f64, i32)",
        "  env.m: memory (min 2 pages, max 3 pages)",
        "  env.shared: memory (min 1 page, max 1 page, shared)",
        "  env.counter: global i64 (mutable)",
        "  env.refs: table externref (min 0)",
      ],
      "{message}"
    );
  }

  #[test]
  fn a_long_list_is_cut_and_counted() {
    let imports: String = (0..MAX_LISTED_IMPORTS + 5).map(|i| format!("(import \"env\" \"f{i}\" (func))")).collect();
    let message = link_message(&linker(), &format!("(module {imports})"));
    assert!(
      message.starts_with("cannot instantiate the module: Kiln cannot provide 105 of its imports (105 in all):\n"),
      "{message}"
    );
    assert_eq!(message.lines().filter(|l| l.starts_with("  env.f")).count(), MAX_LISTED_IMPORTS, "{message}");
    assert!(message.contains("\n  ... and 5 more\n"), "{message}");
  }

  #[test]
  fn a_module_linked_only_to_wasi_fails_for_other_reasons_as_the_linker_says() {
    // Every import resolves: the walk finds nothing, so the linker's own message is kept.
    let linker = linker();
    let module =
      Module::new(linker.engine(), r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))))"#)
        .unwrap();
    let error = link_error(&linker, &module, &wasmtime::Error::msg("something else"));
    assert_eq!(error.to_string(), "cannot instantiate the module: something else");
  }
}
