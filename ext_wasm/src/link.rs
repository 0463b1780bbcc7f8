//! Linking: the imports a store's instances get (why a module cannot be linked is link_error.rs's).
//!
//! Every store starts from its engine's linker, which defines WASI preview 1. A store made with
//! module ids in `imports` gets its own copy, to which each linked module's exports are added
//! under its import name once the module is instantiated into the store (dependencies first, each
//! once, cycles refused). wasmtime links only within a store, so linked instances share one.

use std::collections::HashMap;

use wasmtime::{AsContextMut, Extern, ExternType, Global, Instance, Linker, Module, Mutability, Store, Val, ValType};

use crate::engine::Engines;
use crate::error::{error_chain, WasmError};
use crate::link_error::{link_error_in, WASI_P1};
use crate::signature::{describe_extern, value_name};
use crate::store::{KilnStore, StoreData};

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
  /// The same JS object as the memory, table, mutable global or tag at this earlier place in the
  /// host imports: the one thing the store makes for it stands for both imports, as in V8.
  Same(usize),
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
      let Some(mut position) = host.iter().position(|h| h.module == import.module() && h.name == import.name()) else {
        continue;
      };
      if let HostValue::Same(first) = host[position].value {
        position = first;
      }
      let index = offset as usize + position;
      // Made already when the object was given for another import too (`HostValue::Same`).
      let existing = store.data().adopted(index as u32).cloned();
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
          let defined = crate::host_fn::define(
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
          let made = match existing {
            Some(made) => made,
            None => wasmtime::Memory::new(&mut *store, wasmtime::MemoryType::new(*min as u32, max.map(|m| m as u32)))
              .map_err(|e| WasmError::instantiate(format!("cannot make the memory `{qualified}`: {e}")))?
              .into(),
          };
          adopt(linker, store, import.module(), import.name(), index, made)?;
        }
        (HostValue::Mutable(value), ExternType::Global(global)) if global.mutability() == Mutability::Var => {
          let val = global_value(value, global.content(), &qualified)?;
          let made = match existing {
            Some(made) => made,
            None => Global::new(&mut *store, global.clone(), val)
              .map_err(|e| WasmError::instantiate(format!("cannot make the global `{qualified}`: {e}")))?
              .into(),
          };
          adopt(linker, store, import.module(), import.name(), index, made)?;
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
          let made = match existing {
            Some(made) => made,
            None => wasmtime::Table::new(&mut *store, ty, null)
              .map_err(|e| WasmError::instantiate(format!("cannot make the table `{qualified}`: {e}")))?
              .into(),
          };
          adopt(linker, store, import.module(), import.name(), index, made)?;
        }
        (HostValue::Tag(params), ExternType::Tag(wanted)) => {
          let declared: Vec<String> = wanted.ty().params().map(|t| value_name(&t)).collect();
          if *params != declared {
            return Err(mismatch(&format!("a WebAssembly.Tag of ({})", params.join(", "))));
          }
          let made = match existing {
            Some(made) => made,
            None => crate::exception::new_tag(&mut *store, wanted)
              .map_err(|e| WasmError::instantiate(format!("cannot make the tag `{qualified}`: {e}")))?
              .into(),
          };
          adopt(linker, store, import.module(), import.name(), index, made)?;
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
        (HostValue::Same(_), _) => return Err(mismatch("an object given for another import")),
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

/// Defines `made`, a memory, global, table or tag made for host import number `index`, and keeps
/// it in the store's data for the JS object that stands for it (once: a second import of the same
/// object defines it again under its own name).
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
  if store.data().adopted(index as u32).is_none() {
    store.data_mut().adopted.push((index as u32, made));
  }
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
    (HostValue::Same(_), _) => Err(bad("an object given for another import".into())),
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
