//! Per-app resource limits from `[capabilities.wasm]`: defaults every instance starts from (an
//! `instantiate` config overrides them), and caps on how much an app may hold at once.

use crate::capabilities::WasmCapabilitiesSpec;
use crate::config::InstanceConfig;

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
  /// Memory cap of instances whose config sets no `maxMemoryBytes`.
  pub max_memory_bytes: Option<u64>,
  /// Elements each table may grow to.
  pub max_table_elements: u64,
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
      max_modules: DEFAULT_MAX_MODULES,
      max_compiled_bytes: DEFAULT_MAX_COMPILED_BYTES,
    }
  }
}

impl AppLimits {
  pub fn from_spec(spec: &WasmCapabilitiesSpec) -> Self {
    let default = Self::default();
    Self {
      timeout_ms: spec.timeout_ms,
      max_memory_bytes: spec.max_memory_bytes,
      max_table_elements: spec.max_table_elements.unwrap_or(default.max_table_elements),
      max_modules: spec.max_modules.unwrap_or(default.max_modules),
      max_compiled_bytes: spec.max_compiled_bytes.unwrap_or(default.max_compiled_bytes),
    }
  }

  /// Fills what an instance's config leaves unset with the app's defaults.
  pub fn apply_defaults(&self, config: &mut InstanceConfig) {
    config.timeout_ms = config.timeout_ms.or(self.timeout_ms);
    config.max_memory_bytes = config.max_memory_bytes.or(self.max_memory_bytes);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn instance_config_overrides_app_defaults() {
    let spec = WasmCapabilitiesSpec { timeout_ms: Some(100), max_memory_bytes: Some(1 << 20), ..Default::default() };
    let limits = AppLimits::from_spec(&spec);
    let mut unset = InstanceConfig::default();
    limits.apply_defaults(&mut unset);
    assert_eq!((unset.timeout_ms, unset.max_memory_bytes), (Some(100), Some(1 << 20)));
    let mut set = InstanceConfig { timeout_ms: Some(5000), ..Default::default() };
    limits.apply_defaults(&mut set);
    assert_eq!((set.timeout_ms, set.max_memory_bytes), (Some(5000), Some(1 << 20)));
    assert_eq!(limits.max_modules, DEFAULT_MAX_MODULES);
  }
}
