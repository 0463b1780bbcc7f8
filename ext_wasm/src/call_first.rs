//! `await instance.call(...)` and `await instantiate(...)` without deno_core's async-op machinery
//! when they are short.
//!
//! A call's future (call.rs) is polled once, synchronously, by a sync op. A call that ends on that
//! poll (every short call) hands its result straight back, and JS wraps it in a resolved promise:
//! no promise id, no op-driver allocation, no resolution pass. That is what an async op costs
//! over a sync one on the QuickJS backend: about a fifth of a short `call`.
//!
//! A call that does not end on the first poll (it reached its first yield to the event loop after
//! `YIELD_TICKS`, or it waits: for stdin, a sleep, the store's lock) is left here as the runtime's
//! one [`Unfinished`] call, and the JS side at once hands it to [`op_wasm_call_unfinished`], an
//! ordinary async op. That op yields to the event loop once before it polls again, so the event
//! loop sees what it saw before: at most one slice of guest time between its turns.
//!
//! `await instantiate(...)` goes the same way (`op_wasm_instance_create`): an instantiation whose
//! module is compiled for its engine and whose start function, if any, ends in its first slice
//! ends on the first poll, and the op returns the instance id.
//!
//! The first poll's waker does nothing. Nothing is lost by that: every future under a call
//! (wasmtime's fiber, tokio's mutex and timers, Kiln's pipes) keeps the waker of its latest poll,
//! and the async op polls again, with a real waker, before it waits.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use deno_core::{op2, OpState};

use crate::error::WasmError;

/// A call: it ends with its one result as a number (0 when it has none, or when its results are
/// written elsewhere).
type CallFuture = Pin<Box<dyn Future<Output = Result<f64, WasmError>>>>;

/// The call a first poll left unfinished, until `op_wasm_call_unfinished` takes it (an `OpState`
/// entry; the JS side takes it before it runs anything else, so one is enough).
struct Unfinished(Option<CallFuture>);

/// Polls `call` once. `Some` with its result if it ended; `None` if it did not, and it is kept as
/// the runtime's unfinished call for [`op_wasm_call_unfinished`].
///
/// # Errors
/// The call's own error, if it ended with one.
pub(crate) fn poll_first(
  state: &mut OpState,
  call: impl Future<Output = Result<f64, WasmError>> + 'static,
) -> Result<Option<f64>, WasmError> {
  match first_poll(call) {
    Ok(outcome) => outcome.map(Some),
    Err(call) => {
      state.put(Unfinished(Some(call)));
      Ok(None)
    }
  }
}

/// [`poll_first`] for a future that borrows the op state itself when it ends (`instantiate`
/// registers its instance): it is polled with no borrow held.
///
/// # Errors
/// As [`poll_first`].
pub(crate) fn poll_first_shared(
  state: &RefCell<OpState>,
  call: impl Future<Output = Result<f64, WasmError>> + 'static,
) -> Result<Option<f64>, WasmError> {
  match first_poll(call) {
    Ok(outcome) => outcome.map(Some),
    Err(call) => {
      state.borrow_mut().put(Unfinished(Some(call)));
      Ok(None)
    }
  }
}

/// Polls `call` once: its outcome if it ended, the call itself if it did not. A call left as the
/// unfinished one and never taken would be dropped (and so cancelled) by the next one; the JS
/// side takes each at once, so that does not happen.
fn first_poll(
  call: impl Future<Output = Result<f64, WasmError>> + 'static,
) -> Result<Result<f64, WasmError>, CallFuture> {
  let mut call: CallFuture = Box::pin(call);
  match call.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
    Poll::Ready(outcome) => Ok(outcome),
    Poll::Pending => Err(call),
  }
}

/// Takes the unfinished call (or instantiation).
fn take(state: &mut OpState) -> Result<CallFuture, WasmError> {
  state.try_borrow_mut::<Unfinished>().and_then(|slot| slot.0.take()).ok_or_else(|| {
    WasmError::call("no call or instantiation is waiting to be finished: op_wasm_call_unfinished follows one that did not end; this is a bug in Kiln")
  })
}

/// Finishes the call that `op_wasm_instance_call_args_first`,
/// `op_wasm_instance_call_numbers_first`, `op_wasm_instance_call_slots` or
/// `op_wasm_instance_call` left unfinished, after one
/// turn of the event loop: resolves to the call's one result as a number (0 when it has none, or
/// when its results are in the slots). It finishes an
/// instantiation `op_wasm_instance_create` left unfinished the same way, resolving to the
/// instance id.
/// The call is taken when this op is called, before anything else can run.
///
/// # Errors
/// The call's own error; 5002 if no call was left unfinished (a bug in Kiln's JS side).
#[op2]
pub fn op_wasm_call_unfinished(state: &mut OpState) -> Result<impl Future<Output = Result<f64, WasmError>>, WasmError> {
  let call = take(state)?;
  Ok(async move {
    // As a guest's own yield does (store.rs): tokio turns its timers and I/O before it polls again.
    tokio::task::yield_now().await;
    call.await
  })
}
