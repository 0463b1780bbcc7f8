//! Components: `compile` accepts a WebAssembly component (binary, or `(component ...)` text) as
//! well as a core module, and `instantiate` makes a store holding one component instance whose
//! functions take and return JS values by their WIT types (`ts/wasm_component.ts` maps them as
//! jco does, strictly).
//!
//! A component's store is a Kiln store like any other: the same `StoreData` (its WASI context
//! serves preview 2 as well as preview 1), the same limiter, epoch yields, deadline and fuel.
//! Its linker starts from the engine's WASI preview 2 linker, is checked against the app's WASI
//! grants (grants.rs), and gains the app's JS host functions (host.rs). Calls are call.rs, and
//! direct.rs for `instance.exports` functions whose values the op reads from and makes into JS
//! values itself (js_values.rs); the other calls' values cross in a byte buffer (wire.rs).

mod call;
pub(crate) mod command;
pub(crate) mod direct;
mod grants;
mod host;
mod js_values;
pub(crate) mod make;
pub mod types;
mod wire;

use std::sync::Arc;

use wasmtime::component::Component;
use wasmtime::Engine;

pub use call::{
  op_wasm_component_call, op_wasm_component_call_numbers, op_wasm_component_call_sync, op_wasm_component_drop,
  op_wasm_component_exports, op_wasm_component_hcall_begin, op_wasm_component_import_functions,
  op_wasm_component_resource_drop, op_wasm_component_results, op_wasm_component_take_output,
};
pub use direct::op_wasm_component_call_direct;
pub use grants::{WasiGrants, WasiInterface};
pub use make::{
  op_wasm_component_begin, op_wasm_component_end, op_wasm_component_instantiate, ComponentMade, ComponentTable,
};

use crate::engine::{EngineKind, Engines};
use crate::error::WasmError;
use crate::signature::{ExportKind, ModuleImport};

/// Whether `bytes` are a component: a binary whose preamble says layer 1, or WAT text whose first
/// form is `(component`.
pub fn is_component(bytes: &[u8]) -> bool {
  if bytes.starts_with(b"\0asm") {
    return bytes.len() >= 8 && bytes[6..8] == [1, 0];
  }
  let Ok(text) = std::str::from_utf8(bytes) else { return false };
  first_form(text).starts_with("(component")
}

/// The text from the first form on, past whitespace and `;;` / `(; ;)` comments.
fn first_form(mut text: &str) -> &str {
  loop {
    text = text.trim_start();
    if let Some(rest) = text.strip_prefix(";;") {
      text = rest.split_once('\n').map_or("", |(_, after)| after);
    } else if let Some(rest) = text.strip_prefix("(;") {
      text = rest.split_once(";)").map_or("", |(_, after)| after);
    } else {
      return text;
    }
  }
}

/// Compiles a component.
///
/// # Errors
/// 5000 naming why the bytes are not a valid component.
pub fn compile_component(engine: &Engine, bytes: &[u8]) -> Result<Component, WasmError> {
  Component::new(engine, bytes).map_err(|e| {
    WasmError::compile(format!("the bytes are not a valid WebAssembly component: {}", crate::error::error_chain(&e)))
  })
}

/// A compiled component, with its copies for the other engines made on first use.
pub struct CompiledComponent {
  plain: Component,
  others: [tokio::sync::OnceCell<Component>; 2],
  bytes: Arc<[u8]>,
  name: String,
  /// The WIT names of its types, decoded from its bytes when it was compiled.
  hints: Arc<Vec<types::Hint>>,
}

impl CompiledComponent {
  /// A compiled component; `hints` are its WIT's type names ([`types::hints`], decoded off the
  /// JS thread with the compile: an 18 MB component takes 20 ms).
  pub fn new(plain: Component, bytes: Arc<[u8]>, name: String, hints: Vec<types::Hint>) -> Self {
    let others = [tokio::sync::OnceCell::new(), tokio::sync::OnceCell::new()];
    Self { plain, others, bytes, name, hints: Arc::new(hints) }
  }

  /// The WIT names of the component's types by structure (types.rs).
  pub fn hints(&self) -> Arc<Vec<types::Hint>> {
    self.hints.clone()
  }

  pub fn size(&self) -> u64 {
    self.bytes.len() as u64
  }

  pub fn plain(&self) -> &Component {
    &self.plain
  }

  /// The component compiled for the engine of `kind` (compiled off the JS thread the first time).
  pub async fn prepared(&self, kind: EngineKind, engines: &Arc<Engines>) -> Result<&Component, WasmError> {
    if kind == EngineKind::Plain {
      return Ok(&self.plain);
    }
    self.others[kind.other_index()]
      .get_or_try_init(|| {
        let what = format!("{} again (for its first instance with `fuel` or `interruptible: false`)", self.name);
        crate::module::compile_component_for(engines.clone(), kind, what, self.bytes.clone())
      })
      .await
  }

  /// `moduleImports`: each imported function with its WIT type, under its interface's name
  /// (`""` for a function imported by itself); an imported resource or type as its kind.
  pub fn imports_listed(&self) -> Vec<ModuleImport> {
    let engine = self.plain.engine();
    let mut names = types::Names::of(&self.plain, engine, self.hints());
    let mut out = Vec::new();
    for (name, item) in self.plain.component_type().imports(engine) {
      use wasmtime::component::types::ComponentItem;
      match item.ty {
        ComponentItem::ComponentFunc(f) => out.push(listed("", name, types::func_wit(&f, &mut names))),
        ComponentItem::ComponentInstance(instance) => {
          for (inner, item) in instance.exports(engine) {
            match item.ty {
              ComponentItem::ComponentFunc(f) => out.push(listed(name, inner, types::func_wit(&f, &mut names))),
              ComponentItem::Resource(_) => out
                .push(ModuleImport { kind: ExportKind::Resource, ..listed(name, inner, format!("resource {inner}")) }),
              _ => {}
            }
          }
        }
        ComponentItem::Resource(_) => {
          out.push(ModuleImport { kind: ExportKind::Resource, ..listed("", name, format!("resource {name}")) })
        }
        _ => {}
      }
    }
    out
  }
}

fn listed(module: &str, name: &str, wit: String) -> ModuleImport {
  ModuleImport {
    module: module.to_string(),
    name: name.to_string(),
    kind: ExportKind::Function,
    params: None,
    results: None,
    ty: None,
    wit: Some(wit),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn components_are_told_from_modules() {
    assert!(is_component(b"\0asm\x0d\0\x01\0"));
    assert!(!is_component(b"\0asm\x01\0\0\0"));
    assert!(is_component(b"  ;; a comment\n (; block ;) (component)"));
    assert!(!is_component(b"(module)"));
    assert!(!is_component(b"\xff\xfe"));
  }
}
