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
mod tests {
  use std::path::PathBuf;

  use serde_json::Value;

  use super::super::spec::{parse_job, ResultPath, SpecConfig};
  use super::*;

  const BASE: &str = r#"
Name: t
Type: batch
Tasks:
  - Name: main
    Engine: {Type: wasm, Params: {EntryModule: /m.wasm, Entrypoint: _start}}
    InputSources:
      - {Source: {Type: inline, Params: {URL: "data:,x"}}, Target: /m.wasm}
"#;

  fn job(extra: &str) -> Job {
    let text = format!("{BASE}{extra}");
    match parse_job(&text) {
      Ok(p) => p.job,
      Err(e) => panic!("{e}\n{text}"),
    }
  }

  fn paths(errors: &[ValidationError]) -> Vec<String> {
    errors.iter().map(|e| e.path.clone()).collect()
  }

  #[test]
  fn base_job_is_valid() {
    let j = job("");
    assert!(validate(&j).is_empty(), "{:?}", validate(&j));
    assert!(validate_local(&j, &[]).is_empty(), "{:?}", validate_local(&j, &[]));
  }

  #[test]
  fn memory_sizes_parse_as_bacalhau() {
    let table: [(&str, Option<u64>); 16] = [
      ("512Mb", Some(512_000_000)),
      ("512mb", Some(512_000_000)),
      ("1Gb", Some(1_000_000_000)),
      ("1GB", Some(1_000_000_000)),
      ("1GiB", Some(1 << 30)),
      ("256MiB", Some(256 << 20)),
      ("1.5k", Some(1500)),
      ("1,024", Some(1024)),
      ("42", Some(42)),
      ("42 b", Some(42)),
      ("2Ki", Some(2048)),
      ("4gi", Some(4 << 30)),
      ("Gb", None),
      ("1x", None),
      ("1.2.3mb", None),
      ("99999999999eb", None),
    ];
    for (input, want) in table {
      assert_eq!(parse_bytes(input).ok(), want, "{input}");
    }
    assert_eq!(memory_pages(512_000_000), 7813);
    assert_eq!(memory_pages(65536), 1);
  }

  #[test]
  fn cpu_parses_as_k8sresource() {
    assert_eq!(parse_cpu("500m"), Ok(0.5));
    assert_eq!(parse_cpu("2"), Ok(2.0));
    assert_eq!(parse_cpu("0.25"), Ok(0.25));
    assert!(parse_cpu("lots").is_err());
  }

  #[test]
  fn orchestrator_rules_with_paths() {
    let cases: Vec<(Job, &str, &str)> = vec![
      (job("").tap(|j| j.job_type.clear()), "Type", "missing job type"),
      (job("").tap(|j| j.job_type = "cron".into()), "Type", "invalid job type"),
      (job("").tap(|j| j.count = -1), "Count", ">= 0"),
      (job("").tap(|j| (j.job_type, j.count) = ("ops".into(), 2)), "Count", "count > 1"),
      (job("").tap(|j| j.name = "a\0b".into()), "Name", "null character"),
      (job("").tap(|j| j.namespace = " ".into()), "Namespace", "namespace"),
      (job("").tap(|j| j.tasks.clear()), "Tasks", "missing job tasks"),
      (job("Constraints: [{Key: '', Operator: '='}]"), "Constraints[0].Key", "blank"),
      (job("Constraints: [{Key: a, Operator: in}]"), "Constraints[0].Values", "cannot be empty"),
      (job("Constraints: [{Key: a, Operator: exists, Values: [x]}]"), "Constraints[0].Values", "must be empty"),
      (job("Constraints: [{Key: a, Operator: '='}]"), "Constraints[0].Values", "exactly one"),
      (job("").tap(|j| j.tasks[0].name = " ".into()), "Tasks[0].Name", "missing task name"),
      (job("").tap(|j| j.tasks[0].name = "a\0".into()), "Tasks[0].Name", "null characters"),
      (job("").tap(|j| j.tasks[0].engine = None), "Tasks[0].Engine", "missing engine"),
      (job("").tap(|j| set_engine_type(j, "")), "Tasks[0].Engine.Type", "missing spec type"),
      (job("").tap(|j| set_param(j, "EntryModule", "")), "Tasks[0].Engine.Params.EntryModule", "cannot be empty"),
      (env("lower", "x"), "Tasks[0].Env.lower", "must be uppercase"),
      (env("1A", "x"), "Tasks[0].Env.1A", "must start with a letter"),
      (env("A-B", "x"), "Tasks[0].Env.A-B", "letters, numbers, and underscores"),
      (env("BACALHAU_X", "x"), "Tasks[0].Env.BACALHAU_X", "cannot start with BACALHAU_"),
      (env("A", ""), "Tasks[0].Env.A", "empty value"),
      (env("", "x"), "Tasks[0].Env", "name cannot be empty"),
      (job("").tap(|j| j.tasks[0].timeouts.execution_timeout = -1), "Tasks[0].Timeouts.ExecutionTimeout", "invalid"),
      (job("").tap(|j| j.tasks[0].timeouts.queue_timeout = -1), "Tasks[0].Timeouts.QueueTimeout", "invalid"),
      (
        job("").tap(|j| (j.tasks[0].timeouts.execution_timeout, j.tasks[0].timeouts.total_timeout) = (10, 5)),
        "Tasks[0].Timeouts.TotalTimeout",
        "less than total",
      ),
      (job("").tap(|j| j.tasks[0].resources.cpu = "lots".into()), "Tasks[0].Resources.CPU", "invalid CPU"),
      (job("").tap(|j| j.tasks[0].resources.cpu = "-1".into()), "Tasks[0].Resources.CPU", "invalid CPU"),
      (job("").tap(|j| j.tasks[0].resources.memory = "1x".into()), "Tasks[0].Resources.Memory", "invalid memory"),
      (job("").tap(|j| j.tasks[0].resources.disk = "gb".into()), "Tasks[0].Resources.Disk", "invalid disk"),
      (job("").tap(|j| j.tasks[0].resources.gpu = "+1".into()), "Tasks[0].Resources.GPU", "invalid GPU"),
      (
        job("").tap(|j| j.tasks[0].input_sources[0].target.clear()),
        "Tasks[0].InputSources[0].Target",
        "missing a target",
      ),
      (job("").tap(|j| j.tasks[0].input_sources[0].source = None), "Tasks[0].InputSources[0].Source", "nil spec"),
      (dup_input(|i| i.alias = "a".into()), "Tasks[0].InputSources[1].Alias", "alias 'a' already exists"),
      (dup_input(|i| i.alias = "b".into()), "Tasks[0].InputSources[1].Target", "target '/m.wasm' already exists"),
      (result("n", ""), "Tasks[0].ResultPaths[0].Path", "missing path"),
      (result("n", "rel"), "Tasks[0].ResultPaths[0].Path", "must be absolute"),
      (result("", "/o"), "Tasks[0].ResultPaths[0].Name", "missing name"),
      (
        result("n", "/o").tap(|j| {
          let first = j.tasks[0].result_paths[0].clone();
          j.tasks[0].result_paths.push(first);
        }),
        "Tasks[0].ResultPaths[1].Name",
        "already exists",
      ),
      (
        result("n", "/o").tap(|j| j.tasks[0].publisher = Default::default()),
        "Tasks[0].Publisher",
        "publisher must be set",
      ),
      (net(NetworkType::None, "example.com"), "Tasks[0].Network.Domains", "only be set for HTTP"),
      (net(NetworkType::Http, "not a domain"), "Tasks[0].Network.Domains[0]", "invalid domain"),
      (
        job("").tap(|j| j.tasks[0].network.ports.push(serde_json::json!({"Name": "P"}))),
        "Tasks[0].Network.Ports",
        "Host or Bridge",
      ),
    ];
    for (j, path, needle) in cases {
      let errors = validate(&j);
      assert!(
        errors.iter().any(|e| e.path == path && e.message.contains(needle)),
        "want {path}: ...{needle}..., got {errors:?}"
      );
    }
  }

  #[test]
  fn domains_accept_names_ips_and_wildcards() {
    for d in ["example.com", "a-b.example.co.uk", ".example.com", "127.0.0.1", "::1"] {
      let errors = validate(&net(NetworkType::Http, d));
      assert!(errors.is_empty(), "{d}: {errors:?}");
    }
  }

  #[test]
  fn local_rules_with_paths() {
    let s3 = job("").tap(|j| {
      j.tasks[0].input_sources.push(source("s3", serde_json::json!({"Bucket": "b", "Key": "k"}), "/data"));
    });
    let errors = validate_local(&s3, &[]);
    assert_eq!(paths(&errors), ["Tasks[0].InputSources[1].Source.Type"]);
    assert!(errors[0].message.contains("kiln job submit"));

    let ipfs = job("").tap(|j| j.tasks[0].input_sources.push(source("ipfs", serde_json::json!({"CID": "Qm"}), "/d")));
    assert_eq!(paths(&validate_local(&ipfs, &[])), ["Tasks[0].InputSources[1].Source.Type"]);

    let local = |rw: bool| {
      job("").tap(move |j| {
        j.tasks[0].input_sources.push(source(
          "local",
          serde_json::json!({"SourcePath": "/srv/data/x", "ReadWrite": rw}),
          "/d",
        ))
      })
    };
    let errors = validate_local(&local(false), &[]);
    assert_eq!(paths(&errors), ["Tasks[0].InputSources[1].Source.Params.SourcePath"]);
    assert!(errors[0].message.contains("--allow-local") && errors[0].message.contains("[jobs] allow_local"));
    assert!(validate_local(&local(false), &[(PathBuf::from("/srv/data"), false)]).is_empty());
    assert!(!validate_local(&local(false), &[(PathBuf::from("/srv/dat"), false)]).is_empty());
    assert!(!validate_local(&local(false), &[(PathBuf::from("/srv/data/x/../y"), false)]).is_empty());
    let errors = validate_local(&local(true), &[(PathBuf::from("/srv"), false)]);
    assert_eq!(paths(&errors), ["Tasks[0].InputSources[1].Source.Params.ReadWrite"]);
    assert!(validate_local(&local(true), &[(PathBuf::from("/srv"), true)]).is_empty());

    let cases: Vec<(Job, &str)> = vec![
      (job("").tap(|j| set_engine_type(j, "docker")), "Tasks[0].Engine.Type"),
      (job("").tap(|j| set_param(j, "Entrypoint", "")), "Tasks[0].Engine.Params.Entrypoint"),
      (job("").tap(|j| set_param(j, "EntryModule", "/elsewhere.wasm")), "Tasks[0].Engine.Params.EntryModule"),
      (
        job("").tap(|j| {
          if let Some(e) = j.tasks[0].engine.as_mut() {
            e.params.insert("ImportModules".into(), serde_json::json!(["/lib/x.wasm"]));
          }
        }),
        "Tasks[0].Engine.Params.ImportModules[0]",
      ),
      (job("").tap(|j| j.tasks[0].resources.memory = "5gib".into()), "Tasks[0].Resources.Memory"),
      (
        job("")
          .tap(|j| j.tasks[0].input_sources.push(source("urlDownload", serde_json::json!({"URL": "ftp://x"}), "/u"))),
        "Tasks[0].InputSources[1].Source.Params.URL",
      ),
      (
        job("").tap(|j| j.tasks[0].input_sources.push(source("inline", serde_json::json!({}), "/i"))),
        "Tasks[0].InputSources[1].Source.Params.URL",
      ),
      (
        job("").tap(|j| j.tasks[0].input_sources.push(source("git", serde_json::json!({}), "/g"))),
        "Tasks[0].InputSources[1].Source.Type",
      ),
      (result("m.wasm", "/o"), "Tasks[0].ResultPaths[0].Name"),
    ];
    for (j, path) in cases {
      assert_eq!(paths(&validate_local(&j, &[])), [path]);
    }
    // A module inside a directory input, with or without the leading slash, is fine; 4 GiB exactly fits.
    let dir = job("").tap(|j| {
      set_param(j, "EntryModule", "m.wasm/inner.wasm");
      j.tasks[0].resources.memory = "4gib".into();
    });
    assert!(validate_local(&dir, &[]).is_empty());
  }

  #[test]
  fn display_is_path_colon_message() {
    assert_eq!(
      ValidationError::new("Tasks[0].Name", "missing task name").to_string(),
      "Tasks[0].Name: missing task name"
    );
  }

  trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
  }

  impl Tap for Job {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
      f(&mut self);
      self
    }
  }

  fn set_engine_type(j: &mut Job, t: &str) {
    if let Some(e) = j.tasks[0].engine.as_mut() {
      e.spec_type = t.into();
    }
  }

  fn set_param(j: &mut Job, key: &str, value: &str) {
    if let Some(e) = j.tasks[0].engine.as_mut() {
      e.params.insert(key.into(), Value::String(value.into()));
    }
  }

  fn env(name: &str, value: &str) -> Job {
    job("").tap(|j| {
      j.tasks[0].env.insert(name.into(), value.into());
    })
  }

  fn dup_input(f: impl FnOnce(&mut InputSource)) -> Job {
    job("").tap(|j| {
      let mut first = j.tasks[0].input_sources[0].clone();
      first.alias = "a".into();
      let mut second = first.clone();
      f(&mut second);
      j.tasks[0].input_sources = vec![first, second];
    })
  }

  fn result(name: &str, path: &str) -> Job {
    job("").tap(|j| {
      j.tasks[0].result_paths.push(ResultPath { name: name.into(), path: path.into() });
      j.tasks[0].publisher.spec_type = "local".into();
    })
  }

  fn net(t: NetworkType, domain: &str) -> Job {
    job("").tap(|j| {
      j.tasks[0].network.network_type = t;
      j.tasks[0].network.domains.push(domain.into());
    })
  }

  fn source(kind: &str, params: Value, target: &str) -> InputSource {
    let params = match params {
      Value::Object(m) => m,
      _ => serde_json::Map::new(),
    };
    InputSource {
      source: Some(SpecConfig { spec_type: kind.into(), params }),
      alias: String::new(),
      target: target.into(),
    }
  }
}
