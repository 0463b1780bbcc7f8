//! Running one export of a store's member with arguments in slots, for the host-call paths
//! (hostcall.rs): on a fiber (`run_export`) or on the JS thread's stack (`run_export_sync`).
//!
//! Both run the export as every other call of it runs (its `ExportFunc`, resolved once): a
//! uniform signature as its typed function, with the arguments and results in the store's own
//! buffers. `Func::call_async` looks the function's type up in the engine's registry and checks
//! every value against it on each call; with a clone of that type per call, that was a tenth of
//! the time of a call through the host driver.

use wasmtime::RootScope;

use crate::error::WasmError;
use crate::host::Slot;
use crate::slot_values::{slots_of, values_into};
use crate::store::{arm, disarm, KilnStore, Member, Mode};

/// Runs export number `export_index` of member `member` with the arguments in `args`.
pub(crate) async fn run_export(
  engines: &crate::engine::Engines,
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
  args: &[u8],
  sync: bool,
) -> Result<Vec<Slot>, WasmError> {
  let KilnStore { store, config, params, results, members } = kiln;
  let Member { instance, module, exported, bounded, .. } = &mut members[member];
  let export = Member::export_at(exported, store, instance, module, bounded, export_index)?;
  let limits = config.call_limits();
  arm(store, config, if sync { Mode::Sync } else { Mode::Async })?;
  // An `externref` made for an argument is rooted for the call only.
  let mut scope = RootScope::new(&mut *store);
  let called = match values_into(&mut scope, &export.ty, &export.name, args, (params, results)) {
    Ok(()) => {
      let outcome = {
        let _running = engines.running();
        export.call_async(&mut scope, params, results).await
      };
      slots_of(&mut scope, outcome, &export.name, limits, results)
    }
    Err(e) => Err(e),
  };
  drop(scope);
  disarm(store);
  called
}

/// [`run_export`] on the JS thread's stack, synchronously (host_direct.rs).
pub(crate) fn run_export_sync(
  engines: &crate::engine::Engines,
  kiln: &mut KilnStore,
  member: usize,
  export_index: u32,
  args: &[u8],
) -> Result<Vec<Slot>, WasmError> {
  let KilnStore { store, config, params, results, members } = kiln;
  let Member { instance, module, exported, bounded, .. } = &mut members[member];
  let export = Member::export_at(exported, store, instance, module, bounded, export_index)?;
  let limits = config.call_limits();
  arm(store, config, Mode::Sync)?;
  let mut scope = RootScope::new(&mut *store);
  let called = values_into(&mut scope, &export.ty, &export.name, args, (params, results)).and_then(|()| {
    let outcome = {
      let _running = engines.running();
      export.func.call(&mut scope, params, results)
    };
    slots_of(&mut scope, outcome, &export.name, limits, results)
  });
  drop(scope);
  disarm(store);
  called
}
