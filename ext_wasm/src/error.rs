//! The errors `runtime:wasm` raises, each with the numeric `code` of the contract.
//!
//! Every failure is classified where it happens (a wasmtime `Trap`, an `I32Exit`, a failed
//! capability check) into a [`WasmError`] with one of the [`ErrorCode`]s; nothing here inspects
//! message text. [`finish`] is the one place a guest call's outcome is classified.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use deno_core::op2;
use deno_error::{AdditionalProperties, JsErrorClass, PropertyValue};
use wasmtime::Trap;
use wasmtime_wasi::I32Exit;

use crate::exception::Thrown;

/// The contract's error codes, 5000-5011, and Kiln's 5012: each name with the number it is the `code` of.
///
/// # Examples
///
/// ```ts
/// try {
///   await instance.call("run");
/// } catch (e) {
///   if (isWasmError(e) && e.code === errorCodes.FuelExhausted) console.log("stopped: out of fuel");
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
  /// Failed to compile a WebAssembly module.
  CompileError = 5000,
  /// Failed to instantiate a module.
  InstantiateError = 5001,
  /// A function call failed (trap or non-zero WASI exit).
  CallError = 5002,
  /// The export does not exist, or is not of the kind asked for.
  ExportNotFound = 5003,
  /// The module id names no live module.
  InvalidModuleHandle = 5004,
  /// The instance id names no live instance.
  InvalidInstanceHandle = 5005,
  /// Out-of-bounds memory access, failed growth, or no memory exported.
  MemoryError = 5006,
  /// A value does not fit the export's signature.
  TypeError = 5007,
  /// A file could not be read.
  IoError = 5008,
  /// A capability is not granted in `manifest.app.toml`.
  PermissionDenied = 5009,
  /// The instance configuration is invalid.
  WasiError = 5010,
  /// Fuel ran out or the call passed its deadline.
  FuelExhausted = 5011,
  /// A component function returned the `err` case of its top-level `result` (Kiln's addition to
  /// the contract's codes): the error's `payload` is the value.
  ComponentError = 5012,
}

impl ErrorCode {
  /// Every code, in numeric order.
  pub const ALL: [ErrorCode; 13] = [
    Self::CompileError,
    Self::InstantiateError,
    Self::CallError,
    Self::ExportNotFound,
    Self::InvalidModuleHandle,
    Self::InvalidInstanceHandle,
    Self::MemoryError,
    Self::TypeError,
    Self::IoError,
    Self::PermissionDenied,
    Self::WasiError,
    Self::FuelExhausted,
    Self::ComponentError,
  ];

  /// The JS `name` of errors with this code.
  pub fn name(self) -> &'static str {
    match self {
      Self::CompileError => "CompileError",
      Self::InstantiateError => "InstantiateError",
      Self::CallError => "CallError",
      Self::ExportNotFound => "ExportNotFound",
      Self::InvalidModuleHandle => "InvalidModuleHandle",
      Self::InvalidInstanceHandle => "InvalidInstanceHandle",
      Self::MemoryError => "MemoryError",
      Self::TypeError => "TypeError",
      Self::IoError => "IoError",
      Self::PermissionDenied => "PermissionDenied",
      Self::WasiError => "WasiError",
      Self::FuelExhausted => "FuelExhausted",
      Self::ComponentError => "ComponentError",
    }
  }

  /// The class key `ext_wasm/js/errors.js` registers a builder for: `Wasm.<name>`, namespaced so
  /// that deno_core's own builders (its `TypeError` among them) stay untouched.
  pub fn class(self) -> &'static str {
    match self {
      Self::CompileError => "Wasm.CompileError",
      Self::InstantiateError => "Wasm.InstantiateError",
      Self::CallError => "Wasm.CallError",
      Self::ExportNotFound => "Wasm.ExportNotFound",
      Self::InvalidModuleHandle => "Wasm.InvalidModuleHandle",
      Self::InvalidInstanceHandle => "Wasm.InvalidInstanceHandle",
      Self::MemoryError => "Wasm.MemoryError",
      Self::TypeError => "Wasm.TypeError",
      Self::IoError => "Wasm.IoError",
      Self::PermissionDenied => "Wasm.PermissionDenied",
      Self::WasiError => "Wasm.WasiError",
      Self::FuelExhausted => "Wasm.FuelExhausted",
      Self::ComponentError => "Wasm.ComponentError",
    }
  }

  pub fn as_u32(self) -> u32 {
    self as u32
  }
}

/// Every error name with its code, in numeric order: `errorCodes` in `runtime:wasm` and the
/// error classes `js/errors.js` registers are made from it.
#[op2]
#[serde]
pub fn op_wasm_error_codes() -> Vec<(&'static str, u32)> {
  ErrorCode::ALL.iter().map(|code| (code.name(), code.as_u32())).collect()
}

/// An error raised by a `runtime:wasm` operation.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{message}")]
pub struct WasmError {
  code: ErrorCode,
  message: Message,
  /// The guest's exit status, for a WASI program that exited non-zero.
  exit_code: Option<i32>,
  /// Which guest code an instantiation ran failed, when that is how it failed (not in linking):
  /// `"start"` (the start function) or `"initialize"` (a reactor's `_initialize`), trapped or
  /// failed in a host function. `stage` in JS.
  stage: Option<&'static str>,
  /// A WebAssembly exception nothing in the guest caught, for the `WebAssembly` global, which
  /// throws it as what it is (exception.rs, `Thrown`). `exception` in JS.
  exception: Option<Arc<Thrown>>,
  /// The error of a synchronous call of an instance of the `WebAssembly` global without JS host
  /// functions, whose JS gets a 5002 as a `WebAssembly.RuntimeError` (raise.rs). Not in JS.
  standard: bool,
}

/// A property of an error's JS object besides `message` and `name` ([`WasmError::properties`]).
pub enum Property<'a> {
  Number(f64),
  Text(&'static str),
  /// The exception: as text where deno_core makes the error ([`Thrown::encoded`]), as an array
  /// where raise.rs does.
  Thrown(&'a Thrown),
}

/// An error's message: its text, or the parts of a message made when it is read.
#[derive(Clone, Debug)]
enum Message {
  Text(String),
  /// Of a call (`what`) that threw an exception the guest did not catch (`description`). The
  /// `WebAssembly` global throws the exception itself and never reads this, and a JS import's
  /// throw through the guest formatted it every time.
  Uncaught {
    what: String,
    description: Arc<str>,
  },
}

impl fmt::Display for Message {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      Message::Text(text) => f.write_str(text),
      Message::Uncaught { what, description } => write!(
        f,
        "{what} threw {description} that the module did not catch; catch it in the module (try_table), or \
         call the function through the WebAssembly global, where it arrives as a WebAssembly.Exception"
      ),
    }
  }
}

impl WasmError {
  pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
    Self::with_message(code, Message::Text(message.into()))
  }

  fn with_message(code: ErrorCode, message: Message) -> Self {
    Self { code, message, exit_code: None, stage: None, exception: None, standard: false }
  }

  /// A WASI program ended with `proc_exit(status)`, status != 0.
  pub fn exit(status: i32) -> Self {
    Self {
      code: ErrorCode::CallError,
      message: Message::Text(format!("the WASI program exited with status {status}")),
      exit_code: Some(status),
      stage: None,
      exception: None,
      standard: false,
    }
  }

  /// Marks an instantiation's error as one of the guest code it ran at `stage` (see `stage`): the
  /// `WebAssembly` API reports those as the RuntimeError (or the JS exception) they are.
  pub fn at_stage(mut self, stage: &'static str) -> Self {
    self.stage = Some(stage);
    self
  }

  /// Carries over the exception `other` carries, if any (an instantiation's error made from a
  /// call's).
  pub fn with_exception_of(mut self, other: &WasmError) -> Self {
    self.exception = other.exception.clone();
    self
  }

  pub fn code(&self) -> ErrorCode {
    self.code
  }

  pub fn exit_code(&self) -> Option<i32> {
    self.exit_code
  }

  /// Marks the error of a synchronous call of an instance of the `WebAssembly` global that has no
  /// JS host functions: raise.rs throws a 5002 of it as the `WebAssembly.RuntimeError` its JS
  /// would have made of it (ts/wasm_objects.ts, `standard`).
  pub fn of_standard_call(mut self) -> Self {
    self.standard = true;
    self
  }

  /// Whether JS gets this error as a `WebAssembly.RuntimeError` (see [`Self::of_standard_call`]):
  /// a 5002 of a `WebAssembly` global's call that carries no exception out of the guest.
  pub fn is_runtime_error(&self) -> bool {
    self.standard && self.code == ErrorCode::CallError && self.exception.is_none()
  }

  /// The exception out of the guest it carries, if any.
  pub fn thrown(&self) -> Option<&Thrown> {
    self.exception.as_deref()
  }

  /// The properties of its JS object besides `message` and `name`, in order: `code`, then
  /// `exitCode`, `stage` and `exception` where set.
  pub fn properties(&self) -> Vec<(&'static str, Property<'_>)> {
    let mut props = vec![("code", Property::Number(f64::from(self.code.as_u32())))];
    if let Some(status) = self.exit_code {
      props.push(("exitCode", Property::Number(f64::from(status))));
    }
    if let Some(stage) = self.stage {
      props.push(("stage", Property::Text(stage)));
    }
    if let Some(thrown) = &self.exception {
      props.push(("exception", Property::Thrown(thrown)));
    }
    props
  }
}

/// Raised from the epoch callback (and the waits that honour deadlines) when a call passes its
/// `timeoutMs` deadline.
#[derive(Debug, thiserror::Error)]
#[error("the call ran past its deadline")]
pub struct DeadlineExceeded;

/// What a call was limited by, for the message of a call that was stopped.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallLimits {
  pub timeout_ms: Option<u64>,
  pub fuel: Option<u64>,
}

/// How a call that did not fail ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
  /// The function returned; its results are valid.
  Returned,
  /// A WASI program called `proc_exit(0)`: a success with no results (they read as zeros).
  Exited,
}

/// The one place a guest call's outcome becomes what JS sees: a WASI exit with status 0 is a
/// success, anything else is classified (see [`classify`]). `what` names the function.
///
/// # Errors
/// The classified error.
pub fn finish(outcome: wasmtime::Result<()>, what: &str, limits: CallLimits) -> Result<Ended, WasmError> {
  match outcome {
    Ok(()) => Ok(Ended::Returned),
    Err(e) if e.downcast_ref::<I32Exit>().is_some_and(|exit| exit.0 == 0) => Ok(Ended::Exited),
    Err(e) => Err(classify(e, what, limits)),
  }
}

/// The messages of an error and its causes, joined.
pub fn error_chain(error: &wasmtime::Error) -> String {
  let parts: Vec<String> = error.chain().map(|cause| cause.to_string()).collect();
  parts.join(": ")
}

/// Turns a failed guest call into the error JS sees, by the error's type (never its text).
/// `what` names the function. A WASI exit with status 0 is not a failure: use [`finish`].
pub fn classify(error: wasmtime::Error, what: &str, limits: CallLimits) -> WasmError {
  if let Some(exit) = error.downcast_ref::<I32Exit>() {
    return WasmError::exit(exit.0);
  }
  if error.downcast_ref::<DeadlineExceeded>().is_some() {
    let ms = limits.timeout_ms.unwrap_or_default();
    return WasmError::exhausted(format!(
      "{what} timed out: it ran past its {ms} ms deadline (timeoutMs) and was stopped"
    ));
  }
  let error = match error.downcast::<WasmError>() {
    Ok(inner) => return inner,
    Err(other) => other,
  };
  if let Some(uncaught) = error.downcast_ref::<crate::exception::Uncaught>() {
    let message = Message::Uncaught { what: what.to_string(), description: uncaught.description.clone() };
    let mut classified = WasmError::with_message(ErrorCode::CallError, message);
    classified.exception = uncaught.thrown.clone().map(Arc::new);
    return classified;
  }
  match error.downcast_ref::<Trap>() {
    Some(Trap::OutOfFuel) => WasmError::exhausted(format!(
      "{what} ran out of fuel: it used all {} units (fuel); raise fuel or do less per call",
      limits.fuel.unwrap_or_default()
    )),
    Some(Trap::StackOverflow) => WasmError::call(format!(
      "{what} trapped: call stack exhausted (unbounded recursion?); the instance can still be used"
    )),
    Some(trap) => WasmError::call(format!("{what} trapped: {trap}")),
    None => WasmError::call(format!("{what} failed: {}", error_chain(&error))),
  }
}

/// Shorthand constructors, one per code, so call sites read as the contract does.
macro_rules! constructors {
  ($($fn_name:ident => $code:ident),* $(,)?) => {
    impl WasmError {
      $(
        pub fn $fn_name(message: impl Into<String>) -> Self {
          Self::new(ErrorCode::$code, message)
        }
      )*
    }
  };
}

constructors! {
  compile => CompileError,
  instantiate => InstantiateError,
  call => CallError,
  export_not_found => ExportNotFound,
  invalid_module => InvalidModuleHandle,
  invalid_instance => InvalidInstanceHandle,
  memory => MemoryError,
  type_error => TypeError,
  io => IoError,
  permission => PermissionDenied,
  config => WasiError,
  exhausted => FuelExhausted,
}

impl JsErrorClass for WasmError {
  fn get_class(&self) -> Cow<'static, str> {
    Cow::Borrowed(self.code.class())
  }

  fn get_message(&self) -> Cow<'static, str> {
    Cow::Owned(self.message.to_string())
  }

  fn get_additional_properties(&self) -> AdditionalProperties {
    let props: Vec<(Cow<'static, str>, PropertyValue)> = self
      .properties()
      .into_iter()
      .map(|(key, value)| {
        let value = match value {
          Property::Number(n) => PropertyValue::Number(n),
          Property::Text(text) => PropertyValue::String(Cow::Borrowed(text)),
          Property::Thrown(thrown) => PropertyValue::String(Cow::Owned(thrown.encoded())),
        };
        (Cow::Borrowed(key), value)
      })
      .collect();
    Box::new(props.into_iter())
  }

  fn get_ref(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
    self
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn codes_are_contiguous_and_named() {
    for (i, code) in ErrorCode::ALL.iter().enumerate() {
      assert_eq!(code.as_u32(), 5000 + i as u32);
      assert_eq!(code.class(), format!("Wasm.{}", code.name()));
    }
  }

  #[test]
  fn exit_carries_status() {
    let e = WasmError::exit(3);
    assert_eq!(e.code(), ErrorCode::CallError);
    let props: Vec<_> = e.get_additional_properties().collect();
    assert_eq!(props.len(), 2);
    assert_eq!(props[1].1, PropertyValue::Number(3.0));
  }
}
