//! Compiling modules: `compile`, `compileFile`, `dropModule`.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use deno_core::{op2, JsBuffer, OpState};
use wasmtime::{Engine, InstancePre, Linker, Module};

use crate::capabilities::WasmPermissions;
use crate::engine::{EngineKind, Engines, SharedEngines, StoreData};
use crate::error::WasmError;
use crate::handles::{parse_id, HandleTable};

/// A module compiled for one engine, with its imports resolved against the engine's linker once
/// (on first instantiation) and reused by every later one.
pub struct Prepared {
  pub module: Module,
  pre: OnceLock<InstancePre<StoreData>>,
  /// The module imports nothing, so it can be instantiated and called without a fiber.
  pub self_contained: bool,
}

impl Prepared {
  fn new(module: Module) -> Self {
    let self_contained = module.imports().len() == 0;
    Self { module, pre: OnceLock::new(), self_contained }
  }

  /// The module with its imports resolved.
  ///
  /// # Errors
  /// 5001 naming the import the linker cannot satisfy.
  pub fn pre(&self, linker: &Linker<StoreData>) -> Result<&InstancePre<StoreData>, WasmError> {
    if let Some(pre) = self.pre.get() {
      return Ok(pre);
    }
    let pre = linker.instantiate_pre(&self.module).map_err(|e| {
      WasmError::instantiate(format!("cannot instantiate the module: {}", crate::call::error_chain(&e)))
    })?;
    Ok(self.pre.get_or_init(|| pre))
  }
}

/// A compiled module. The bytes are kept so that the fuel-metering and uninterruptible engines can
/// compile their own copies the first time an instance asks for one.
pub struct CompiledModule {
  plain: Prepared,
  /// Compiled for the other engine kinds on first use (by `EngineKind::other_index`).
  others: [OnceLock<Prepared>; 2],
  bytes: Arc<[u8]>,
  has_start: bool,
}

impl CompiledModule {
  fn new(plain: Module, bytes: Arc<[u8]>) -> Self {
    let has_start = crate::binary::has_start_section(&bytes);
    Self { plain: Prepared::new(plain), others: [OnceLock::new(), OnceLock::new()], bytes, has_start }
  }

  /// The module has a start function (or its bytes are WAT text, which is not looked into).
  pub fn has_start(&self) -> bool {
    self.has_start
  }

  pub fn plain(&self) -> &Prepared {
    &self.plain
  }

  /// The module compiled for the engine of `kind` (compiled on first use for any but `Plain`).
  pub fn prepared(&self, kind: EngineKind, engine: &Engine) -> Result<&Prepared, WasmError> {
    if kind == EngineKind::Plain {
      return Ok(&self.plain);
    }
    let slot = &self.others[kind.other_index()];
    if let Some(prepared) = slot.get() {
      return Ok(prepared);
    }
    let module = compile_bytes(engine, &self.bytes)?;
    Ok(slot.get_or_init(|| Prepared::new(module)))
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

/// Compiles on a blocking thread so the event loop keeps running during a long compile. With
/// `progress_after` set, a compile that takes longer says so on stderr, and again when it ends.
/// `what` names the module for that message.
async fn compile_off_thread(
  engines: Arc<Engines>,
  what: String,
  load: impl FnOnce() -> Result<Arc<[u8]>, WasmError> + Send + 'static,
) -> Result<CompiledModule, WasmError> {
  let started = Instant::now();
  let size = Arc::new(AtomicUsize::new(0));
  let thread_engines = engines.clone();
  let thread_size = size.clone();
  let mut job = tokio::task::spawn_blocking(move || {
    let bytes = load()?;
    thread_size.store(bytes.len(), Ordering::Relaxed);
    let plain = compile_bytes(&thread_engines.plain().engine, &bytes)?;
    Ok(CompiledModule::new(plain, bytes))
  });
  let joined = match engines.options().progress_after {
    None => job.await,
    Some(after) => {
      let finished_early = if after.is_zero() {
        None
      } else {
        tokio::select! {
          joined = &mut job => Some(joined),
          () = tokio::time::sleep(after) => None,
        }
      };
      match finished_early {
        Some(joined) => joined,
        None => {
          let bytes = size.load(Ordering::Relaxed);
          let size = if bytes > 0 { format!(" ({:.1} MiB)", bytes as f64 / (1024.0 * 1024.0)) } else { String::new() };
          eprintln!("kiln: compiling {what}{size}...");
          let joined = job.await;
          let cached = if engines.caches() { "; cached for next time" } else { "" };
          eprintln!("kiln: compiled {what} in {:.1} s{cached}", started.elapsed().as_secs_f64());
          joined
        }
      }
    }
  };
  joined.map_err(|e| WasmError::compile(format!("the compiler thread failed: {e}")))?
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
  let what = format!("a {} byte module", bytes.len());
  let module = compile_off_thread(engines, what, move || Ok(bytes)).await?;
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
  let what = checked.as_path().display().to_string();
  let module = compile_off_thread(engines, what, move || {
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
