//! `kiln job run` and `kiln job validate` (issue 13): Bacalhau WASM job specs run on this machine
//! as Bacalhau's WASM executor runs them, with the result layout `bacalhau job get` produces.
//!
//! The guests are the C rewrites of Bacalhau's test programs in tests/fixtures/jobs (hello,
//! exit_code, env, cat, csv with horses_gen, logtest, easter) plus tests/fixtures/dynamic.c and
//! tests/fixtures/sleeper.c. Each test writes its spec into a temporary directory, with the
//! modules embedded as inline data URLs, runs the real `kiln` binary there and checks what it
//! printed, its exit status and the result directory byte for byte.
//!
//! The scenarios and their expected outputs are Bacalhau's (pkg/test/scenario/test_scenarios.go
//! and pkg/test/devstack): WasmHelloWorld, WasmExitCode, WasmEnvVars, CatFileToStdout, the
//! multiple-input and publish-on-error cat jobs, the URL cat jobs, WasmCsvTransform,
//! WasmDynamicLink and WasmLogTest (here without --fast, to check the live streaming order).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use kiln_test_support::{c_wasm_with, kiln, kiln_bin, repo, test_cache_dir, Run};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Guests

/// Build flags of tests/fixtures/jobs/easter.c: a bare module with upstream's five exports.
const EASTER_FLAGS: &[&str] = &["-nostdlib", "-Wl,--no-entry", "-Wl,--export=__data_end", "-Wl,--export=__heap_base"];

/// A guest compiled for wasm32-wasi: `hello`, `exit_code`, `env`, `cat`, `csv`, `logtest`,
/// `easter` (tests/fixtures/jobs), `dynamic` or `sleeper` (tests/fixtures).
fn program(name: &str) -> Vec<u8> {
  // Tests run on several threads; clang must not write one output file twice at once.
  static LOCK: Mutex<()> = Mutex::new(());
  let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
  match name {
    "dynamic" | "sleeper" => c_wasm_with(&format!("{name}.c"), &[]),
    "easter" => c_wasm_with("jobs/easter.c", EASTER_FLAGS),
    _ => c_wasm_with(&format!("jobs/{name}.c"), &[]),
  }
}

/// horses_gen.c built natively: (the generated horses.csv, what csv writes for it).
fn horses() -> &'static (Vec<u8>, Vec<u8>) {
  static HORSES: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
  HORSES.get_or_init(|| {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("horses_gen");
    let status = Command::new("cc")
      .args(["-O2", "-o"])
      .arg(&bin)
      .arg(repo().join("tests/fixtures/jobs/horses_gen.c"))
      .status()
      .expect("cc");
    assert!(status.success(), "cc horses_gen.c failed");
    let input = Command::new(&bin).output().unwrap();
    let expected = Command::new(&bin).arg("--expected").output().unwrap();
    assert!(input.status.success() && expected.status.success());
    (input.stdout, expected.stdout)
  })
}

// ---------------------------------------------------------------------------------------------
// Specs

/// Standard base64 with padding (no base64 crate among the dev-dependencies).
fn base64(bytes: &[u8]) -> String {
  const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
  for chunk in bytes.chunks(3) {
    let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
    let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
    for i in 0..4 {
      out.push(if i <= chunk.len() { ABC[(n >> (18 - 6 * i)) as usize & 63] as char } else { '=' });
    }
  }
  out
}

fn data_url(media: &str, bytes: &[u8]) -> String {
  format!("data:{media};base64,{}", base64(bytes))
}

/// An inline input source holding `bytes` (a single file) at `target`.
fn inline(target: &str, bytes: &[u8]) -> Value {
  json!({"Source": {"Type": "inline", "Params": {"URL": data_url("text/plain", bytes)}}, "Target": target})
}

/// An inline input source holding the module `name` at `target`.
fn module(target: &str, name: &str) -> Value {
  json!({"Source": {"Type": "inline", "Params": {"URL": data_url("application/wasm", &program(name))}}, "Target": target})
}

/// A `local`/`localDirectory` input source.
fn local(kind: &str, source: &Path, target: &str) -> Value {
  json!({"Source": {"Type": kind, "Params": {"SourcePath": source.to_str().unwrap()}}, "Target": target})
}

/// Today's job shape with one wasm task.
fn job(name: &str, params: Value, inputs: Vec<Value>) -> Value {
  json!({
    "Name": name,
    "Type": "batch",
    "Tasks": [{"Name": "main", "Engine": {"Type": "wasm", "Params": params}, "InputSources": inputs}],
  })
}

/// The common job: `program` inline at `main.wasm`, entry point `_start`, `parameters`, and
/// `inputs` after the module.
fn simple(name: &str, program: &str, parameters: &[&str], inputs: Vec<Value>) -> Value {
  let mut all = vec![module("main.wasm", program)];
  all.extend(inputs);
  job(name, json!({"EntryModule": "main.wasm", "Entrypoint": "_start", "Parameters": parameters}), all)
}

/// The job's task, to add keys to.
fn task(spec: &mut Value) -> &mut Value {
  &mut spec["Tasks"][0]
}

/// `value` as block-style YAML (strings double-quoted, which YAML reads with JSON's escapes).
fn yaml(value: &Value) -> String {
  fn scalar(v: &Value) -> Option<String> {
    match v {
      Value::Object(m) if m.is_empty() => Some("{}".into()),
      Value::Array(a) if a.is_empty() => Some("[]".into()),
      Value::Object(_) | Value::Array(_) => None,
      other => Some(other.to_string()),
    }
  }
  fn emit(v: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match v {
      Value::Object(m) => {
        for (k, v) in m {
          out.push_str(&format!("{pad}{}:", Value::String(k.clone())));
          match scalar(v) {
            Some(s) => out.push_str(&format!(" {s}\n")),
            None => {
              out.push('\n');
              emit(v, indent + 2, out);
            }
          }
        }
      }
      Value::Array(a) => {
        for item in a {
          out.push_str(&format!("{pad}-"));
          match scalar(item) {
            Some(s) => out.push_str(&format!(" {s}\n")),
            None => {
              out.push('\n');
              emit(item, indent + 2, out);
            }
          }
        }
      }
      other => out.push_str(&format!("{pad}{other}\n")),
    }
  }
  let mut out = String::from("# written by tests/jobs\n");
  emit(value, 0, &mut out);
  out
}

// ---------------------------------------------------------------------------------------------
// Running

/// A temporary working directory for one job (in the system temp dir: the repository's
/// manifest.app.toml must not be "at or above" the spec).
struct Work {
  dir: tempfile::TempDir,
}

impl Work {
  fn new() -> Self {
    Work { dir: tempfile::Builder::new().prefix("kiln-jobs").tempdir().unwrap() }
  }

  fn path(&self) -> &Path {
    self.dir.path()
  }

  /// Writes a file (creating directories); returns its path.
  fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = self.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
  }

  /// Writes `spec` to `file`: YAML for `.yaml`, JSON otherwise.
  fn spec(&self, file: &str, spec: &Value) -> PathBuf {
    let text = if file.ends_with(".yaml") { yaml(spec) } else { serde_json::to_string_pretty(spec).unwrap() };
    self.write(file, text)
  }

  /// The default result directory of `run`.
  fn out(&self) -> PathBuf {
    self.path().join("out")
  }

  /// `kiln <args>` in this directory.
  fn kiln(&self, args: &[&str]) -> Run {
    kiln(self.path(), args.iter().copied())
  }

  /// Writes `spec` to job.yaml and runs `kiln job run job.yaml --output out <extra>`.
  fn run(&self, spec: &Value, extra: &[&str]) -> Run {
    self.run_file("job.yaml", spec, extra)
  }

  fn run_file(&self, file: &str, spec: &Value, extra: &[&str]) -> Run {
    self.spec(file, spec);
    let args = ["job", "run", file, "--output", "out"].into_iter().chain(extra.iter().copied());
    kiln(self.path(), args)
  }

  /// Writes `spec` to job.yaml and runs `kiln job validate job.yaml`.
  fn validate(&self, spec: &Value) -> Run {
    self.spec("job.yaml", spec);
    self.kiln(&["job", "validate", "job.yaml"])
  }
}

/// Every entry under `dir`, relative, directories with a trailing `/`, sorted.
fn listing(dir: &Path) -> Vec<String> {
  fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
      let path = entry.unwrap().path();
      let rel = path.strip_prefix(base).unwrap().to_string_lossy().into_owned();
      if path.is_dir() {
        out.push(format!("{rel}/"));
        walk(base, &path, out);
      } else {
        out.push(rel);
      }
    }
  }
  let mut out = Vec::new();
  walk(dir, dir, &mut out);
  out.sort();
  out
}

fn read(dir: &Path, rel: &str) -> Vec<u8> {
  std::fs::read(dir.join(rel)).unwrap_or_else(|e| panic!("{}/{rel}: {e}", dir.display()))
}

fn text(bytes: &[u8]) -> String {
  String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts the result directory: exactly `stdout`, `stderr` and `exitCode` with these bytes,
/// plus the `extra` entries (result path directories and their files).
#[track_caller]
fn assert_results(out: &Path, stdout: &[u8], stderr: &[u8], exit_code: &str, extra: &[&str]) {
  let mut want: Vec<String> = ["exitCode", "stderr", "stdout"].iter().chain(extra).map(|s| s.to_string()).collect();
  want.sort();
  assert_eq!(listing(out), want, "entries of {}", out.display());
  assert_eq!(text(&read(out, "stdout")), text(stdout), "the stdout file");
  assert_eq!(read(out, "stdout"), stdout, "the stdout file's bytes");
  assert_eq!(text(&read(out, "stderr")), text(stderr), "the stderr file");
  assert_eq!(read(out, "stderr"), stderr, "the stderr file's bytes");
  assert_eq!(text(&read(out, "exitCode")), exit_code, "the exitCode file (decimal, no newline)");
}

/// Asserts that the job completed (exit status 0) with the summary line
/// `job <name>: completed, exit code <codes>, <T> s, results in <out>` last on stderr; returns
/// what stderr held before it.
#[track_caller]
fn completed<'a>(run: &'a Run, name: &str, codes: &str, out: &Path) -> &'a str {
  assert_eq!(run.status, Some(0), "kiln's exit status; stderr:\n{}\nstdout:\n{}", run.stderr, run.stdout);
  let (before, last) = last_line(&run.stderr);
  let prefix = format!("job {name}: completed, exit code {codes}, ");
  let suffix = format!(" s, results in {}", out.canonicalize().unwrap().display());
  assert!(
    last.starts_with(&prefix) && last.ends_with(&suffix),
    "summary line {last:?}, want {prefix:?} <T> {suffix:?}; stderr:\n{}",
    run.stderr
  );
  let secs = &last[prefix.len()..last.len() - suffix.len()];
  assert!(secs.parse::<f64>().is_ok_and(|s| s >= 0.0), "the wall time {secs:?} in {last:?}");
  before
}

/// Asserts that the job failed (exit status 1, `job <name>: failed after <T> s: <why>; results
/// in <dir>` at the end of stderr, where `<why>` may span lines; no `completed`); returns that
/// message.
#[track_caller]
fn failed<'a>(run: &'a Run, name: &str) -> &'a str {
  assert_eq!(run.status, Some(1), "kiln's exit status; stderr:\n{}\nstdout:\n{}", run.stderr, run.stdout);
  let head = format!("job {name}: failed after ");
  let at = run.stderr.rfind(&head).unwrap_or_else(|| panic!("no {head:?} in stderr:\n{}", run.stderr));
  assert!(at == 0 || run.stderr[..at].ends_with('\n'), "{}", run.stderr);
  let message = &run.stderr[at..];
  let (_, last) = last_line(message);
  assert!(
    message.contains(" s: ") && last.contains("; results in "),
    "stderr should end with the failure: {message:?}\nstderr:\n{}",
    run.stderr
  );
  assert!(!run.stderr.contains(": completed"), "a failed job is not completed:\n{}", run.stderr);
  message
}

/// Asserts that kiln refused the spec before running anything (exit status 1, an `error: ...`
/// naming each of `parts`); returns stderr.
#[track_caller]
fn refused<'a>(run: &'a Run, parts: &[&str]) -> &'a str {
  assert_eq!(run.status, Some(1), "kiln's exit status; stderr:\n{}\nstdout:\n{}", run.stderr, run.stdout);
  assert!(run.stderr.starts_with("error: ") || run.stderr.contains("\nerror: "), "{}", run.stderr);
  for part in parts {
    assert!(run.stderr.contains(part), "the error should mention {part:?}:\n{}", run.stderr);
  }
  assert!(run.stdout.is_empty(), "nothing ran, so nothing is on stdout: {:?}", run.stdout);
  &run.stderr
}

/// (everything before the last line, the last line) of text ending in a newline.
#[track_caller]
fn last_line(s: &str) -> (&str, &str) {
  let body = s.strip_suffix('\n').unwrap_or_else(|| panic!("does not end with a newline: {s:?}"));
  match body.rfind('\n') {
    Some(i) => (&s[..=i], &body[i + 1..]),
    None => ("", body),
  }
}

/// `K=V` lines into a map (asserting they are sorted by name, bytewise, and distinct).
#[track_caller]
fn env_lines(stdout: &str) -> BTreeMap<String, String> {
  let names: Vec<&str> = stdout.lines().map(|l| l.split_once('=').expect("K=V").0).collect();
  let mut sorted = names.clone();
  sorted.sort_unstable();
  sorted.dedup();
  assert_eq!(names, sorted, "env prints each name once, sorted:\n{stdout}");
  stdout.lines().map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).unwrap()).collect()
}

/// Whether `s` is `<prefix><uuid>` with a lowercase hex UUID.
fn is_id(s: &str, prefix: &str) -> bool {
  let Some(uuid) = s.strip_prefix(prefix) else { return false };
  let groups: Vec<&str> = uuid.split('-').collect();
  groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
    && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)))
}

/// The env guest's output with the two per-run ids replaced by `<id>`.
fn mask_ids(stdout: &str) -> String {
  stdout
    .lines()
    .map(|line| match line.split_once('=') {
      Some((k @ ("BACALHAU_JOB_ID" | "BACALHAU_EXECUTION_ID"), _)) => format!("{k}=<id>\n"),
      _ => format!("{line}\n"),
    })
    .collect()
}

/// A loopback HTTP server answering `GET <path>` with the bytes in `files` (404 otherwise);
/// returns its base URL (`http://127.0.0.1:<port>`) and the request targets it saw.
fn serve(files: Vec<(&'static str, Vec<u8>)>) -> (String, Arc<Mutex<Vec<String>>>) {
  let listener = TcpListener::bind("127.0.0.1:0").unwrap();
  let base = format!("http://{}", listener.local_addr().unwrap());
  let seen = Arc::new(Mutex::new(Vec::new()));
  let log = seen.clone();
  std::thread::spawn(move || {
    for stream in listener.incoming() {
      let Ok(mut stream) = stream else { continue };
      let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
      let mut request = Vec::new();
      let mut buf = [0u8; 1024];
      while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
          Ok(0) | Err(_) => break,
          Ok(n) => request.extend_from_slice(&buf[..n]),
        }
      }
      let head = String::from_utf8_lossy(&request).into_owned();
      let mut words = head.lines().next().unwrap_or("").split(' ');
      let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or("").to_string());
      log.lock().unwrap().push(format!("{method} {target}"));
      let found = files.iter().find(|(path, _)| *path == target).filter(|_| method == "GET");
      let (status, body): (&str, &[u8]) = match found {
        Some((_, bytes)) => ("200 OK", bytes),
        None => ("404 Not Found", b"not found\n"),
      };
      let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
      );
      let _ = stream.write_all(head.as_bytes());
      let _ = stream.write_all(body);
      let _ = stream.flush();
    }
  });
  (base, seen)
}

// ---------------------------------------------------------------------------------------------
// The helpers themselves

#[test]
fn the_test_helpers_encode_correctly() {
  for (input, want) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("hello", "aGVsbG8=")] {
    assert_eq!(base64(input.as_bytes()), want);
  }
  assert_eq!(base64(&[0xff, 0xfe, 0xfd, 0x00]), "//79AA==");
  let spec = json!({"A": [1, {"B": "x\ny", "C": []}], "D": {}});
  assert_eq!(
    yaml(&spec),
    "# written by tests/jobs\n\"A\":\n  - 1\n  -\n    \"B\": \"x\\ny\"\n    \"C\": []\n\"D\": {}\n"
  );
}

// ---------------------------------------------------------------------------------------------
// The tests, by topic: one module each (1-7).

mod command_line;
mod limits;
mod scenarios;
mod sources;
mod spec_shapes;
mod streaming;
mod validation;
