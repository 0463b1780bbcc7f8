//! Per-app resource limits from `[capabilities.wasm]`: defaults every instance starts from (an
//! `instantiate` config overrides them, see `InstanceConfig::with_app_defaults`), and caps on how
//! much an app may hold at once. A leaf: it knows nothing of the manifest's syntax.

/// The default for `[capabilities.wasm] max_instances`.
pub const DEFAULT_MAX_INSTANCES: usize = 1024;
/// The default for `[capabilities.wasm] max_modules`.
pub const DEFAULT_MAX_MODULES: usize = 1024;
/// The default for `[capabilities.wasm] max_compiled_bytes`: 1 GiB of module bytes.
pub const DEFAULT_MAX_COMPILED_BYTES: u64 = 1 << 30;
/// The default for `[capabilities.wasm] max_table_elements`, per table.
pub const DEFAULT_MAX_TABLE_ELEMENTS: u64 = 10_000_000;

/// The limits an app runs under (part of [`crate::WasmPermissions`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppLimits {
  /// Deadline for each call of instances whose config sets no `timeoutMs`.
  pub timeout_ms: Option<u64>,
  /// Memory cap (of all a store's memories together) of instances whose config sets no
  /// `maxMemoryBytes`.
  pub max_memory_bytes: Option<u64>,
  /// Elements each table may grow to.
  pub max_table_elements: u64,
  /// Instances alive (or being made) at once, linked ones included.
  pub max_instances: usize,
  /// Modules that may be compiled and not yet dropped.
  pub max_modules: usize,
  /// Total size of the bytes of those modules.
  pub max_compiled_bytes: u64,
}

impl Default for AppLimits {
  fn default() -> Self {
    Self {
      timeout_ms: None,
      max_memory_bytes: None,
      max_table_elements: DEFAULT_MAX_TABLE_ELEMENTS,
      max_instances: DEFAULT_MAX_INSTANCES,
      max_modules: DEFAULT_MAX_MODULES,
      max_compiled_bytes: DEFAULT_MAX_COMPILED_BYTES,
    }
  }
}
