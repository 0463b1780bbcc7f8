//! `ext_wasm`: the `runtime:wasm` extension for deno_core embedders.
//!
//! It loads, links, calls and sandboxes WebAssembly through wasmtime and WASI preview 1. Every op
//! that reads a file, compiles, instantiates or runs guest code checks the [`WasmPermissions`] the
//! embedder puts in `OpState` first; the memory, drop and reflection ops act only on objects those
//! checks let the app make. The modules are private: what an embedder needs is re-exported here.
//!
//! ```no_run
//! use ext_wasm::WasmPermissions;
//! let runtime = deno_core::JsRuntime::new(deno_core::RuntimeOptions {
//!   extensions: vec![ext_wasm::ext_wasm::init(WasmPermissions::allow_all(), Default::default())],
//!   ..Default::default()
//! });
//! ```
//! The JS API (`ts/runtime_wasm.ts`) is served by the embedder's module loader as `runtime:wasm`,
//! with the internal modules it imports: see [`RUNTIME_WASM_TS`] and [`INTERNAL_MODULES`].

mod binary;
mod builtin;
mod call;
mod call_sync;
mod capabilities;
mod config;
mod engine;
mod error;
mod handles;
mod host;
mod hostcall;
mod instance;
mod limiter;
mod limits;
mod link;
mod memory;
mod module;
mod progress;
mod signature;
mod stdio;
mod store;
mod value;
mod wasi;

pub use capabilities::{
  CheckedPath, FsCapabilitiesSpec, FsPermissions, GrantSpec, ManifestOrigin, PathGrant, WasmCapabilitiesSpec,
  WasmPermissions,
};
pub use config::InstanceConfig;
pub use engine::EngineOptions;
pub use engine::{EngineKind, Engines};
pub use error::{ErrorCode, WasmError};
pub use limits::AppLimits;
pub use module::precompile;

/// The TypeScript source of the `runtime:wasm` module, for the embedder's module loader.
pub const RUNTIME_WASM_TS: &str = include_str!("../../ts/runtime_wasm.ts");

/// The internal modules `runtime:wasm` imports, by specifier, with their TypeScript sources: its
/// value checks and conversions, and the synchronous functions of `instance.exports`. A loader
/// should serve them only to `runtime:` modules.
pub const INTERNAL_MODULES: &[(&str, &str)] = &[
  ("runtime:wasm/core", include_str!("../../ts/wasm_core.ts")),
  ("runtime:wasm/values", include_str!("../../ts/wasm_values.ts")),
  ("runtime:wasm/exports", include_str!("../../ts/wasm_exports.ts")),
  ("runtime:wasm/host", include_str!("../../ts/wasm_host.ts")),
];

deno_core::extension!(
  ext_wasm,
  ops = [
    error::op_wasm_error_codes,
    builtin::op_wasm_builtin_check,
    module::op_wasm_module_compile,
    module::op_wasm_module_compile_file,
    module::op_wasm_module_drop,
    module::op_wasm_module_imports,
    instance::op_wasm_instance_create,
    instance::op_wasm_instance_exports,
    instance::op_wasm_instance_drop,
    instance::op_wasm_instance_linked,
    instance::op_wasm_instance_take_output,
    instance::op_wasm_instance_begin,
    instance::op_wasm_instance_end,
    hostcall::op_wasm_hcall_begin,
    hostcall::op_wasm_hcall_run,
    hostcall::op_wasm_hcall_run_sync,
    hostcall::op_wasm_hcall_resume,
    hostcall::op_wasm_hcall_resume_sync,
    hostcall::op_wasm_hcall_cancel,
    hostcall::op_wasm_caller_call,
    hostcall::op_wasm_caller_signature,
    hostcall::op_wasm_caller_memory_read,
    hostcall::op_wasm_caller_memory_write,
    hostcall::op_wasm_caller_memory_size,
    call::op_wasm_instance_call,
    call::op_wasm_instance_call_numbers_async,
    call_sync::op_wasm_instance_call_sync,
    call_sync::op_wasm_instance_call_numbers,
    memory::op_wasm_memory_read,
    memory::op_wasm_memory_write,
    memory::op_wasm_memory_size,
    memory::op_wasm_memory_grow,
  ],
  esm_entry_point = "ext:ext_wasm/errors.js",
  esm = [dir "js", "errors.js", "webassembly.js"],
  options = { permissions: WasmPermissions, engine: EngineOptions },
  state = |state, options| {
    let engines = engine::Engines::new(options.engine).unwrap_or_else(|e| panic!("{e}"));
    state.put(options.permissions);
    state.put(engine::SharedEngines(std::sync::Arc::new(engines)));
    state.put(module::ModuleTable::default());
    state.put(instance::InstanceTable::default());
    state.put(instance::PendingInstances::default());
    state.put(hostcall::HostCalls::default());
  },
);
