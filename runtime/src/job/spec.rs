//! Parsing and normalizing Bacalhau job specs.
//!
//! Decoding follows Bacalhau's CLI (`pkg/lib/marshaller/utils.go` `UnmarshalJob`): struct field names
//! match case-insensitively (Go `encoding/json`), unknown nested keys are ignored, unknown or system
//! top-level keys are errors, and no type coercion happens (`Count: "1"` is an error). Every decode
//! error carries the key path of the offending value.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::decode::decode;
use super::validate::ValidationError;

/// Where the wasm transformer puts a legacy entry module (`transformer/wasm_legacy.go`).
pub const LEGACY_ENTRY_TARGET: &str = "/wasm/entry.wasm";
/// Directory of the legacy import modules' targets: `module_<index>.wasm` inside it.
pub const LEGACY_IMPORTS_DIR: &str = "/wasm/imports";

/// Input format, detected from the first non-whitespace character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
  Json,
  Yaml,
}

/// Which of the accepted spec shapes the input was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
  /// Today's Bacalhau job: `EntryModule`/`ImportModules` name input targets.
  Current,
  /// Seed 000: `EntryModule`/`ImportModules` are input sources, `EnvironmentVariables` in `Params`.
  LegacyWasm,
  /// Seed 002: the client model (`entry_module`, `entry_point`, ..., storage specs).
  ClientModel,
}

/// A parsed and normalized job, with the warnings collected on the way.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedJob {
  pub job: Job,
  pub format: Format,
  pub shape: Shape,
  pub warnings: Vec<String>,
}

/// Why a spec could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum SpecError {
  /// Not well-formed JSON or YAML.
  Syntax { format: Format, message: String },
  /// Well-formed, but a value has the wrong type or a key is not allowed.
  Invalid(Vec<ValidationError>),
}

impl fmt::Display for SpecError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      SpecError::Syntax { format, message } => write!(f, "invalid {format:?}: {message}"),
      SpecError::Invalid(errors) => {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        f.write_str(&lines.join("\n"))
      }
    }
  }
}

impl std::error::Error for SpecError {}

/// Bacalhau's `models.Job`, the fields a user may set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Job {
  #[serde(rename = "Name")]
  pub name: String,
  #[serde(rename = "Namespace")]
  pub namespace: String,
  #[serde(rename = "Type")]
  pub job_type: String,
  #[serde(rename = "Priority")]
  pub priority: i64,
  #[serde(rename = "Count")]
  pub count: i64,
  #[serde(rename = "Constraints")]
  pub constraints: Vec<LabelSelectorRequirement>,
  #[serde(rename = "Labels")]
  pub labels: BTreeMap<String, String>,
  #[serde(rename = "Meta")]
  pub meta: BTreeMap<String, String>,
  #[serde(rename = "Tasks")]
  pub tasks: Vec<Task>,
}

/// `models.LabelSelectorRequirement`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LabelSelectorRequirement {
  #[serde(rename = "Key")]
  pub key: String,
  #[serde(rename = "Operator")]
  pub operator: String,
  #[serde(rename = "Values", default, skip_serializing_if = "Vec::is_empty")]
  pub values: Vec<String>,
}

/// `models.Task`. `engine` is `None` when the spec has no engine (Bacalhau: `nil spec config`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Task {
  #[serde(rename = "Name")]
  pub name: String,
  #[serde(rename = "Engine")]
  pub engine: Option<SpecConfig>,
  #[serde(rename = "Publisher")]
  pub publisher: SpecConfig,
  #[serde(rename = "Env", default, skip_serializing_if = "BTreeMap::is_empty")]
  pub env: BTreeMap<String, String>,
  #[serde(rename = "Meta", default, skip_serializing_if = "BTreeMap::is_empty")]
  pub meta: BTreeMap<String, String>,
  #[serde(rename = "InputSources", default, skip_serializing_if = "Vec::is_empty")]
  pub input_sources: Vec<InputSource>,
  #[serde(rename = "ResultPaths", default, skip_serializing_if = "Vec::is_empty")]
  pub result_paths: Vec<ResultPath>,
  #[serde(rename = "Resources")]
  pub resources: ResourcesConfig,
  #[serde(rename = "Network")]
  pub network: NetworkConfig,
  #[serde(rename = "Timeouts")]
  pub timeouts: TimeoutConfig,
}

/// `models.SpecConfig`: a type name and free-form params.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SpecConfig {
  #[serde(rename = "Type")]
  pub spec_type: String,
  #[serde(rename = "Params", default, skip_serializing_if = "Map::is_empty")]
  pub params: Map<String, Value>,
}

impl SpecConfig {
  /// Bacalhau's `IsType`: trimmed, case-insensitive.
  pub fn is_type(&self, name: &str) -> bool {
    self.spec_type.trim().eq_ignore_ascii_case(name.trim())
  }

  /// Bacalhau's `IsEmpty`: no type and no params.
  pub fn is_empty(&self) -> bool {
    self.spec_type.is_empty() && self.params.is_empty()
  }

  /// A params value, matching the key case-insensitively as Bacalhau's decoders do.
  pub fn param(&self, key: &str) -> Option<&Value> {
    field(&self.params, key)
  }
}

/// `models.InputSource`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputSource {
  #[serde(rename = "Source")]
  pub source: Option<SpecConfig>,
  #[serde(rename = "Alias")]
  pub alias: String,
  #[serde(rename = "Target")]
  pub target: String,
}

/// `models.ResultPath`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResultPath {
  #[serde(rename = "Name")]
  pub name: String,
  #[serde(rename = "Path")]
  pub path: String,
}

/// `models.ResourcesConfig` (strings, parsed by validation).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResourcesConfig {
  #[serde(rename = "CPU", default, skip_serializing_if = "String::is_empty")]
  pub cpu: String,
  #[serde(rename = "Memory", default, skip_serializing_if = "String::is_empty")]
  pub memory: String,
  #[serde(rename = "Disk", default, skip_serializing_if = "String::is_empty")]
  pub disk: String,
  #[serde(rename = "GPU", default, skip_serializing_if = "String::is_empty")]
  pub gpu: String,
}

/// `models.Network`, serialized as its name (`MarshalText`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum NetworkType {
  #[default]
  Default,
  None,
  Host,
  /// Deprecated alias of `Host`, still accepted by Bacalhau.
  Full,
  #[serde(rename = "HTTP")]
  Http,
  Bridge,
}

impl NetworkType {
  pub const ALL: [NetworkType; 6] = [
    NetworkType::Default,
    NetworkType::None,
    NetworkType::Host,
    NetworkType::Full,
    NetworkType::Http,
    NetworkType::Bridge,
  ];

  pub fn name(self) -> &'static str {
    match self {
      NetworkType::Default => "Default",
      NetworkType::None => "None",
      NetworkType::Host => "Host",
      NetworkType::Full => "Full",
      NetworkType::Http => "HTTP",
      NetworkType::Bridge => "Bridge",
    }
  }

  /// Bacalhau's `ParseNetwork`: trimmed, case-insensitive name.
  pub fn parse(s: &str) -> Option<NetworkType> {
    Self::ALL.into_iter().find(|t| t.name().eq_ignore_ascii_case(s.trim()))
  }
}

/// `models.NetworkConfig`. `ports` is kept as written (the wasm executor ignores ports).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NetworkConfig {
  #[serde(rename = "Type")]
  pub network_type: NetworkType,
  #[serde(rename = "Domains", default, skip_serializing_if = "Vec::is_empty")]
  pub domains: Vec<String>,
  #[serde(rename = "Ports", default, skip_serializing_if = "Vec::is_empty")]
  pub ports: Vec<Value>,
}

/// `models.TimeoutConfig`, in seconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TimeoutConfig {
  #[serde(rename = "ExecutionTimeout", default, skip_serializing_if = "is_zero")]
  pub execution_timeout: i64,
  #[serde(rename = "QueueTimeout", default, skip_serializing_if = "is_zero")]
  pub queue_timeout: i64,
  #[serde(rename = "TotalTimeout", default, skip_serializing_if = "is_zero")]
  pub total_timeout: i64,
}

fn is_zero(v: &i64) -> bool {
  *v == 0
}

/// The wasm engine's params (`pkg/executor/wasm/models/types.go` `EngineSpec`). After
/// normalization `environment_variables` is always empty: they live in `Task.env`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WasmEngineParams {
  #[serde(rename = "EntryModule")]
  pub entry_module: String,
  #[serde(rename = "Entrypoint", default, skip_serializing_if = "String::is_empty")]
  pub entrypoint: String,
  #[serde(rename = "Parameters", default, skip_serializing_if = "Vec::is_empty")]
  pub parameters: Vec<String>,
  #[serde(rename = "ImportModules", default, skip_serializing_if = "Vec::is_empty")]
  pub import_modules: Vec<String>,
  /// Only read from legacy input; never serialized.
  #[serde(rename = "EnvironmentVariables", default, skip_serializing)]
  pub environment_variables: BTreeMap<String, String>,
}

impl WasmEngineParams {
  /// The canonical params map (the keys of Bacalhau's `EngineSpec.ToMap`).
  pub fn to_params(&self) -> Map<String, Value> {
    match serde_json::to_value(self) {
      Ok(Value::Object(map)) => map,
      _ => Map::new(),
    }
  }
}

impl Task {
  /// Whether the engine is Bacalhau's wasm engine.
  pub fn is_wasm(&self) -> bool {
    self.engine.as_ref().is_some_and(|e| e.is_type("wasm"))
  }

  /// The typed wasm params of a normalized job, or `None` when the engine is not wasm.
  pub fn wasm_params(&self) -> Option<WasmEngineParams> {
    let engine = self.engine.as_ref().filter(|e| e.is_type("wasm"))?;
    let mut params = WasmEngineParams::default();
    if let Some(Value::String(s)) = engine.param("EntryModule") {
      params.entry_module.clone_from(s);
    }
    if let Some(Value::String(s)) = engine.param("Entrypoint") {
      params.entrypoint.clone_from(s);
    }
    params.parameters = string_list(engine.param("Parameters"));
    params.import_modules = string_list(engine.param("ImportModules"));
    Some(params)
  }
}

fn string_list(value: Option<&Value>) -> Vec<String> {
  match value {
    Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
    _ => Vec::new(),
  }
}

/// JSON when the first non-whitespace character is `{`, else YAML.
pub fn detect_format(text: &str) -> Format {
  if text.trim_start().starts_with('{') {
    Format::Json
  } else {
    Format::Yaml
  }
}

/// Parses a job spec in any accepted shape and normalizes it.
pub fn parse_job(text: &str) -> Result<ParsedJob, SpecError> {
  let format = detect_format(text);
  let value: Value = match format {
    Format::Json => serde_json::from_str(text).map_err(|e| SpecError::Syntax { format, message: e.to_string() })?,
    Format::Yaml => serde_yaml_ng::from_str(text).map_err(|e| SpecError::Syntax { format, message: e.to_string() })?,
  };
  let (job, shape, warnings) = decode(&value).map_err(SpecError::Invalid)?;
  Ok(ParsedJob { job, format, shape, warnings })
}

/// The body `kiln job submit` sends as `Job` in `PUT /api/v1/orchestrator/jobs`: always today's
/// shape, environment in `Task.Env`, `Network.Type` as a string, a `local` publisher whenever there
/// are result paths and no publisher.
pub fn to_submit_json(job: &Job) -> Value {
  let mut job = job.clone();
  for task in &mut job.tasks {
    if !task.result_paths.is_empty() && task.publisher.is_empty() {
      task.publisher = SpecConfig { spec_type: "local".into(), params: Map::new() };
    }
  }
  serde_json::to_value(&job).unwrap_or(Value::Null)
}

/// Looks a key up as Go's `encoding/json` does: the exact name first, then case-insensitively.
pub(crate) fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
  map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

#[cfg(test)]
mod tests {
  use super::*;

  const CURRENT_YAML: &str = r#"
Name: hello
Type: batch
Count: 1
Tasks:
  - Name: main
    Engine:
      Type: wasm
      Params:
        EntryModule: /wasm/entry.wasm
        Entrypoint: _start
        Parameters: ["-v", "x"]
        ImportModules: [/wasm/imports/module_0.wasm]
    Env:
      GREETING: hi
    InputSources:
      - Source: {Type: urlDownload, Params: {URL: "http://127.0.0.1:8000/a.wasm"}}
        Target: /wasm/entry.wasm
      - Source: {Type: urlDownload, Params: {URL: "http://127.0.0.1:8000/b.wasm"}}
        Target: /wasm/imports/module_0.wasm
    ResultPaths:
      - {Name: out, Path: /outputs}
    Resources: {Memory: 64Mb}
    Network: {Type: none}
"#;

  const LEGACY_YAML: &str = r#"
Name: hello
Type: batch
Tasks:
  - Name: main
    Engine:
      Type: wasm
      Params:
        EntryModule:
          Source: {Type: urlDownload, Params: {URL: "http://127.0.0.1:8000/a.wasm"}}
        EntryPoint: _start
        Parameters: ["-v", "x"]
        EnvironmentVariables: {GREETING: hi}
        ImportModules:
          - Source: {Type: urlDownload, Params: {URL: "http://127.0.0.1:8000/b.wasm"}}
    ResultPaths:
      - {Name: out, Path: /outputs}
    Resources: {Memory: 64Mb}
    Network: {Type: None}
"#;

  const CLIENT_JSON: &str = r#"{
  "name": "hello",
  "spec": {
    "engine": "wasm",
    "wasm": {
      "entry_module": {"storage_source": "urlDownload", "url": "http://127.0.0.1:8000/a.wasm"},
      "entry_point": "_start",
      "parameters": ["-v", "x"],
      "environment_variables": {"GREETING": "hi"},
      "import_modules": [{"storage_source": "urlDownload", "url": "http://127.0.0.1:8000/b.wasm"}]
    },
    "outputs": [{"name": "out", "path": "/outputs"}],
    "resources": {"memory": "64Mb"},
    "network": {"type": "None"},
    "deal": {"concurrency": 1}
  }
}"#;

  fn parse(text: &str) -> ParsedJob {
    match parse_job(text) {
      Ok(p) => p,
      Err(e) => panic!("parse failed: {e}"),
    }
  }

  #[test]
  fn detects_json_and_yaml() {
    assert_eq!(detect_format("  \n{\"Name\": 1}"), Format::Json);
    assert_eq!(detect_format("Name: x"), Format::Yaml);
    assert_eq!(detect_format("---\n{}"), Format::Yaml);
    assert_eq!(parse("{\"Type\": \"batch\", \"Tasks\": []}").format, Format::Json);
    assert_eq!(parse("Type: batch").format, Format::Yaml);
    assert!(matches!(parse_job("{\"Type\": "), Err(SpecError::Syntax { format: Format::Json, .. })));
    assert!(matches!(parse_job("Type: [a"), Err(SpecError::Syntax { format: Format::Yaml, .. })));
  }

  #[test]
  fn current_shape_parses() {
    let p = parse(CURRENT_YAML);
    assert_eq!(p.shape, Shape::Current);
    assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    assert!(p.warnings[0].starts_with("Tasks[0].Publisher: set to {Type: local}"));
    let task = &p.job.tasks[0];
    let wasm = task.wasm_params().unwrap_or_default();
    assert_eq!(wasm.entry_module, "/wasm/entry.wasm");
    assert_eq!(wasm.entrypoint, "_start");
    assert_eq!(wasm.parameters, ["-v", "x"]);
    assert_eq!(task.network.network_type, NetworkType::None);
    assert_eq!(task.publisher.spec_type, "local");
    assert_eq!(p.job.namespace, "default");
  }

  #[test]
  fn three_shapes_normalize_to_the_same_job() {
    let current = parse(CURRENT_YAML).job;
    let legacy = parse(LEGACY_YAML);
    assert_eq!(legacy.shape, Shape::LegacyWasm);
    assert_eq!(legacy.job, current);
    assert!(legacy.warnings.iter().any(|w| w.contains("EnvironmentVariables: moved to Tasks[0].Env")));
    let client = parse(CLIENT_JSON);
    assert_eq!(client.shape, Shape::ClientModel);
    assert_eq!(client.job, current);
    let same_as_json = parse(&serde_json::to_string(&to_submit_json(&current)).unwrap_or_default()).job;
    assert_eq!(same_as_json, current);
  }

  #[test]
  fn legacy_targets_follow_the_orchestrator() {
    let text = r#"
Type: batch
Tasks:
  - Name: main
    Engine:
      Type: wasm
      Params:
        EntryModule: {Source: {Type: inline, Params: {URL: "data:,x"}}}
        ImportModules:
          - {Source: {Type: inline, Params: {URL: "data:,a"}}}
          - {Source: {Type: inline, Params: {URL: "data:,b"}}, Target: /lib/b.wasm}
          - {Source: {Type: inline, Params: {URL: "data:,c"}}}
"#;
    let job = parse(text).job;
    let targets: Vec<&str> = job.tasks[0].input_sources.iter().map(|i| i.target.as_str()).collect();
    assert_eq!(
      targets,
      ["/wasm/entry.wasm", "/wasm/imports/module_0.wasm", "/lib/b.wasm", "/wasm/imports/module_2.wasm"]
    );
    let wasm = job.tasks[0].wasm_params().unwrap_or_default();
    assert_eq!(wasm.entry_module, "/wasm/entry.wasm");
    assert_eq!(wasm.import_modules, ["/wasm/imports/module_0.wasm", "/lib/b.wasm", "/wasm/imports/module_2.wasm"]);
  }

  #[test]
  fn count_defaults_like_bacalhau() {
    assert_eq!(parse("Type: batch").job.count, 1);
    assert_eq!(parse("Type: service").job.count, 1);
    assert_eq!(parse("Type: batch\nCount: 0").job.count, 0);
    assert_eq!(parse("Type: ops\nCount: 1").job.count, 0);
    assert_eq!(parse("Type: ops\nCount: 3").job.count, 3);
  }

  #[test]
  fn keys_match_case_insensitively_and_nested_unknowns_are_ignored() {
    let job = parse(
      "type: batch\ntasks:\n  - name: main\n    whatever: 1\n    engine: {type: wasm, params: {entrymodule: /m.wasm}}",
    )
    .job;
    assert_eq!(job.tasks[0].name, "main");
    assert_eq!(job.tasks[0].wasm_params().unwrap_or_default().entry_module, "/m.wasm");
  }

  #[test]
  fn top_level_unknown_and_system_fields_are_errors() {
    let Err(SpecError::Invalid(errors)) = parse_job("Type: batch\nID: x\nFoo: 1") else { panic!("expected errors") };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(paths.contains(&"ID") && paths.contains(&"Foo"), "{paths:?}");
  }

  #[test]
  fn type_errors_carry_the_key_path() {
    let text = "Type: batch\nCount: \"1\"\nTasks:\n  - Name: main\n    Env: {A: 1}\n    Network: {Type: Wifi}";
    let Err(SpecError::Invalid(errors)) = parse_job(text) else { panic!("expected errors") };
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(paths, ["Count", "Tasks[0].Env.A", "Tasks[0].Network.Type"]);
  }

  #[test]
  fn network_type_names() {
    assert_eq!(NetworkType::parse(" http "), Some(NetworkType::Http));
    assert_eq!(NetworkType::parse("FULL"), Some(NetworkType::Full));
    assert_eq!(NetworkType::parse(""), None);
    assert_eq!(serde_json::to_value(NetworkType::Http).unwrap_or_default(), "HTTP");
  }

  #[test]
  fn env_conflict_keeps_task_env() {
    let text = "Type: batch\nTasks:\n  - Name: m\n    Env: {A: task}\n    Engine: {Type: wasm, Params: {EntryModule: /m, EnvironmentVariables: {A: params, B: b}}}";
    let p = parse(text);
    assert_eq!(p.job.tasks[0].env.get("A").map(String::as_str), Some("task"));
    assert_eq!(p.job.tasks[0].env.get("B").map(String::as_str), Some("b"));
    assert!(p.job.tasks[0].engine.as_ref().is_some_and(|e| e.param("EnvironmentVariables").is_none()));
  }

  #[test]
  fn submit_json_shape() {
    let p = parse(LEGACY_YAML);
    let mut job = p.job;
    job.tasks[0].publisher = SpecConfig::default();
    let v = to_submit_json(&job);
    let task = &v["Tasks"][0];
    assert_eq!(v["Type"], "batch");
    assert_eq!(v["Count"], 1);
    assert_eq!(task["Env"]["GREETING"], "hi");
    assert_eq!(task["Network"]["Type"], "None");
    assert_eq!(task["Publisher"]["Type"], "local");
    assert_eq!(task["Engine"]["Type"], "wasm");
    assert_eq!(task["Engine"]["Params"]["EntryModule"], "/wasm/entry.wasm");
    assert_eq!(task["Engine"]["Params"]["ImportModules"][0], "/wasm/imports/module_0.wasm");
    assert!(task["Engine"]["Params"].get("EnvironmentVariables").is_none());
    assert_eq!(task["InputSources"][0]["Target"], "/wasm/entry.wasm");
    assert_eq!(task["Resources"]["Memory"], "64mb");
  }
}
