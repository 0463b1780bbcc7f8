//! A JS host function called from Rust with numbers: the function itself, from the store's
//! entries (`DirectEntries`, ts/wasm_host_table.ts), given the arguments as JS numbers and, if it
//! takes one, a caller made here. Two callers share it: a guest that runs on the JS thread's stack
//! (host_direct.rs), and the async driver's first poll of a parked call (host_drive.rs). A number
//! of the result's type that the function returns is taken here, and its caller ended; anything
//! else it returned, or threw, the JS side settles (`settle`, given the caller to end or keep),
//! leaving its answer in the call's slots or saying that it comes later.
//!
//! This is what the JS drivers do for any host function (ts/wasm_host.ts, `start`), without a JS
//! frame of Kiln's between Rust and the function: the caller is an object of the store's caller
//! prototype whose token property is the call's token, and the store's `top` holds the call's
//! token while the function runs.

use deno_core::v8;
use wasmtime::{Val, ValType};

use crate::host::{answer, Command};
use crate::slot_values::read_slots;

/// What the JS side's `settle` returns when the host function returned a promise that the async
/// driver awaits: the answer comes when it settles (ts/wasm_host_drive.ts, `LATER`).
pub const LATER: f64 = -4.0;

/// A store's entries, as the JS side gives them: `[callerProto, callerToken, top, direct]`
/// (ts/wasm_host_table.ts, `DirectEntries`).
#[derive(Clone, Copy)]
pub(crate) struct Entries<'s> {
  /// The functions Rust may call, by number: a function called with its arguments only, or one in
  /// an array of one, called with a caller as well (undefined for those Rust may not call).
  fns: v8::Local<'s, v8::Array>,
  /// The prototype of the store's callers.
  proto: v8::Local<'s, v8::Value>,
  /// The key of a caller's token.
  key: v8::Local<'s, v8::Name>,
  /// The first element of the store's `top`, a `Float64Array` of one element.
  top: *mut f64,
}

/// A host function Rust may call, and whether it takes a caller.
#[derive(Clone, Copy)]
pub(crate) struct Target<'t> {
  f: v8::Local<'t, v8::Function>,
  caller: bool,
}

impl<'s> Entries<'s> {
  /// Reads the entries from `value`; `None` if it is not what the JS side makes.
  pub fn read(scope: &mut v8::PinScope<'s, '_>, value: v8::Local<'_, v8::Value>) -> Option<Self> {
    let entries = v8::Local::<v8::Array>::try_from(value).ok()?;
    let proto = entries.get_index(scope, 0)?;
    let key = v8::Local::<v8::Name>::try_from(entries.get_index(scope, 1)?).ok()?;
    let top = v8::Local::<v8::Float64Array>::try_from(entries.get_index(scope, 2)?).ok()?;
    let fns = v8::Local::<v8::Array>::try_from(entries.get_index(scope, 3)?).ok()?;
    let top = top.data().cast::<f64>();
    if top.is_null() || top.align_offset(std::mem::align_of::<f64>()) != 0 {
      return None;
    }
    Some(Entries { fns, proto, key, top })
  }

  /// Reads the entries from `value` with the parts an instance keeps (`kept`): two reads of the
  /// array instead of four, and no check of `top`.
  pub fn read_kept(scope: &mut v8::PinScope<'s, '_>, value: v8::Local<'_, v8::Value>, kept: &KeptTop) -> Option<Self> {
    let entries = v8::Local::<v8::Array>::try_from(value).ok()?;
    let proto = entries.get_index(scope, 0)?;
    let fns = v8::Local::<v8::Array>::try_from(entries.get_index(scope, 3)?).ok()?;
    Some(Entries { fns, proto, key: v8::Local::new(scope, &kept.key), top: kept.top })
  }

  /// Host function `index`, if Rust may call it, and whether it takes a caller. A function
  /// without one costs one read of the array, as each read costs about a tenth of a host call.
  pub fn get<'t>(&self, scope: &mut v8::PinScope<'t, '_>, index: u32) -> Option<Target<'t>> {
    let entry = self.fns.get_index(scope, index)?;
    if let Ok(f) = v8::Local::<v8::Function>::try_from(entry) {
      return Some(Target { f, caller: false });
    }
    let one = v8::Local::<v8::Array>::try_from(entry).ok()?;
    let f = v8::Local::<v8::Function>::try_from(one.get_index(scope, 0)?).ok()?;
    self.proto.is_object().then_some(Target { f, caller: true })
  }
}

/// The host functions a call has called, by number, each read from the store's entries once, in
/// a scope that lives as long as the call (`Entries::get` is about a tenth of a host call): a
/// guest that calls a few functions again and again, in a loop, reads each once. Its last few,
/// newest first; after [`TARGETS_READ`] reads, the rest are read in the host call's own scope, so
/// that a call that goes round many functions does not fill the long scope with their handles.
///
/// A function is read into the long scope only when that scope is the innermost one open: the JS
/// engine's handles go to the innermost scope whatever scope makes them, so one read while a host
/// function's JS runs (a host call nested in it, through a call back into the guest) would be
/// let go with that host call's scope, and a later call would find it gone.
#[derive(Clone, Copy, Default)]
pub(crate) struct Targets<'s> {
  /// Each with its number; `None` for one Rust may not call.
  recent: [Option<(u32, Option<Target<'s>>)>; 4],
  read: u32,
}

/// How many host functions a call reads into its long scope at most (see [`Targets`]).
const TARGETS_READ: u32 = 64;

impl<'s> Targets<'s> {
  /// Host function `index` of `entries` (`Some(None)` if Rust may not call it), read in `scope`
  /// (the call's) if it was not and `innermost` (`scope` is the innermost scope open); `None` if
  /// it is not kept and cannot be read now: read it in the host call's own scope.
  pub fn get(
    &mut self,
    scope: &mut v8::PinScope<'s, '_>,
    entries: &Entries<'s>,
    index: u32,
    innermost: bool,
  ) -> Option<Option<Target<'s>>> {
    if let Some((_, target)) = self.recent.iter().flatten().find(|(at, _)| *at == index) {
      return Some(*target);
    }
    if !innermost || self.read >= TARGETS_READ {
      return None;
    }
    let target = entries.get(scope, index);
    self.read += 1;
    self.recent.rotate_right(1);
    self.recent[0] = Some((index, target));
    Some(target)
  }
}

/// The parts of a store's entries an instance keeps for its bound export calls (host_direct.rs,
/// `Lazy`): its `top` and the key of its callers' token. The other two, the functions and the
/// callers' prototype (which refers to the functions), are read at each call that calls a host
/// function: kept here, as they were once, they kept every JS host function of the store alive
/// from Rust, and with it whatever the functions refer to, the instance itself as often as not
/// (`let instance; imports = { f: () => instance... }`), which then was never dropped.
pub(crate) struct KeptTop {
  key: v8::Global<v8::Name>,
  /// Keeps the Float64Array `top` points into alive.
  _array: v8::Global<v8::Float64Array>,
  top: *mut f64,
}

impl KeptTop {
  /// Keeps the top and key of the entries in `value`; `None` if it is not what the JS side makes.
  pub fn read(scope: &mut v8::PinScope<'_, '_>, value: v8::Local<'_, v8::Value>) -> Option<Self> {
    let entries = v8::Local::<v8::Array>::try_from(value).ok()?;
    let array = v8::Local::<v8::Float64Array>::try_from(entries.get_index(scope, 2)?).ok()?;
    let read = Entries::read(scope, value)?;
    Some(KeptTop { key: v8::Global::new(scope, read.key), _array: v8::Global::new(scope, array), top: read.top })
  }
}

/// What calling a host function directly gave.
pub(crate) enum Entry<'s> {
  /// The result, taken from a returned number (or none, from undefined, for a function without
  /// results).
  Value(Option<Val>),
  /// A value for the JS side to settle: what the function returned, or (`true`) what it threw,
  /// and the caller made for it, which the JS side ends (or keeps while a promise settles).
  Settle(v8::Local<'s, v8::Value>, bool, Option<v8::Local<'s, v8::Object>>),
  /// The engine stopped the function (it was terminated).
  Stopped,
}

/// The most arguments Rust passes a host function it calls itself ([`call`]; the JS side's
/// `directEntries` gives it no function with more).
pub const MOST_ARGS: usize = 8;

/// Calls host function `target` of `entries` for host call `token` with `args` (at most
/// [`MOST_ARGS`]), in the try-catch scope `tc`.
pub(crate) fn call<'s>(
  tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
  entries: &Entries<'s>,
  target: Target<'s>,
  token: f64,
  args: &[f64],
  results: &[ValType],
) -> Entry<'s> {
  let recv: v8::Local<v8::Value> = v8::undefined(tc).into();
  let mut values: [v8::Local<v8::Value>; MOST_ARGS + 1] = [recv; MOST_ARGS + 1];
  let mut count = args.len().min(MOST_ARGS);
  for (value, arg) in values.iter_mut().zip(&args[..count]) {
    *value = v8::Number::new(tc, *arg).into();
  }
  let caller = target.caller.then(|| {
    let token = v8::Number::new(tc, token).into();
    v8::Object::with_prototype_and_properties(tc, entries.proto, &[entries.key], &[token])
  });
  if let Some(caller) = caller {
    values[count] = caller.into();
    count += 1;
  }
  // SAFETY: `top` points at the one element of the store's `top` (checked non-null and aligned
  // by `Entries::read`), a Float64Array the store's host table keeps and never detaches, alive as
  // long as the entries array the op was given; nothing else reads or writes it in Rust.
  let outer = unsafe { entries.top.read() };
  // SAFETY: as above.
  unsafe { entries.top.write(token) };
  let called = target.f.call(tc, recv, &values[..count]);
  // SAFETY: as above.
  unsafe { entries.top.write(outer) };
  match called {
    Some(value) => match take(&value, results) {
      Some(taken) => {
        end(tc, entries, caller);
        Entry::Value(taken)
      }
      None => Entry::Settle(value, false, caller),
    },
    None => match tc.exception() {
      Some(exception) => {
        tc.reset();
        Entry::Settle(exception, true, caller)
      }
      None => Entry::Stopped,
    },
  }
}

/// Ends `caller`: its token property becomes -1, and it stops working (ts/wasm_host.ts, `Caller`).
fn end(scope: &mut v8::PinScope<'_, '_>, entries: &Entries<'_>, caller: Option<v8::Local<'_, v8::Object>>) {
  if let Some(caller) = caller {
    let ended = v8::Number::new(scope, -1.0).into();
    // Defined, as the caller's own property already is: no search of its prototypes for a setter.
    caller.create_data_property(scope, entries.key, ended);
  }
}

/// The arguments of a direct call's `settle`: the function's number, what it returned or threw,
/// whether it threw, and its caller (undefined if it got none).
pub(crate) fn settle_args<'s>(
  scope: &mut v8::PinScope<'s, '_>,
  index: u32,
  value: v8::Local<'s, v8::Value>,
  threw: bool,
  caller: Option<v8::Local<'s, v8::Object>>,
) -> [v8::Local<'s, v8::Value>; 4] {
  let number = v8::Number::new(scope, f64::from(index)).into();
  let threw = v8::Boolean::new(scope, threw).into();
  let caller = caller.map_or_else(|| v8::undefined(scope).into(), Into::into);
  [number, value, threw, caller]
}

/// The answer when the engine stopped a host function's JS.
pub(crate) fn stopped() -> Command {
  Command::Throw(crate::error::WasmError::call("the host function was terminated"))
}

/// The result from what a host function Rust called returned, if it is simply a number of the
/// one result's type (an i32 an integer in [-2^31, 2^32), as the JS side checks it), or for a
/// function without results, any value but an object (a promise among them), which the JS side
/// would ignore too.
fn take(value: &v8::Value, result_types: &[ValType]) -> Option<Option<Val>> {
  match result_types {
    [] => (!value.is_object()).then_some(None),
    [ty] => {
      let n = crate::call_sync::number(value)?;
      Some(Some(match ty {
        ValType::I32 if n.fract() == 0.0 && (-2_147_483_648.0..4_294_967_296.0).contains(&n) => {
          Val::I32(n as i64 as i32)
        }
        ValType::F32 => Val::F32((n as f32).to_bits()),
        ValType::F64 => Val::F64(n.to_bits()),
        _ => return None,
      }))
    }
    _ => None,
  }
}

/// The slot buffer a host call's values go through: `len` bytes, and the last slot for the token
/// if Rust writes it there (a bound export call's).
#[derive(Clone, Copy)]
pub(crate) struct Slots {
  pub ptr: *mut u8,
  pub len: usize,
  pub last: Option<*mut u8>,
}

/// The JS side's answer: the number of results it left in the slots, or `[status, message,
/// count]` (host.rs, `answer`; ts/wasm_host_answer.ts, `answered`).
///
/// # Safety
/// `slots` must point to a live buffer of `len` bytes that nothing else uses meanwhile (JS has
/// finished with it for now).
pub(crate) unsafe fn answer_of(tc: &mut v8::PinScope<'_, '_>, slots: Slots, returned: v8::Local<v8::Value>) -> Command {
  // SAFETY: as the caller promises.
  let slots = unsafe { std::slice::from_raw_parts(slots.ptr, slots.len) };
  if let Some(count) = crate::call_sync::number(&returned) {
    return match read_slots(slots, count as usize) {
      Ok(values) => Command::Reply(values),
      Err(e) => Command::Throw(e),
    };
  }
  let Ok(pair) = v8::Local::<v8::Array>::try_from(returned) else {
    return Command::Throw(crate::error::WasmError::call(
      "Kiln's host call driver answered oddly; this is a bug in Kiln",
    ));
  };
  let status = pair.get_index(tc, 0).and_then(|s| crate::call_sync::number(&s)).unwrap_or(1.0) as u32;
  // Status 4's answer is all in its count (a JS value's reference number): no message to read.
  let count = pair.get_index(tc, 2).and_then(|c| crate::call_sync::number(&c)).unwrap_or(0.0) as u32;
  let message = if status == 4 {
    String::new()
  } else {
    pair.get_index(tc, 1).map(|m| m.to_rust_string_lossy(tc)).unwrap_or_default()
  };
  answer(status, count, slots, &message).unwrap_or_else(Command::Throw)
}

/// The answer when the JS side's own code threw (the host function's throws it catches), with
/// what it threw: out of stack in a deep recursion, say, or the engine stopping (`None`).
pub(crate) fn driver_failed(what: Option<String>) -> Command {
  let what = what.unwrap_or_else(|| "the JS engine stopped it".to_string());
  Command::Throw(crate::error::WasmError::call(format!("the host call failed in Kiln's JS: {what}")))
}
