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
//!   extensions: vec![ext_wasm::extension(WasmPermissions::allow_all(), Default::default())],
//!   ..Default::default()
//! });
//! ```
//! The JS API (`ts/runtime_wasm.ts`) is served by the embedder's module loader as `runtime:wasm`,
//! with the internal modules it imports: see [`RUNTIME_WASM_TS`] and [`INTERNAL_MODULES`].

mod artifact_cache;
mod binary;
mod bound_call;
mod bounded;
mod builtin;
mod call;
mod call_driven;
mod call_first;
mod call_op;
mod call_sync;
mod callee;
mod caller_call;
mod caller_memory;
mod capabilities;
pub mod command;
mod component;
mod config;
mod engine;
mod error;
mod exception;
mod export_run;
mod handles;
mod host;
mod host_direct;
mod host_drive;
mod host_entry;
mod host_fn;
mod hostcall;
mod instance;
mod instance_table;
mod join;
mod js_ref;
mod limiter;
mod limits;
mod link;
mod link_error;
mod memory;
mod memory_view;
mod module;
mod module_source;
pub mod native;
mod pipe;
mod pool;
mod process;
mod progress;
mod raise;
mod recipe;
mod reclaim;
mod shape;
mod signature;
mod slot_values;
mod stdio;
mod store;
mod store_lock;
mod table;
mod table_ops;
mod uniform;
mod value;
mod wasi;
mod webassembly;

pub use artifact_cache::ArtifactCache;
pub use capabilities::{
  CheckedPath, FsCapabilitiesSpec, FsPermissions, GrantSpec, ManifestOrigin, PathGrant, WasmCapabilitiesSpec,
  WasmPermissions,
};
pub use config::{InstanceConfig, OutputSpec, Preopen, StdinSpec, StdioMode};
pub use engine::EngineOptions;
pub use engine::{EngineKind, Engines};
pub use error::{ErrorCode, WasmError};
pub use limits::AppLimits;
pub use module::{precompile, record_precompiled, stamp_before_read, ReadStamp};

/// How a component's WIT names are spelled in JS, as jco spells them: `camel` for functions,
/// record fields and flags (`safe-div` is `safeDiv`), `pascal` for resource classes (`counter` is
/// `Counter`). `kiln types` declares what `runtime:wasm` makes with these.
pub mod wit_names {
  pub use crate::component::types::{camel, pascal};
}

/// The TypeScript source of the `runtime:wasm` module, for the embedder's module loader.
pub const RUNTIME_WASM_TS: &str = include_str!("../../ts/runtime_wasm.ts");

/// The internal modules `runtime:wasm` imports, by specifier, with their TypeScript sources: the
/// parts of its public API it re-exports (memories, instances, processes, pools, components), its
/// value checks and conversions, and the synchronous functions of `instance.exports`. A loader
/// should serve them only to `runtime:` modules.
pub const INTERNAL_MODULES: &[(&str, &str)] = &[
  ("runtime:wasm/core", include_str!("../../ts/wasm_core.ts")),
  ("runtime:wasm/values", include_str!("../../ts/wasm_values.ts")),
  ("runtime:wasm/exports", include_str!("../../ts/wasm_exports.ts")),
  ("runtime:wasm/host-table", include_str!("../../ts/wasm_host_table.ts")),
  ("runtime:wasm/coerce", include_str!("../../ts/wasm_coerce.ts")),
  ("runtime:wasm/exception", include_str!("../../ts/wasm_exception.ts")),
  ("runtime:wasm/host-answer", include_str!("../../ts/wasm_host_answer.ts")),
  ("runtime:wasm/host", include_str!("../../ts/wasm_host.ts")),
  ("runtime:wasm/host-drive", include_str!("../../ts/wasm_host_drive.ts")),
  ("runtime:wasm/host-exports", include_str!("../../ts/wasm_host_exports.ts")),
  ("runtime:wasm/import-object", include_str!("../../ts/wasm_import_object.ts")),
  ("runtime:wasm/memory", include_str!("../../ts/wasm_memory.ts")),
  ("runtime:wasm/calls", include_str!("../../ts/wasm_calls.ts")),
  ("runtime:wasm/instance", include_str!("../../ts/wasm_instance.ts")),
  ("runtime:wasm/process", include_str!("../../ts/wasm_process.ts")),
  ("runtime:wasm/pool", include_str!("../../ts/wasm_pool.ts")),
  ("runtime:wasm/component-numbers", include_str!("../../ts/wasm_component_numbers.ts")),
  ("runtime:wasm/component", include_str!("../../ts/wasm_component.ts")),
  ("runtime:wasm/wit", include_str!("../../ts/wasm_wit.ts")),
  ("runtime:wasm/wit-bytes", include_str!("../../ts/wasm_wit_bytes.ts")),
  ("runtime:wasm/wit-codec", include_str!("../../ts/wasm_wit_codec.ts")),
  ("runtime:wasm/jspi", include_str!("../../ts/wasm_jspi.ts")),
  ("runtime:wasm/webassembly", include_str!("../../ts/wasm_webassembly.ts")),
  ("runtime:wasm/interpreted", include_str!("../../ts/wasm_interpreted.ts")),
  ("runtime:wasm/module-object", include_str!("../../ts/wasm_module_object.ts")),
  ("runtime:wasm/objects", include_str!("../../ts/wasm_objects.ts")),
  ("runtime:wasm/table", include_str!("../../ts/wasm_table.ts")),
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
    module::op_wasm_module_is_component,
    component::op_wasm_component_instantiate,
    component::op_wasm_component_begin,
    component::op_wasm_component_end,
    component::op_wasm_component_exports,
    component::op_wasm_component_import_functions,
    component::op_wasm_component_call,
    component::op_wasm_component_call_sync,
    component::op_wasm_component_results,
    component::op_wasm_component_call_numbers,
    component::op_wasm_component_call_direct,
    component::op_wasm_component_hcall_begin,
    component::op_wasm_component_resource_drop,
    component::op_wasm_component_drop,
    component::op_wasm_component_take_output,
    hostcall::op_wasm_hcall_bytes,
    instance::op_wasm_instance_create,
    instance::op_wasm_instance_create_sync,
    instance::op_wasm_instance_exports,
    instance::op_wasm_instance_drop,
    instance::op_wasm_collect_garbage,
    reclaim::op_wasm_reclaim_token,
    reclaim::op_wasm_instance_forget,
    instance::op_wasm_instance_linked,
    instance::op_wasm_instance_take_output,
    instance::op_wasm_instance_begin,
    instance::op_wasm_instance_end,
    join::op_wasm_instance_join,
    join::op_wasm_instance_joined,
    hostcall::op_wasm_hcall_begin,
    host_drive::op_wasm_hcall_call_first,
    host_drive::op_wasm_hcall_call_sync,
    host_drive::op_wasm_hcall_run,
    host_drive::op_wasm_hcall_run_sync,
    host_drive::op_wasm_hcall_run_first,
    host_drive::op_wasm_hcall_resume_first,
    host_drive::op_wasm_hcall_resume,
    host_drive::op_wasm_hcall_resume_sync,
    hostcall::op_wasm_hcall_cancel,
    caller_call::op_wasm_caller_call,
    caller_call::op_wasm_caller_call_index,
    caller_call::op_wasm_caller_call_numbers,
    caller_call::op_wasm_caller_signature,
    caller_memory::op_wasm_caller_memory_read,
    caller_memory::op_wasm_caller_memory_write,
    caller_memory::op_wasm_caller_memory_size,
    caller_memory::op_wasm_caller_memory_buffer,
    call::op_wasm_instance_call,
    call::op_wasm_instance_call_slots,
    call::op_wasm_instance_call_args_first,
    call::op_wasm_instance_export_bounded,
    call::op_wasm_instance_call_numbers_first,
    call_op::op_wasm_instance_call_bound,
    call_first::op_wasm_call_unfinished,
    call_sync::op_wasm_instance_call_sync,
    call_sync::op_wasm_instance_call_numbers,
    bound_call::op_wasm_export_call,
    bound_call::op_wasm_export_call_void,
    bound_call::op_wasm_hcall_export_call,
    bound_call::op_wasm_hcall_export_call_void,
    call_sync::op_wasm_instance_call_numbers2,
    call_sync::op_wasm_instance_call_numbers1,
    call_sync::op_wasm_instance_call_numbers0,
    memory::op_wasm_memory_read,
    memory::op_wasm_memory_read_now,
    memory::op_wasm_memory_write,
    memory::op_wasm_memory_write_now,
    memory::op_wasm_memory_size,
    memory::op_wasm_memory_grow,
    memory::op_wasm_memory_grow_sync,
    memory_view::op_wasm_memory_buffer,
    process::op_wasm_process_spawn,
    process::op_wasm_process_status,
    process::op_wasm_process_read,
    process::op_wasm_process_write,
    process::op_wasm_process_close_stdin,
    process::op_wasm_process_kill,
    process::op_wasm_process_forget,
    pool::op_wasm_pool_create,
    pool::op_wasm_pool_call,
    pool::op_wasm_pool_exports,
    pool::op_wasm_pool_drop,
    webassembly::op_wasm_webassembly_on_wasmtime,
    webassembly::op_wasm_module_compile_sync,
    webassembly::op_wasm_module_validate,
    webassembly::op_wasm_module_exports,
    webassembly::op_wasm_global_get,
    webassembly::op_wasm_tag_number,
    raise::op_wasm_exception_maker,
    webassembly::op_wasm_global_set,
    table::op_wasm_module_ref_tables,
    table_ops::op_wasm_table_size,
    table_ops::op_wasm_table_get,
    table_ops::op_wasm_table_set,
    table_ops::op_wasm_table_grow,
    table_ops::op_wasm_table_set_js,
    table_ops::op_wasm_table_grow_js,
    table_ops::op_wasm_table_get_ref,
    table_ops::op_wasm_table_set_ref,
    table_ops::op_wasm_table_grow_ref,
    js_ref::op_wasm_refs_freed,
  ],
  esm_entry_point = "ext:ext_wasm/errors.js",
  esm = [dir "js", "errors.js", "webassembly.js"],
  options = { permissions: WasmPermissions, engine: EngineOptions },
  state = |state, options| {
    let engines = std::sync::Arc::new(engine::Engines::new(options.engine).unwrap_or_else(|e| panic!("{e}")));
    state.put(instance::InstanceTable::new(&options.permissions, engines.clone()));
    state.put(component::ComponentTable::new(&options.permissions));
    // Shared: each instantiate's recipe holds it (recipe.rs), and a clone of the globs would
    // cost more than the rest of the check.
    state.put(std::sync::Arc::new(options.permissions));
    state.put(engine::SharedEngines(engines));
    state.put(module::ModuleTable::default());
    state.put(memory_view::MemoryBuffers::default());
    state.put(recipe::PendingInstances::default());
    state.put(process::ProcessTable::default());
    state.put(pool::PoolTable::default());
    state.put(hostcall::HostCalls::default());
    state.put(js_ref::RefQueues::default());
  },
);

/// The extension's JS, embedded in the binary. deno_core 0.413's `extension!` records its `esm`
/// files by absolute path and reads them from disk when a runtime starts (it embeds them only in
/// a startup snapshot), so a binary built from it works only beside the source tree it was built
/// from. [`extension`] swaps these in.
const EMBEDDED_ESM: &[deno_core::ExtensionFileSource] = &[
  deno_core::ExtensionFileSource::new("ext:ext_wasm/errors.js", deno_core::ascii_str_include!("../js/errors.js")),
  deno_core::ExtensionFileSource::new(
    "ext:ext_wasm/webassembly.js",
    deno_core::ascii_str_include!("../js/webassembly.js"),
  ),
];

/// The `ext_wasm` extension with its JS embedded in the binary (see `EMBEDDED_ESM`): use this
/// rather than `ext_wasm::init`, whose JS is read from the source tree at run time.
pub fn extension(permissions: WasmPermissions, engine: EngineOptions) -> deno_core::Extension {
  let mut extension = ext_wasm::init(permissions, engine);
  extension.esm_files = std::borrow::Cow::Borrowed(EMBEDDED_ESM);
  extension
}

#[cfg(test)]
mod tests {
  #[test]
  fn the_extension_embeds_every_js_file_it_declares() {
    let extension = super::extension(super::WasmPermissions::allow_all(), Default::default());
    let declared: Vec<&str> = super::ext_wasm::init(super::WasmPermissions::allow_all(), Default::default())
      .esm_files
      .iter()
      .map(|f| f.specifier)
      .collect();
    let embedded: Vec<&str> = extension.esm_files.iter().map(|f| f.specifier).collect();
    assert_eq!(embedded, declared);
    for file in extension.esm_files.iter() {
      assert!(format!("{:?}", file.code).starts_with("IncludedInBinary"), "{}: {:?}", file.specifier, file.code);
    }
  }
}
