//! `kiln job submit job.yaml --api URL`: hands the job to a Bacalhau cluster through its public
//! API (`pkg/publicapi/endpoint/orchestrator`), in today's job shape whatever shape the file is in.
//! Kiln schedules nothing itself.
//!
//! - `PUT {api}/api/v1/orchestrator/jobs` with `{"Job": ...}` → `{JobID, EvaluationID, Warnings}`.
//! - `--wait`: `GET /jobs/{id}` until `Job.State.StateType` is terminal (Completed, Failed,
//!   Stopped).
//! - `--follow`: `GET /jobs/{id}/logs?follow=true`, a WebSocket of `{"value": {"Type": 1|2,
//!   "Line": ...}, "error"?: ...}` messages (1 stdout, 2 stderr), printed as they come.
//! - `--download DIR`: `GET /jobs/{id}/results` → `{Items: [{Type: "urlDownload", Params: {URL}}]}`,
//!   each a tar.gz of the result directory, unpacked into DIR: the layout of `kiln job run`.
//!
//! Errors from the API are printed as the API wrote them (its `Message`, and `Hint` if any).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};

use super::run;
use super::spec::to_submit_json;

/// The options of `kiln job submit`.
pub struct SubmitOptions {
  pub spec: PathBuf,
  pub api: String,
  pub wait: bool,
  pub follow: bool,
  pub download: Option<PathBuf>,
  /// How often `--wait` polls.
  pub poll: Duration,
}

/// Submits; returns kiln's exit status: 0 submitted (and, when waited for, completed), 1 otherwise.
pub fn submit(options: SubmitOptions) -> i32 {
  match submit_inner(&options) {
    Ok(status) => status,
    Err(message) => {
      eprintln!("error: {message}");
      1
    }
  }
}

fn submit_inner(options: &SubmitOptions) -> Result<i32, String> {
  let job = run::load(&options.spec, &[], false)?;
  let api = Api::new(&options.api)?;
  let body = json!({ "Job": to_submit_json(&job) });
  let response = api.send("PUT", "/api/v1/orchestrator/jobs", Some(&body))?;
  let id = response.get("JobID").and_then(Value::as_str).ok_or("the API's answer has no JobID")?.to_string();
  println!("job id: {id}");
  for warning in response.get("Warnings").and_then(Value::as_array).into_iter().flatten() {
    eprintln!("warning: {}", warning.as_str().unwrap_or_default());
  }
  if options.follow {
    api.follow(&id)?;
  }
  if !(options.wait || options.follow || options.download.is_some()) {
    return Ok(0);
  }
  let (state, message) = api.wait(&id, options.poll)?;
  eprintln!("job {id}: {state}{}", if message.is_empty() { String::new() } else { format!(": {message}") });
  if let Some(dir) = &options.download {
    api.download(&id, dir)?;
    eprintln!("results in {}", dir.display());
  }
  Ok(if state == "Completed" { 0 } else { 1 })
}

/// A Bacalhau API endpoint.
struct Api {
  base: String,
  agent: ureq::Agent,
}

impl Api {
  fn new(api: &str) -> Result<Self, String> {
    let base = api.trim_end_matches('/').to_string();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
      return Err(format!("--api {api:?}: give the API's URL, e.g. http://HOST:1234"));
    }
    let agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    Ok(Self { base, agent })
  }

  /// Sends a request; the JSON answer of a 2xx status, else the API's own error.
  fn send(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let url = format!("{}{path}", self.base);
    let response = match (method, body) {
      ("PUT", Some(body)) => self.agent.put(&url).send_json(body),
      _ => self.agent.get(&url).call(),
    }
    .map_err(|e| format!("{method} {url}: {e}"))?;
    let status = response.status().as_u16();
    let mut text = String::new();
    response.into_body().into_reader().read_to_string(&mut text).map_err(|e| format!("{method} {url}: {e}"))?;
    if !(200..300).contains(&status) {
      return Err(format!("{method} {url}: {}", api_error(status, &text)));
    }
    serde_json::from_str(&text).map_err(|e| format!("{method} {url}: the answer is not JSON ({e}): {text}"))
  }

  /// Polls the job until its state is terminal; returns the state's name and message.
  fn wait(&self, id: &str, poll: Duration) -> Result<(String, String), String> {
    loop {
      let job = self.send("GET", &format!("/api/v1/orchestrator/jobs/{id}"), None)?;
      let state = &job["Job"]["State"];
      let name = state_name(&state["StateType"]);
      if matches!(name.as_str(), "Completed" | "Failed" | "Stopped") {
        return Ok((name, state["Message"].as_str().unwrap_or_default().to_string()));
      }
      std::thread::sleep(poll);
    }
  }

  /// Prints the job's log lines as the API streams them, until it closes the stream.
  fn follow(&self, id: &str) -> Result<(), String> {
    let url = format!("{}/api/v1/orchestrator/jobs/{id}/logs?follow=true", self.base.replacen("http", "ws", 1));
    let (mut socket, _) = tungstenite::connect(&url).map_err(|e| format!("GET {url}: {e}"))?;
    loop {
      let message = match socket.read() {
        Ok(message) => message,
        Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed) => return Ok(()),
        Err(e) => return Err(format!("the log stream of job {id} broke: {e}")),
      };
      let text = match message {
        tungstenite::Message::Text(text) => text.to_string(),
        tungstenite::Message::Close(_) => return Ok(()),
        _ => continue,
      };
      let value: Value = serde_json::from_str(&text).map_err(|e| format!("a log message is not JSON ({e}): {text}"))?;
      if let Some(error) = value.get("error").and_then(Value::as_str).filter(|e| !e.is_empty()) {
        return Err(format!("the log stream of job {id}: {error}"));
      }
      let log = &value["value"];
      let line = log["Line"].as_str().unwrap_or_default();
      if log["Type"].as_i64() == Some(2) {
        let _ = std::io::stderr().write_all(line.as_bytes());
      } else {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
      }
    }
  }

  /// Downloads each published result (a tar.gz) and unpacks it into `dir`.
  fn download(&self, id: &str, dir: &std::path::Path) -> Result<(), String> {
    let results = self.send("GET", &format!("/api/v1/orchestrator/jobs/{id}/results"), None)?;
    let items = results["Items"].as_array().cloned().unwrap_or_default();
    if items.is_empty() {
      return Err(format!("job {id} published no results (does it have a Publisher and ResultPaths?)"));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for item in items {
      let url = item["Params"]["URL"].as_str().or_else(|| item["Params"]["url"].as_str()).ok_or_else(|| {
        format!("a result of type {} has no URL; kiln downloads urlDownload results (local publisher)", item["Type"])
      })?;
      let bytes = super::inputs::http_get(url).map_err(|e| format!("GET {url}: {e}"))?;
      let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
      archive.unpack(dir).map_err(|e| format!("cannot unpack {url} into {}: {e}", dir.display()))?;
    }
    Ok(())
  }
}

/// A `StateType` as its name: Bacalhau writes the name, older APIs the number.
fn state_name(value: &Value) -> String {
  const NAMES: [&str; 7] = ["Undefined", "Pending", "Queued", "Running", "Completed", "Failed", "Stopped"];
  match value {
    Value::String(name) => name.clone(),
    Value::Number(n) => n.as_u64().and_then(|i| NAMES.get(i as usize)).map_or_else(|| n.to_string(), |s| s.to_string()),
    other => other.to_string(),
  }
}

/// The API's error as it wrote it: `Message` (and `Hint`) of its error JSON, else the body.
fn api_error(status: u16, body: &str) -> String {
  let parsed: Option<Value> = serde_json::from_str(body).ok();
  let message = parsed.as_ref().and_then(|v| v.get("Message").or_else(|| v.get("message"))).and_then(Value::as_str);
  match message {
    Some(message) => {
      let hint = parsed.as_ref().and_then(|v| v.get("Hint")).and_then(Value::as_str).filter(|h| !h.is_empty());
      format!("HTTP {status}: {message}{}", hint.map(|h| format!(" (hint: {h})")).unwrap_or_default())
    }
    None => format!("HTTP {status}: {}", body.trim()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn api_errors_are_shown_as_written() {
    let body = r#"{"Status":400,"Message":"job name is required","Hint":"add Name","Code":"BadRequest"}"#;
    assert_eq!(api_error(400, body), "HTTP 400: job name is required (hint: add Name)");
    assert_eq!(api_error(502, "bad gateway\n"), "HTTP 502: bad gateway");
  }

  #[test]
  fn states_by_name_or_number() {
    assert_eq!(state_name(&json!("Completed")), "Completed");
    assert_eq!(state_name(&json!(5)), "Failed");
  }
}
