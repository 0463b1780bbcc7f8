//! Decoding a job spec's JSON value (parsed from JSON or YAML) into the model of `spec.rs`, in any
//! of the three accepted shapes, as Bacalhau's CLI decodes it (`pkg/lib/marshaller/utils.go`
//! `UnmarshalJob`): field names match case-insensitively (Go `encoding/json`), unknown nested keys
//! are ignored, unknown or system top-level keys are errors, and nothing is coerced. Every error
//! carries the key path of the offending value. The legacy WASM shape and the old client model
//! are converted here, as Bacalhau's orchestrator converts them; `normalize` applies its defaults.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::spec::*;
use super::validate::ValidationError;

/// The old client model (seed 002) and its storage specs.
mod client_model;

/// A key folded for the client model's snake_case: `entry_point` and `EntryPoint` both give `entrypoint`.
fn fold(key: &str) -> String {
  key.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect()
}

fn fold_field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<(&'a str, &'a Value)> {
  let want = fold(name);
  map.iter().find(|(k, _)| fold(k) == want).map(|(k, v)| (k.as_str(), v))
}

fn type_name(v: &Value) -> &'static str {
  match v {
    Value::Null => "null",
    Value::Bool(_) => "a boolean",
    Value::Number(_) => "a number",
    Value::String(_) => "a string",
    Value::Array(_) => "a list",
    Value::Object(_) => "a map",
  }
}

fn join(path: &str, key: &str) -> String {
  if path.is_empty() {
    key.to_owned()
  } else {
    format!("{path}.{key}")
  }
}

const TOP_ALLOWED: [&str; 9] =
  ["name", "namespace", "type", "priority", "count", "constraints", "meta", "labels", "tasks"];
const TOP_DISALLOWED: [&str; 6] = ["id", "state", "version", "revision", "createtime", "modifytime"];

/// Decodes a spec's value: the normalized job, the shape it was written in, and the warnings.
///
/// # Errors
/// Every decode error, each with its key path.
pub(super) fn decode(value: &Value) -> Result<(Job, Shape, Vec<String>), Vec<ValidationError>> {
  let mut d = Decoder::default();
  let job = d.job(value);
  if !d.errors.is_empty() {
    return Err(d.errors);
  }
  let shape = if d.client_model {
    Shape::ClientModel
  } else if d.legacy {
    Shape::LegacyWasm
  } else {
    Shape::Current
  };
  Ok((job, shape, d.warnings))
}

#[derive(Default)]
struct Decoder {
  errors: Vec<ValidationError>,
  warnings: Vec<String>,
  legacy: bool,
  client_model: bool,
}

impl Decoder {
  fn err(&mut self, path: &str, message: impl Into<String>) {
    self.errors.push(ValidationError::new(path, message));
  }

  fn wrong_type(&mut self, path: &str, want: &str, got: &Value) {
    self.err(path, format!("expected {want}, found {}", type_name(got)));
  }

  fn object<'a>(&mut self, v: Option<&'a Value>, path: &str) -> Option<&'a Map<String, Value>> {
    match v {
      None | Some(Value::Null) => None,
      Some(Value::Object(m)) => Some(m),
      Some(other) => {
        self.wrong_type(path, "a map", other);
        None
      }
    }
  }

  fn string(&mut self, v: Option<&Value>, path: &str) -> String {
    match v {
      None | Some(Value::Null) => String::new(),
      Some(Value::String(s)) => s.clone(),
      Some(other) => {
        self.wrong_type(path, "a string", other);
        String::new()
      }
    }
  }

  fn int(&mut self, v: Option<&Value>, path: &str) -> Option<i64> {
    match v {
      None | Some(Value::Null) => None,
      Some(Value::Number(n)) if n.is_i64() => n.as_i64(),
      Some(other) => {
        self.wrong_type(path, "an integer", other);
        None
      }
    }
  }

  fn bool(&mut self, v: Option<&Value>, path: &str) -> bool {
    match v {
      None | Some(Value::Null) => false,
      Some(Value::Bool(b)) => *b,
      // local sources accept the string "true" (`pkg/storage/local/types.go` DecodeSpec).
      Some(Value::String(s)) => s == "true",
      Some(other) => {
        self.wrong_type(path, "a boolean", other);
        false
      }
    }
  }

  fn strings(&mut self, v: Option<&Value>, path: &str) -> Vec<String> {
    match v {
      None | Some(Value::Null) => Vec::new(),
      Some(Value::Array(items)) => {
        items.iter().enumerate().map(|(i, item)| self.string(Some(item), &format!("{path}[{i}]"))).collect()
      }
      Some(other) => {
        self.wrong_type(path, "a list", other);
        Vec::new()
      }
    }
  }

  fn string_map(&mut self, v: Option<&Value>, path: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(m) = self.object(v, path) {
      for (k, v) in m {
        let s = self.string(Some(v), &join(path, k));
        out.insert(k.clone(), s);
      }
    }
    out
  }

  fn list<'a>(&mut self, v: Option<&'a Value>, path: &str) -> &'a [Value] {
    match v {
      None | Some(Value::Null) => &[],
      Some(Value::Array(items)) => items,
      Some(other) => {
        self.wrong_type(path, "a list", other);
        &[]
      }
    }
  }

  fn job(&mut self, root: &Value) -> Job {
    let Value::Object(top) = root else {
      self.wrong_type("", "a map (the job)", root);
      return Job::default();
    };
    if let Some((key, spec)) = fold_field(top, "spec") {
      self.client_model = true;
      let converted = self.client_job(top, spec, key);
      return match converted {
        Some(Value::Object(top)) => self.current_job(&top),
        _ => Job::default(),
      };
    }
    // `validateRawJob`: system fields and unknown top-level keys are errors.
    for key in top.keys() {
      let lower = key.to_lowercase();
      if TOP_DISALLOWED.contains(&lower.as_str()) {
        self.err(key, format!("field '{key}' in 'Job' is not allowed: it is set by the orchestrator"));
      } else if !TOP_ALLOWED.contains(&lower.as_str()) {
        self.err(key, format!("unknown field '{key}' in 'Job'"));
      }
    }
    self.current_job(top)
  }

  fn current_job(&mut self, top: &Map<String, Value>) -> Job {
    let mut job = Job {
      name: self.string(field(top, "Name"), "Name"),
      namespace: self.string(field(top, "Namespace"), "Namespace"),
      job_type: self.string(field(top, "Type"), "Type"),
      priority: self.int(field(top, "Priority"), "Priority").unwrap_or(0),
      ..Job::default()
    };
    let count = self.int(field(top, "Count"), "Count");
    // `Job.UnmarshalJSON`: an absent Count is 1 for batch and service jobs.
    job.count = count.unwrap_or(if matches!(job.job_type.as_str(), "batch" | "service") { 1 } else { 0 });
    for (i, c) in self.list(field(top, "Constraints"), "Constraints").iter().enumerate() {
      let path = format!("Constraints[{i}]");
      if let Some(m) = self.object(Some(c), &path) {
        job.constraints.push(LabelSelectorRequirement {
          key: self.string(field(m, "Key"), &join(&path, "Key")),
          operator: self.string(field(m, "Operator"), &join(&path, "Operator")),
          values: self.strings(field(m, "Values"), &join(&path, "Values")),
        });
      }
    }
    job.meta = self.string_map(field(top, "Meta"), "Meta");
    job.labels = self.string_map(field(top, "Labels"), "Labels");
    for (i, t) in self.list(field(top, "Tasks"), "Tasks").iter().enumerate() {
      let path = format!("Tasks[{i}]");
      if let Some(m) = self.object(Some(t), &path) {
        let task = self.task(m, &path);
        job.tasks.push(task);
      }
    }
    self.normalize(&mut job);
    job
  }

  fn spec_config(&mut self, m: &Map<String, Value>, path: &str) -> SpecConfig {
    let spec_type = self.string(field(m, "Type"), &join(path, "Type"));
    let params = self.object(field(m, "Params"), &join(path, "Params")).cloned().unwrap_or_default();
    SpecConfig { spec_type, params }
  }

  fn input_source(&mut self, m: &Map<String, Value>, path: &str) -> InputSource {
    let source_path = join(path, "Source");
    let source = self.object(field(m, "Source"), &source_path).map(|s| self.spec_config(s, &source_path));
    InputSource {
      source,
      alias: self.string(field(m, "Alias"), &join(path, "Alias")),
      target: self.string(field(m, "Target"), &join(path, "Target")),
    }
  }

  fn task(&mut self, m: &Map<String, Value>, path: &str) -> Task {
    let mut task = Task { name: self.string(field(m, "Name"), &join(path, "Name")), ..Task::default() };
    let engine_path = join(path, "Engine");
    task.engine = self.object(field(m, "Engine"), &engine_path).map(|e| self.spec_config(e, &engine_path));
    let publisher_path = join(path, "Publisher");
    if let Some(p) = self.object(field(m, "Publisher"), &publisher_path) {
      task.publisher = self.spec_config(p, &publisher_path);
    }
    task.env = self.string_map(field(m, "Env"), &join(path, "Env"));
    task.meta = self.string_map(field(m, "Meta"), &join(path, "Meta"));
    let inputs_path = join(path, "InputSources");
    for (i, v) in self.list(field(m, "InputSources"), &inputs_path).iter().enumerate() {
      let p = format!("{inputs_path}[{i}]");
      if let Some(src) = self.object(Some(v), &p) {
        let input = self.input_source(src, &p);
        task.input_sources.push(input);
      }
    }
    let results_path = join(path, "ResultPaths");
    for (i, v) in self.list(field(m, "ResultPaths"), &results_path).iter().enumerate() {
      let p = format!("{results_path}[{i}]");
      if let Some(r) = self.object(Some(v), &p) {
        let name = self.string(field(r, "Name"), &join(&p, "Name"));
        let rpath = self.string(field(r, "Path"), &join(&p, "Path"));
        task.result_paths.push(ResultPath { name, path: rpath });
      }
    }
    let res_path = join(path, "Resources");
    if let Some(r) = self.object(field(m, "Resources"), &res_path) {
      task.resources = ResourcesConfig {
        cpu: self.string(field(r, "CPU"), &join(&res_path, "CPU")),
        memory: self.string(field(r, "Memory"), &join(&res_path, "Memory")),
        disk: self.string(field(r, "Disk"), &join(&res_path, "Disk")),
        gpu: self.string(field(r, "GPU"), &join(&res_path, "GPU")),
      };
    }
    let net_path = join(path, "Network");
    if let Some(n) = self.object(field(m, "Network"), &net_path) {
      let type_path = join(&net_path, "Type");
      match field(n, "Type") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => match NetworkType::parse(s) {
          Some(t) => task.network.network_type = t,
          None => self.err(
            &type_path,
            format!("unknown network type '{s}' (expected one of Default, None, Host, Full, HTTP, Bridge)"),
          ),
        },
        Some(other) => self.wrong_type(&type_path, "a network type name (None, Host, HTTP, ...)", other),
      }
      task.network.domains = self.strings(field(n, "Domains"), &join(&net_path, "Domains"));
      task.network.ports = self.list(field(n, "Ports"), &join(&net_path, "Ports")).to_vec();
    }
    let timeouts_path = join(path, "Timeouts");
    if let Some(t) = self.object(field(m, "Timeouts"), &timeouts_path) {
      task.timeouts = TimeoutConfig {
        execution_timeout: self
          .int(field(t, "ExecutionTimeout"), &join(&timeouts_path, "ExecutionTimeout"))
          .unwrap_or(0),
        queue_timeout: self.int(field(t, "QueueTimeout"), &join(&timeouts_path, "QueueTimeout")).unwrap_or(0),
        total_timeout: self.int(field(t, "TotalTimeout"), &join(&timeouts_path, "TotalTimeout")).unwrap_or(0),
      };
    }
    if task.is_wasm() {
      self.wasm_engine(&mut task, path);
    }
    task
  }

  /// Rewrites wasm params into the canonical form, converting the legacy shape as Bacalhau's
  /// `LegacyWasmModuleTransformer` does, but keeping `EnvironmentVariables` as `Task.Env`.
  fn wasm_engine(&mut self, task: &mut Task, task_path: &str) {
    let params_path = format!("{task_path}.Engine.Params");
    let Some(engine) = task.engine.as_mut() else { return };
    let raw = std::mem::take(&mut engine.params);
    let mut spec = WasmEngineParams::default();
    let mut legacy_entry = None;
    let mut legacy_imports: Vec<(usize, Option<InputSource>)> = Vec::new();
    let mut entry_is_legacy = false;
    for (key, value) in &raw {
      if key.contains('_') {
        self.client_model = true;
      }
      let path = join(&params_path, key);
      match fold(key).as_str() {
        "entrymodule" => match value {
          Value::Null => {}
          Value::String(s) => spec.entry_module.clone_from(s),
          Value::Object(m) => {
            entry_is_legacy = true;
            legacy_entry = self.legacy_source(m, &path);
          }
          other => self.wrong_type(&path, "an input target (string) or an input source (map)", other),
        },
        "entrypoint" => spec.entrypoint = self.string(Some(value), &path),
        "parameters" => spec.parameters = self.strings(Some(value), &path),
        "environmentvariables" => spec.environment_variables = self.string_map(Some(value), &path),
        "importmodules" => {
          for (i, item) in self.list(Some(value), &path).iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            match item {
              Value::Null => legacy_imports.push((i, None)),
              Value::String(s) => spec.import_modules.push(s.clone()),
              Value::Object(m) => {
                let source = self.legacy_source(m, &item_path);
                legacy_imports.push((i, source));
              }
              other => self.wrong_type(&item_path, "an input target (string) or an input source (map)", other),
            }
          }
        }
        _ => self.warnings.push(format!("{path}: unknown wasm engine parameter, ignored")),
      }
    }
    let any_legacy = entry_is_legacy || legacy_imports.iter().any(|(_, s)| s.is_some());
    if any_legacy {
      self.legacy = true;
      if !entry_is_legacy && !spec.entry_module.is_empty() {
        self.err(
          &join(&params_path, "ImportModules"),
          "import modules are input sources but EntryModule is an input target: use targets for both",
        );
      }
      if !spec.import_modules.is_empty() {
        self.err(
          &join(&params_path, "ImportModules"),
          "mixes input targets (strings) and input sources (maps): use one form",
        );
      }
      if let Some(mut entry) = legacy_entry {
        if entry.target.is_empty() {
          entry.target = LEGACY_ENTRY_TARGET.into();
        }
        spec.entry_module.clone_from(&entry.target);
        task.input_sources.push(entry);
      }
      for (i, source) in legacy_imports {
        if let Some(mut source) = source {
          if source.target.is_empty() {
            source.target = format!("{LEGACY_IMPORTS_DIR}/module_{i}.wasm");
          }
          spec.import_modules.push(source.target.clone());
          task.input_sources.push(source);
        }
      }
    }
    if !spec.environment_variables.is_empty() {
      let env_path = join(&params_path, "EnvironmentVariables");
      self.warnings.push(format!(
        "{env_path}: moved to {task_path}.Env (Bacalhau's orchestrator silently drops EnvironmentVariables; \
         kiln keeps them and submits them as Task.Env)"
      ));
      for (k, v) in std::mem::take(&mut spec.environment_variables) {
        match task.env.entry(k) {
          std::collections::btree_map::Entry::Occupied(e) => {
            let k = e.key();
            self.warnings.push(format!("{env_path}.{k}: {task_path}.Env already sets {k}; Env wins"));
          }
          std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(v);
          }
        }
      }
    }
    if let Some(engine) = task.engine.as_mut() {
      engine.params = spec.to_params();
    }
  }

  /// A legacy module: an `InputSource` map (seed 000) or a client-model storage spec (seed 002).
  fn legacy_source(&mut self, m: &Map<String, Value>, path: &str) -> Option<InputSource> {
    if fold_field(m, "storage_source").is_some() {
      self.client_model = true;
      return self.storage_spec(m, path);
    }
    Some(self.input_source(m, path))
  }

  /// Bacalhau's `Job.Normalize` / `Task.Normalize` and `SanitizeSubmission`, plus kiln's local
  /// publisher default.
  fn normalize(&mut self, job: &mut Job) {
    if job.namespace.is_empty() {
      job.namespace = "default".into();
    }
    // Normalize zeroes Count for daemon/ops; a Count > 1 is left for validation to report.
    if matches!(job.job_type.as_str(), "daemon" | "ops") && job.count <= 1 {
      job.count = 0;
    }
    if job.tasks.len() > 1 {
      self.warnings.push("Tasks: only one task is supported per job; the others are ignored".into());
      job.tasks.truncate(1);
    }
    let reserved: Vec<String> = job.meta.keys().filter(|k| k.starts_with("bacalhau.org/")).cloned().collect();
    for k in reserved {
      self.warnings.push(format!("Meta.{k}: job meta key {k:?} is reserved and will be ignored"));
      job.meta.remove(&k);
    }
    for (i, task) in job.tasks.iter_mut().enumerate() {
      if let Some(engine) = task.engine.as_mut() {
        engine.spec_type = engine.spec_type.trim().to_owned();
      }
      task.publisher.spec_type = task.publisher.spec_type.trim().to_owned();
      for input in &mut task.input_sources {
        if let Some(source) = input.source.as_mut() {
          source.spec_type = source.spec_type.trim().to_owned();
          input.alias = input.alias.trim().to_owned();
          input.target = input.target.trim().to_owned();
        }
      }
      for result in &mut task.result_paths {
        result.name = result.name.trim().to_owned();
        result.path = result.path.trim().to_owned();
      }
      let r = &mut task.resources;
      for s in [&mut r.cpu, &mut r.memory, &mut r.disk, &mut r.gpu] {
        *s = s.to_lowercase().replace([' ', '\n'], "");
      }
      for d in &mut task.network.domains {
        *d = d.to_lowercase().trim().to_owned();
      }
      if !task.result_paths.is_empty() && task.publisher.is_empty() {
        self.warnings.push(format!(
          "Tasks[{i}].Publisher: set to {{Type: local}} because the task has ResultPaths \
           (Bacalhau requires a publisher when result paths are set)"
        ));
        task.publisher.spec_type = "local".into();
      }
    }
  }
}
