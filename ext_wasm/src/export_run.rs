//! Running one export of a store's member with arguments in slots, for the host-call paths
//! (hostcall.rs): on a fiber (`run_export`) or on the JS thread's stack (`run_export_sync`).

use wasmtime::RootScope;

use crate::error::WasmError;
use crate::host::{read_slots, slots_of, values_for, Slot};
use crate::store::{arm, disarm, Member, Mode};

/// Runs export number `export_index` of member `member` with the arguments in `args`.
pub(crate) async fn run_export(
  engines: &crate::engine::Engines,
  kiln: &mut crate::store::KilnStore,
  member: usize,
  export_index: u32,
  args: &[u8],
  sync: bool,
) -> Result<Vec<Slot>, WasmError> {
  let (func, ty, name, args, limits) = export_call(kiln, member, export_index, args)?;
  arm(&mut kiln.store, &kiln.config, if sync { Mode::Sync } else { Mode::Async })?;
  let mut store = RootScope::new(&mut kiln.store);
  let called = match values_for(&mut store, &ty, &name, &args) {
    Ok((params, mut results)) => {
      let outcome = {
        let _running = engines.running();
        func.call_async(&mut store, &params, &mut results).await
      };
      slots_of(&mut store, outcome, &name, limits, results)
    }
    Err(e) => Err(e),
  };
  drop(store);
  disarm(&mut kiln.store);
  called
}

/// [`run_export`] on the JS thread's stack, synchronously (host_direct.rs).
pub(crate) fn run_export_sync(
  engines: &crate::engine::Engines,
  kiln: &mut crate::store::KilnStore,
  member: usize,
  export_index: u32,
  args: &[u8],
) -> Result<Vec<Slot>, WasmError> {
  let (func, ty, name, args, limits) = export_call(kiln, member, export_index, args)?;
  arm(&mut kiln.store, &kiln.config, Mode::Sync)?;
  let mut store = RootScope::new(&mut kiln.store);
  let called = values_for(&mut store, &ty, &name, &args).and_then(|(params, mut results)| {
    let outcome = {
      let _running = engines.running();
      func.call(&mut store, &params, &mut results)
    };
    slots_of(&mut store, outcome, &name, limits, results)
  });
  drop(store);
  disarm(&mut kiln.store);
  called
}

type ExportCall = (wasmtime::Func, wasmtime::FuncType, Box<str>, Vec<Slot>, crate::error::CallLimits);

/// Export number `export_index` of member `member`, its type and name, the arguments read from
/// `args`, and the store's limits.
fn export_call(
  kiln: &mut crate::store::KilnStore,
  member: usize,
  export_index: u32,
  args: &[u8],
) -> Result<ExportCall, WasmError> {
  let Member { instance, module, exported, bounded, .. } = &mut kiln.members[member];
  let export = Member::export_at(exported, &mut kiln.store, instance, module, bounded, export_index)?;
  let (func, ty, name) = (export.func, export.ty.clone(), export.name.clone());
  let args = read_slots(args, ty.params().len())?;
  Ok((func, ty, name, args, kiln.config.call_limits()))
}
