//! A `wasi:cli/run` component as a process: `spawn(componentId, options)` runs its `run` on the
//! process's thread, as `_start` runs for a module, and the process's status says how it ended:
//! `run` returning `ok` is exit 0, `err` exit 1, a WASI `exit(n)` status n, a trap 134, the
//! deadline 124.

use wasmtime::component::Val;

use super::make::{make, Plan};
use crate::command::CommandEnd;
use crate::error::{DeadlineExceeded, WasmError};
use crate::store::{arm, disarm, Mode};

/// The interface a WASI command exports, without its version.
const RUN: &str = "wasi:cli/run";

/// Checks, on the JS thread, that the component is a WASI command.
///
/// # Errors
/// 5001 if it exports no `wasi:cli/run` interface.
pub fn check_command(component: &wasmtime::component::Component) -> Result<(), WasmError> {
  let exports = component.component_type();
  let engine = component.engine();
  if exports.exports(engine).any(|(name, _)| name.split('@').next() == Some(RUN)) {
    return Ok(());
  }
  Err(WasmError::instantiate(
    "spawn runs a WASI command, and the component exports no `wasi:cli/run` interface; instantiate \
     it and call its exports instead",
  ))
}

/// Makes the component's store and runs `wasi:cli/run#run` under the process's limits.
///
/// # Errors
/// 5001 if it cannot be instantiated.
pub async fn run(plan: Plan) -> Result<CommandEnd, WasmError> {
  let engines = plan.engines();
  let made = make(plan, None).await?;
  let mut kiln = made.kiln;
  let Some(f) = kiln.funcs.iter().find(|f| f.name.split('@').next() == Some(RUN) && f.name.ends_with("#run")) else {
    return Err(WasmError::instantiate("the component exports no function `wasi:cli/run#run`"));
  };
  let func = f.func;
  let mut results = [Val::Bool(false)];
  let deadline = arm(&mut kiln.store, &kiln.config, Mode::Async)?;
  let outcome = {
    let _running = engines.running();
    let call = func.call_async(&mut kiln.store, &[], &mut results);
    match deadline {
      Some(at) => tokio::time::timeout_at(at.into(), call).await.unwrap_or_else(|_| Err(DeadlineExceeded.into())),
      None => call.await,
    }
  };
  disarm(&mut kiln.store);
  let limits = kiln.config.call_limits();
  Ok(match (outcome, &results[0]) {
    (Ok(()), Val::Result(Err(_))) => CommandEnd::Exited(1),
    (outcome, _) => CommandEnd::of(outcome, "wasi:cli/run#run", limits),
  })
}
