//! Validation of a normalized job: the rules Bacalhau's orchestrator applies to a submitted job
//! ([`validate`]) and the extra rules of a local run ([`validate_local`]). Each error carries the
//! key path of the value it is about. Source references are to bacalhau-project/bacalhau
//! `pkg/models` unless said otherwise.

use std::fmt;

use super::spec::{InputSource, Job, NetworkType, Task};

mod local;
pub use local::validate_local;

/// One validation error: the key path (`Tasks[0].Engine.Params.EntryModule`) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
  pub path: String,
  pub message: String,
}

impl ValidationError {
  pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
    ValidationError { path: path.into(), message: message.into() }
  }
}

impl fmt::Display for ValidationError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if self.path.is_empty() {
      f.write_str(&self.message)
    } else {
      write!(f, "{}: {}", self.path, self.message)
    }
  }
}

/// A wasm page (`pkg/executor/wasm/constants.go`).
pub const WASM_PAGE_SIZE: u64 = 65536;
/// The most memory a wasm32 instance can have: 65536 pages, 4 GiB.
pub const WASM_MAX_MEMORY: u64 = WASM_PAGE_SIZE * 65536;
/// The memory the orchestrator gives a task that sets none (`pkg/config/defaults.go`).
pub const DEFAULT_MEMORY: &str = "512Mb";
/// The CPU the orchestrator gives a task that sets none.
#[allow(dead_code, reason = "Bacalhau's default, for the submit path; a local run does not limit CPU")]
pub const DEFAULT_CPU: &str = "500m";

/// `humanize.ParseBytes` (go-humanize `bytes.go`): a decimal number (commas ignored) and an
/// optional unit, `k`/`kb` = 1000, `ki`/`kib` = 1024, ... up to `e`/`eib`, case-insensitive.
/// So `512Mb` is 512 000 000 bytes and `1GiB` is 2^30.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
  let digits = s.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ',')).unwrap_or(s.len());
  let num: String = s[..digits].chars().filter(|c| *c != ',').collect();
  let f: f64 = num.parse().map_err(|_| format!("invalid number {num:?}"))?;
  let unit = s[digits..].trim().to_lowercase();
  let mult: u64 = match unit.as_str() {
    "" | "b" => 1,
    "k" | "kb" => 1000,
    "ki" | "kib" => 1 << 10,
    "m" | "mb" => 1000_u64.pow(2),
    "mi" | "mib" => 1 << 20,
    "g" | "gb" => 1000_u64.pow(3),
    "gi" | "gib" => 1 << 30,
    "t" | "tb" => 1000_u64.pow(4),
    "ti" | "tib" => 1 << 40,
    "p" | "pb" => 1000_u64.pow(5),
    "pi" | "pib" => 1 << 50,
    "e" | "eb" => 1000_u64.pow(6),
    "ei" | "eib" => 1 << 60,
    _ => return Err(format!("unhandled size name: {unit}")),
  };
  let bytes = f * mult as f64;
  if bytes >= u64::MAX as f64 {
    return Err(format!("too large: {s}"));
  }
  Ok(bytes as u64)
}

/// k8sresource's CPU parsing: `500m` millicores or a number of cores; the result in cores.
pub fn parse_cpu(s: &str) -> Result<f64, String> {
  let millis = if let Some(m) = s.strip_suffix('m') {
    m.parse::<i64>().map_err(|_| format!("unknown cpu format: {s}"))?
  } else {
    let f: f64 = s.parse().map_err(|_| format!("unknown cpu format: {s}"))?;
    (f * 1000.0) as i64
  };
  Ok(millis as f64 / 1000.0)
}

/// The task's memory cap in bytes after the orchestrator's default, or an error message.
pub fn memory_limit(task: &Task) -> Result<u64, String> {
  let memory = if task.resources.memory.is_empty() { DEFAULT_MEMORY } else { task.resources.memory.as_str() };
  parse_bytes(&memory.to_lowercase().replace([' ', '\n'], ""))
}

/// Pages for a memory cap, rounded up as Bacalhau's wasm executor does.
pub fn memory_pages(bytes: u64) -> u64 {
  bytes.div_ceil(WASM_PAGE_SIZE)
}

/// The run's time limit in seconds (`TimeoutConfig.GetExecutionTimeout`): ExecutionTimeout, else
/// TotalTimeout; `None` for no limit.
pub fn execution_timeout_secs(task: &Task) -> Option<u64> {
  let t = &task.timeouts;
  let secs = if t.execution_timeout > 0 { t.execution_timeout } else { t.total_timeout };
  u64::try_from(secs).ok().filter(|s| *s > 0)
}

struct Errors(Vec<ValidationError>);

impl Errors {
  fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
    self.0.push(ValidationError::new(path, message));
  }
}

fn blank(s: &str) -> bool {
  s.trim().is_empty()
}

/// Every rule Bacalhau's orchestrator applies to a submitted job: `Job.ValidateSubmission`, the
/// store's `Job.Validate` after `Normalize` and the defaults, the legacy wasm transformer's checks,
/// and the wasm engine's `DecodeSpec` (which would fail every execution).
pub fn validate(job: &Job) -> Vec<ValidationError> {
  let mut e = Errors(Vec::new());
  // job.go ValidateSubmission / Validate.
  match job.job_type.as_str() {
    "batch" | "ops" | "service" | "daemon" => {}
    "" => e.add("Type", "missing job type (batch, ops, service or daemon)"),
    other => e.add("Type", format!("invalid job type: {other:?} (batch, ops, service or daemon)")),
  }
  if job.count < 0 {
    e.add("Count", "job count must be >= 0");
  }
  if job.count > 1 && matches!(job.job_type.as_str(), "daemon" | "ops") {
    e.add("Count", format!("{} jobs cannot specify count > 1 as they run on all matching nodes", job.job_type));
  }
  if job.name.contains('\0') {
    e.add("Name", "job Name contains a null character");
  }
  if blank(&job.namespace) {
    e.add("Namespace", "job must be in a namespace");
  }
  if job.tasks.is_empty() {
    e.add("Tasks", "missing job tasks");
  }
  // selector.go LabelSelectorRequirement.Validate.
  for (i, c) in job.constraints.iter().enumerate() {
    let path = format!("Constraints[{i}]");
    if blank(&c.key) {
      e.add(format!("{path}.Key"), "selector key cannot be blank");
    }
    match c.operator.as_str() {
      "in" | "notin" if c.values.is_empty() => {
        e.add(format!("{path}.Values"), "selector values cannot be empty for In or NotIn operators")
      }
      "exists" | "!" if !c.values.is_empty() => {
        e.add(format!("{path}.Values"), "selector values must be empty for Exists or DoesNotExist operators")
      }
      "in" | "notin" | "exists" | "!" => {}
      _ if c.values.len() != 1 => {
        e.add(format!("{path}.Values"), "selector values must have exactly one value for other operators")
      }
      _ => {}
    }
  }
  for (i, task) in job.tasks.iter().enumerate() {
    validate_task(task, &format!("Tasks[{i}]"), &mut e);
  }
  e.0
}

fn validate_task(task: &Task, path: &str, e: &mut Errors) {
  // task.go ValidateSubmission.
  if blank(&task.name) {
    e.add(format!("{path}.Name"), "missing task name");
  }
  if task.name.contains('\0') {
    e.add(format!("{path}.Name"), "task name cannot contain null characters");
  }
  validate_env(task, path, e);
  match &task.engine {
    None => e.add(format!("{path}.Engine"), "missing engine (Type: wasm, Params: {EntryModule, ...})"),
    Some(engine) if blank(&engine.spec_type) => e.add(format!("{path}.Engine.Type"), "missing spec type"),
    Some(_) => {}
  }
  // pkg/executor/wasm/models/types.go EngineSpec.Validate.
  if let Some(wasm) = task.wasm_params() {
    if wasm.entry_module.is_empty() {
      e.add(
        format!("{path}.Engine.Params.EntryModule"),
        "invalid wasm engine entry module. target path cannot be empty",
      );
    }
  }
  // timeout.go ValidateSubmission and Validate.
  let t = &task.timeouts;
  for (name, v) in
    [("ExecutionTimeout", t.execution_timeout), ("QueueTimeout", t.queue_timeout), ("TotalTimeout", t.total_timeout)]
  {
    if v < 0 {
      e.add(format!("{path}.Timeouts.{name}"), format!("invalid timeout value: {v}s (must be >= 0 seconds)"));
    }
  }
  if t.total_timeout > 0 && t.execution_timeout.saturating_add(t.queue_timeout) > t.total_timeout {
    e.add(
      format!("{path}.Timeouts.TotalTimeout"),
      format!(
        "execution timeout {}s and queue timeout {}s should be less than total timeout {}s",
        t.execution_timeout, t.queue_timeout, t.total_timeout
      ),
    );
  }
  // resource.go ToResources / Resources.Validate.
  let r = &task.resources;
  let rpath = format!("{path}.Resources");
  if !r.cpu.is_empty() {
    match parse_cpu(&r.cpu) {
      Ok(c) if c < 0.0 => e.add(format!("{rpath}.CPU"), format!("invalid CPU value: {c:.6}")),
      Ok(_) => {}
      Err(_) => e.add(format!("{rpath}.CPU"), format!("invalid CPU value: {}", r.cpu)),
    }
  }
  if !r.memory.is_empty() && parse_bytes(&r.memory).is_err() {
    e.add(format!("{rpath}.Memory"), format!("invalid memory value: {} (e.g. 512Mb, 1Gb, 256MiB)", r.memory));
  }
  if !r.disk.is_empty() && parse_bytes(&r.disk).is_err() {
    e.add(format!("{rpath}.Disk"), format!("invalid disk value: {}", r.disk));
  }
  if !r.gpu.is_empty() && (r.gpu.starts_with('+') || r.gpu.parse::<u64>().is_err()) {
    e.add(format!("{rpath}.GPU"), format!("invalid GPU value: {}", r.gpu));
  }
  // input_source.go Validate, task.go validateInputSources.
  let mut aliases = Vec::new();
  let mut targets = Vec::new();
  for (i, input) in task.input_sources.iter().enumerate() {
    let ipath = format!("{path}.InputSources[{i}]");
    if blank(&input.target) {
      e.add(format!("{ipath}.Target"), "input source is missing a target");
    }
    match &input.source {
      None => e.add(format!("{ipath}.Source"), "invalid input source: nil spec config"),
      Some(s) if blank(&s.spec_type) => {
        e.add(format!("{ipath}.Source.Type"), "invalid input source: missing spec type")
      }
      Some(_) => {}
    }
    if !input.alias.is_empty() {
      if aliases.contains(&&input.alias) {
        e.add(format!("{ipath}.Alias"), format!("input source with alias '{}' already exists", input.alias));
      }
      aliases.push(&input.alias);
    }
    if !input.target.is_empty() {
      if targets.contains(&&input.target) {
        e.add(format!("{ipath}.Target"), format!("input source with target '{}' already exists", input.target));
      }
      targets.push(&input.target);
    }
  }
  // path.go ResultPath.Validate, task.go validateResultPaths.
  let mut names = Vec::new();
  let mut paths = Vec::new();
  for (i, result) in task.result_paths.iter().enumerate() {
    let rp = format!("{path}.ResultPaths[{i}]");
    if blank(&result.path) {
      e.add(format!("{rp}.Path"), "missing path");
    } else if !result.path.starts_with('/') {
      e.add(format!("{rp}.Path"), format!("result path `{}` must be absolute", result.path));
    }
    if blank(&result.name) {
      e.add(format!("{rp}.Name"), "missing name");
    }
    if !result.name.is_empty() {
      if names.contains(&&result.name) {
        e.add(format!("{rp}.Name"), format!("result path with name '{}' already exists", result.name));
      }
      names.push(&result.name);
    }
    if !result.path.is_empty() {
      if paths.contains(&&result.path) {
        e.add(format!("{rp}.Path"), format!("result path '{}' already exists", result.path));
      }
      paths.push(&result.path);
    }
  }
  // task.go Validate: the store requires a publisher with result paths.
  if !task.result_paths.is_empty() && task.publisher.is_empty() {
    e.add(format!("{path}.Publisher"), "publisher must be set if result paths are set");
  }
  // network.go NetworkConfig.Validate.
  let n = &task.network;
  let npath = format!("{path}.Network");
  if !n.domains.is_empty() && n.network_type != NetworkType::Http {
    e.add(format!("{npath}.Domains"), "domains can only be set for HTTP network mode");
  }
  for (i, d) in n.domains.iter().enumerate() {
    if !domain_ok(d) && d.parse::<std::net::IpAddr>().is_err() {
      e.add(format!("{npath}.Domains[{i}]"), format!("invalid domain {d:?}"));
    }
  }
  if !n.ports.is_empty() && !matches!(n.network_type, NetworkType::Host | NetworkType::Full | NetworkType::Bridge) {
    e.add(format!("{npath}.Ports"), "ports can only be set for Host or Bridge network modes");
  }
}

/// env_var.go ValidateEnvVars (Bacalhau stops at the first bad entry; this reports all).
fn validate_env(task: &Task, path: &str, e: &mut Errors) {
  for (name, value) in &task.env {
    let p = format!("{path}.Env.{name}");
    if name.is_empty() {
      e.add(format!("{path}.Env"), "environment variable name cannot be empty");
      continue;
    }
    if *name != name.to_uppercase() {
      e.add(&p, format!("environment variable '{name}' must be uppercase"));
    } else if !name.chars().next().is_some_and(char::is_alphabetic) {
      e.add(&p, format!("environment variable '{name}' must start with a letter"));
    } else if !name.chars().all(|c| c.is_alphabetic() || c.is_numeric() || c == '_') {
      e.add(&p, format!("environment variable '{name}' can only contain letters, numbers, and underscores"));
    } else if name.to_uppercase().starts_with("BACALHAU_") {
      e.add(&p, format!("environment variable '{name}' cannot start with BACALHAU_ (reserved for the executor)"));
    } else if value.is_empty() {
      e.add(&p, format!("environment variable '{name}' cannot have empty value"));
    }
  }
}

/// `domainRegex.MatchString` (network.go): an unanchored search for
/// `\b([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,}\b`, so any token shaped like `label.tld` inside passes.
fn domain_ok(d: &str) -> bool {
  let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
  let tokens = d.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'));
  for token in tokens {
    // Try each start (at a word boundary) and end (at a word boundary) of a dotted run.
    // Domains are at most 253 characters; the cap keeps this cubic search cheap on any input.
    let chars: Vec<char> = token.chars().take(512).collect();
    for start in 0..chars.len() {
      if start > 0 && is_word(chars[start - 1]) || !chars[start].is_ascii_alphanumeric() {
        continue;
      }
      for end in (start + 1)..=chars.len() {
        if end < chars.len() && is_word(chars[end]) {
          continue;
        }
        let s: String = chars[start..end].iter().collect();
        if matches_domain(&s) {
          return true;
        }
      }
    }
  }
  false
}

fn matches_domain(s: &str) -> bool {
  let Some((labels, tld)) = s.rsplit_once('.') else { return false };
  tld.len() >= 2
    && tld.chars().all(|c| c.is_ascii_lowercase())
    && labels.split('.').all(|l| {
      !l.is_empty()
        && !l.starts_with('-')
        && !l.ends_with('-')
        && !l.contains("--")
        && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    })
}

#[cfg(test)]
mod tests;
