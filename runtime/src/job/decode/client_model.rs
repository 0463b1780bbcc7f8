//! The old client model of seed 002 (`spec: {engine, wasm, inputs, outputs, deal, ...}`, snake_case
//! or Go names) and its storage specs, converted into today's job as Bacalhau's own converter did
//! (`models/migration/legacy/from.go`, removed in 0c6e701ad). Part of the decoder (`decode.rs`).

use serde_json::{Map, Value};

use super::*;

impl Decoder {
  /// Bacalhau's `FromLegacyStorageSpecToInputSource` (removed in 0c6e701ad, `models/migration/legacy/from.go`).
  pub(super) fn storage_spec(&mut self, m: &Map<String, Value>, path: &str) -> Option<InputSource> {
    let get = |name: &str| fold_field(m, name).map(|(_, v)| v);
    let source_path =
      fold_field(m, "storage_source").map_or_else(|| join(path, "StorageSource"), |(k, _)| join(path, k));
    let kind = match get("storage_source") {
      Some(Value::String(s)) => s.clone(),
      // The old Go enum's numbering (`pkg/model/storage_source.go`).
      Some(Value::Number(n)) => match n.as_u64() {
        Some(1) => "ipfs".into(),
        Some(4) => "urlDownload".into(),
        Some(5) => "inline".into(),
        Some(6) => "localDirectory".into(),
        Some(7) => "s3".into(),
        _ => n.to_string(),
      },
      Some(other) => {
        self.wrong_type(&source_path, "a storage source name", other);
        return None;
      }
      None => String::new(),
    };
    let url = self.string(get("url"), &join(path, "URL"));
    let mut params = Map::new();
    let spec_type = match kind.to_lowercase().as_str() {
      "ipfs" => {
        let cid = self.string(get("cid"), &join(path, "CID"));
        if cid.is_empty() {
          self.err(&join(path, "CID"), "invalid legacy storage spec - missing CID");
        }
        params.insert("CID".into(), Value::String(cid));
        "ipfs"
      }
      "urldownload" | "inline" => {
        if url.is_empty() {
          self.err(&join(path, "URL"), "invalid legacy storage spec - missing URL");
        }
        params.insert("URL".into(), Value::String(url));
        if kind.eq_ignore_ascii_case("inline") {
          "inline"
        } else {
          "urlDownload"
        }
      }
      "localdirectory" => {
        let sp = self.string(get("source_path"), &join(path, "SourcePath"));
        if sp.is_empty() {
          self.err(&join(path, "SourcePath"), "invalid legacy storage spec - missing SourcePath");
        }
        let rw = self.bool(get("read_write"), &join(path, "ReadWrite"));
        params.insert("SourcePath".into(), Value::String(sp));
        params.insert("ReadWrite".into(), Value::Bool(rw));
        "localDirectory"
      }
      "s3" => {
        let s3_path = join(path, "S3");
        let Some(s3) = self.object(get("s3"), &s3_path) else {
          self.err(&s3_path, "invalid legacy storage spec - missing S3 details");
          return None;
        };
        for (from, to) in [
          ("bucket", "Bucket"),
          ("key", "Key"),
          ("region", "Region"),
          ("endpoint", "Endpoint"),
          ("checksum", "ChecksumSHA256"),
        ] {
          let v = self.string(fold_field(s3, from).map(|(_, v)| v), &join(&s3_path, to));
          params.insert(to.into(), Value::String(v));
        }
        "s3"
      }
      _ => {
        self.err(&source_path, format!("unhandled storage spec: '{kind}'"));
        return None;
      }
    };
    let alias = self.string(get("name"), &join(path, "Name"));
    let target = self.string(get("path"), &join(path, "Path"));
    Some(InputSource { source: Some(SpecConfig { spec_type: spec_type.into(), params }), alias, target })
  }

  /// Seed 002's whole client job (`spec: {engine, wasm, inputs, outputs, ...}`), converted into
  /// today's shape as Bacalhau's `FromLegacyJob` did, with the wasm block as legacy engine params.
  pub(super) fn client_job(&mut self, top: &Map<String, Value>, spec: &Value, spec_key: &str) -> Option<Value> {
    let spec = self.object(Some(spec), spec_key)?;
    let at = |k: &str| join(spec_key, k);
    let get = |name: &str| fold_field(spec, name).map(|(_, v)| v);
    let mut job = Map::new();
    if let Some((_, name)) = fold_field(top, "name") {
      job.insert("Name".into(), name.clone());
    }
    if let Some((_, ns)) = fold_field(top, "namespace") {
      job.insert("Namespace".into(), ns.clone());
    }
    let deal = self.object(get("deal"), &at("Deal"));
    let targeting = deal.and_then(|d| fold_field(d, "targeting_mode")).map(|(_, v)| v);
    let ops = matches!(targeting, Some(Value::String(s)) if s.eq_ignore_ascii_case("all"));
    job.insert("Type".into(), Value::String(if ops { "ops" } else { "batch" }.into()));
    if let Some((_, c)) = deal.and_then(|d| fold_field(d, "concurrency")) {
      job.insert("Count".into(), c.clone());
    }
    let annotations = self.strings(get("annotations"), &at("Annotations"));
    if !annotations.is_empty() {
      let labels: Map<String, Value> = annotations.into_iter().map(|a| (a, Value::String(String::new()))).collect();
      job.insert("Labels".into(), Value::Object(labels));
    }
    match get("engine") {
      None | Some(Value::Null) => {}
      Some(Value::String(s)) if s.eq_ignore_ascii_case("wasm") => {}
      Some(other) => self.err(&at("Engine"), format!("only the wasm engine is supported, found {other}")),
    }
    let mut task = Map::new();
    task.insert("Name".into(), Value::String("main".into()));
    let wasm = self.object(get("wasm"), &at("Wasm")).cloned().unwrap_or_default();
    task.insert("Engine".into(), serde_json::json!({"Type": "wasm", "Params": wasm}));
    let mut inputs = Vec::new();
    for (i, v) in self.list(get("inputs"), &at("Inputs")).iter().enumerate() {
      let p = format!("{}[{i}]", at("Inputs"));
      if let Some(m) = self.object(Some(v), &p) {
        if let Some(input) = self.storage_spec(m, &p) {
          inputs.push(serde_json::to_value(input).unwrap_or(Value::Null));
        }
      }
    }
    task.insert("InputSources".into(), Value::Array(inputs));
    let mut outputs = Vec::new();
    for (i, v) in self.list(get("outputs"), &at("Outputs")).iter().enumerate() {
      let p = format!("{}[{i}]", at("Outputs"));
      if let Some(m) = self.object(Some(v), &p) {
        let name = self.string(fold_field(m, "name").map(|(_, v)| v), &join(&p, "Name"));
        let path = self.string(fold_field(m, "path").map(|(_, v)| v), &join(&p, "Path"));
        outputs.push(serde_json::json!({"Name": name, "Path": path}));
      }
    }
    task.insert("ResultPaths".into(), Value::Array(outputs));
    if let Some(r) = self.object(get("resources"), &at("Resources")) {
      let mut res = Map::new();
      for k in ["CPU", "Memory", "Disk", "GPU"] {
        if let Some((_, v)) = fold_field(r, k) {
          res.insert(k.into(), v.clone());
        }
      }
      task.insert("Resources".into(), Value::Object(res));
    }
    if let Some(n) = self.object(get("network"), &at("Network")) {
      let mut net = Map::new();
      match fold_field(n, "type").map(|(_, v)| v) {
        // The old enum: 0 None, 1 Full, 2 HTTP (`FromLegacyNetworkConfig`).
        Some(Value::Number(x)) => {
          let name = match x.as_u64() {
            Some(0) => "None",
            Some(1) => "Full",
            Some(2) => "HTTP",
            _ => "",
          };
          net.insert("Type".into(), Value::String(name.into()));
        }
        Some(v) => {
          net.insert("Type".into(), v.clone());
        }
        None => {}
      }
      if let Some((_, d)) = fold_field(n, "domains") {
        net.insert("Domains".into(), d.clone());
      }
      task.insert("Network".into(), Value::Object(net));
    }
    if let Some((_, t)) = fold_field(spec, "timeout") {
      // `FromLegacyJobSpec`: the old Timeout becomes TotalTimeout. Seconds; the old client sent floats.
      let secs = match t {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.ceil() as i64)).map(Value::from),
        _ => Some(t.clone()),
      };
      task.insert("Timeouts".into(), serde_json::json!({"TotalTimeout": secs}));
    }
    let known = ["engine", "wasm", "inputs", "outputs", "resources", "network", "timeout", "deal", "annotations"];
    for key in spec.keys() {
      if !known.contains(&fold(key).as_str()) {
        self.warnings.push(format!("{}: not used by kiln's conversion of the client model, ignored", at(key)));
      }
    }
    job.insert("Tasks".into(), Value::Array(vec![Value::Object(task)]));
    Some(Value::Object(job))
  }
}
