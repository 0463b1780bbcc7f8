//! Compiling modules: `compile`, `compileFile`, `dropModule`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use deno_core::{op2, JsBuffer, OpState};
use wasmtime::{Engine, Module};

use crate::capabilities::WasmPermissions;
use crate::engine::{Engines, SharedEngines};
use crate::error::WasmError;
use crate::handles::{parse_id, HandleTable};

/// A compiled module. The bytes are kept so that the fuel-metering engine can compile its own copy
/// the first time an instance asks for `fuel`.
pub struct CompiledModule {
  plain: Module,
  fueled: OnceLock<Module>,
  bytes: Arc<[u8]>,
}

impl CompiledModule {
  pub fn plain(&self) -> &Module {
    &self.plain
  }

  /// The module compiled for the fuel-metering engine (compiled on first use).
  pub fn fueled(&self, engine: &Engine) -> Result<&Module, WasmError> {
    if let Some(module) = self.fueled.get() {
      return Ok(module);
    }
    let module = compile_bytes(engine, &self.bytes)?;
    Ok(self.fueled.get_or_init(|| module))
  }
}

/// The live modules of a runtime (an `OpState` entry).
#[derive(Default)]
pub struct ModuleTable(pub HandleTable<Arc<CompiledModule>>);

impl ModuleTable {
  /// The module behind a JS id, or 5004.
  pub fn lookup(&self, raw_id: f64) -> Result<Arc<CompiledModule>, WasmError> {
    parse_id(raw_id)
      .and_then(|id| self.0.get(id).cloned())
      .ok_or_else(|| invalid_module(raw_id))
  }
}

fn invalid_module(raw_id: f64) -> WasmError {
  WasmError::invalid_module(format!(
    "no module with id {raw_id}: it was never returned by compile/compileFile or has been dropped"
  ))
}

fn compile_bytes(engine: &Engine, bytes: &[u8]) -> Result<Module, WasmError> {
  Module::new(engine, bytes).map_err(|e| {
    WasmError::compile(format!(
      "the bytes are not a valid WebAssembly module (or WAT text): {}",
      crate::call::error_chain(&e)
    ))
  })
}

/// Compiles on a blocking thread so the event loop keeps running during a long compile.
async fn compile_off_thread(
  engines: Arc<Engines>,
  load: impl FnOnce() -> Result<Arc<[u8]>, WasmError> + Send + 'static,
) -> Result<CompiledModule, WasmError> {
  tokio::task::spawn_blocking(move || {
    let bytes = load()?;
    let plain = compile_bytes(&engines.plain().engine, &bytes)?;
    Ok(CompiledModule { plain, fueled: OnceLock::new(), bytes })
  })
  .await
  .map_err(|e| WasmError::compile(format!("the compiler thread failed: {e}")))?
}

fn register(state: &Rc<RefCell<OpState>>, module: CompiledModule) -> Result<f64, WasmError> {
  let mut state = state.borrow_mut();
  let limits = &state.borrow::<WasmPermissions>().limits;
  let table = state.borrow::<ModuleTable>();
  if table.0.len() >= limits.max_modules {
    return Err(WasmError::compile(format!(
      "{} modules are loaded, the most [capabilities.wasm] max_modules allows; dropModule the ones \
       you no longer need or raise max_modules in the manifest",
      table.0.len()
    )));
  }
  let held: u64 = table.0.values().map(|m| m.bytes.len() as u64).sum();
  if held + module.bytes.len() as u64 > limits.max_compiled_bytes {
    return Err(WasmError::compile(format!(
      "this module ({} bytes) would bring the loaded modules to {} bytes, over [capabilities.wasm] \
       max_compiled_bytes ({}); dropModule the ones you no longer need or raise the limit",
      module.bytes.len(),
      held + module.bytes.len() as u64,
      limits.max_compiled_bytes
    )));
  }
  let id = state
    .borrow_mut::<ModuleTable>()
    .0
    .insert(Arc::new(module))
    .ok_or_else(|| WasmError::compile("module ids are exhausted; restart the app"))?;
  Ok(id as f64)
}

fn engines(state: &OpState) -> Arc<Engines> {
  state.borrow::<SharedEngines>().0.clone()
}

/// `compile(bytes)`: needs `[capabilities.wasm] load` to grant anything.
#[op2]
pub async fn op_wasm_module_compile(
  state: Rc<RefCell<OpState>>,
  #[buffer] bytes: JsBuffer,
) -> Result<f64, WasmError> {
  let engines = {
    let state = state.borrow();
    state.borrow::<WasmPermissions>().load.check_any("compile(bytes)")?;
    engines(&state)
  };
  let bytes: Arc<[u8]> = Arc::from(&*bytes);
  let module = compile_off_thread(engines, move || Ok(bytes)).await?;
  register(&state, module)
}

/// `compileFile(path)`: the canonical path must match `[capabilities.wasm] load`.
#[op2]
pub async fn op_wasm_module_compile_file(
  state: Rc<RefCell<OpState>>,
  #[string] path: String,
) -> Result<f64, WasmError> {
  let (checked, engines) = {
    let state = state.borrow();
    let action = format!("compileFile({path:?})");
    let cwd = std::env::current_dir()
      .map_err(|e| WasmError::io(format!("{action}: cannot read the working directory: {e}")))?;
    let checked = state.borrow::<WasmPermissions>().load.check(&action, &path, &cwd)?;
    (checked, engines(&state))
  };
  let module = compile_off_thread(engines, move || {
    checked.read().map(Arc::from).map_err(|e| {
      WasmError::io(format!("compileFile: cannot read {}: {e}", checked.as_path().display()))
    })
  })
  .await?;
  register(&state, module)
}

/// `dropModule(id)`: live instances of the module keep working.
#[op2(fast)]
pub fn op_wasm_module_drop(state: &mut OpState, module_id: f64) -> Result<(), WasmError> {
  match parse_id(module_id).and_then(|id| state.borrow_mut::<ModuleTable>().0.remove(id)) {
    Some(_) => Ok(()),
    None => Err(invalid_module(module_id)),
  }
}
