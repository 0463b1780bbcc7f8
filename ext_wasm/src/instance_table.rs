//! The instance table: every live instance of a runtime by its JS id, as the store it lives in
//! and its place there (instance.rs makes and registers them), with the runtime's engines and the
//! answer of `[capabilities.wasm] execute` for calls into them.

use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::Arc;

use wasmtime::Module;

use crate::bounded::BoundedExports;
use crate::capabilities::{CallGrant, ExecuteGrant, WasmPermissions};
use crate::engine::Engines;
use crate::error::WasmError;
use crate::handles::{parse_id, HandleTable};
use crate::host::HostTable;
use crate::host_entry::KeptTop;
use crate::stdio::Captured;
use crate::store::SharedStore;

/// An entry of the instance table: an instance, as the store it lives in and its place there.
pub struct InstanceEntry {
  pub store: SharedStore,
  pub member: usize,
  pub module: Module,
  /// The instances of the modules linked into its store by `imports`, by import name (ids).
  pub linked: Vec<(String, u64)>,
  /// The store's JS host functions, if it has any: its calls then go through hostcall.rs.
  pub host: Option<Arc<HostTable>>,
  /// The store's captured stdout and stderr (`stdout: "capture"`).
  pub captured: Captured,
  /// Its memory as `instance.memory` sees it (`Member::memory`), for `memory.buffer` while a host
  /// function of the store runs and the store is locked (memory_view.rs).
  pub memory: Option<wasmtime::Memory>,
  /// Its wasmtime handle, for its tables and functions while a host function of the store runs
  /// and the store is locked (table.rs).
  pub instance: wasmtime::Instance,
  /// The store's count of memory growths (limiter.rs), readable while the store is locked.
  pub growths: Arc<std::sync::atomic::AtomicU64>,
  /// Its module's exports that end in bounded time (bounded.rs), readable without the store.
  pub bounded: BoundedExports,
  /// What it keeps of its store's entries, from its first bound export call (bound_call.rs).
  pub kept_top: OnceCell<Rc<KeptTop>>,
}

impl InstanceEntry {
  /// Memory `which` of this instance as a host call of its store names it: its own memory for 0
  /// (`memory`), else the memory made for host import `which - 1` (see memory_view.rs).
  pub fn which_memory(&self, which: u32) -> Option<crate::host::WhichMemory> {
    match which.checked_sub(1) {
      None => self.memory.map(crate::host::WhichMemory::Handle),
      Some(index) => Some(crate::host::WhichMemory::Adopted(index)),
    }
  }
}

/// The live instances of a runtime (an `OpState` entry), with the answer of `[capabilities.wasm]
/// execute` for calls into them, and the runtime's engines (also the `SharedEngines` entry): a
/// call finds both with one `OpState` lookup, which is a map search.
pub struct InstanceTable(pub HandleTable<InstanceEntry>, CallGrant, Arc<Engines>);

impl InstanceTable {
  /// An empty table for a runtime with `permissions` (see [`CallGrant`]) and `engines`.
  pub fn new(permissions: &WasmPermissions, engines: Arc<Engines>) -> Self {
    Self(HandleTable::default(), CallGrant::of(permissions), engines)
  }

  /// The runtime's engines.
  pub fn engines(&self) -> &Arc<Engines> {
    &self.2
  }

  /// The instance behind a JS id, or 5005.
  pub fn lookup(&self, raw_id: f64) -> Result<&InstanceEntry, WasmError> {
    parse_id(raw_id).and_then(|id| self.0.get(id)).ok_or_else(|| invalid_instance(raw_id))
  }

  /// The instance behind a JS id, for running guest code in it: only with the proof that the
  /// manifest grants `execute` (5009 naming the key if it does not, before the id is looked at).
  pub fn lookup_for_call(&self, raw_id: f64) -> Result<&InstanceEntry, WasmError> {
    let _grant: ExecuteGrant = self.1.check()?;
    self.lookup(raw_id)
  }
}

pub fn invalid_instance(raw_id: f64) -> WasmError {
  WasmError::invalid_instance(format!(
    "no instance with id {raw_id}: it was never returned by instantiate or has been dropped"
  ))
}
