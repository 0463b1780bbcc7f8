//! `spawn(moduleId, options)`: a WASI command run as a process, on a thread of its own with its
//! own current-thread tokio runtime, while the JS thread goes on. Its stdio may be piped
//! (pipe.rs); its end is reported as a [`ProcessStatus`].
//!
//! Stopping: `kill()` and the app's exit flip a watch channel the thread selects on beside the
//! guest's call. A guest that computes yields to its thread's runtime every 5 ms (the epoch
//! callback, store.rs), and one that sleeps, or waits on a pipe, waits in a future; either way
//! the select drops the call, which unwinds the guest's fiber, within a few milliseconds.
//! `interruptible: false` is refused (config.rs), since such a guest never yields.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::thread::JoinHandle;

use deno_core::{op2, OpState};
use serde::Serialize;
use tokio::sync::{oneshot, watch};

use crate::command::{make_and_call, CommandEnd};
use crate::config::Purpose;
use crate::engine::Engines;
use crate::error::WasmError;
use crate::handles::{parse_id, HandleTable};
use crate::pipe::{Pipe, PIPE_CAP};
use crate::recipe::{check, Plan, Request, Reservation};

/// How a process ended, as `await process.status` gives it.
///
/// # Examples
///
/// ```ts
/// const status: ProcessStatus = await spawn(moduleId, { args: ["app"] }).status;
/// if (status.reason !== "exit") console.log(status.reason, status.message);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct ProcessStatus {
  /// The exit status: the guest's own for `"exit"` (0 when `_start` returns), 137 for
  /// `"killed"` (128 + SIGKILL, as a shell reports a killed child), 124 for `"timeout"` (as
  /// `timeout(1)`), 134 for `"trap"` (128 + SIGABRT, as the wasmtime CLI exits on a trap).
  pub code: i32,
  /// Why it ended.
  pub reason: ExitReason,
  /// What happened, for every reason but `"exit"`.
  #[serde(skip_serializing_if = "Option::is_none")]
  pub message: Option<String>,
}

/// Why a process ended: it exited (returned from `_start` or called `proc_exit`), was killed
/// (`kill()`), passed its `timeoutMs`, or trapped (also: ran out of `fuel`).
///
/// # Examples
///
/// ```ts
/// const reason: ExitReason = (await process.status).reason;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExitReason {
  Exit,
  Killed,
  Timeout,
  Trap,
}

impl ProcessStatus {
  fn exit(code: i32) -> Self {
    Self { code, reason: ExitReason::Exit, message: None }
  }

  fn killed() -> Self {
    Self { code: 137, reason: ExitReason::Killed, message: Some("the process was killed (kill())".into()) }
  }

  /// The status of a `_start` call that ended with `outcome`.
  fn of(end: CommandEnd) -> Self {
    match end {
      CommandEnd::Returned => Self::exit(0),
      CommandEnd::Exited(code) => Self::exit(code),
      CommandEnd::TimedOut(message) => Self { code: 124, reason: ExitReason::Timeout, message: Some(message) },
      CommandEnd::Trapped(message) => Self { code: 134, reason: ExitReason::Trap, message: Some(message) },
    }
  }
}

/// A process: its pipes, its kill switch, its status until the JS side takes it, its thread.
pub struct ProcessEntry {
  stdin: Option<Pipe>,
  stdout: Option<Pipe>,
  stderr: Option<Pipe>,
  kill: watch::Sender<bool>,
  status: Option<oneshot::Receiver<Result<ProcessStatus, WasmError>>>,
  thread: Option<JoinHandle<()>>,
  /// The JS object is gone: remove the entry once the status has been delivered.
  forgotten: bool,
}

impl ProcessEntry {
  /// Kills the guest. What it wrote stays readable: its thread ends the streams after it.
  fn kill(&self) {
    self.kill.send_replace(true);
  }

  /// Kills the guest and closes the app's ends of its pipes.
  fn stop(&mut self) {
    self.kill();
    for pipe in [&self.stdout, &self.stderr].into_iter().flatten() {
      pipe.close_reader();
    }
    if let Some(stdin) = &self.stdin {
      stdin.close_writer();
    }
  }
}

impl Drop for ProcessEntry {
  /// Stops the guest and waits for its thread, so no thread outlives the runtime. A stopped guest
  /// ends within milliseconds (see the module docs).
  fn drop(&mut self) {
    self.stop();
    if let Some(thread) = self.thread.take() {
      let _ = thread.join();
    }
  }
}

/// The processes of a runtime (an `OpState` entry).
#[derive(Default)]
pub struct ProcessTable(pub HandleTable<ProcessEntry>);

impl ProcessTable {
  fn lookup(&mut self, raw_id: f64) -> Result<&mut ProcessEntry, WasmError> {
    parse_id(raw_id).and_then(|id| self.0.get_mut(id)).ok_or_else(|| invalid_process(raw_id))
  }
}

fn invalid_process(raw_id: f64) -> WasmError {
  WasmError::invalid_instance(format!("no process with id {raw_id}: it was never returned by spawn"))
}

/// `spawn(moduleId, options)`: checks everything `instantiate` checks, here, then starts the
/// process's thread; returns the process id.
///
/// # Errors
/// As `instantiate`'s checks (5009, 5004, 5010, 5001 past `max_instances`), and 5001 for a
/// module that is not a WASI command (no `_start`).
#[op2(fast)]
pub fn op_wasm_process_spawn(
  state: &mut OpState,
  module_id: f64,
  #[string] config_json: &str,
  #[string] imports_json: &str,
  #[string] host_json: &str,
) -> Result<f64, WasmError> {
  let (job, captured, reservation) = match state.borrow::<crate::module::ModuleTable>().get(module_id)? {
    crate::module::Loaded::Component(component) => {
      if !host_json.is_empty() || !imports_json.is_empty() {
        return Err(WasmError::config(
          "spawn: a component's imports cannot be JS functions or linked modules: its guest runs on a \
           thread of its own; instantiate it to give it JS functions",
        ));
      }
      crate::component::command::check_command(component.plain())?;
      let plan = crate::component::make::plan(state, module_id, config_json, "", Purpose::Process)?;
      let captured = plan.captured.clone();
      (Job::Component(Box::new(plan)), captured, None)
    }
    crate::module::Loaded::Module(_) => {
      let request = Request { module_id, config_json, imports_json, host_json, purpose: Purpose::Process, stores: 1 };
      let (recipe, reservation) = check(state, &request)?;
      command_start(&recipe.module.first().module)?;
      let plan = recipe.plan()?;
      let captured = plan.captured.clone();
      (Job::Module(Box::new(plan)), captured, Some(reservation))
    }
  };
  let (stdin, stdout, stderr) = (captured.stdin_pipe, captured.stdout_pipe, captured.stderr_pipe);
  let (kill, killed) = watch::channel(false);
  let (status_tx, status) = oneshot::channel();
  let pipes = (stdin.clone(), stdout.clone(), stderr.clone());
  let thread = std::thread::Builder::new()
    .name("kiln-process".into())
    .spawn(move || run_thread(job, reservation, killed, status_tx, pipes))
    .map_err(|e| WasmError::instantiate(format!("cannot start the process's thread: {e}")))?;
  let entry =
    ProcessEntry { stdin, stdout, stderr, kill, status: Some(status), thread: Some(thread), forgotten: false };
  let id = state
    .borrow_mut::<ProcessTable>()
    .0
    .insert(entry)
    .ok_or_else(|| WasmError::instantiate("process ids are exhausted; restart the app"))?;
  Ok(id as f64)
}

/// Refuses a module that is not a WASI command: `spawn` runs `_start`.
fn command_start(module: &wasmtime::Module) -> Result<(), WasmError> {
  match module.get_export("_start") {
    Some(wasmtime::ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => Ok(()),
    Some(_) => Err(WasmError::instantiate(
      "spawn: the module's `_start` is not a function of no parameters and no results, so it is not \
       a WASI command",
    )),
    None => {
      let reactor = module.get_export("_initialize").is_some();
      Err(WasmError::instantiate(format!(
        "spawn runs a WASI command's `_start`, and the module exports none{}; build it as a command \
         (clang's default, -mexec-model=command), or instantiate it and call its exports",
        if reactor { " (it is a reactor: it exports `_initialize`)" } else { "" }
      )))
    }
  }
}

type Pipes = (Option<Pipe>, Option<Pipe>, Option<Pipe>);

/// What a process runs: a module's `_start`, or a component's `wasi:cli/run#run` (whose plan
/// holds its own instance reservation).
enum Job {
  Module(Box<Plan>),
  Component(Box<crate::component::make::Plan>),
}

/// The process's thread: makes the store and runs `_start` on a runtime of its own, until the
/// guest ends or is killed; then ends its streams and reports.
fn run_thread(
  job: Job,
  reservation: Option<Reservation>,
  mut killed: watch::Receiver<bool>,
  status_tx: oneshot::Sender<Result<ProcessStatus, WasmError>>,
  (stdin, stdout, stderr): Pipes,
) {
  let status = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
    Ok(runtime) => runtime.block_on(async {
      tokio::select! {
        biased;
        _ = killed.wait_for(|killed| *killed) => Ok(ProcessStatus::killed()),
        status = run_job(job) => status,
      }
    }),
    Err(e) => Err(WasmError::instantiate(format!("cannot start the process's runtime: {e}"))),
  };
  // The guest's store is gone: what it wrote stays readable, then the streams end.
  for pipe in [&stdout, &stderr].into_iter().flatten() {
    pipe.close_writer();
  }
  if let Some(stdin) = &stdin {
    stdin.close_reader();
  }
  drop(reservation);
  let _ = status_tx.send(status);
}

/// Runs a process's job to its end.
async fn run_job(job: Job) -> Result<ProcessStatus, WasmError> {
  match job {
    Job::Module(plan) => run_command(*plan).await,
    Job::Component(plan) => crate::component::command::run(*plan).await.map(ProcessStatus::of),
  }
}

/// Makes the store and runs `_start` under the process's limits.
async fn run_command(plan: Plan) -> Result<ProcessStatus, WasmError> {
  let engines: Arc<Engines> = plan.recipe.engines.clone();
  let (outcome, limits) = make_and_call(&engines, plan, "_start").await?;
  Ok(ProcessStatus::of(CommandEnd::of(outcome, "_start", limits)))
}

/// `process.status`: resolves when the process ends. Asked once, by the `WasmProcess`
/// constructor.
///
/// # Errors
/// 5001 if the module could not be instantiated (its imports, its start function); 5005 if the
/// status was already taken.
#[op2]
#[serde]
pub async fn op_wasm_process_status(state: Rc<RefCell<OpState>>, process_id: f64) -> Result<ProcessStatus, WasmError> {
  let receiver = {
    let mut state = state.borrow_mut();
    let entry = state.borrow_mut::<ProcessTable>().lookup(process_id)?;
    entry.status.take().ok_or_else(|| WasmError::invalid_instance("the process's status was already taken"))?
  };
  let status = receiver
    .await
    .unwrap_or_else(|_| Err(WasmError::instantiate("the process's thread ended without a status (it panicked)")));
  // The entry's thread has ended or is ending: join it now if the JS object is gone.
  let mut state = state.borrow_mut();
  let table = state.borrow_mut::<ProcessTable>();
  if let Some(id) = parse_id(process_id) {
    if table.0.get(id).is_some_and(|entry| entry.forgotten) {
      table.0.remove(id);
    }
  }
  status
}

/// The pipe of a process's stream (0 stdin, 1 stdout, 2 stderr), or 5010 naming the option.
fn pipe_of(state: &mut OpState, process_id: f64, stream: u32) -> Result<Pipe, WasmError> {
  let entry = state.borrow_mut::<ProcessTable>().lookup(process_id)?;
  let (pipe, name) = match stream {
    0 => (&entry.stdin, "stdin"),
    1 => (&entry.stdout, "stdout"),
    _ => (&entry.stderr, "stderr"),
  };
  pipe
    .clone()
    .ok_or_else(|| WasmError::config(format!("the process's {name} is not piped; spawn it with `{name}: \"piped\"`")))
}

/// `process.stdout.read()` (`stream` 1) and `process.stderr.read()` (2): the next chunk of what
/// the guest wrote, up to 64 KiB; empty at the end.
#[op2]
#[buffer]
pub async fn op_wasm_process_read(
  state: Rc<RefCell<OpState>>,
  process_id: f64,
  stream: u32,
) -> Result<Vec<u8>, WasmError> {
  let pipe = pipe_of(&mut state.borrow_mut(), process_id, stream.max(1))?;
  Ok(pipe.read(PIPE_CAP).await.unwrap_or_default())
}

/// `process.stdin.write(bytes)`: resolves once the guest's 64 KiB stdin buffer has taken all of
/// `bytes` (the guest reads to make room).
///
/// # Errors
/// 5008 if the guest no longer reads its stdin (it ended) or the app closed it.
#[op2]
pub async fn op_wasm_process_write(
  state: Rc<RefCell<OpState>>,
  process_id: f64,
  #[buffer(copy)] bytes: Vec<u8>,
) -> Result<(), WasmError> {
  let pipe = pipe_of(&mut state.borrow_mut(), process_id, 0)?;
  pipe.write_all(&bytes).await.map_err(|_| {
    WasmError::io(
      "process.stdin.write: the process no longer reads its stdin (it ended, or stdin was closed); \
       await process.status to see why",
    )
  })
}

/// `process.stdin.close()`: the guest reads what is buffered, then the end. Idempotent.
#[op2(fast)]
pub fn op_wasm_process_close_stdin(state: &mut OpState, process_id: f64) -> Result<(), WasmError> {
  pipe_of(state, process_id, 0)?.close_writer();
  Ok(())
}

/// `process.kill()`: stops the guest wherever it is; its status becomes `"killed"` unless it had
/// already ended. Idempotent.
#[op2(fast)]
pub fn op_wasm_process_kill(state: &mut OpState, process_id: f64) -> Result<(), WasmError> {
  state.borrow_mut::<ProcessTable>().lookup(process_id)?.kill();
  Ok(())
}

/// The `WasmProcess` object was collected: free the entry once the process has ended (it goes on
/// running until then, as a child process does).
#[op2(fast)]
pub fn op_wasm_process_forget(state: &mut OpState, process_id: f64) {
  let table = state.borrow_mut::<ProcessTable>();
  let Some(id) = parse_id(process_id) else { return };
  let Some(entry) = table.0.get_mut(id) else { return };
  if entry.status.is_none() && entry.thread.as_ref().is_none_or(|t| t.is_finished()) {
    table.0.remove(id);
  } else {
    entry.forgotten = true;
  }
}
