//! Host functions written in Rust, for embedders that run guests without JS (`command.rs`): each
//! is linked by module and name like any import, runs on the guest's thread, and reaches the
//! guest's exported `memory` through [`CallerMemory`]. `kiln job run` provides Bacalhau's
//! `wasi:http/requests` `http_request` this way.

use std::sync::Arc;

use wasmtime::{Caller, Extern, FuncType, Linker};
/// The value types native functions take and return.
pub use wasmtime::{Val, ValType};

use crate::error::{error_chain, WasmError};
use crate::store::StoreData;

/// The body of a native host function: the caller's memory, the arguments, the results to fill.
pub type NativeFn = dyn Fn(&mut CallerMemory<'_>, &[Val], &mut [Val]) -> wasmtime::Result<()> + Send + Sync;

/// A host function written in Rust.
#[derive(Clone)]
pub struct NativeImport {
  pub module: String,
  pub name: String,
  pub params: Vec<ValType>,
  pub results: Vec<ValType>,
  pub func: Arc<NativeFn>,
}

/// The calling instance's exported `memory`, bounds-checked.
pub struct CallerMemory<'a> {
  caller: Caller<'a, StoreData>,
  memory: Option<wasmtime::Memory>,
}

impl CallerMemory<'_> {
  /// `len` bytes at `ptr`, or `None` out of bounds (or without a memory).
  pub fn read(&self, ptr: u32, len: u32) -> Option<Vec<u8>> {
    let data = self.memory?.data(&self.caller);
    let start = ptr as usize;
    data.get(start..start.checked_add(len as usize)?).map(<[u8]>::to_vec)
  }

  /// Writes `bytes` at `ptr`; false out of bounds (or without a memory).
  pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> bool {
    let Some(memory) = self.memory else { return false };
    let data = memory.data_mut(&mut self.caller);
    let start = ptr as usize;
    match start.checked_add(bytes.len()).and_then(|end| data.get_mut(start..end)) {
      Some(slot) => {
        slot.copy_from_slice(bytes);
        true
      }
      None => false,
    }
  }

  /// A little-endian u32 at `ptr`.
  pub fn read_u32(&self, ptr: u32) -> Option<u32> {
    self.read(ptr, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
  }

  /// The memory's size in bytes (0 without one).
  pub fn size(&self) -> u64 {
    self.memory.map_or(0, |m| m.data_size(&self.caller) as u64)
  }
}

/// Defines `natives` in `linker`.
///
/// # Errors
/// 5001 if one cannot be defined (a name given twice).
pub fn define_natives(linker: &mut Linker<StoreData>, natives: &[NativeImport]) -> Result<(), WasmError> {
  for native in natives {
    let ty = FuncType::new(linker.engine(), native.params.iter().cloned(), native.results.iter().cloned());
    let func = native.func.clone();
    linker
      .func_new(&native.module, &native.name, ty, move |mut caller, params, results| {
        let memory = caller.get_export("memory").and_then(Extern::into_memory);
        let mut access = CallerMemory { caller, memory };
        func(&mut access, params, results)
      })
      .map_err(|e| {
        WasmError::instantiate(format!("cannot define {}.{}: {}", native.module, native.name, error_chain(&e)))
      })?;
  }
  Ok(())
}
