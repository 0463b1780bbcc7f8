//! Compiling modules: `compile`, `compileFile`, `dropModule`.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use deno_core::{op2, JsBuffer, OpState};
use wasmtime::{Engine, InstancePre, Linker, Module};

use crate::artifact_cache::{content_hash, ContentHash, FileStamp, SourceEntry};
use crate::bounded::BoundedExports;
use crate::capabilities::{CheckedPath, WasmPermissions};
use crate::component::CompiledComponent;
use crate::engine::{EngineKind, Engines, SharedEngines};
use crate::error::WasmError;
use crate::handles::{parse_id, HandleTable};
use crate::module_source::{read_module, Read, Source};
use crate::progress::Compiled;
use crate::store::StoreData;

/// A module compiled for one engine, with its imports resolved against the engine's linker once
/// (on first instantiation) and reused by every later one.
pub struct Prepared {
  pub module: Module,
  pre: OnceLock<InstancePre<StoreData>>,
  /// The module imports nothing, so it can be instantiated and called without a fiber.
  pub self_contained: bool,
}

impl Prepared {
  pub(crate) fn new(module: Module) -> Self {
    let self_contained = module.imports().len() == 0;
    Self { module, pre: OnceLock::new(), self_contained }
  }

  /// The module with its imports resolved.
  ///
  /// # Errors
  /// 5001 listing every import the linker cannot satisfy (`crate::link_error::link_error`): the
  /// linker itself stops at the first, and after a long compile one fix per run is too slow.
  pub fn pre(&self, linker: &Linker<StoreData>) -> Result<&InstancePre<StoreData>, WasmError> {
    if let Some(pre) = self.pre.get() {
      return Ok(pre);
    }
    let pre =
      linker.instantiate_pre(&self.module).map_err(|e| crate::link_error::link_error(linker, &self.module, &e))?;
    Ok(self.pre.get_or_init(|| pre))
  }
}

/// A compiled module, with its copies for the other engines made on first use from its `Source`.
pub struct CompiledModule {
  /// The module as first compiled: for the default engine, or for the one the `WebAssembly`
  /// global's instances run on ([`js_api_engine`]).
  first: Prepared,
  first_kind: EngineKind,
  /// Compiled for the other engine kinds on first use (by `EngineKind::index`). An async cell,
  /// so instances made together wait for one compile instead of each running their own.
  others: [tokio::sync::OnceCell<Prepared>; 3],
  source: Source,
  has_start: bool,
  /// Its exports that end in bounded time, which `call` runs without a fiber (bounded.rs).
  bounded: BoundedExports,
  /// The module in progress messages: its path, or its size for `compile(bytes)`.
  name: String,
}

impl CompiledModule {
  fn new(first: Module, first_kind: EngineKind, source: Source, read: Read, name: String) -> Self {
    let others = [tokio::sync::OnceCell::new(), tokio::sync::OnceCell::new(), tokio::sync::OnceCell::new()];
    let Read { has_start, bounded } = read;
    Self { first: Prepared::new(first), first_kind, others, source, has_start, bounded, name }
  }

  fn from_bytes(first: Module, first_kind: EngineKind, bytes: Arc<[u8]>, name: String) -> Self {
    let read = Read::of(&bytes);
    Self::new(first, first_kind, Source::Bytes(bytes), read, name)
  }

  /// Compiles `bytes` (WebAssembly or WAT) for the default engine, off the calling thread and
  /// through the cache, as `compile` does; `what` names it in messages.
  ///
  /// # Errors
  /// 5000 if the bytes are not a valid module.
  pub async fn compile(engines: Arc<Engines>, what: String, bytes: Arc<[u8]>) -> Result<Self, WasmError> {
    let compiled = compile_off_thread(engines, EngineKind::Plain, what.clone(), move || Ok(bytes)).await?;
    let (plain, bytes) = compiled.value;
    Ok(Self::from_bytes(plain, EngineKind::Plain, bytes, what))
  }

  /// The module has a start function (or its bytes are WAT text, which is not looked into).
  pub fn has_start(&self) -> bool {
    self.has_start
  }

  /// Its exports that end in bounded time (bounded.rs).
  pub fn bounded(&self) -> &BoundedExports {
    &self.bounded
  }

  /// The module as first compiled, for what does not depend on the engine (its imports and
  /// exports, its types).
  pub fn first(&self) -> &Prepared {
    &self.first
  }

  /// The module compiled for the engine of `kind`. For any other than the first it is compiled
  /// the first time it is asked for, like `compile` itself: off the JS thread, through the
  /// on-disk cache, and reported on stderr when it is long (a large module's first `fuel`
  /// instance can take as long as its `compileFile` did).
  pub async fn prepared(&self, kind: EngineKind, engines: &Arc<Engines>) -> Result<&Prepared, WasmError> {
    if kind == self.first_kind {
      return Ok(&self.first);
    }
    self.others[kind.index()]
      .get_or_try_init(|| async {
        let source = self.source.clone();
        let (purpose, option) = (engine_purpose(kind), asked_by(kind));
        let what = format!("{} again {purpose} (for its first instance {option})", self.name);
        let compiled = compile_off_thread(engines.clone(), kind, what, move || source.load()).await?;
        Ok::<_, WasmError>(Prepared::new(compiled.value.0))
      })
      .await
  }
}

/// How the code for an engine differs from the default, for progress messages.
fn engine_purpose(kind: EngineKind) -> &'static str {
  match kind {
    EngineKind::Plain => "for the default engine",
    EngineKind::Fueled => "with fuel metering",
    EngineKind::Uninterruptible => "without interruption checks",
  }
}

/// The `instantiate` option that selects the engine of `kind`.
fn asked_by(kind: EngineKind) -> &'static str {
  match kind {
    EngineKind::Plain => "with the default options",
    EngineKind::Fueled => "with `fuel`",
    EngineKind::Uninterruptible => "with `interruptible: false`",
  }
}

/// What `compile` made: a core module, or a component (component/mod.rs). Both live in one
/// table, so a module id names either, as the contract's one `moduleId` does.
#[derive(Clone)]
pub enum Loaded {
  Module(Arc<CompiledModule>),
  Component(Arc<CompiledComponent>),
}

impl Loaded {
  fn size(&self) -> u64 {
    match self {
      Self::Module(m) => m.source.len(),
      Self::Component(c) => c.size(),
    }
  }
}

/// The live modules and components of a runtime (an `OpState` entry).
#[derive(Default)]
pub struct ModuleTable(pub HandleTable<Loaded>);

impl ModuleTable {
  /// The core module behind a JS id, or 5004 (also for a component: where a core module is
  /// needed, e.g. a module linked by name or a pool member, the message says so).
  pub fn lookup(&self, raw_id: f64) -> Result<Arc<CompiledModule>, WasmError> {
    match self.get(raw_id)? {
      Loaded::Module(module) => Ok(module),
      Loaded::Component(_) => Err(WasmError::invalid_module(format!(
        "module {raw_id} is a component, and this takes a core WebAssembly module; components are \
         instantiated on their own (instantiate) or run as commands (spawn)"
      ))),
    }
  }

  /// The module or component behind a JS id, or 5004.
  pub fn get(&self, raw_id: f64) -> Result<Loaded, WasmError> {
    parse_id(raw_id).and_then(|id| self.0.get(id).cloned()).ok_or_else(|| invalid_module(raw_id))
  }
}

fn invalid_module(raw_id: f64) -> WasmError {
  WasmError::invalid_module(format!(
    "no module with id {raw_id}: it was never returned by compile/compileFile or has been dropped"
  ))
}

fn compile_bytes(engine: &Engine, bytes: &[u8]) -> Result<Module, WasmError> {
  Module::new(engine, bytes).map_err(|e| WasmError::compile(compile_failure(&crate::error::error_chain(&e))))
}

/// Why a module did not compile, from wasmtime's error chain, with what to do about it.
fn compile_failure(chain: &str) -> String {
  if chain.contains("legacy_exceptions feature required") {
    // Valid WebAssembly, in the form of the exception-handling proposal that browsers shipped
    // first and wasmtime does not implement (only the standard `try_table`/`exnref` one).
    return format!(
      "the module uses WebAssembly's legacy exception-handling instructions (`try`/`catch`, what \
       emscripten's -fwasm-exceptions emits by default), which wasmtime does not run; rebuild it with \
       the standard ones (emscripten: -fwasm-exceptions -sWASM_LEGACY_EXCEPTIONS=0) or without wasm \
       exceptions ({chain})"
    );
  }
  format!("the bytes are not a valid WebAssembly module (or WAT text): {chain}")
}

/// A compiled core module or component, before it is registered.
enum Artifact {
  Module(Module),
  /// With its WIT's type names (component/types.rs).
  Component(wasmtime::component::Component, Vec<crate::component::types::Hint>),
}

/// Compiles `bytes` for the engine of `kind` as a component if they are one (binary or
/// `(component ...)` text), else as a core module, through the on-disk cache if there is one
/// (artifact_cache.rs); with `hints`, a component's WIT type names too (component/types.rs).
/// `hash` is the bytes' `content_hash` if the caller has it.
fn compile_any(
  engines: &Engines,
  kind: EngineKind,
  bytes: &[u8],
  hash: Option<ContentHash>,
  hints: bool,
) -> Result<Artifact, WasmError> {
  let engine = &engines.kit(kind)?.engine;
  let cache = engines.artifact_cache();
  let hash = || hash.unwrap_or_else(|| content_hash(bytes));
  if crate::component::is_component(bytes) {
    let compile = || crate::component::compile_component(engine, bytes);
    let component = match cache {
      Some(cache) => cache.get_or_compile(engine, kind, &hash(), compile)?,
      None => compile()?,
    };
    return Ok(Artifact::Component(component, if hints { crate::component::types::hints(bytes) } else { Vec::new() }));
  }
  let compile = || compile_bytes(engine, bytes);
  match cache {
    Some(cache) => cache.get_or_compile(engine, kind, &hash(), compile),
    None => compile(),
  }
  .map(Artifact::Module)
}

/// Compiles for the engine of `kind` on a blocking thread, so the event loop keeps running during
/// a long compile, through the on-disk cache, reporting a long compile on stderr (`progress.rs`).
/// `what` names the module for those messages. Returns the module and its bytes.
async fn compile_off_thread(
  engines: Arc<Engines>,
  kind: EngineKind,
  what: String,
  load: impl FnOnce() -> Result<Arc<[u8]>, WasmError> + Send + 'static,
) -> Result<Compiled<(Module, Arc<[u8]>)>, WasmError> {
  let compiled = compile_any_off_thread(engines, kind, what, load).await?;
  match compiled.value {
    (Artifact::Module(module), bytes) => Ok(Compiled { value: (module, bytes), from_cache: compiled.from_cache }),
    (Artifact::Component(..), _) => Err(WasmError::compile(
      "the bytes are a component, and this takes a core WebAssembly module (a component cannot be \
       linked into a module's store by name)",
    )),
  }
}

/// [`compile_off_thread`] for either kind: a component or a core module, as the bytes say.
async fn compile_any_off_thread(
  engines: Arc<Engines>,
  kind: EngineKind,
  what: String,
  load: impl FnOnce() -> Result<Arc<[u8]>, WasmError> + Send + 'static,
) -> Result<Compiled<(Artifact, Arc<[u8]>)>, WasmError> {
  let thread_engines = engines.clone();
  crate::progress::off_thread(&engines, &what, move |measured| {
    let bytes = load()?;
    measured.set(&bytes);
    // A component's WIT names are read once, with its first (default-engine) compile; another
    // engine's copy reuses them.
    let artifact = compile_any(&thread_engines, kind, &bytes, None, kind == EngineKind::Plain)?;
    Ok((artifact, bytes))
  })
  .await
}

/// Compiles a component for the engine of `kind` (another engine's copy, as
/// [`CompiledModule::prepared`] makes for modules).
pub(crate) async fn compile_component_for(
  engines: Arc<Engines>,
  kind: EngineKind,
  what: String,
  bytes: Arc<[u8]>,
) -> Result<wasmtime::component::Component, WasmError> {
  let compiled = compile_any_off_thread(engines, kind, what, move || Ok(bytes)).await?;
  match compiled.value.0 {
    Artifact::Component(component, _) => Ok(component),
    Artifact::Module(_) => Err(WasmError::compile("the bytes are a core module, not a component")),
  }
}

/// Compiles `bytes` for the engine of `kind` only to fill the on-disk cache, so that an app's
/// first compile (or first instance on that engine) reads it back instead (`kiln compile`).
/// Returns whether the cache already had it.
///
/// # Errors
/// 5000 if the bytes are not a valid module (or WAT text).
pub async fn precompile(
  engines: Arc<Engines>,
  kind: EngineKind,
  what: &str,
  bytes: Arc<[u8]>,
) -> Result<bool, WasmError> {
  let what = match kind {
    EngineKind::Plain => what.to_string(),
    other => format!("{what} {}", engine_purpose(other)),
  };
  Ok(compile_any_off_thread(engines, kind, what, move || Ok(bytes)).await?.from_cache)
}

/// A module file's stamp taken just before `kiln compile` reads it, so the cache can later tell
/// the file unchanged (see [`record_precompiled`]).
pub struct ReadStamp {
  stamp: Option<FileStamp>,
  read_at: std::time::SystemTime,
}

/// Stamps the module file at `path`; read it right after.
pub fn stamp_before_read(path: &Path) -> ReadStamp {
  ReadStamp { stamp: FileStamp::of(path), read_at: std::time::SystemTime::now() }
}

/// Records a core module file [`precompile`] compiled (`bytes`, read from the canonical `path`
/// right after `stamp`) in the cache's `.source` entries, so that the first `compileFile` of it
/// afterwards loads the code without reading the file (artifact_cache.rs). A component, or a file
/// changed during or just before the read, is not recorded.
pub fn record_precompiled(engines: &Engines, path: &Path, stamp: ReadStamp, bytes: &[u8]) {
  let (Some(cache), Some(before)) = (engines.artifact_cache(), stamp.stamp) else { return };
  if crate::component::is_component(bytes) {
    return;
  }
  let Read { has_start, bounded } = Read::of(bytes);
  let entry = SourceEntry { len: bytes.len() as u64, hash: content_hash(bytes), has_start, bounded };
  cache.record(path, before, stamp.read_at, entry);
}

fn register(state: &Rc<RefCell<OpState>>, module: Loaded) -> Result<f64, WasmError> {
  register_in(&mut state.borrow_mut(), module)
}

/// Compiles `bytes` (a core module's binary or a component's) on this thread, through the on-disk
/// cache, and registers the result: the synchronous `new WebAssembly.Module(bytes)` (webassembly.rs).
/// The caller has checked `[capabilities.wasm] load`.
pub(crate) fn compile_here(state: &mut OpState, bytes: &[u8]) -> Result<f64, WasmError> {
  let engines = engines(state);
  let kind = js_api_engine(state, bytes);
  let bytes: Arc<[u8]> = Arc::from(bytes);
  let artifact = compile_any(&engines, kind, &bytes, None, true)?;
  let what = format!("a {} byte module", bytes.len());
  register_in(state, loaded((artifact, bytes), kind, what)?)
}

/// The engine the `WebAssembly` global's instances of the module `bytes` run on: without
/// interruption checks unless the manifest sets `timeout_ms` or the module has a start function.
/// Its calls are synchronous, so the checks could only enforce that deadline (a synchronous call
/// never yields to the event loop); without it they would only slow loops down (a few percent
/// since Kiln's patch to the checks, up to ~3x before it: BENCHMARKS.md, matmul). A start function is the one guest code the global runs
/// asynchronously (`WebAssembly.instantiate`), and the checks let it yield to the event loop.
/// `plan` (instance.rs) makes the instances match.
pub(crate) fn js_api_engine(state: &OpState, bytes: &[u8]) -> EngineKind {
  js_api_kind(state.borrow::<Arc<WasmPermissions>>().limits.timeout_ms, bytes)
}

fn js_api_kind(app_timeout_ms: Option<u64>, bytes: &[u8]) -> EngineKind {
  if app_timeout_ms.is_some() || crate::binary::has_start_section(bytes) {
    EngineKind::Plain
  } else {
    EngineKind::Uninterruptible
  }
}

fn register_in(state: &mut OpState, module: Loaded) -> Result<f64, WasmError> {
  let limits = &state.borrow::<Arc<WasmPermissions>>().limits;
  let table = state.borrow::<ModuleTable>();
  if table.0.len() >= limits.max_modules {
    return Err(WasmError::compile(format!(
      "{} modules are loaded, the most [capabilities.wasm] max_modules allows; dropModule the ones \
       you no longer need or raise max_modules in the manifest",
      table.0.len()
    )));
  }
  let held: u64 = table.0.values().map(Loaded::size).sum();
  if held + module.size() > limits.max_compiled_bytes {
    return Err(WasmError::compile(format!(
      "this module ({} bytes) would bring the loaded modules to {} bytes, over [capabilities.wasm] \
       max_compiled_bytes ({}); dropModule the ones you no longer need or raise the limit",
      module.size(),
      held + module.size(),
      limits.max_compiled_bytes
    )));
  }
  let id = state
    .borrow_mut::<ModuleTable>()
    .0
    .insert(module)
    .ok_or_else(|| WasmError::compile("module ids are exhausted; restart the app"))?;
  Ok(id as f64)
}

fn engines(state: &OpState) -> Arc<Engines> {
  state.borrow::<SharedEngines>().0.clone()
}

/// `compile(bytes)`: needs `[capabilities.wasm] load` to grant anything. `js_api`: for the
/// `WebAssembly` global, whose instances run on the engine of [`js_api_engine`].
#[op2]
pub async fn op_wasm_module_compile(
  state: Rc<RefCell<OpState>>,
  #[buffer] bytes: JsBuffer,
  js_api: bool,
) -> Result<f64, WasmError> {
  let (engines, kind) = {
    let state = state.borrow();
    state.borrow::<Arc<WasmPermissions>>().load.check_any("compile(bytes)")?;
    (engines(&state), if js_api { js_api_engine(&state, &bytes) } else { EngineKind::Plain })
  };
  let bytes: Arc<[u8]> = Arc::from(&*bytes);
  let what = format!("a {} byte module", bytes.len());
  let compiled = compile_any_off_thread(engines, kind, what.clone(), move || Ok(bytes)).await?;
  register(&state, loaded(compiled.value, kind, what)?)
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
    let checked = state.borrow::<Arc<WasmPermissions>>().load.check(&action, &path, &cwd)?;
    (checked, engines(&state))
  };
  let what = checked.as_path().display().to_string();
  let compiled = compile_file_off_thread(engines, checked, what).await?;
  register(&state, compiled.value)
}

/// `compileFile`'s compile, as [`compile_any_off_thread`]'s but for a core module keeping no bytes
/// (`Source::File`), and with the file as the cache last read it and its code cached, not even
/// reading it (artifact_cache.rs: `.source` entries).
async fn compile_file_off_thread(
  engines: Arc<Engines>,
  path: CheckedPath,
  what: String,
) -> Result<Compiled<Loaded>, WasmError> {
  let thread_engines = engines.clone();
  let name = what.clone();
  crate::progress::off_thread(&engines, &what, move |measured| {
    let cache = thread_engines.artifact_cache();
    let engine = &thread_engines.plain()?.engine;
    if let Some((module, entry)) = cache.and_then(|c| c.load_indexed(engine, EngineKind::Plain, path.as_path())) {
      let source = Source::File { path, len: entry.len, hash: entry.hash };
      let read = Read { has_start: entry.has_start, bounded: entry.bounded };
      return Ok(Loaded::Module(Arc::new(CompiledModule::new(module, EngineKind::Plain, source, read, name))));
    }
    let (stamp, read_at) = (FileStamp::of(path.as_path()), std::time::SystemTime::now());
    let bytes = read_module(&path)?;
    measured.set(&bytes);
    let hash = content_hash(&bytes);
    match compile_any(&thread_engines, EngineKind::Plain, &bytes, Some(hash), true)? {
      Artifact::Component(component, hints) => {
        Ok(Loaded::Component(Arc::new(CompiledComponent::new(component, bytes, name, hints))))
      }
      Artifact::Module(module) => {
        let read = Read::of(&bytes);
        if let (Some(cache), Some(stamp)) = (cache, stamp) {
          let (has_start, bounded) = (read.has_start, read.bounded.clone());
          cache.record(
            path.as_path(),
            stamp,
            read_at,
            SourceEntry { len: bytes.len() as u64, hash, has_start, bounded },
          );
        }
        let source = Source::File { path, len: bytes.len() as u64, hash };
        Ok(Loaded::Module(Arc::new(CompiledModule::new(module, EngineKind::Plain, source, read, name))))
      }
    }
  })
  .await
}

fn loaded((artifact, bytes): (Artifact, Arc<[u8]>), kind: EngineKind, what: String) -> Result<Loaded, WasmError> {
  Ok(match artifact {
    Artifact::Module(module) => Loaded::Module(Arc::new(CompiledModule::from_bytes(module, kind, bytes, what))),
    // Components run on the default engine only; the `WebAssembly` global refuses them before it
    // compiles (ts/wasm_module_object.ts), so only its raw ops get here.
    Artifact::Component(..) if kind != EngineKind::Plain => {
      return Err(WasmError::compile(
        "the WebAssembly global compiles core modules only; compile a component with runtime:wasm's compile",
      ))
    }
    Artifact::Component(component, hints) => {
      Loaded::Component(Arc::new(CompiledComponent::new(component, bytes, what, hints)))
    }
  })
}

/// `dropModule(id)`: live instances of the module keep working.
#[op2(fast)]
pub fn op_wasm_module_drop(state: &mut OpState, module_id: f64) -> Result<(), WasmError> {
  match parse_id(module_id).and_then(|id| state.borrow_mut::<ModuleTable>().0.remove(id)) {
    Some(_) => Ok(()),
    None => Err(invalid_module(module_id)),
  }
}

/// `moduleImports(moduleId)`: what the module imports, as `instantiate`'s `imports` must provide
/// it (WASI preview 1 imports included, which Kiln provides itself); for a component, each
/// function of each imported interface, with its WIT type.
#[op2]
#[serde]
pub fn op_wasm_module_imports(
  state: &mut OpState,
  module_id: f64,
) -> Result<Vec<crate::signature::ModuleImport>, WasmError> {
  match state.borrow::<ModuleTable>().get(module_id)? {
    Loaded::Module(module) => Ok(crate::signature::imports_of(&module.first().module)),
    Loaded::Component(component) => Ok(component.imports_listed()),
  }
}

/// Whether a module id names a component (the JS side instantiates those through
/// `runtime:wasm/component`). `nofast`: on the QuickJS backend a fast-call overload costs a
/// global lookup per call (call_sync.rs), and every instantiate asks this.
#[op2(nofast)]
pub fn op_wasm_module_is_component(state: &mut OpState, module_id: f64) -> Result<bool, WasmError> {
  Ok(matches!(state.borrow::<ModuleTable>().get(module_id)?, Loaded::Component(_)))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_js_api_compiles_without_checks_unless_a_deadline_or_a_start_function_needs_them() {
    let plain = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let with_start = wat::parse_str("(module (func $s) (start $s))").unwrap();
    assert_eq!(js_api_kind(None, &plain), EngineKind::Uninterruptible);
    assert_eq!(js_api_kind(Some(1000), &plain), EngineKind::Plain);
    // The start function of an async `WebAssembly.instantiate` yields to the event loop.
    assert_eq!(js_api_kind(None, &with_start), EngineKind::Plain);
  }
}
