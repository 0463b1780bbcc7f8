//! The wasmtime engines, each with the WASI linker every store's linker starts from, and the epoch
//! ticker that keeps guests cooperative.
//!
//! Why guests run on the JS thread: a call into wasm runs inside an async op as a wasmtime async
//! call (on a fiber). Every `YIELD_TICKS` (store.rs) epoch ticks the guest yields back to deno_core's event
//! loop, so timers and other ops keep running during a long call, and a short call completes on the
//! op's first (eager) poll with no thread hand-off at all. Running calls on a worker thread instead
//! would cost a cross-thread wake-up on every call, which is most of a short call's time.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread::{self, Thread};
use std::time::Duration;

use wasmtime::{Config, Engine, Linker};

use crate::artifact_cache::ArtifactCache;
use crate::error::WasmError;
use crate::store::{StoreData, TICK};

/// One engine with its linker (WASI preview 1 already defined, with Kiln's `poll_oneoff`: wasi.rs).
pub struct EngineKit {
  pub engine: Engine,
  pub linker: Linker<StoreData>,
  /// The components' linker, with WASI preview 2 (made on first use: most apps load no component).
  component_linker: OnceLock<wasmtime::component::Linker<StoreData>>,
}

/// Which engine an instance runs on. A module is compiled once per engine kind it is used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EngineKind {
  /// Epoch interruption (deadlines, yields to the event loop), no fuel: the default.
  Plain,
  /// Epoch interruption and fuel metering, for instances that ask for `fuel`.
  Fueled,
  /// Neither, for instances made with `interruptible: false`: loops carry no interruption checks.
  Uninterruptible,
}

impl EngineKind {
  /// The engine an instance with this config runs on.
  pub fn of(config: &crate::config::InstanceConfig) -> Self {
    if config.fuel.is_some() {
      Self::Fueled
    } else if !config.interruptible() {
      Self::Uninterruptible
    } else {
      Self::Plain
    }
  }

  /// The kind's slot in a table of all three (`CompiledModule`'s copies).
  pub fn index(self) -> usize {
    match self {
      Self::Plain => 0,
      Self::Fueled => 1,
      Self::Uninterruptible => 2,
    }
  }

  /// The slot of a kind other than `Plain` in `Engines::others`.
  pub fn other_index(self) -> usize {
    match self {
      Self::Plain | Self::Fueled => 0,
      Self::Uninterruptible => 1,
    }
  }
}

/// The stack a guest's calls may use, counted from where a call enters wasm (`max_wasm_stack`).
const STACK_FOR_WASM: usize = 2 << 20;
/// What a fiber has for host code above its guest's stack.
const STACK_FOR_HOST_ON_FIBER: usize = 1 << 20;

impl EngineKit {
  fn new(kind: EngineKind) -> Result<Self, WasmError> {
    let mut config = Config::new();
    config.epoch_interruption(kind != EngineKind::Uninterruptible);
    config.consume_fuel(kind == EngineKind::Fueled);
    config.wasm_multi_value(true);
    // A linear memory never moves: `memory.buffer` hands JS ArrayBuffers over its bytes
    // (memory_view.rs). With wasmtime's default reservation on 64-bit hosts (4 GiB plus guard
    // pages) every 32-bit memory grows in place to its maximum; only a 64-bit memory can hit the
    // reservation, and then its growth fails instead of moving it.
    config.memory_may_move(false);
    // No wasm backtraces: Kiln's errors name the function and the trap (error.rs, `classify`), never
    // the frames wasmtime would walk and look up for every trap and every exception that leaves
    // the guest: 170-240 ns of an exception caught in JS, 2.5 µs of a trap 20 frames deep
    // (BENCHMARKS.md, the fortieth pass).
    config.wasm_backtrace_max_frames(None);
    // Functions compile on all cores (wasmtime's default, stated here because it matters).
    config.parallel_compilation(true);
    // wasmtime bounds the stack its guests use from where a call first enters wasm. A synchronous
    // call of a store with JS host functions runs on the JS thread's stack, and its host
    // functions' JS, the JS engine's frames and re-entrant calls through `caller.exports` take
    // from the same budget (host_direct.rs): at wasmtime's 512 KiB a guest -> JS -> guest recursion
    // stopped 26 levels deep. 2 MiB lets it go about four times as deep, as deep as it went on a
    // fiber; the JS thread has the main thread's 8 MiB. A fiber keeps 1 MiB for host code above
    // its guest's 2 MiB (wasmtime requires a fiber's stack to hold the guest's limit).
    config.max_wasm_stack(STACK_FOR_WASM);
    config.async_stack_size(STACK_FOR_WASM + STACK_FOR_HOST_ON_FIBER);
    let engine =
      Engine::new(&config).map_err(|e| WasmError::compile(format!("cannot create the WebAssembly engine: {e}")))?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |data: &mut StoreData| data.wasi.get())
      .and_then(|()| crate::wasi::add_to_linker(&mut linker))
      .map_err(|e| WasmError::instantiate(format!("cannot link WASI: {e}")))?;
    Ok(Self { engine, linker, component_linker: OnceLock::new() })
  }

  /// The linker every component's starts from: all of WASI preview 2 that wasmtime-wasi defines
  /// (which of it a component may import is the grants' business: component/grants.rs).
  ///
  /// # Errors
  /// 5001 if WASI preview 2 cannot be linked.
  pub fn component_linker(&self) -> Result<&wasmtime::component::Linker<StoreData>, WasmError> {
    if let Some(linker) = self.component_linker.get() {
      return Ok(linker);
    }
    let mut linker = wasmtime::component::Linker::new(&self.engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)
      .map_err(|e| WasmError::instantiate(format!("cannot link WASI preview 2: {e}")))?;
    Ok(self.component_linker.get_or_init(|| linker))
  }
}

/// How the embedder wants the engines set up (the extension's second option).
///
/// The default keeps no compilation cache and prints nothing; the `kiln` binary turns both on.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
  /// Where Kiln keeps compiled code between runs (`None`: compile every time; artifact_cache.rs).
  pub cache_dir: Option<PathBuf>,
  /// Print a line on stderr when a compile takes longer than this, and again when it ends.
  pub progress_after: Option<Duration>,
  /// Leave the JS engine's own `WebAssembly` (its interpreter) as `globalThis.WebAssembly`
  /// instead of Kiln's, which runs on wasmtime (ts/wasm_webassembly.ts; webassembly.rs).
  pub interpreter_webassembly: bool,
}

impl EngineOptions {
  /// The on-disk compilation cache, or `None` (with a warning on stderr) if it cannot be used:
  /// a broken cache must not stop an app, it only makes compiles slower.
  fn cache(&self) -> Option<ArtifactCache> {
    let dir = self.cache_dir.as_ref()?;
    match ArtifactCache::open(dir) {
      Ok(cache) => Some(cache),
      Err(e) => {
        eprintln!(
          "kiln: warning: compiling without a cache: cannot use {}: {e} (set KILN_CACHE_DIR to \
           another directory, or to `off`)",
          dir.display()
        );
        None
      }
    }
  }
}

/// The engines a runtime uses: the plain one, and the fuel-metering and uninterruptible ones, each
/// made the first time something asks for it (see `EngineKind`). A script that loads no
/// WebAssembly makes none, and starts no ticker thread.
pub struct Engines {
  plain: OnceLock<EngineKit>,
  /// `Fueled` and `Uninterruptible`, by `EngineKind::other_index`.
  others: [OnceLock<EngineKit>; 2],
  ticker: Arc<Ticker>,
  options: EngineOptions,
  /// The compilation cache both engines share, if `options` asked for one and it could be used.
  cache: Option<ArtifactCache>,
}

impl Engines {
  /// Opens the compilation cache; the engines and the epoch ticker's thread are made on first use
  /// ([`Engines::kit`]).
  ///
  /// # Errors
  /// None today: the `Result` stays for embedders, as engine set-up may fail again one day.
  pub fn new(options: EngineOptions) -> Result<Self, WasmError> {
    let cache = options.cache();
    let ticker = Arc::new(Ticker::new());
    Ok(Self { plain: OnceLock::new(), others: [OnceLock::new(), OnceLock::new()], ticker, options, cache })
  }

  pub fn options(&self) -> &EngineOptions {
    &self.options
  }

  /// Whether compiled code is kept on disk.
  pub fn caches(&self) -> bool {
    self.cache.is_some()
  }

  /// Where compiled code is kept on disk, if it is.
  pub fn cache_dir(&self) -> Option<&std::path::Path> {
    self.cache.as_ref().map(ArtifactCache::dir)
  }

  /// The on-disk cache of compiled code, if there is one.
  pub(crate) fn artifact_cache(&self) -> Option<&ArtifactCache> {
    self.cache.as_ref()
  }

  /// The on-disk cache's hit and miss counts so far, over every engine (they share the cache),
  /// or `None` without a cache. `progress.rs` tells a cache load from a compile by them.
  pub fn cache_counts(&self) -> Option<(usize, usize)> {
    self.cache.as_ref().map(ArtifactCache::counts)
  }

  /// The default engine (epoch interruption, no fuel), created on first use.
  ///
  /// # Errors
  /// 5000 if wasmtime cannot create an engine on this host, or the ticker thread cannot start.
  pub fn plain(&self) -> Result<&EngineKit, WasmError> {
    self.kit(EngineKind::Plain)
  }

  /// The engine of `kind`, created on first use; the first engine with epoch interruption also
  /// starts the ticker's (parked) thread.
  ///
  /// # Errors
  /// 5000 if wasmtime cannot create an engine on this host, or the ticker thread cannot start.
  pub fn kit(&self, kind: EngineKind) -> Result<&EngineKit, WasmError> {
    let slot = match kind {
      EngineKind::Plain => &self.plain,
      _ => &self.others[kind.other_index()],
    };
    if let Some(kit) = slot.get() {
      return Ok(kit);
    }
    // Two threads may race here (a compile runs off the JS thread): both build an engine and the
    // loser's is dropped; only the one kept is ticked.
    let kit = EngineKit::new(kind)?;
    let kept = slot.get_or_init(|| kit);
    if kind != EngineKind::Uninterruptible {
      self.ticker.add_engine(&kept.engine);
      Ticker::ensure_thread(&self.ticker)
        .map_err(|e| WasmError::compile(format!("cannot start the epoch ticker thread: {e}")))?;
    }
    Ok(kept)
  }

  /// Marks guest code as running until the guard drops; the ticker only ticks while one is held
  /// (and for a short grace period after, so back-to-back calls do not wake its thread each time).
  pub fn running(&self) -> RunningGuard {
    self.ticker.active.fetch_add(1, Ordering::SeqCst);
    self.ticker.started.fetch_add(1, Ordering::Relaxed);
    if self.ticker.parked.load(Ordering::SeqCst) {
      if let Some(thread) = self.ticker.thread.get() {
        thread.unpark();
      }
    }
    RunningGuard(self.ticker.clone())
  }
}

/// The engines shared by a runtime's ops (an `OpState` entry).
#[derive(Clone)]
pub struct SharedEngines(pub Arc<Engines>);

/// Holds the ticker awake while guest code may be running.
pub struct RunningGuard(Arc<Ticker>);

impl Drop for RunningGuard {
  fn drop(&mut self) {
    self.0.active.fetch_sub(1, Ordering::SeqCst);
  }
}

/// Ticks without any guest running before the ticker parks.
const IDLE_TICKS_BEFORE_PARKING: u32 = 100;

/// A single thread advancing the epoch of every engine while any guest runs; parked once no guest
/// has run for `IDLE_TICKS_BEFORE_PARKING` ticks, so an idle app costs no wake-ups.
struct Ticker {
  active: AtomicUsize,
  /// Counts `running()` calls, so the ticker can tell a stream of short calls from idleness.
  started: AtomicUsize,
  /// Set while the thread is (about to be) parked: `running()` must then unpark it.
  parked: AtomicBool,
  engines: std::sync::Mutex<Vec<Engine>>,
  /// The ticking thread, started with the first engine that has epoch interruption.
  thread: OnceLock<Thread>,
  /// Held while the thread is started, so that it is started once.
  starting: std::sync::Mutex<()>,
}

impl Ticker {
  fn new() -> Self {
    Self {
      active: AtomicUsize::new(0),
      started: AtomicUsize::new(0),
      parked: AtomicBool::new(false),
      engines: std::sync::Mutex::new(Vec::new()),
      thread: OnceLock::new(),
      starting: std::sync::Mutex::new(()),
    }
  }

  /// Starts the ticking thread unless it runs already.
  fn ensure_thread(ticker: &Arc<Self>) -> std::io::Result<()> {
    let _starting = ticker.starting.lock().unwrap_or_else(|p| p.into_inner());
    if ticker.thread.get().is_some() {
      return Ok(());
    }
    // The thread holds a weak reference so the ticker ends with the runtime that owns it.
    let weak = Arc::downgrade(ticker);
    let handle = thread::Builder::new().name("kiln-epoch".into()).spawn(move || {
      // Parked from the start: an app that runs no guest (or not yet) costs no wake-ups at all,
      // and a start-up is not slowed by a thread ticking beside it.
      let mut idle = IDLE_TICKS_BEFORE_PARKING;
      let mut last_started = 0usize;
      loop {
        let Some(ticker) = weak.upgrade() else { return };
        let started = ticker.started.load(Ordering::Relaxed);
        if ticker.active.load(Ordering::SeqCst) == 0 && started == last_started {
          idle += 1;
        } else {
          idle = 0;
        }
        last_started = started;
        if idle > IDLE_TICKS_BEFORE_PARKING {
          // Announce the park, then look again: either `running()` sees `parked` and unparks
          // (the token makes the park return at once), or this sees its `active`.
          ticker.parked.store(true, Ordering::SeqCst);
          if ticker.active.load(Ordering::SeqCst) == 0 {
            drop(ticker);
            thread::park_timeout(Duration::from_millis(250));
          } else {
            drop(ticker);
          }
          let Some(ticker) = weak.upgrade() else { return };
          ticker.parked.store(false, Ordering::SeqCst);
          // Still idle after a timeout: park again at once instead of ticking idly.
          let started = ticker.started.load(Ordering::Relaxed);
          if ticker.active.load(Ordering::SeqCst) != 0 || started != last_started {
            idle = 0;
          }
          last_started = started;
          continue;
        }
        for engine in ticker.engines.lock().unwrap_or_else(|p| p.into_inner()).iter() {
          engine.increment_epoch();
        }
        drop(ticker);
        thread::sleep(TICK);
      }
    })?;
    let _ = ticker.thread.set(handle.thread().clone());
    Ok(())
  }

  /// Ticks `engine` from now on, unless it is ticked already.
  fn add_engine(&self, engine: &Engine) {
    let mut engines = self.engines.lock().unwrap_or_else(|p| p.into_inner());
    if !engines.iter().any(|e| Engine::same(e, engine)) {
      engines.push(engine.clone());
    }
  }
}
