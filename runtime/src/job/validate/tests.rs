//! Tests of the job validation rules (validate.rs).

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
