//! Running one export of a store's member with arguments in slots, for the host-call paths
//! (hostcall.rs): on a fiber (`run_export`) or on the JS thread's stack (`run_export_sync`).

use wasmtime::{RootScope, Val};

use crate::error::{finish, Ended, WasmError};
use crate::host::{read_slots, Slot};
use crate::js_ref::{passes, to_slot, to_val};
use crate::store::{arm, disarm, Member, Mode};
use crate::value::unsupported;

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
  let called = match prepare(&mut store, &ty, &name, &args) {
    Ok((params, mut results)) => {
      let outcome = {
        let _running = engines.running();
        func.call_async(&mut store, &params, &mut results).await
      };
      conclude(&mut store, outcome, &name, limits, results)
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
  let called = prepare(&mut store, &ty, &name, &args).and_then(|(params, mut results)| {
    let outcome = {
      let _running = engines.running();
      func.call(&mut store, &params, &mut results)
    };
    conclude(&mut store, outcome, &name, limits, results)
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
  let Member { instance, module, exported, .. } = &mut kiln.members[member];
  let export = Member::export_at(exported, &mut kiln.store, instance, module, export_index)?;
  let (func, ty, name) = (export.func, export.ty.clone(), export.name.clone());
  let args = read_slots(args, ty.params().len())?;
  Ok((func, ty, name, args, kiln.config.call_limits()))
}

/// The arguments as values (the `externref`s made for them rooted in `store`, a scope of this
/// call only), and room for the results.
fn prepare(
  store: &mut RootScope<&mut wasmtime::Store<crate::store::StoreData>>,
  ty: &wasmtime::FuncType,
  name: &str,
  args: &[Slot],
) -> Result<(Vec<Val>, Vec<Val>), WasmError> {
  let mut params = Vec::with_capacity(args.len());
  for (param, raw) in ty.params().zip(args) {
    params.push(to_val(&mut *store, &param, *raw)?.ok_or_else(|| unsupported(name, &param, "parameter"))?);
  }
  if let Some(result) = ty.results().find(|t| !passes(&*store, t)) {
    return Err(unsupported(name, &result, "result"));
  }
  Ok((params, vec![Val::I32(0); ty.results().len()]))
}

/// The call's results as slots, or its coded error.
fn conclude(
  store: &mut RootScope<&mut wasmtime::Store<crate::store::StoreData>>,
  outcome: wasmtime::Result<()>,
  name: &str,
  limits: crate::error::CallLimits,
  mut results: Vec<Val>,
) -> Result<Vec<Slot>, WasmError> {
  let outcome = crate::exception::caught(&mut *store, outcome);
  if finish(outcome, &format!("`{name}`"), limits)? == Ended::Exited {
    results.iter_mut().for_each(|r| *r = Val::I32(0));
  }
  Ok(results.iter().map(|v| to_slot(&*store, v)).collect())
}
