//! `kiln job submit` against a loopback server that speaks Bacalhau's documented API shapes
//! (`pkg/publicapi/apimodels`, `pkg/publicapi/endpoint/orchestrator`): PUT a job, poll its state,
//! follow its logs over a WebSocket, download its published results. Every body kiln sends is
//! kept, and checked against PyPI's `bacalhau-apiclient` models when they are installed
//! (`tests/py`, by `./x test`): deserialized into `ApiPutJobRequest`, serialized again, and
//! required to give back the same JSON.

use std::io::{BufRead, BufReader, Cursor, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use kiln_test_support::{kiln, repo};
use serde_json::{json, Value};

/// What the loopback API saw.
#[derive(Default)]
struct Seen {
  puts: Vec<Value>,
  polls: usize,
}

/// A request's first bytes (line and headers) replayed before the rest of the stream, so that
/// tungstenite can read the WebSocket handshake the router already looked at.
struct Replay {
  head: Cursor<Vec<u8>>,
  stream: TcpStream,
}

impl Read for Replay {
  fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
    let n = self.head.read(buf)?;
    if n > 0 {
      return Ok(n);
    }
    self.stream.read(buf)
  }
}

impl Write for Replay {
  fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
    self.stream.write(buf)
  }
  fn flush(&mut self) -> std::io::Result<()> {
    self.stream.flush()
  }
}

/// The results tar.gz the local publisher would serve: the layout of a result directory.
fn results_tar_gz() -> Vec<u8> {
  let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default()));
  for (path, bytes) in
    [("stdout", &b"Hello, world!\n"[..]), ("stderr", b""), ("exitCode", b"0"), ("outputs/result.txt", b"42")]
  {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append_data(&mut header, path, bytes).unwrap();
  }
  builder.into_inner().unwrap().finish().unwrap()
}

fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) {
  let head = format!(
    "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
    body.len()
  );
  let _ = stream.write_all(head.as_bytes());
  let _ = stream.write_all(body);
}

/// Serves one connection.
fn serve(mut stream: TcpStream, port: u16, seen: &Mutex<Seen>) {
  let mut reader = BufReader::new(stream.try_clone().unwrap());
  let mut head = Vec::new();
  let mut length = 0usize;
  let mut upgrade = false;
  loop {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
      return;
    }
    head.extend_from_slice(line.as_bytes());
    let lower = line.to_ascii_lowercase();
    if let Some(v) = lower.strip_prefix("content-length:") {
      length = v.trim().parse().unwrap_or(0);
    }
    upgrade |= lower.starts_with("upgrade:") && lower.contains("websocket");
    if line == "\r\n" {
      break;
    }
  }
  let request = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_string();
  let mut parts = request.split(' ');
  let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
  let mut body = vec![0; length];
  reader.read_exact(&mut body).unwrap();
  let json = |v: Value| v.to_string().into_bytes();
  match (method, path) {
    ("PUT", "/api/v1/orchestrator/jobs") => {
      let job: Value = serde_json::from_slice(&body).unwrap();
      let bad = job["Job"]["Name"] == "rejected";
      seen.lock().unwrap().puts.push(job);
      if bad {
        let error = json!({"Status": 400, "Message": "job rejected: Name is reserved", "Code": "BadRequest", "Component": "APIServer", "Hint": "pick another Name"});
        respond(&mut stream, 400, "application/json", &json(error));
      } else {
        let answer =
          json!({"JobID": "j-1234", "EvaluationID": "e-1", "Warnings": ["the cluster added a default timeout"]});
        respond(&mut stream, 200, "application/json", &json(answer));
      }
    }
    ("GET", "/api/v1/orchestrator/jobs/j-1234") => {
      let polls = {
        let mut seen = seen.lock().unwrap();
        seen.polls += 1;
        seen.polls
      };
      let state = if polls < 3 { "Running" } else { "Completed" };
      let answer = json!({"Job": {"ID": "j-1234", "Name": "hello", "State": {"StateType": state, "Message": ""}}});
      respond(&mut stream, 200, "application/json", &json(answer));
    }
    ("GET", "/api/v1/orchestrator/jobs/j-1234/logs?follow=true") if upgrade => {
      let replay = Replay { head: Cursor::new(head), stream: stream.try_clone().unwrap() };
      let mut socket = tungstenite::accept(replay).unwrap();
      for (kind, line) in [(1, "Hello, world!\n"), (2, "a warning\n"), (1, "bye\n")] {
        let message = json!({"value": {"Type": kind, "Line": line}});
        socket.send(tungstenite::Message::text(message.to_string())).unwrap();
      }
      let _ = socket.close(None);
      let _ = socket.flush();
    }
    ("GET", "/api/v1/orchestrator/jobs/j-1234/results") => {
      let url = format!("http://127.0.0.1:{port}/results/j-1234.tar.gz");
      let answer = json!({"Items": [{"Type": "urlDownload", "Params": {"URL": url}}]});
      respond(&mut stream, 200, "application/json", &json(answer));
    }
    ("GET", "/results/j-1234.tar.gz") => respond(&mut stream, 200, "application/gzip", &results_tar_gz()),
    _ => respond(&mut stream, 404, "application/json", &json(json!({"Status": 404, "Message": "not found"}))),
  }
}

/// Starts the loopback API; returns its URL.
fn start_api(seen: Arc<Mutex<Seen>>) -> String {
  let listener = TcpListener::bind("127.0.0.1:0").unwrap();
  let port = listener.local_addr().unwrap().port();
  std::thread::spawn(move || {
    for stream in listener.incoming().flatten() {
      let seen = seen.clone();
      std::thread::spawn(move || serve(stream, port, &seen));
    }
  });
  format!("http://127.0.0.1:{port}")
}

/// A job in the legacy shape (seed 000), so the test also shows that submit sends today's shape.
const LEGACY_JOB: &str = r#"
Name: hello
Type: batch
Count: 1
Tasks:
  - Name: main
    Engine:
      Type: wasm
      Params:
        EntryModule:
          Source:
            Type: urlDownload
            Params:
              URL: https://example.com/hello.wasm
        Entrypoint: _start
        Parameters: [a, b]
        EnvironmentVariables:
          GREETING: hi
    ResultPaths:
      - Name: outputs
        Path: /outputs
    Network:
      Type: HTTP
      Domains: [example.com]
"#;

#[test]
fn submit_sends_todays_shape_waits_follows_and_downloads() {
  let seen = Arc::new(Mutex::new(Seen::default()));
  let api = start_api(seen.clone());
  let dir = tempfile::tempdir().unwrap();
  std::fs::write(dir.path().join("job.yaml"), LEGACY_JOB).unwrap();
  let args =
    ["job", "submit", "job.yaml", "--api", &api, "--follow", "--wait", "--download", "results", "--poll-ms", "10"];
  let run = kiln(dir.path(), args);
  assert_eq!(run.status, Some(0), "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
  assert_eq!(run.stdout, "job id: j-1234\nHello, world!\nbye\n");
  assert!(run.stderr.contains("warning: the cluster added a default timeout"), "{}", run.stderr);
  assert!(run.stderr.contains("a warning\n"), "{}", run.stderr);
  assert!(run.stderr.contains("job j-1234: Completed"), "{}", run.stderr);
  for (file, bytes) in [("stdout", &b"Hello, world!\n"[..]), ("exitCode", b"0"), ("outputs/result.txt", b"42")] {
    assert_eq!(std::fs::read(dir.path().join("results").join(file)).unwrap(), bytes, "{file}");
  }

  let seen = seen.lock().unwrap();
  assert!(seen.polls >= 3, "it polled until the state was terminal");
  let body = &seen.puts[0];
  let task = &body["Job"]["Tasks"][0];
  assert_eq!(task["Env"], json!({"GREETING": "hi"}), "the legacy EnvironmentVariables travel as Task.Env: {body}");
  assert_eq!(task["Network"]["Type"], "HTTP", "Network.Type is a string: {body}");
  assert_eq!(task["Publisher"]["Type"], "local", "a local publisher for the result paths: {body}");
  assert_eq!(task["Engine"]["Params"]["EntryModule"], "/wasm/entry.wasm", "{body}");
  assert_eq!(task["InputSources"][0]["Target"], "/wasm/entry.wasm", "{body}");
  check_with_apiclient(body);
}

#[test]
fn the_apis_errors_are_shown_as_written() {
  let seen = Arc::new(Mutex::new(Seen::default()));
  let api = start_api(seen);
  let dir = tempfile::tempdir().unwrap();
  std::fs::write(dir.path().join("job.yaml"), LEGACY_JOB.replace("Name: hello", "Name: rejected")).unwrap();
  let run = kiln(dir.path(), ["job", "submit", "job.yaml", "--api", &api]);
  assert_eq!(run.status, Some(1), "{}", run.stderr);
  assert!(
    run.stderr.contains("HTTP 400: job rejected: Name is reserved (hint: pick another Name)"),
    "stderr:\n{}",
    run.stderr
  );
  let run = kiln(dir.path(), ["job", "submit", "job.yaml", "--api", "127.0.0.1:1"]);
  assert_eq!(run.status, Some(2), "a bad --api is a usage error: {}", run.stderr);
}

/// Today's shape, with inputs of every source type, resources, timeouts and labels.
const CURRENT_JOB: &str = r#"{
  "Name": "today", "Type": "batch", "Count": 2, "Labels": {"team": "kiln"},
  "Tasks": [{
    "Name": "main",
    "Engine": {"Type": "wasm", "Params": {"EntryModule": "/app/main.wasm", "Entrypoint": "_start",
      "Parameters": ["-v"], "ImportModules": ["/app/lib.wasm"]}},
    "Env": {"MODE": "fast"},
    "InputSources": [
      {"Source": {"Type": "inline", "Params": {"URL": "data:,hello"}}, "Target": "/app/main.wasm"},
      {"Source": {"Type": "urlDownload", "Params": {"URL": "https://example.com/lib.wasm"}}, "Target": "/app"},
      {"Source": {"Type": "localDirectory", "Params": {"SourcePath": "/data", "ReadWrite": false}}, "Target": "/data"},
      {"Source": {"Type": "s3", "Params": {"Bucket": "b", "Key": "k", "Region": "eu-west-1"}}, "Target": "/s3"}
    ],
    "ResultPaths": [{"Name": "outputs", "Path": "/outputs"}],
    "Resources": {"CPU": "500m", "Memory": "256Mb"},
    "Timeouts": {"ExecutionTimeout": 60}
  }]
}"#;

/// Seed 002's client model.
const CLIENT_JOB: &str = r#"{
  "name": "client",
  "spec": {
    "engine": "wasm",
    "wasm": {
      "entry_module": {"storage_source": "urlDownload", "url": "https://example.com/main.wasm", "path": "/app"},
      "entry_point": "_start",
      "parameters": ["x"],
      "environment_variables": {"A": "b"}
    },
    "outputs": [{"name": "outputs", "path": "/outputs"}],
    "deal": {"concurrency": 1}
  }
}"#;

#[test]
fn every_shape_is_sent_as_a_body_the_apiclient_models_read_back() {
  let seen = Arc::new(Mutex::new(Seen::default()));
  let api = start_api(seen.clone());
  let dir = tempfile::tempdir().unwrap();
  for (file, text) in [("current.json", CURRENT_JOB), ("client.json", CLIENT_JOB), ("legacy.yaml", LEGACY_JOB)] {
    std::fs::write(dir.path().join(file), text).unwrap();
    let run = kiln(dir.path(), ["job", "submit", file, "--api", &api]);
    assert_eq!(run.status, Some(0), "{file}: {}", run.stderr);
    assert_eq!(run.stdout, "job id: j-1234\n", "{file}");
  }
  let seen = seen.lock().unwrap();
  assert_eq!(seen.puts.len(), 3);
  for body in &seen.puts {
    assert!(body["Job"]["Tasks"][0]["Engine"]["Params"]["EntryModule"].is_string(), "{body}");
    check_with_apiclient(body);
  }
  let current = &seen.puts[0]["Job"];
  assert_eq!(current["Count"], 2);
  assert_eq!(current["Tasks"][0]["InputSources"].as_array().map(Vec::len), Some(4), "{current}");
  let client = &seen.puts[1]["Job"]["Tasks"][0];
  assert_eq!(client["Env"], serde_json::json!({"A": "b"}), "{client}");
}

/// The body deserialized with bacalhau-apiclient's `ApiPutJobRequest` and serialized again must
/// be the same JSON (so the cluster's own client models read every field kiln sends).
fn check_with_apiclient(body: &Value) {
  let site = repo().join("tests/py");
  if !site.join("bacalhau_apiclient").is_dir() {
    assert!(std::env::var_os("CI").is_none(), "tests/py has no bacalhau_apiclient: ./x test installs it");
    eprintln!("skipping the bacalhau-apiclient check: run ./x setup to install it into tests/py");
    return;
  }
  let script = repo().join("tests/apiclient_roundtrip.py");
  // -S: only tests/py's modules, not whatever the machine's Python has installed.
  let mut child = std::process::Command::new("python3")
    .arg("-S")
    .arg(&script)
    .env("PYTHONPATH", &site)
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .expect("python3");
  child.stdin.take().unwrap().write_all(body.to_string().as_bytes()).unwrap();
  let out = child.wait_with_output().unwrap();
  assert!(
    out.status.success(),
    "{} says:\n{}{}",
    Path::new("tests/apiclient_roundtrip.py").display(),
    String::from_utf8_lossy(&out.stdout),
    String::from_utf8_lossy(&out.stderr)
  );
}
