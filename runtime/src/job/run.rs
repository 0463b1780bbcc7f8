//! `kiln job run job.yaml`: runs a Bacalhau WASM job on this machine as Bacalhau's WASM executor
//! would (`pkg/executor/wasm`), and leaves its results in the layout `bacalhau job get` produces:
//! `stdout`, `stderr`, `exitCode` and one directory per result path.
//!
//! - argv is `["", ...Parameters]`; the environment is `Env` plus `BACALHAU_EXECUTION_ID`,
//!   `BACALHAU_JOB_ID`, `BACALHAU_JOB_TYPE`, `BACALHAU_PARTITION_INDEX` and
//!   `BACALHAU_PARTITION_COUNT`, added in sorted key order.
//! - The file system is built by `inputs.rs`; the entry module and `ImportModules` are paths in it
//!   (a directory holding a single `.wasm` names that file). Imports are linked by module name:
//!   an `ImportModules` path, or else the name read as a path in the job's file system.
//! - `proc_exit(n)` gives exit code `n`; a return from the entry point gives `-1`, as in Bacalhau
//!   (`--exit-zero-on-return` gives 0); a trap gives 1. The job *completes* in all three cases.
//!   It *fails* (exit status 1 of `kiln job run`) when a module cannot be loaded or linked, the
//!   entry point is missing or mistyped, an input cannot be staged, or the execution timeout
//!   passes.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use ext_wasm::command::{run_command, CommandEnd, CommandSpec, ModuleSource};
use ext_wasm::{Engines, InstanceConfig, Preopen, WasmPermissions};

use super::inputs::{self, Staged};
use super::spec::{parse_job, Job, Task, WasmEngineParams};
use super::validate::{execution_timeout_secs, memory_limit, memory_pages, validate, validate_local, WASM_PAGE_SIZE};

/// The options of `kiln job run`.
pub struct RunOptions {
  pub spec: PathBuf,
  pub output: Option<PathBuf>,
  /// `--allow-local PATH[:rw]` entries.
  pub allow_local: Vec<(PathBuf, bool)>,
  pub quiet: bool,
  pub exit_zero_on_return: bool,
}

/// Reads, normalizes and validates a spec for a local run; prints warnings.
///
/// # Errors
/// Every problem, one per line, each with its key path.
pub fn load(spec: &Path, allow_local: &[(PathBuf, bool)], local: bool) -> Result<Job, String> {
  let text = std::fs::read_to_string(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
  let parsed = parse_job(&text).map_err(|e| format!("{}:\n{e}", spec.display()))?;
  for warning in &parsed.warnings {
    eprintln!("warning: {warning}");
  }
  let mut errors = validate(&parsed.job);
  if local {
    errors.extend(validate_local(&parsed.job, allow_local));
  }
  if !errors.is_empty() {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    return Err(format!("{} is not a valid job:\n{}", spec.display(), lines.join("\n")));
  }
  Ok(parsed.job)
}

/// Runs the job; returns kiln's exit status (0: completed, 1: failed).
pub fn run(options: RunOptions) -> i32 {
  let spec_dir = options.spec.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
  // Absolute, so that the manifest's relative `allow_local` entries are too.
  let spec_dir = std::path::absolute(spec_dir).unwrap_or_else(|_| spec_dir.to_path_buf());
  let grants = match crate::manifest::load(&spec_dir, None) {
    Ok(grants) => grants,
    Err(message) => return fail(&message),
  };
  let mut allow_local = options.allow_local.clone();
  allow_local.extend(grants.allow_local.iter().cloned());
  let job = match load(&options.spec, &allow_local, true) {
    Ok(job) => job,
    Err(message) => return fail(&message),
  };
  let job_id = format!("j-{}", random_uuid());
  let output = options.output.clone().unwrap_or_else(|| PathBuf::from(format!("job-{}", &job_id[2..10])));
  if let Err(message) = empty_dir(&output) {
    return fail(&message);
  }
  // Preopens are absolute host paths.
  let output = match output.canonicalize() {
    Ok(output) => output,
    Err(e) => return fail(&format!("cannot resolve {}: {e}", output.display())),
  };
  let engines = match Engines::new(grants.engine) {
    Ok(engines) => Arc::new(engines),
    Err(e) => return fail(&e.to_string()),
  };
  let runtime = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
    Ok(runtime) => runtime,
    Err(e) => return fail(&format!("cannot start a runtime: {e}")),
  };
  let task = &job.tasks[0];
  let partitions = job.count.max(1) as u64;
  let started = Instant::now();
  let mut codes = Vec::new();
  for index in 0..partitions {
    let results = if partitions == 1 { output.clone() } else { output.join(format!("partition-{index}")) };
    let run = Partition { job: &job, task, job_id: &job_id, index, count: partitions, results: &results };
    match runtime.block_on(run.execute(&engines, &options)) {
      Ok(code) => codes.push(code),
      Err(message) => {
        let _ = std::fs::write(results.join("exitCode"), "-1");
        eprintln!(
          "job {}: failed after {:.2} s: {message}; results in {}",
          job.name,
          started.elapsed().as_secs_f64(),
          output.display()
        );
        return 1;
      }
    }
  }
  let codes: Vec<String> = codes.iter().map(i64::to_string).collect();
  eprintln!(
    "job {}: completed, exit code {}, {:.2} s, results in {}",
    job.name,
    codes.join(","),
    started.elapsed().as_secs_f64(),
    output.display()
  );
  0
}

fn fail(message: &str) -> i32 {
  eprintln!("error: {message}");
  1
}

/// Makes `dir` if it does not exist; refuses one with files in it (results are never mixed).
fn empty_dir(dir: &Path) -> Result<(), String> {
  if dir.exists() {
    let mut entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    if entries.next().is_some() {
      return Err(format!(
        "the output directory {} is not empty; choose another with --output, or remove it",
        dir.display()
      ));
    }
  }
  std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the output directory {}: {e}", dir.display()))
}

/// A version 4 UUID from the OS's randomness (Bacalhau's ids are `j-<uuid>`, `e-<uuid>`).
fn random_uuid() -> String {
  let mut bytes = [0u8; 16];
  let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
  if read.is_err() {
    // No /dev/urandom: the clock and the process id still make it unique enough for an id.
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    bytes = (seed ^ u128::from(std::process::id()) << 64).to_le_bytes();
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
  format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// One execution of the job.
struct Partition<'a> {
  job: &'a Job,
  task: &'a Task,
  job_id: &'a str,
  index: u64,
  count: u64,
  results: &'a Path,
}

impl Partition<'_> {
  /// Stages, runs, and writes the results; the exit code of a completed run.
  async fn execute(&self, engines: &Arc<Engines>, options: &RunOptions) -> Result<i64, String> {
    empty_dir(self.results)?;
    let stage = std::env::temp_dir().join(format!("kiln-job-{}-{}", self.job_id, self.index));
    let outcome = self.execute_in(&stage, engines, options).await;
    let _ = std::fs::remove_dir_all(&stage);
    outcome
  }

  async fn execute_in(&self, stage: &Path, engines: &Arc<Engines>, options: &RunOptions) -> Result<i64, String> {
    let params = self.task.wasm_params().ok_or("the job's engine is not wasm")?;
    let staged = inputs::stage(self.task, stage, self.results, &inputs::http_get)?;
    let spec = self.command(&params, &staged)?;
    let mut stdout_file = create(&self.results.join("stdout"))?;
    let mut stderr_file = create(&self.results.join("stderr"))?;
    let quiet = options.quiet;
    let end = run_command(
      engines.clone(),
      spec,
      |chunk| {
        let _ = stdout_file.write_all(chunk);
        if !quiet {
          let mut out = std::io::stdout().lock();
          let _ = out.write_all(chunk);
          let _ = out.flush();
        }
      },
      |chunk| {
        let _ = stderr_file.write_all(chunk);
        if !quiet {
          let _ = std::io::stderr().write_all(chunk);
        }
      },
    )
    .await
    .map_err(|e| e.to_string())?;
    let code = match end {
      CommandEnd::Exited(code) => i64::from(code),
      CommandEnd::Returned if options.exit_zero_on_return => 0,
      CommandEnd::Returned => -1,
      CommandEnd::Trapped(message) => {
        eprintln!("job {}: the guest trapped: {message}", self.job.name);
        1
      }
      CommandEnd::TimedOut(_) => {
        let secs = execution_timeout_secs(self.task).unwrap_or_default();
        return Err(format!(
          "the execution passed its timeout of {secs} s (Timeouts.ExecutionTimeout) and was stopped"
        ));
      }
    };
    std::fs::write(self.results.join("exitCode"), code.to_string())
      .map_err(|e| format!("cannot write {}: {e}", self.results.join("exitCode").display()))?;
    Ok(code)
  }

  /// The command: modules from the staged file system, argv, env, preopens and limits.
  fn command(&self, params: &WasmEngineParams, staged: &Staged) -> Result<CommandSpec, String> {
    let entry = load_module(staged, &params.entry_module)
      .map_err(|e| format!("Tasks[0].Engine.Params.EntryModule: {e}"))?
      .ok_or_else(|| {
        format!("Tasks[0].Engine.Params.EntryModule: {:?} is not in the job's inputs", params.entry_module)
      })?;
    let mut imports = Vec::new();
    for (i, path) in params.import_modules.iter().enumerate() {
      let at = format!("Tasks[0].Engine.Params.ImportModules[{i}]");
      let module = load_module(staged, path)
        .map_err(|e| format!("{at}: {e}"))?
        .ok_or_else(|| format!("{at}: {path:?} is not in the job's inputs"))?;
      imports.push((path.clone(), module));
    }
    let lookup = Staged { root: staged.root.clone(), mounts: staged.mounts.clone() };
    let resolve = Box::new(move |name: &str| load_module(&lookup, name).ok().flatten());
    let natives = super::http::Allowed::of(&self.task.network).map(super::http::http_request).into_iter().collect();

    let mut config = InstanceConfig {
      args: std::iter::once(String::new()).chain(params.parameters.iter().cloned()).collect(),
      env: self.env(),
      ..InstanceConfig::default()
    };
    for mount in staged.preopens() {
      let path = mount.host.to_str().ok_or_else(|| format!("{} is not UTF-8", mount.host.display()))?.to_string();
      config.preopens.insert(mount.guest.clone(), Preopen::Detailed { path, readonly: !mount.writable });
    }
    let memory = memory_limit(self.task)?;
    if memory > 0 {
      config.max_memory_bytes = Some(memory_pages(memory) * WASM_PAGE_SIZE);
    }
    config.timeout_ms = execution_timeout_secs(self.task).filter(|s| *s > 0).map(|s| s.saturating_mul(1000));
    Ok(CommandSpec {
      entry,
      imports,
      resolve,
      natives,
      entrypoint: params.entrypoint.clone(),
      config,
      permissions: std::sync::Arc::new(WasmPermissions::allow_all()),
      cwd: PathBuf::from("/"),
      memory_cap_name: "the job's Tasks[0].Resources.Memory, 512Mb when unset",
    })
  }

  /// `Env` with the system variables, which win over the job's own.
  fn env(&self) -> BTreeMap<String, String> {
    let mut env = self.task.env.clone();
    env.insert("BACALHAU_EXECUTION_ID".into(), format!("e-{}", random_uuid()));
    env.insert("BACALHAU_JOB_ID".into(), self.job_id.to_string());
    env.insert("BACALHAU_JOB_TYPE".into(), self.job.job_type.clone());
    env.insert("BACALHAU_PARTITION_INDEX".into(), self.index.to_string());
    env.insert("BACALHAU_PARTITION_COUNT".into(), self.count.to_string());
    env
  }
}

fn create(path: &Path) -> Result<std::fs::File, String> {
  std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
}

/// The module at a guest path: the file, or the single `.wasm` in a directory. `Ok(None)` when
/// nothing is there.
///
/// # Errors
/// A directory without exactly one `.wasm` file, or an unreadable file.
fn load_module(staged: &Staged, guest: &str) -> Result<Option<ModuleSource>, String> {
  let Some(host) = staged.resolve(guest) else { return Ok(None) };
  let file = if host.is_dir() {
    let wasm: Vec<PathBuf> = std::fs::read_dir(&host)
      .map_err(|e| format!("cannot list {guest}: {e}"))?
      .filter_map(|entry| entry.ok().map(|e| e.path()))
      .filter(|p| p.extension().is_some_and(|x| x == "wasm") && p.is_file())
      .collect();
    match wasm.as_slice() {
      [one] => one.clone(),
      [] => return Err(format!("the directory {guest} holds no .wasm file")),
      _ => return Err(format!("the directory {guest} holds {} .wasm files; name one of them", wasm.len())),
    }
  } else if host.is_file() {
    host
  } else {
    return Ok(None);
  };
  let bytes = std::fs::read(&file).map_err(|e| format!("cannot read {guest}: {e}"))?;
  Ok(Some(ModuleSource { name: guest.to_string(), bytes: Arc::from(bytes) }))
}
