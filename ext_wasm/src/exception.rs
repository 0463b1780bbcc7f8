//! WebAssembly exceptions between the guest and JS, for Kiln's `WebAssembly` global
//! (ts/wasm_exception.ts has the JS half: `WebAssembly.Tag`, `Exception` and `JSTag`).
//!
//! wasmtime runs exception handling's instructions itself (`throw`, `try_table`, `throw_ref`).
//! What crosses to JS:
//! - **Out of the guest.** A call that ends with an exception nothing caught fails with
//!   [`ThrownException`], the exception waiting in the store's pending slot. [`caught`] takes it
//!   there, where the store is at hand, and turns it into an [`Uncaught`] error that classifies as
//!   5002 and carries the exception to JS as a [`Thrown`] (`WasmError::exception`): the tag's
//!   Kiln-wide number and its payload, or the JS value itself (below). The synchronous ops throw
//!   the value it stands for at once (raise.rs); the async ones carry it as text.
//! - **Into the guest.** A JS import that throws answers with the value thrown ([`Raise`]); the
//!   waiting host function makes an exception of it and throws it into the guest ([`raise`]),
//!   whose handlers may catch it. A `WebAssembly.Exception` whose tag is in the store is thrown
//!   with that tag and its payload, and the same JS object comes out if nothing catches it. Any
//!   other value is thrown with the store's JS tag, `(param externref)`, which `WebAssembly.JSTag`
//!   imports as: `catch_all` catches it, and out of the guest it is the value again.
//!
//! Only stores of the `WebAssembly` global (`StoreData::refs`) do this: runtime:wasm's own API
//! has no tags in JS, so there an uncaught exception is a 5002 that says so, and a JS host
//! function's throw stays a trap with the value as the error's `cause`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use wasmtime::{
  AsContext, AsContextMut, ExnRef, ExnRefPre, ExnType, ExternRef, FuncType, OwnedRooted, RootScope, Rooted, Tag,
  TagType, ThrownException, Val, ValType,
};

use crate::error::WasmError;
use crate::js_ref::{passes, to_slot, to_val};
use crate::signature::value_name;
use crate::store::StoreData;
use crate::value::SLOT;

/// The number of every store's JS tag (`WebAssembly.JSTag`): one JS object stands for them all.
pub const JS_TAG: u32 = 1;

/// The next tag number: Kiln-wide, so that a tag's number names it whatever store JS met it in.
static NEXT_TAG: AtomicU32 = AtomicU32::new(JS_TAG + 1);

/// JS exceptions kept for their identity at most, per store (see [`StoreTags::raised`]).
const RAISED_KEPT: usize = 64;

/// The tags of a store that JS knows, and what throwing JS exceptions into it left.
#[derive(Default)]
pub struct StoreTags {
  /// Each tag JS has met (an export, an import made for a `WebAssembly.Tag`, the tag of an
  /// exception that reached JS) with its number.
  known: Vec<(Tag, u32)>,
  /// The store's JS tag, made when first needed.
  js: Option<Tag>,
  /// Exceptions made for `WebAssembly.Exception` objects JS threw into the store, each with an
  /// `externref` to its object, so that the object itself comes out again (oldest first; the
  /// guest may have caught and dropped any of them, so only the last few are kept).
  raised: Vec<(OwnedRooted<ExnRef>, OwnedRooted<ExternRef>)>,
  /// The allocators of the tags whose exceptions JS threw into the store, most recent last (at
  /// most [`ALLOCATORS_KEPT`]).
  allocators: Vec<(Tag, ExnRefPre)>,
  /// What [`take`] needs of a tag, by its number, once an exception of it left the guest.
  described: Vec<(u32, Arc<Described>)>,
}

/// A tag's parameter types, their names and the description of its exceptions, worked out at the
/// first of them to leave the guest: looking its type up in wasmtime's registry and formatting the
/// names at every one took about a tenth of an exception caught in JS (BENCHMARKS.md, the fortieth
/// pass).
struct Described {
  types: Vec<ValType>,
  names: Arc<[String]>,
  description: Arc<str>,
}

/// Tags whose exception allocators a store keeps (see [`StoreTags::allocators`]).
const ALLOCATORS_KEPT: usize = 16;

/// A call's exception that nothing caught, as [`caught`] took it from the store.
#[derive(Debug, thiserror::Error)]
#[error("{description}")]
pub struct Uncaught {
  /// What the exception was, for the message of runtime:wasm's 5002.
  pub description: Arc<str>,
  /// The exception for the `WebAssembly` global (`WasmError::exception`); `None` in a store of
  /// runtime:wasm's own API.
  pub thrown: Option<Thrown>,
}

/// An exception out of the guest as the `WebAssembly` global gets it: `exception` of the 5002
/// error, which ts/wasm_exception.ts (`thrownOf`) makes the JS value it stands for.
#[derive(Debug, Clone, PartialEq)]
pub enum Thrown {
  /// A JS value, by the number of the `externref` that holds it: what JSTag's exception holds,
  /// or a `WebAssembly.Exception` JS threw into the guest, which comes out as itself.
  Value(u32),
  /// A tag's exception: the tag's number, its parameter types as WAT names them, and the payload
  /// in 8-byte slots (an `externref`'s by its number; a type JS does not get reads as slot 0).
  Tagged { tag: u32, types: Arc<[String]>, payload: Vec<[u8; SLOT]> },
}

impl Thrown {
  /// The exception as text, for an error that deno_core makes (an async op's): `v <id>` for a
  /// value, `t <tag> <types> <hex>` for a tag's exception (types joined by commas, the payload's
  /// slots in hex).
  pub fn encoded(&self) -> String {
    match self {
      Thrown::Value(id) => format!("v {id}"),
      Thrown::Tagged { tag, types, payload } => format!("t {tag} {} {}", types.join(","), to_hex(payload)),
    }
  }
}

/// What a JS import threw, to throw into the guest (`op_wasm_hcall_resume` statuses 4 and 5:
/// host.rs, `answer`).
pub enum Raise {
  /// Any JS value, by the number of the `externref` that holds it.
  Value(u32),
  /// A `WebAssembly.Exception` (by its `externref` number) of tag number `tag`, payload in slots.
  Exception { object: u32, tag: u32, payload: Vec<[u8; SLOT]> },
}

impl Raise {
  /// Reads the `message` of status 5, a `WebAssembly.Exception`: `<id> <tag> <hex payload>`.
  pub fn parse(message: &str) -> Option<Raise> {
    let mut parts = message.split(' ');
    let object = parts.next()?.parse().ok()?;
    let tag = parts.next()?.parse().ok()?;
    let payload = from_hex(parts.next().unwrap_or(""))?;
    Some(Raise::Exception { object, tag, payload })
  }

  /// The command that answers the host function with status 5 (`op_wasm_hcall_resume`).
  pub fn command(message: &str) -> crate::host::Command {
    match Raise::parse(message) {
      Some(raised) => crate::host::Command::Raise(raised),
      None => crate::host::Command::Throw(WasmError::call(
        "a JS import threw, and Kiln could not read what; this is a bug in Kiln",
      )),
    }
  }
}

/// The number of `tag`, a tag of the store `cx` reaches, given it now if it has none.
pub fn tag_number(mut cx: impl AsContextMut<Data = StoreData>, tag: &Tag) -> u32 {
  let mut cx = cx.as_context_mut();
  if cx.data().tags.js.is_some_and(|js| Tag::eq(&js, tag, &cx)) {
    return JS_TAG;
  }
  if let Some((_, number)) = cx.data().tags.known.iter().find(|(known, _)| Tag::eq(known, tag, &cx)) {
    return *number;
  }
  let number = NEXT_TAG.fetch_add(1, Ordering::Relaxed);
  cx.data_mut().tags.known.push((*tag, number));
  number
}

/// The tag of the store `cx` reaches that has number `number`, if JS has met it there.
pub fn tag_of(mut cx: impl AsContextMut<Data = StoreData>, number: u32) -> Option<Tag> {
  if number == JS_TAG {
    return js_tag(&mut cx).ok();
  }
  cx.as_context().data().tags.known.iter().find(|(_, n)| *n == number).map(|(tag, _)| *tag)
}

/// The store's JS tag, `(param externref)`: made on first use.
///
/// # Errors
/// If wasmtime cannot make it.
pub fn js_tag(mut cx: impl AsContextMut<Data = StoreData>) -> wasmtime::Result<Tag> {
  let mut cx = cx.as_context_mut();
  if let Some(tag) = cx.data().tags.js {
    return Ok(tag);
  }
  let ty = TagType::new(FuncType::new(cx.engine(), [ValType::EXTERNREF], []));
  let tag = Tag::new(&mut cx, &ty)?;
  cx.data_mut().tags.js = Some(tag);
  Ok(tag)
}

/// A tag made for a `WebAssembly.Tag` made in JS, of the type the importing module declares.
///
/// # Errors
/// If wasmtime cannot make it.
pub fn new_tag(mut cx: impl AsContextMut<Data = StoreData>, ty: &TagType) -> wasmtime::Result<Tag> {
  Tag::new(&mut cx, ty)
}

/// `outcome`, with an exception nothing caught taken from the store and made an [`Uncaught`]
/// error (see the module docs). Every other outcome is as it was.
pub fn caught<T>(mut cx: impl AsContextMut<Data = StoreData>, outcome: wasmtime::Result<T>) -> wasmtime::Result<T> {
  match outcome {
    Err(error) if error.downcast_ref::<ThrownException>().is_some() => Err(take(&mut cx).into()),
    other => other,
  }
}

fn take(mut cx: impl AsContextMut<Data = StoreData>) -> Uncaught {
  let mut scope = RootScope::new(&mut cx);
  let unknown = || Uncaught { description: "an exception".into(), thrown: None };
  let Some(exception) = scope.as_context_mut().take_pending_exception() else { return unknown() };
  let Ok(tag) = exception.tag(&mut scope) else { return unknown() };
  let refs = scope.as_context().data().refs.is_some();
  let number = tag_number(&mut scope, &tag);
  if refs && number == JS_TAG {
    // A JS value (a JS import's throw through the guest): its one field, with no type to look up.
    let value = exception.field(&mut scope, 0).map(|v| to_slot(&scope, &v)).unwrap_or([0; SLOT]);
    return Uncaught { description: "a JS exception".into(), thrown: Some(Thrown::Value(id_of(value))) };
  }
  let described = describe(&mut scope, &tag, number);
  let description = described.description.clone();
  if !refs {
    return Uncaught { description, thrown: None };
  }
  let Ok(fields) = exception.fields(&mut scope).map(|f| f.collect::<Vec<Val>>()) else { return unknown() };
  if let Some(object) = raised_object(&mut scope, &exception) {
    return Uncaught { description, thrown: Some(Thrown::Value(object)) };
  }
  // A field of a type JS does not get (v128, a function or GC reference) reads as slot 0.
  let slots: Vec<[u8; SLOT]> = fields
    .iter()
    .zip(&described.types)
    .map(|(v, t)| if passes(&scope, t) { to_slot(&scope, v) } else { [0; SLOT] })
    .collect();
  Uncaught { description, thrown: Some(Thrown::Tagged { tag: number, types: described.names.clone(), payload: slots }) }
}

/// What [`take`] needs of `tag` (number `number` in the store `cx` reaches): worked out once.
fn describe(mut cx: impl AsContextMut<Data = StoreData>, tag: &Tag, number: u32) -> Arc<Described> {
  let mut cx = cx.as_context_mut();
  if let Some((_, described)) = cx.data().tags.described.iter().find(|(n, _)| *n == number) {
    return described.clone();
  }
  let types: Vec<ValType> = tag.ty(&cx).ty().params().collect();
  let names: Vec<String> = types.iter().map(value_name).collect();
  let description = format!("an exception of a tag with parameters ({})", names.join(", ")).into();
  let described = Arc::new(Described { types, names: names.into(), description });
  cx.data_mut().tags.described.push((number, described.clone()));
  described
}

/// The `externref` number of the JS object `exception` was made for, if JS threw it (and forgets it).
fn raised_object(
  scope: &mut RootScope<impl AsContextMut<Data = StoreData>>,
  exception: &Rooted<ExnRef>,
) -> Option<u32> {
  let raised = std::mem::take(&mut scope.as_context_mut().data_mut().tags.raised);
  let found = raised.iter().position(|(made, _)| Rooted::ref_eq(&*scope, exception, made).unwrap_or(false));
  let object = found.map(|at| {
    let held = raised[at].1.to_rooted(&mut *scope);
    id_of(to_slot(&*scope, &Val::ExternRef(Some(held))))
  });
  let mut raised = raised;
  if let Some(at) = found {
    raised.remove(at);
  }
  scope.as_context_mut().data_mut().tags.raised = raised;
  object
}

/// Throws what JS threw into the guest whose host function `cx` is the caller of: the error the
/// host function returns (a [`ThrownException`], or, if the exception cannot be made, 5002).
pub fn raise(mut cx: impl AsContextMut<Data = StoreData>, raised: Raise, fallback: &str) -> wasmtime::Error {
  let mut scope = RootScope::new(&mut cx);
  let made = match raised {
    Raise::Value(object) => value_exception(&mut scope, object),
    Raise::Exception { object, tag, payload } => match tag_of(&mut scope, tag).filter(|_| tag != JS_TAG) {
      Some(tag) => tagged_exception(&mut scope, object, &tag, &payload),
      // A tag of another store: the guest cannot name it, so only `catch_all` sees it.
      None => value_exception(&mut scope, object),
    },
  };
  match made {
    Ok(exception) => match scope.as_context_mut().throw::<()>(exception) {
      Err(thrown) => thrown,
      Ok(()) => WasmError::call(fallback.to_string()).into(),
    },
    Err(_) => WasmError::call(fallback.to_string()).into(),
  }
}

/// An exception of the store's JS tag holding JS value number `object`.
fn value_exception(
  scope: &mut RootScope<impl AsContextMut<Data = StoreData>>,
  object: u32,
) -> wasmtime::Result<Rooted<ExnRef>> {
  let tag = js_tag(&mut *scope)?;
  let value = to_val(&mut *scope, &ValType::EXTERNREF, u64::from(object).to_le_bytes())?
    .ok_or_else(|| wasmtime::format_err!("the store passes no JS values"))?;
  new_exception(scope, &tag, &[value])
}

/// An exception of `tag` with `payload`, made for the `WebAssembly.Exception` JS holds as value
/// number `object`, kept so that the object comes out again.
fn tagged_exception(
  scope: &mut RootScope<impl AsContextMut<Data = StoreData>>,
  object: u32,
  tag: &Tag,
  payload: &[[u8; SLOT]],
) -> wasmtime::Result<Rooted<ExnRef>> {
  let types: Vec<ValType> = tag.ty(&*scope).ty().params().collect();
  if types.len() != payload.len() {
    wasmtime::bail!("the payload does not fit the tag");
  }
  let mut fields = Vec::with_capacity(types.len());
  for (ty, slot) in types.iter().zip(payload) {
    fields.push(to_val(&mut *scope, ty, *slot)?.ok_or_else(|| wasmtime::format_err!("a field JS cannot give"))?);
  }
  let exception = new_exception(scope, tag, &fields)?;
  let Some(Val::ExternRef(Some(held))) = to_val(&mut *scope, &ValType::EXTERNREF, u64::from(object).to_le_bytes())?
  else {
    return Ok(exception);
  };
  let entry = (exception.to_owned_rooted(&mut *scope)?, held.to_owned_rooted(&mut *scope)?);
  let mut cx = scope.as_context_mut();
  let raised = &mut cx.data_mut().tags.raised;
  if raised.len() == RAISED_KEPT {
    raised.remove(0);
  }
  raised.push(entry);
  Ok(exception)
}

/// An exception of `tag` with `fields`, made with the tag's allocator, which the store keeps
/// ([`StoreTags::allocators`]): making one registers the exception type with the engine (a lock
/// and a hash), which was a tenth of a JS import's throw through the guest.
fn new_exception(
  scope: &mut RootScope<impl AsContextMut<Data = StoreData>>,
  tag: &Tag,
  fields: &[Val],
) -> wasmtime::Result<Rooted<ExnRef>> {
  let cx = scope.as_context();
  let kept = cx.data().tags.allocators.iter().position(|(known, _)| Tag::eq(known, tag, &cx));
  let allocator = match kept {
    Some(at) => scope.as_context_mut().data_mut().tags.allocators.swap_remove(at).1,
    None => {
      let ty = ExnType::from_tag_type(&tag.ty(&*scope))?;
      ExnRefPre::new(&mut *scope, ty)
    }
  };
  let made = ExnRef::new(&mut *scope, &allocator, tag, fields);
  let mut cx = scope.as_context_mut();
  let allocators = &mut cx.data_mut().tags.allocators;
  if allocators.len() == ALLOCATORS_KEPT {
    allocators.remove(0);
  }
  allocators.push((*tag, allocator));
  made
}

fn id_of(slot: [u8; SLOT]) -> u32 {
  u32::from_le_bytes([slot[0], slot[1], slot[2], slot[3]])
}

fn to_hex(slots: &[[u8; SLOT]]) -> String {
  slots.iter().flatten().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<[u8; SLOT]>> {
  if !text.is_ascii() || !text.len().is_multiple_of(2 * SLOT) {
    return None;
  }
  let bytes: Option<Vec<u8>> =
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect();
  Some(bytes?.chunks_exact(SLOT).map(|c| c.try_into().unwrap_or([0; SLOT])).collect())
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::js_ref::JsRefs;
  use crate::limiter::KilnLimiter;
  use wasmtime::{Config, Engine, Instance, Module, Store};

  fn thrower(refs: Option<JsRefs>) -> (Store<StoreData>, Instance) {
    let engine = Engine::new(&Config::new()).unwrap();
    let mut data = StoreData::new(crate::config::GuestWasi::default(), KilnLimiter::new(None, None));
    data.refs = refs;
    let mut store = Store::new(&engine, data);
    let module = Module::new(
      &engine,
      r#"(module (tag $e (export "e") (param i32 externref))
           (func (export "boom") (param i32 externref) (throw $e (local.get 0) (local.get 1))))"#,
    )
    .unwrap();
    let instance = crate::call_sync::block_here(Instance::new_async(&mut store, &module, &[]), None).unwrap().unwrap();
    (store, instance)
  }

  fn boom(store: &mut Store<StoreData>, instance: Instance, id: u64) -> Uncaught {
    let func = instance.get_func(&mut *store, "boom").unwrap();
    let mut scope = RootScope::new(&mut *store);
    let held = to_val(&mut scope, &ValType::EXTERNREF, id.to_le_bytes()).unwrap().unwrap_or(Val::ExternRef(None));
    let outcome =
      crate::call_sync::block_here(func.call_async(&mut scope, &[Val::I32(-2), held], &mut []), None).unwrap();
    let error = caught(&mut scope, outcome).unwrap_err();
    assert!(!scope.as_context_mut().has_pending_exception(), "the exception is taken from the store");
    match error.downcast::<Uncaught>() {
      Ok(uncaught) => uncaught,
      Err(other) => panic!("not an Uncaught: {other}"),
    }
  }

  #[test]
  fn an_uncaught_exception_carries_its_tag_and_payload_to_js() {
    let (mut store, instance) = thrower(Some(JsRefs::default()));
    let uncaught = boom(&mut store, instance, 7);
    let tag = instance.get_export(&mut store, "e").and_then(|e| e.into_tag()).unwrap();
    let number = tag_number(&mut store, &tag);
    assert!(number > JS_TAG);
    let payload = vec![u64::from(-2i32 as u32).to_le_bytes(), 7u64.to_le_bytes()];
    let encoded = format!("t {number} i32,externref {}", to_hex(&payload));
    let types: Arc<[String]> = vec!["i32".to_string(), "externref".to_string()].into();
    let thrown = uncaught.thrown.expect("a store of the WebAssembly global carries the exception");
    assert_eq!(thrown.encoded(), encoded);
    assert_eq!(thrown, Thrown::Tagged { tag: number, types, payload });
    assert_eq!(Thrown::Value(12).encoded(), "v 12");
    assert_eq!(tag_number(&mut store, &tag), number, "a tag keeps its number");
    // The next exception of the tag is described from what the store kept of the first.
    let again = boom(&mut store, instance, 9);
    let payload = vec![u64::from(-2i32 as u32).to_le_bytes(), 9u64.to_le_bytes()];
    let types: Arc<[String]> = vec!["i32".to_string(), "externref".to_string()].into();
    assert_eq!(again.thrown, Some(Thrown::Tagged { tag: number, types, payload }));
    assert_eq!(&*again.description, "an exception of a tag with parameters (i32, externref)");
    assert_eq!(store.data().tags.described.len(), 1, "one tag, described once");
  }

  #[test]
  fn runtime_wasm_stores_describe_the_exception_only() {
    let (mut store, instance) = thrower(None);
    let uncaught = boom(&mut store, instance, 0);
    assert_eq!(uncaught.thrown, None);
    assert_eq!(&*uncaught.description, "an exception of a tag with parameters (i32, externref)");
  }

  #[test]
  fn payload_hex_round_trips_and_refuses_junk() {
    let slots = vec![7u64.to_le_bytes(), u64::MAX.to_le_bytes()];
    assert_eq!(from_hex(&to_hex(&slots)), Some(slots));
    assert_eq!(from_hex(""), Some(vec![]));
    assert_eq!(from_hex("abc"), None);
    assert_eq!(from_hex("zz00000000000000"), None);
    assert!(matches!(Raise::parse("3 9 0100000000000000"), Some(Raise::Exception { object: 3, tag: 9, .. })));
    assert!(Raise::parse("3").is_none());
    assert!(Raise::parse("x 9 00").is_none());
  }
}
