//! Calls back into a store from inside one of its JS host functions: `caller.exports.name(...)`,
//! and the `WebAssembly` API's functions (exports, and functions its tables hand out) called from
//! the imports of their own instance. The waiting host function makes the call with its `Caller`
//! (host.rs, `Command::Call`), nested on the guest's fiber; the JS side drives it as any
//! synchronous call (hostcall.rs).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::{op2, v8, OpState};

use crate::error::WasmError;
use crate::handles::parse_id;
use crate::host::read_slots;
use crate::host::{CallTarget, Command, Event};
use crate::hostcall::{command_sync, no_call, put_back, report_and_keep, write_slots, HostCalls, Step, CALLED};
use crate::instance::InstanceTable;
use crate::memory_view::detach_grown_in;

/// `caller.exports.name(...args)`: calls back into the calling instance (arguments in `slots`).
/// Returns `CALLED` with the results in `slots`, or a host function's number if the nested call
/// calls one (drive it with `op_wasm_hcall_resume_sync` until `CALLED`).
#[op2(nofast)]
pub fn op_wasm_caller_call(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  #[string] name: &str,
  count: u32,
  #[buffer] slots: &mut [u8],
) -> Result<f64, WasmError> {
  let called = call_back(&state, token, CallTarget::Export(name.to_string()), count, slots);
  detach_grown_in(scope, &state);
  called
}

/// Calls function `index` of instance `instance_id` (an export, or a function a table handed
/// out: table.rs) from inside a host function of its store, through that host call's caller, as
/// [`op_wasm_caller_call`] does: for the `WebAssembly` API's functions called from the imports
/// of their own instance.
///
/// # Errors
/// 5005 if the instance is not in the store of host call `token`.
#[op2(nofast)]
pub fn op_wasm_caller_call_index(
  scope: &mut v8::PinScope<'_, '_>,
  state: Rc<RefCell<OpState>>,
  token: f64,
  instance_id: f64,
  index: u32,
  count: u32,
  #[buffer] slots: &mut [u8],
) -> Result<f64, WasmError> {
  let instance = {
    let state = state.borrow();
    let entry = state.borrow::<InstanceTable>().lookup(instance_id)?;
    let calls = &state.borrow::<HostCalls>().0;
    let parked = parse_id(token).and_then(|id| calls.get(id)).ok_or_else(|| no_call(token))?;
    if !parked.store.as_ref().is_some_and(|(_, store)| Arc::ptr_eq(store, &entry.store)) {
      return Err(WasmError::invalid_instance(
        "a host function can call back only into instances of its own store; await the call instead",
      ));
    }
    entry.instance
  };
  let called = call_back(&state, token, CallTarget::Index(instance, index), count, slots);
  detach_grown_in(scope, &state);
  called
}

fn call_back(
  state: &Rc<RefCell<OpState>>,
  token: f64,
  target: CallTarget,
  count: u32,
  slots: &mut [u8],
) -> Result<f64, WasmError> {
  let args = read_slots(slots, count as usize)?;
  // A call that runs on the JS thread's stack calls back at once (host_direct.rs); one parked on
  // a fiber is given the call as a command, and its host functions come to JS as steps.
  let direct = {
    let state = state.borrow();
    let calls = &state.borrow::<HostCalls>().0;
    parse_id(token).and_then(|id| calls.get(id)).and_then(|parked| parked.direct_callers().cloned())
  };
  if let Some(callers) = direct {
    let values = crate::host_direct::call_back(&callers, target, &args)?;
    write_slots(&values, slots)?;
    return Ok(CALLED);
  }
  let (parked, step) = command_sync(state, token, Command::Call { target, args })?;
  report_and_keep(state, token, parked, step, slots)
}

/// The signature of the caller's export `name`, as type names.
#[op2]
#[serde]
pub fn op_wasm_caller_signature(
  state: Rc<RefCell<OpState>>,
  token: f64,
  #[string] name: String,
) -> Result<(Vec<&'static str>, Vec<&'static str>), WasmError> {
  let (parked, step) = command_sync(&state, token, Command::Signature(name))?;
  let answer = match step {
    Step::Event(Event::Signature(answer)) => answer,
    _ => Err(WasmError::call("the host call ended while asking for a signature")),
  };
  put_back(&state, token, parked);
  answer
}
