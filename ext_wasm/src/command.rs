//! Running a WASI command from Rust, without JS: what `kiln job run` uses. The same machinery as
//! `spawn` (recipe.rs, instance.rs's `make_store`, pipe.rs): the modules are compiled through the
//! cache, the imports linked by name, the WASI context made under the given grants, and the
//! guest's stdout and stderr handed to the caller chunk by chunk while it runs.

use std::path::PathBuf;
use std::sync::Arc;

use wasmtime::ExternType;
use wasmtime_wasi::I32Exit;

use crate::capabilities::WasmPermissions;
use crate::config::{InstanceConfig, OutputSpec, Purpose};
use crate::engine::Engines;
use crate::error::{classify, CallLimits, DeadlineExceeded, WasmError};
use crate::instance::make_store;
use crate::link::import_modules;
use crate::module::CompiledModule;
use crate::pipe::{Pipe, PIPE_CAP};
use crate::recipe::Recipe;

/// A module to run or link: a name for messages, and its bytes (WebAssembly or WAT).
pub struct ModuleSource {
  pub name: String,
  pub bytes: Arc<[u8]>,
}

/// Finds the module for an import module name (see [`CommandSpec::resolve`]).
pub type Resolver = dyn Fn(&str) -> Option<ModuleSource>;

/// What to run.
pub struct CommandSpec {
  /// The module whose `entrypoint` runs.
  pub entry: ModuleSource,
  /// Modules linked by import module name.
  pub imports: Vec<(String, ModuleSource)>,
  /// Finds a module for an import module name that `imports` lacks (and that is not WASI): the
  /// entry module's and, in turn, the linked modules'. `None` leaves the name unresolved, and
  /// instantiation then fails with 5001 listing what is missing.
  pub resolve: Box<Resolver>,
  /// Host functions written in Rust, linked by module and name.
  pub natives: Vec<crate::native::NativeImport>,
  /// The exported function to call: a function of no parameters and no results.
  pub entrypoint: String,
  /// args, env, preopens, limits. Its stdout and stderr are replaced by pipes to the sinks.
  pub config: InstanceConfig,
  /// The grants the config is checked against (its preopens).
  pub permissions: Arc<WasmPermissions>,
  /// The directory relative host paths are resolved against.
  pub cwd: PathBuf,
  /// What sets `config.max_memory_bytes`, in the words of the caller's users (messages name it).
  pub memory_cap_name: &'static str,
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandEnd {
  /// It called `proc_exit(status)`.
  Exited(i32),
  /// The entry point returned.
  Returned,
  /// It trapped (or ran out of fuel): the message says how.
  Trapped(String),
  /// It ran past `timeoutMs`.
  TimedOut(String),
}

/// Compiles `source` for the default engine, through the cache.
async fn compile(engines: &Arc<Engines>, source: ModuleSource) -> Result<Arc<CompiledModule>, WasmError> {
  Ok(Arc::new(CompiledModule::compile(engines.clone(), source.name, source.bytes).await?))
}

/// Runs `spec` to its end on the current tokio runtime, calling `stdout` and `stderr` with each
/// chunk the guest writes, in order, while it runs.
///
/// # Errors
/// 5000 for a module that does not compile; 5001 if the imports cannot be satisfied, the entry
/// point is missing or not a `() -> ()` function, or the start function fails; 5009 and 5010 for
/// preopens the grants refuse or that do not exist.
pub async fn run_command(
  engines: Arc<Engines>,
  spec: CommandSpec,
  mut stdout: impl FnMut(&[u8]),
  mut stderr: impl FnMut(&[u8]),
) -> Result<CommandEnd, WasmError> {
  let CommandSpec { entry, imports, resolve, natives, entrypoint, mut config, permissions, cwd, memory_cap_name } =
    spec;
  let module = compile(&engines, entry).await?;
  check_entrypoint(&module.first().module, &entrypoint)?;
  let mut linked = std::collections::BTreeMap::new();
  for (name, source) in imports {
    linked.insert(name, compile(&engines, source).await?);
  }
  // Names the modules import that nothing provides yet, resolved by the caller, in turn.
  let mut wanted: Vec<String> = import_modules(&module.first().module).collect();
  for compiled in linked.values() {
    wanted.extend(import_modules(&compiled.first().module));
  }
  while let Some(name) = wanted.pop() {
    if linked.contains_key(&name) || name.starts_with("wasi_") || natives.iter().any(|n| n.module == name) {
      continue;
    }
    if let Some(source) = resolve(&name) {
      let compiled = compile(&engines, source).await?;
      wanted.extend(import_modules(&compiled.first().module));
      linked.insert(name, compiled);
    }
  }
  config.stdout = Some(OutputSpec::Piped);
  config.stderr = Some(OutputSpec::Piped);
  config.inherit_stdout = false;
  config.inherit_stderr = false;
  let recipe = Recipe {
    engines: engines.clone(),
    module,
    imports: linked,
    host: Vec::new(),
    config,
    permissions,
    cwd,
    purpose: Purpose::Process,
    natives,
    memory_cap_name,
  };
  let plan = recipe.plan()?;
  let out = plan.captured.stdout_pipe.clone().unwrap_or_default();
  let err = plan.captured.stderr_pipe.clone().unwrap_or_default();
  let run = async {
    let ended = run_entry(&engines, plan, &entrypoint).await;
    out.close_writer();
    err.close_writer();
    ended
  };
  let (ended, (), ()) = tokio::join!(run, drain(&out, &mut stdout), drain(&err, &mut stderr));
  ended
}

/// Hands each chunk of `pipe` to `sink` until the end.
async fn drain(pipe: &Pipe, sink: &mut impl FnMut(&[u8])) {
  while let Some(chunk) = pipe.read(PIPE_CAP).await {
    sink(&chunk);
  }
}

/// Makes the store of `plan` and calls its export `name`, a function of no parameters and no
/// results, under the config's limits (as `instance.call` would); returns wasmtime's outcome and
/// the limits, for the caller to classify. Shared by commands and processes (process.rs).
///
/// # Errors
/// What making the store fails with; 5001 if the instance has no such function.
pub(crate) async fn make_and_call(
  engines: &Engines,
  plan: crate::recipe::Plan,
  name: &str,
) -> Result<(wasmtime::Result<()>, CallLimits), WasmError> {
  let made = make_store(plan, None).await?;
  let mut kiln = made.kiln;
  let instance = kiln.members[made.entry].instance;
  let func = instance
    .get_func(&mut kiln.store, name)
    .ok_or_else(|| WasmError::instantiate(format!("the instance has no function `{name}`")))?;
  kiln.params.clear();
  kiln.results.clear();
  let outcome = crate::call::call_raw(engines, &mut kiln, crate::call::Callee::Func(func)).await?;
  Ok((outcome, kiln.config.call_limits()))
}

/// Makes the store and calls the entry point; how the command ended.
async fn run_entry(
  engines: &Arc<Engines>,
  plan: crate::recipe::Plan,
  entrypoint: &str,
) -> Result<CommandEnd, WasmError> {
  let (outcome, limits) = make_and_call(engines, plan, entrypoint).await?;
  Ok(CommandEnd::of(outcome, entrypoint, limits))
}

impl CommandEnd {
  /// How a call of the entry point `name` ended, from wasmtime's outcome: the one place a
  /// command's (and a process's) end is classified.
  pub(crate) fn of(outcome: wasmtime::Result<()>, name: &str, limits: CallLimits) -> Self {
    let error = match outcome {
      Ok(()) => return Self::Returned,
      Err(error) => error,
    };
    if let Some(exit) = error.downcast_ref::<I32Exit>() {
      return Self::Exited(exit.0);
    }
    let timed_out = error.downcast_ref::<DeadlineExceeded>().is_some();
    let message = classify(error, &format!("`{name}`"), limits).to_string();
    if timed_out {
      Self::TimedOut(message)
    } else {
      Self::Trapped(message)
    }
  }
}

/// Refuses an entry point that is missing or not a function of no parameters and no results,
/// before anything runs.
///
/// # Errors
/// 5001 naming the entry point and the module's functions.
pub fn check_entrypoint(module: &wasmtime::Module, entrypoint: &str) -> Result<(), WasmError> {
  match module.get_export(entrypoint) {
    Some(ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => Ok(()),
    Some(ExternType::Func(f)) => Err(WasmError::instantiate(format!(
      "the entry point `{entrypoint}` takes {} parameters and returns {} results; an entry point \
       takes none and returns none",
      f.params().len(),
      f.results().len()
    ))),
    Some(_) => {
      Err(WasmError::instantiate(format!("the entry point `{entrypoint}` is exported, but not as a function")))
    }
    None => {
      let functions: Vec<&str> = module.exports().filter(|e| e.ty().func().is_some()).map(|e| e.name()).collect();
      Err(WasmError::instantiate(format!(
        "the module exports no function `{entrypoint}` to use as the entry point; its functions are: {}",
        if functions.is_empty() { "(none)".to_string() } else { functions.join(", ") }
      )))
    }
  }
}
