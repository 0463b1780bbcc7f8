//! A JS host function's direct entry, called from Rust: the function's entry in `table.direct`
//! (ts/wasm_host_answer.ts), given the call's token and the arguments as JS numbers. Two callers
//! share it: a guest that runs on the JS thread's stack (host_direct.rs), and the async driver's
//! first poll of a parked call (host_drive.rs). A number of the result's type that the entry
//! returns is taken here; anything else it returned, or threw, the JS side settles (`settle`),
//! leaving its answer in the call's slots or saying that it comes later.

use deno_core::v8;
use wasmtime::{Val, ValType};

use crate::host::{answer, read_slots, Command};

/// What the JS side's `settle` returns when the host function returned a promise that the async
/// driver awaits: the answer comes when it settles (ts/wasm_host.ts, `LATER`).
pub const LATER: f64 = -4.0;

/// What calling a direct entry gave.
pub(crate) enum Entry<'s> {
  /// The result, taken from a returned number (or none, from undefined, for a function without
  /// results).
  Value(Option<Val>),
  /// A value for the JS side to settle: what the entry returned, or (`true`) what it threw.
  Settle(v8::Local<'s, v8::Value>, bool),
  /// The engine stopped the entry (it was terminated).
  Stopped,
}

/// Calls `entry` with the call's token and `args`, in the try-catch scope `tc`.
pub(crate) fn call<'s>(
  tc: &mut v8::PinnedRef<'_, v8::TryCatch<'_, 's, v8::HandleScope<'_>>>,
  entry: v8::Local<'_, v8::Function>,
  token: f64,
  args: &[f64],
  results: &[ValType],
) -> Entry<'s> {
  let recv: v8::Local<v8::Value> = v8::undefined(tc).into();
  let mut values: [v8::Local<v8::Value>; 4] = [recv; 4];
  let count = args.len().min(3);
  values[0] = v8::Number::new(tc, token).into();
  for (value, arg) in values[1..].iter_mut().zip(&args[..count]) {
    *value = v8::Number::new(tc, *arg).into();
  }
  match entry.call(tc, recv, &values[..=count]) {
    Some(value) => match take(&value, results) {
      Some(taken) => Entry::Value(taken),
      None => Entry::Settle(value, false),
    },
    None => match tc.exception() {
      Some(exception) => {
        tc.reset();
        Entry::Settle(exception, true)
      }
      None => Entry::Stopped,
    },
  }
}

/// The answer when the engine stopped a host function's JS.
pub(crate) fn stopped() -> Command {
  Command::Throw(crate::error::WasmError::call("the host function was terminated"))
}

/// The result from what a direct entry returned, if it is simply a number of the one result's
/// type (an i32 an integer in [-2^31, 2^32), as the JS side checks it), or undefined for none.
fn take(value: &v8::Value, result_types: &[ValType]) -> Option<Option<Val>> {
  match result_types {
    [] => value.is_undefined().then_some(None),
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

/// The JS side's answer: the number of results it left in the slots, or `[status, message]`
/// (host.rs, `answer`).
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
  let status = pair.get_index(tc, 0).and_then(|s| crate::call_sync::number(&s)).unwrap_or(1.0);
  let message = pair.get_index(tc, 1).map(|m| m.to_rust_string_lossy(tc)).unwrap_or_default();
  answer(status as u32, 0, slots, &message).unwrap_or_else(Command::Throw)
}

/// The answer when the JS side's own code threw (the host function's throws it catches), with
/// what it threw: out of stack in a deep recursion, say, or the engine stopping (`None`).
pub(crate) fn driver_failed(what: Option<String>) -> Command {
  let what = what.unwrap_or_else(|| "the JS engine stopped it".to_string());
  Command::Throw(crate::error::WasmError::call(format!("the host call failed in Kiln's JS: {what}")))
}
