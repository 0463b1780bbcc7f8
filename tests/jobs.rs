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
  let mut out = String::from("# written by tests/jobs.rs\n");
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
    "# written by tests/jobs.rs\n\"A\":\n  - 1\n  -\n    \"B\": \"x\\ny\"\n    \"C\": []\n\"D\": {}\n"
  );
}

// ---------------------------------------------------------------------------------------------
// 1. Bacalhau's programs and scenarios

/// WasmHelloWorld: stdout `Hello, world!\n`, nothing on stderr, proc_exit(0).
#[test]
fn hello_world_completes_with_bacalhaus_result_layout() {
  let work = Work::new();
  let run = work.run(&simple("hello", "hello", &[], vec![]), &[]);
  assert_eq!(run.stdout, "Hello, world!\n", "the guest's stdout streams to kiln's stdout");
  assert_eq!(completed(&run, "hello", "0", &work.out()), "", "nothing but the summary on stderr");
  assert_results(&work.out(), b"Hello, world!\n", b"", "0", &[]);

  // `validate` on the same spec.
  let check = work.kiln(&["job", "validate", "job.yaml"]);
  assert_eq!(check.status, Some(0), "{}", check.stderr);
  assert_eq!(check.stdout, "job.yaml: a valid job (1 task, batch)\n");
}

/// WasmExitCode: EXIT_CODE=5 → exitCode `5`, and the job still completes (exit status 0). An
/// invalid EXIT_CODE makes the guest panic (a trap), which Bacalhau records as exit code 1.
#[test]
fn exit_code_is_the_guests_and_a_trap_is_1() {
  let cases: [(&str, &str, &str, &str); 4] = [
    ("5", "Exiting with 5\n", "", "5"),
    ("0", "Exiting with 0\n", "", "0"),
    ("+007", "Exiting with 7\n", "", "7"),
    (
      "abc",
      "",
      "thread 'main' panicked at 'Must be an integer', src/main.rs:5:16\n\
       note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
      "1",
    ),
  ];
  for (value, stdout, stderr, code) in cases {
    let work = Work::new();
    let mut spec = simple("exit-code", "exit_code", &[], vec![]);
    task(&mut spec)["Env"] = json!({"EXIT_CODE": value});
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, stdout, "EXIT_CODE={value}");
    let before = completed(&run, "exit-code", code, &work.out());
    if code == "1" {
      // The guest's stderr, then kiln's note about the trap, then the summary.
      assert!(before.starts_with(stderr), "EXIT_CODE={value}: {before}");
      assert!(before[stderr.len()..].starts_with("job exit-code: the guest trapped"), "{before}");
    } else {
      assert_eq!(before, stderr, "EXIT_CODE={value}");
    }
    assert_results(&work.out(), stdout.as_bytes(), stderr.as_bytes(), code, &[]);
  }
}

/// Exit codes 126 and above from proc_exit: Bacalhau (wazero) records the guest's code as is
/// (`fmt.Sprint` of the uint32, at most 4 bytes), e.g. EXIT_CODE=200 → exitCode `200`, and
/// the job completes without a trap.
#[test]
fn exit_codes_above_125_are_kept() {
  for code in ["126", "200", "300"] {
    let work = Work::new();
    let mut spec = simple("exit-code", "exit_code", &[], vec![]);
    task(&mut spec)["Env"] = json!({"EXIT_CODE": code});
    let run = work.run(&spec, &[]);
    let stdout = format!("Exiting with {code}\n");
    assert_eq!(run.stdout, stdout);
    assert_eq!(completed(&run, "exit-code", code, &work.out()), "", "EXIT_CODE={code}");
    assert_results(&work.out(), stdout.as_bytes(), b"", code, &[]);
  }
}

/// WasmEnvVars: sorted `K=V` lines, the job's Env plus the five BACALHAU_ variables, nothing of
/// kiln's own environment (it runs with SECRET=host-secret). env returns from main, so the exit
/// code is -1 as in Bacalhau, or 0 with --exit-zero-on-return.
#[test]
fn env_sees_its_env_and_bacalhaus_variables_sorted() {
  let work = Work::new();
  let mut spec = simple("env", "env", &[], vec![]);
  task(&mut spec)["Env"] = json!({"TEST": "yes", "AWESOME": "definitely"});
  let run = work.run(&spec, &[]);
  assert_eq!(completed(&run, "env", "-1", &work.out()), "");
  let vars = env_lines(&run.stdout);
  let names: Vec<&str> = vars.keys().map(String::as_str).collect();
  assert_eq!(
    names,
    [
      "AWESOME",
      "BACALHAU_EXECUTION_ID",
      "BACALHAU_JOB_ID",
      "BACALHAU_JOB_TYPE",
      "BACALHAU_PARTITION_COUNT",
      "BACALHAU_PARTITION_INDEX",
      "TEST"
    ],
    "{}",
    run.stdout
  );
  assert_eq!(vars["AWESOME"], "definitely");
  assert_eq!(vars["TEST"], "yes");
  assert_eq!(vars["BACALHAU_JOB_TYPE"], "batch");
  assert_eq!(vars["BACALHAU_PARTITION_INDEX"], "0");
  assert_eq!(vars["BACALHAU_PARTITION_COUNT"], "1");
  assert!(is_id(&vars["BACALHAU_JOB_ID"], "j-"), "{}", vars["BACALHAU_JOB_ID"]);
  assert!(is_id(&vars["BACALHAU_EXECUTION_ID"], "e-"), "{}", vars["BACALHAU_EXECUTION_ID"]);
  assert_results(&work.out(), run.stdout.as_bytes(), b"", "-1", &[]);

  // --exit-zero-on-return: a return from the entry point is exit code 0.
  let work = Work::new();
  let run = work.run(&spec, &["--exit-zero-on-return"]);
  completed(&run, "env", "0", &work.out());
  assert_results(&work.out(), run.stdout.as_bytes(), b"", "0", &[]);
  // ... but a proc_exit code is still the guest's.
  let mut spec = simple("exit-code", "exit_code", &[], vec![]);
  task(&mut spec)["Env"] = json!({"EXIT_CODE": "5"});
  let work = Work::new();
  completed(&work.run(&spec, &["--exit-zero-on-return"]), "exit-code", "5", &work.out());
}

/// The cat jobs: CatFileToStdout (a local file at /data/file.txt), the multiple-input-files job
/// (two inline inputs, the module at /app/cat.wasm), and publish-on-error (a missing file after
/// a good one: the guest exits 1, the job still completes).
#[test]
fn cat_reads_inline_and_local_inputs() {
  // Two inline files; the entry module at /app/cat.wasm.
  let work = Work::new();
  let spec = job(
    "cat-two",
    json!({"EntryModule": "/app/cat.wasm", "Entrypoint": "_start",
           "Parameters": ["/input-1/hello-cid-1.txt", "/input-2/hello-cid-2.txt"]}),
    vec![
      inline("/input-1/hello-cid-1.txt", b"file1\n"),
      inline("/input-2/hello-cid-2.txt", b"file2\n"),
      module("/app/cat.wasm", "cat"),
    ],
  );
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "file1\nfile2\n");
  assert_eq!(completed(&run, "cat-two", "0", &work.out()), "");
  assert_results(&work.out(), b"file1\nfile2\n", b"", "0", &[]);

  // CatFileToStdout: a local file (no newline) at /data/file.txt.
  let work = Work::new();
  let file = work.write("host/file.txt", "hello world");
  let spec = simple("cat-local", "cat", &["/data/file.txt"], vec![local("local", &file, "/data/file.txt")]);
  let allowed = work.path().join("host");
  let run = work.run(&spec, &["--allow-local", allowed.to_str().unwrap()]);
  assert_eq!(run.stdout, "hello world");
  // stdout does not end in a newline, so the summary starts on a line of its own only on stderr.
  assert_eq!(completed(&run, "cat-local", "0", &work.out()), "");
  assert_results(&work.out(), b"hello world", b"", "0", &[]);

  // publish_on_error: the first file, then a missing one.
  let work = Work::new();
  let spec = simple(
    "cat-error",
    "cat",
    &["data/hello.txt", "does/not/exist.txt"],
    vec![inline("data/hello.txt", b"I am a miserable failure\n")],
  );
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "I am a miserable failure\n");
  let stderr = "No such file or directory (os error 44)\n";
  assert_eq!(completed(&run, "cat-error", "1", &work.out()), stderr);
  assert_results(&work.out(), b"I am a miserable failure\n", stderr.as_bytes(), "1", &[]);
}

/// The guest sees its inputs and nothing of the host: paths outside them do not exist, and `..`
/// does not climb out of the root.
#[test]
fn the_guest_sees_only_its_inputs() {
  for path in ["/etc/passwd", "/../../../../etc/passwd", "../etc/passwd", "/tmp"] {
    let work = Work::new();
    let spec = simple("cat-host", "cat", &["/data/file.txt", path], vec![inline("/data/file.txt", b"mine\n")]);
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, "mine\n", "{path}");
    let stderr = completed(&run, "cat-host", "1", &work.out());
    assert!(stderr.ends_with(")\n") && stderr.contains(" (os error "), "{path}: {stderr}");
    assert_results(&work.out(), b"mine\n", stderr.as_bytes(), "1", &[]);
  }
}

/// A localDirectory source is refused unless `--allow-local` (or the manifest's
/// `[jobs] allow_local`) covers it; then its files are visible at the Target, read-only.
#[test]
fn local_directories_need_allow_local() {
  let work = Work::new();
  work.write("data/a.txt", "from a local directory\n");
  let data = work.path().join("data");
  let spec = simple("cat-dir", "cat", &["/inputs/a.txt"], vec![local("localDirectory", &data, "/inputs")]);

  let run = work.run(&spec, &[]);
  let stderr = refused(&run, &["Tasks[0].InputSources[1].Source.Params.SourcePath", "--allow-local"]);
  assert!(stderr.contains(data.to_str().unwrap()), "{stderr}");
  assert!(!work.out().exists(), "a refused job writes no results");
  let check = work.kiln(&["job", "validate", "job.yaml"]);
  refused(&check, &["Tasks[0].InputSources[1].Source.Params.SourcePath", "--allow-local"]);

  // A sibling with the same prefix is not "under" the allowed path.
  let run = work.run(&spec, &["--allow-local", &format!("{}x", data.display())]);
  refused(&run, &["--allow-local"]);

  let run = work.run(&spec, &["--allow-local", data.to_str().unwrap()]);
  assert_eq!(run.stdout, "from a local directory\n");
  completed(&run, "cat-dir", "0", &work.out());
  assert_results(&work.out(), b"from a local directory\n", b"", "0", &[]);

  // ReadWrite needs `:rw`.
  let mut rw = spec.clone();
  task(&mut rw)["InputSources"][1]["Source"]["Params"]["ReadWrite"] = json!(true);
  let run = work.run(&rw, &["--allow-local", data.to_str().unwrap()]);
  refused(&run, &["Tasks[0].InputSources[1].Source.Params.ReadWrite", ":rw"]);
}

/// The manifest.app.toml beside the spec grants local paths too, with `[jobs] allow_local`; a
/// relative entry is relative to the manifest's directory, however the spec's path is written.
#[test]
fn the_manifest_grants_local_paths() {
  let work = Work::new();
  work.write("data/a.txt", "granted by the manifest\n");
  work.write("manifest.app.toml", "[jobs]\nallow_local = [\"data\"]\n");
  let data = work.path().join("data");
  let spec = simple("cat-dir", "cat", &["/inputs/a.txt"], vec![local("localDirectory", &data, "/inputs")]);
  let absolute = work.spec("job.yaml", &spec);
  let check = work.kiln(&["job", "validate", absolute.to_str().unwrap()]);
  assert_eq!(check.status, Some(0), "validate with the spec's absolute path: {}", check.stderr);
  for spec_path in ["job.yaml", "./job.yaml"] {
    let check = work.kiln(&["job", "validate", spec_path]);
    assert_eq!(check.status, Some(0), "validate {spec_path}: {}", check.stderr);
  }
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "granted by the manifest\n", "{}", run.stderr);
  completed(&run, "cat-dir", "0", &work.out());
  assert_results(&work.out(), b"granted by the manifest\n", b"", "0", &[]);
}

/// A relative SourcePath is read relative to kiln's working directory (inputs.rs stages it so),
/// and `--allow-local` with the same relative path (what the refusal suggests) allows it.
#[test]
fn relative_local_paths_resolve_against_the_working_directory() {
  let work = Work::new();
  work.write("data/a.txt", "relative\n");
  let spec = simple("cat-rel", "cat", &["/inputs/a.txt"], vec![local("localDirectory", Path::new("data"), "/inputs")]);
  let run = work.run(&spec, &[]);
  refused(&run, &["Tasks[0].InputSources[1].Source.Params.SourcePath", "--allow-local data"]);
  let run = work.run(&spec, &["--allow-local", "data"]);
  assert_eq!(run.stdout, "relative\n", "{}", run.stderr);
  completed(&run, "cat-rel", "0", &work.out());
  assert_results(&work.out(), b"relative\n", b"", "0", &[]);
}

/// WasmCsvTransform: the inputs directory at /inputs, a result path {Name: outputs, Path:
/// /outputs}; the guest writes outputs/parents-children.csv, which lands in out/outputs/.
#[test]
fn csv_writes_its_result_path() {
  let (horses_csv, expected) = horses();
  let work = Work::new();
  work.write("inputs/horses.csv", horses_csv);
  work.write("inputs/horses.sparql", "SELECT ?horse WHERE {}\n");
  let inputs = work.path().join("inputs");
  let mut spec = simple(
    "csv",
    "csv",
    &["inputs/horses.csv", "outputs/parents-children.csv"],
    vec![local("localDirectory", &inputs, "/inputs")],
  );
  task(&mut spec)["ResultPaths"] = json!([{"Name": "outputs", "Path": "/outputs"}]);
  task(&mut spec)["Publisher"] = json!({"Type": "local"});
  let run = work.run(&spec, &["--allow-local", inputs.to_str().unwrap()]);
  assert_eq!(run.stdout, "");
  assert_eq!(completed(&run, "csv", "0", &work.out()), "");
  assert_results(&work.out(), b"", b"", "0", &["outputs/", "outputs/parents-children.csv"]);
  let result = read(&work.out(), "outputs/parents-children.csv");
  let result = text(&result);
  assert!(
    result.lines().any(
      |l| l == "http://www.wikidata.org/entity/Q14949904,Tugela,http://www.wikidata.org/entity/Q1001792,Makybe Diva"
    ),
    "{}",
    &result[..300.min(result.len())]
  );
  assert_eq!(result.split('\n').count(), 269, "Go's strings.Split on \\n");
  assert_eq!(result, text(expected), "horses_gen --expected");

  // Without a Publisher, kiln sets {Type: local} and says so.
  let mut spec2 = spec.clone();
  task(&mut spec2).as_object_mut().unwrap().remove("Publisher");
  let work2 = Work::new();
  let run = work2.run(&spec2, &["--allow-local", inputs.to_str().unwrap()]);
  let before = completed(&run, "csv", "0", &work2.out());
  assert!(before.starts_with("warning: Tasks[0].Publisher: set to {Type: local}"), "{before}");
  assert_eq!(read(&work2.out(), "outputs/parents-children.csv"), *expected);

  // Inputs are read-only: writing into /inputs fails in the guest (exit 1) and changes nothing.
  let work3 = Work::new();
  let spec3 = simple(
    "csv",
    "csv",
    &["inputs/horses.csv", "inputs/written.csv"],
    vec![local("localDirectory", &inputs, "/inputs")],
  );
  let run = work3.run(&spec3, &["--allow-local", inputs.to_str().unwrap()]);
  let before = completed(&run, "csv", "1", &work3.out());
  assert!(before.starts_with("error: ") && before.contains("(os error "), "{before}");
  assert!(!inputs.join("written.csv").exists(), "a read-only input was written to");
  assert_eq!(text(&read(&work3.out(), "exitCode")), "1");

  // A localDirectory with ReadWrite and `--allow-local PATH:rw` is writable.
  let scratch = work3.path().join("scratch");
  std::fs::create_dir_all(&scratch).unwrap();
  let mut spec4 = simple(
    "csv",
    "csv",
    &["inputs/horses.csv", "scratch/written.csv"],
    vec![local("localDirectory", &inputs, "/inputs"), local("localDirectory", &scratch, "/scratch")],
  );
  task(&mut spec4)["InputSources"][2]["Source"]["Params"]["ReadWrite"] = json!(true);
  let work4 = Work::new();
  let rw = format!("{}:rw", scratch.display());
  let run = work4.run(&spec4, &["--allow-local", inputs.to_str().unwrap(), "--allow-local", &rw]);
  completed(&run, "csv", "0", &work4.out());
  assert_eq!(std::fs::read(scratch.join("written.csv")).unwrap(), *expected);
}

/// WasmDynamicLink: dynamic imports `easter` from the module named "input.wasm"; with no
/// ImportModules, Bacalhau reads that name as a path in the job's file system, where easter is
/// mounted. Prints `17\n` and returns (exit code -1).
#[test]
fn dynamic_links_easter_by_path_or_by_import_modules() {
  let inputs =
    || vec![inline("/data", b"unused input"), module("input.wasm", "easter"), module("main.wasm", "dynamic")];
  let by_path = job("dynamic", json!({"EntryModule": "main.wasm", "Entrypoint": "_start"}), inputs());
  let named = job(
    "dynamic",
    json!({"EntryModule": "main.wasm", "Entrypoint": "_start", "ImportModules": ["input.wasm"]}),
    inputs(),
  );
  for spec in [by_path, named] {
    let work = Work::new();
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, "17\n", "{}", run.stderr);
    assert_eq!(completed(&run, "dynamic", "-1", &work.out()), "");
    assert_results(&work.out(), b"17\n", b"", "-1", &[]);
  }

  // The entry module may name a directory holding a single .wasm (here a local directory with
  // a text file beside the module).
  let work = Work::new();
  work.write("app/dynamic.wasm", program("dynamic"));
  work.write("app/README.txt", "not a module\n");
  let app = work.path().join("app");
  let spec = job(
    "dynamic",
    json!({"EntryModule": "/app", "Entrypoint": "_start", "Parameters": ["2024"]}),
    vec![local("localDirectory", &app, "/app"), module("input.wasm", "easter")],
  );
  let run = work.run(&spec, &["--allow-local", app.to_str().unwrap()]);
  assert_eq!(run.stdout, "31\n", "{}", run.stderr);
  completed(&run, "dynamic", "-1", &work.out());
  assert_results(&work.out(), b"31\n", b"", "-1", &[]);
  // Two modules there: which one is meant is unclear, and the job fails.
  work.write("app/other.wasm", program("hello"));
  let work2 = Work::new();
  let run = work2.run(&spec, &["--allow-local", app.to_str().unwrap()]);
  let line = failed(&run, "dynamic");
  assert!(line.contains("Tasks[0].Engine.Params.EntryModule") && line.contains("2 .wasm files"), "{line}");

  // The legacy shape (seed 000) and the client model (seed 002) give ImportModules as input
  // sources; with the target (`path`) input.wasm they satisfy the import by name.
  let dynamic_url = data_url("application/wasm", &program("dynamic"));
  let easter_url = data_url("application/wasm", &program("easter"));
  let legacy = json!({
    "Name": "dynamic",
    "Type": "batch",
    "Tasks": [{"Name": "main", "Engine": {"Type": "wasm", "Params": {
      "EntryModule": {"Source": {"Type": "inline", "Params": {"URL": dynamic_url}}},
      "EntryPoint": "_start",
      "ImportModules": [{"Source": {"Type": "inline", "Params": {"URL": easter_url}}, "Target": "input.wasm"}],
    }}}],
  });
  let client = json!({
    "name": "dynamic",
    "spec": {"engine": "wasm", "wasm": {
      "entry_module": {"storage_source": "inline", "url": dynamic_url},
      "entry_point": "_start",
      "import_modules": [{"storage_source": "inline", "url": easter_url, "path": "input.wasm"}],
    }},
  });
  for (label, spec) in [("legacy", legacy), ("client model", client)] {
    let work = Work::new();
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, "17\n", "{label}: {}", run.stderr);
    completed(&run, "dynamic", "-1", &work.out());
    assert_results(&work.out(), b"17\n", b"", "-1", &[]);
  }

  // Without input.wasm the module cannot be linked: the job fails (loader_test.go).
  let work = Work::new();
  let spec =
    job("dynamic", json!({"EntryModule": "main.wasm", "Entrypoint": "_start"}), vec![module("main.wasm", "dynamic")]);
  let run = work.run(&spec, &[]);
  let line = failed(&run, "dynamic");
  assert!(line.contains("input.wasm"), "the failure should name the missing import module: {line}");
  assert_eq!(run.stdout, "");
}

// ---------------------------------------------------------------------------------------------
// 2. Spec shapes

/// Today's job in YAML and JSON, the legacy shape (seed 000: EntryModule as an input source,
/// EnvironmentVariables in Params, kept as Env with a warning) and seed 002's client model give
/// the same environment, exit code and result layout.
#[test]
fn every_spec_shape_runs_env_the_same() {
  let env_url = data_url("application/wasm", &program("env"));
  let mut current = simple("shapes", "env", &[], vec![]);
  task(&mut current)["Env"] = json!({"GREETING": "hi", "OTHER": "a=b c"});
  let legacy = json!({
    "Name": "shapes",
    "Type": "batch",
    "Tasks": [{
      "Name": "main",
      "Engine": {"Type": "wasm", "Params": {
        "EntryModule": {"Source": {"Type": "inline", "Params": {"URL": env_url}}},
        "EntryPoint": "_start",
        "Parameters": [],
        "EnvironmentVariables": {"GREETING": "hi", "OTHER": "a=b c"},
      }},
    }],
  });
  let client = json!({
    "name": "shapes",
    "spec": {
      "engine": "wasm",
      "wasm": {
        "entry_module": {"storage_source": "inline", "url": env_url},
        "entry_point": "_start",
        "parameters": [],
        "environment_variables": {"GREETING": "hi", "OTHER": "a=b c"},
      },
      "deal": {"concurrency": 1},
    },
  });
  let mut seen = Vec::new();
  for (label, file, spec, warns) in [
    ("current YAML", "job.yaml", &current, false),
    ("current JSON", "job.json", &current, false),
    ("legacy YAML", "job.yaml", &legacy, true),
    ("legacy JSON", "job.json", &legacy, true),
    ("client model JSON", "job.json", &client, true),
    ("client model YAML", "job.yaml", &client, true),
  ] {
    let work = Work::new();
    let run = work.run_file(file, spec, &[]);
    let before = completed(&run, "shapes", "-1", &work.out());
    if warns {
      assert!(
        before.starts_with("warning: ") && before.contains("EnvironmentVariables: moved to Tasks[0].Env"),
        "{label}: {before}"
      );
    } else {
      assert_eq!(before, "", "{label}");
    }
    let vars = env_lines(&run.stdout);
    assert_eq!(vars.get("GREETING").map(String::as_str), Some("hi"), "{label}: {}", run.stdout);
    assert_eq!(vars.get("OTHER").map(String::as_str), Some("a=b c"), "{label}");
    assert_results(&work.out(), run.stdout.as_bytes(), b"", "-1", &[]);
    let check = work.kiln(&["job", "validate", file]);
    assert_eq!(check.status, Some(0), "{label}: {}", check.stderr);
    assert_eq!(check.stdout, format!("{file}: a valid job (1 task, batch)\n"), "{label}");
    seen.push((label, mask_ids(&run.stdout)));
  }
  for (label, stdout) in &seen[1..] {
    assert_eq!(stdout, &seen[0].1, "{label} vs {}", seen[0].0);
  }
}

/// The same for a job with an input file and Parameters: testdata/jobs/wasm.yaml's module target
/// `/wasm.main`, the legacy shape's `/wasm/entry.wasm`, the client model's storage specs.
#[test]
fn every_spec_shape_runs_cat_the_same() {
  let cat_url = data_url("application/wasm", &program("cat"));
  let file_url = data_url("text/plain", b"hello world");
  let current = job(
    "shapes",
    json!({"EntryModule": "wasm.main", "Entrypoint": "_start", "Parameters": ["/data/file.txt"]}),
    vec![
      json!({"Target": "/wasm.main", "Source": {"Type": "inline", "Params": {"URL": cat_url}}}),
      inline("/data/file.txt", b"hello world"),
    ],
  );
  let legacy = json!({
    "Name": "shapes",
    "Type": "batch",
    "Tasks": [{
      "Name": "main",
      "Engine": {"Type": "wasm", "Params": {
        "EntryModule": {"Source": {"Type": "inline", "Params": {"URL": cat_url}}, "Target": null},
        "EntryPoint": "_start",
        "Parameters": ["/data/file.txt"],
      }},
      "InputSources": [inline("/data/file.txt", b"hello world")],
    }],
  });
  let client = json!({
    "name": "shapes",
    "spec": {
      "engine": "wasm",
      "wasm": {
        "entry_module": {"storage_source": "inline", "url": cat_url},
        "entry_point": "_start",
        "parameters": ["/data/file.txt"],
      },
      "inputs": [{"storage_source": "inline", "url": file_url, "path": "/data/file.txt"}],
    },
  });
  for (label, file, spec) in [
    ("current YAML", "job.yaml", &current),
    ("current JSON", "job.json", &current),
    ("legacy YAML", "job.yaml", &legacy),
    ("client model JSON", "job.json", &client),
  ] {
    let work = Work::new();
    let run = work.run_file(file, spec, &[]);
    assert_eq!(run.stdout, "hello world", "{label}: {}", run.stderr);
    completed(&run, "shapes", "0", &work.out());
    assert_results(&work.out(), b"hello world", b"", "0", &[]);
  }
}

// ---------------------------------------------------------------------------------------------
// 3. Source types

/// An `application/gzip` inline source is a tar.gz extracted to a directory at the Target; the
/// base64 may hold whitespace.
#[test]
fn inline_tar_gz_is_a_directory() {
  let work = Work::new();
  work.write("tree/a.txt", "alpha\n");
  work.write("tree/sub/b.txt", "beta\n");
  let archive = work.path().join("tree.tar.gz");
  let status = Command::new("tar")
    .arg("czf")
    .arg(&archive)
    .arg("-C")
    .arg(work.path().join("tree"))
    .arg(".")
    .status()
    .expect("tar");
  assert!(status.success());
  let encoded = base64(&std::fs::read(&archive).unwrap());
  let wrapped: Vec<String> = encoded.as_bytes().chunks(60).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
  let url = format!("data:application/gzip;base64,{}", wrapped.join("\n  "));
  let spec = simple(
    "tgz",
    "cat",
    &["inputs/a.txt", "/inputs/sub/b.txt"],
    vec![json!({"Source": {"Type": "inline", "Params": {"URL": url}}, "Target": "/inputs"})],
  );
  for file in ["job.yaml", "job.json"] {
    let work = Work::new();
    let run = work.run_file(file, &spec, &[]);
    assert_eq!(run.stdout, "alpha\nbeta\n", "{file}: {}", run.stderr);
    completed(&run, "tgz", "0", &work.out());
    assert_results(&work.out(), b"alpha\nbeta\n", b"", "0", &[]);
  }
}

/// urlDownload: the file lands at `Target/<basename of the URL path>` (url_test.go: two URLs at
/// /inputs-1 and /inputs-2, and a local file beside a URL). A download that fails fails the job.
#[test]
fn url_download_from_a_loopback_server() {
  let (base, seen) =
    serve(vec![("/files/one.txt", b"one\n".to_vec()), ("/other/dir/two.csv?version=2", b"two\n".to_vec())]);
  let url = |path: &str| json!({"Source": {"Type": "urlDownload", "Params": {"URL": format!("{base}{path}")}}});
  let mut first = url("/files/one.txt");
  first["Target"] = json!("/inputs-1");
  let mut second = url("/other/dir/two.csv?version=2");
  second["Target"] = json!("inputs-2");
  let work = Work::new();
  let spec = simple("url", "cat", &["/inputs-1/one.txt", "inputs-2/two.csv"], vec![first.clone(), second]);
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "one\ntwo\n", "{}", run.stderr);
  completed(&run, "url", "0", &work.out());
  assert_results(&work.out(), b"one\ntwo\n", b"", "0", &[]);
  let requests = seen.lock().unwrap().clone();
  assert!(requests.contains(&"GET /files/one.txt".to_string()), "{requests:?}");
  assert!(requests.contains(&"GET /other/dir/two.csv?version=2".to_string()), "{requests:?}");

  // A local file next to a URL.
  let work = Work::new();
  let file = work.write("host/local.txt", "local\n");
  let spec = simple(
    "url",
    "cat",
    &["/inputs-1/one.txt", "/local/local.txt"],
    vec![first.clone(), local("local", &file, "/local/local.txt")],
  );
  let run = work.run(&spec, &["--allow-local", file.to_str().unwrap()]);
  assert_eq!(run.stdout, "one\nlocal\n", "{}", run.stderr);
  completed(&run, "url", "0", &work.out());

  // A 404: the job fails, naming the input.
  let mut missing = url("/nothing/here.txt");
  missing["Target"] = json!("/inputs-3");
  let work = Work::new();
  let run = work.run(&simple("url", "cat", &["/inputs-3/here.txt"], vec![missing]), &[]);
  let line = failed(&run, "url");
  assert!(line.contains("Tasks[0].InputSources[1]") && line.contains("404"), "{line}");
  assert_eq!(run.stdout, "");
}

/// s3 and ipfs sources cannot be fetched by a local run: validation fails, saying to submit the
/// job to a cluster.
#[test]
fn s3_and_ipfs_sources_fail_validation() {
  let sources = [
    json!({"Source": {"Type": "s3", "Params": {"Bucket": "b", "Key": "k", "Region": "eu-west-1"}}, "Target": "/data"}),
    json!({"Source": {"Type": "ipfs", "Params": {"CID": "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"}}, "Target": "/data"}),
  ];
  for source in sources {
    let kind = source["Source"]["Type"].as_str().unwrap().to_string();
    let spec = simple("remote", "cat", &["/data"], vec![source]);
    let work = Work::new();
    let check = work.validate(&spec);
    let stderr = refused(&check, &["Tasks[0].InputSources[1].Source.Type", "kiln job submit", "cluster"]);
    assert!(stderr.contains(&kind), "{kind}: {stderr}");
    let run = work.run(&spec, &[]);
    refused(&run, &["Tasks[0].InputSources[1].Source.Type", "cluster"]);
    assert!(!work.out().exists(), "{kind}: a refused job writes no results");
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Live streaming

/// WasmLogTest without --fast: logtest writes each line of its input to stdout (even length) or
/// stderr (odd length) and sleeps between lines (384, 0, 16, 16, 16, 272, 128, 16, 384, 400,
/// 384, 384 ms). kiln must pass the lines on as they come, in the program's order.
#[test]
fn logtest_streams_live_in_order() {
  // Twelve lines of our own, alternately even (stdout) and odd (stderr) in length.
  let lines: Vec<String> = (0..12)
    .map(|i| {
      let base = format!("Line {i:02}: the kiln is hot and the glaze runs");
      if i % 2 == 0 {
        assert_eq!(base.len() % 2, 1);
        format!("{base}!")
      } else {
        base
      }
    })
    .collect();
  let pauses = [384u64, 0, 16, 16, 16, 272, 128, 16, 384, 400, 384, 384];
  let work = Work::new();
  let mut input = lines.join("\n");
  input.push('\n');
  let spec = simple("logtest", "logtest", &["inputs/text.txt"], vec![inline("/inputs/text.txt", input.as_bytes())]);
  work.spec("job.yaml", &spec);

  // Events in the program's order: (on stdout?, the line as written).
  let mut events: Vec<(bool, Vec<u8>)> = lines
    .iter()
    .enumerate()
    .map(|(i, l)| {
      let color = if i % 2 == 0 { "\x1b[32m" } else { "\x1b[31m" };
      (i % 2 == 0, format!("{color}{l}").into_bytes())
    })
    .collect();
  events.push((true, b"\x1b[0m".to_vec()));

  let mut child = Command::new(kiln_bin())
    .args(["job", "run", "job.yaml", "--output", "out"])
    .current_dir(work.path())
    .env("KILN_CACHE_DIR", test_cache_dir())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawning kiln");
  let seq = Arc::new(AtomicUsize::new(0));
  // Each line read: (on stdout?, bytes without the newline, sequence number, when).
  type Arrival = (bool, Vec<u8>, usize, Instant);
  let reader = |pipe: Box<dyn Read + Send>, is_stdout: bool, seq: Arc<AtomicUsize>| {
    std::thread::spawn(move || {
      let mut got: Vec<Arrival> = Vec::new();
      for line in BufReader::new(pipe).split(b'\n') {
        let Ok(line) = line else { break };
        got.push((is_stdout, line, seq.fetch_add(1, Ordering::SeqCst), Instant::now()));
      }
      got
    })
  };
  let out_thread = reader(Box::new(child.stdout.take().unwrap()), true, seq.clone());
  let err_thread = reader(Box::new(child.stderr.take().unwrap()), false, seq.clone());
  let deadline = Instant::now() + Duration::from_secs(60);
  let status = loop {
    if let Some(status) = child.try_wait().unwrap() {
      break Some(status);
    }
    if Instant::now() > deadline {
      let _ = child.kill();
      break None;
    }
    std::thread::sleep(Duration::from_millis(2));
  };
  let exited = Instant::now();
  let stdout_lines = out_thread.join().unwrap();
  let mut stderr_lines = err_thread.join().unwrap();
  assert!(status.is_some_and(|s| s.success()), "kiln: {status:?}; stderr: {stderr_lines:?}");
  let summary = stderr_lines.pop().expect("the summary line");
  assert!(text(&summary.1).starts_with("job logtest: completed, exit code 0, "), "{}", text(&summary.1));

  // Each stream has its lines, in order.
  let want_out: Vec<&[u8]> = events.iter().filter(|e| e.0).map(|e| e.1.as_slice()).collect();
  let want_err: Vec<&[u8]> = events.iter().filter(|e| !e.0).map(|e| e.1.as_slice()).collect();
  let got_out: Vec<&[u8]> = stdout_lines.iter().map(|a| a.1.as_slice()).collect();
  let got_err: Vec<&[u8]> = stderr_lines.iter().map(|a| a.1.as_slice()).collect();
  assert_eq!(got_out.iter().map(|l| text(l)).collect::<Vec<_>>(), want_out.iter().map(|l| text(l)).collect::<Vec<_>>());
  assert_eq!(got_err.iter().map(|l| text(l)).collect::<Vec<_>>(), want_err.iter().map(|l| text(l)).collect::<Vec<_>>());

  // Lines arrive while the guest runs: the first stdout line comes well before kiln exits (the
  // guest sleeps 2.4 s after writing it), and the stdout lines spread out over time.
  let first_out = stdout_lines[0].3;
  assert!(
    exited.duration_since(first_out) >= Duration::from_millis(1200),
    "the first stdout line arrived only {:?} before kiln exited: the output was not streamed",
    exited.duration_since(first_out)
  );
  let tenth = stdout_lines[5].3; // event 10
  assert!(tenth.duration_since(first_out) >= Duration::from_millis(1000), "{:?}", tenth.duration_since(first_out));

  // Across streams, events separated by at least 250 ms of sleeping arrive in program order
  // (events closer than that may be read by the two reader threads in either order).
  let mut arrivals: Vec<&Arrival> = Vec::new();
  let (mut o, mut e) = (stdout_lines.iter(), stderr_lines.iter());
  for (on_stdout, _) in &events {
    arrivals.push(if *on_stdout { o.next().unwrap() } else { e.next().unwrap() });
  }
  for i in 0..events.len() {
    for j in i + 1..events.len() {
      let slept: u64 = pauses[i..j].iter().sum();
      if slept >= 250 && events[i].0 != events[j].0 {
        assert!(
          arrivals[i].2 < arrivals[j].2,
          "event {i} ({}) should arrive before event {j} ({}), {slept} ms later",
          text(&events[i].1),
          text(&events[j].1)
        );
      }
    }
  }
  // The result files hold the same bytes.
  let mut want_stdout = Vec::new();
  for l in &want_out {
    want_stdout.extend_from_slice(l);
    want_stdout.push(b'\n');
  }
  let mut want_stderr = Vec::new();
  for l in &want_err {
    want_stderr.extend_from_slice(l);
    want_stderr.push(b'\n');
  }
  assert_results(&work.out(), &want_stdout, &want_stderr, "0", &[]);
}

// ---------------------------------------------------------------------------------------------
// 5. Validation

/// `kiln job validate` reports each problem with its key path and exits 1; a valid job prints
/// `a valid job` and exits 0.
#[test]
fn validate_names_the_key_path_of_each_problem() {
  let base = || {
    let mut spec = simple("valid", "hello", &[], vec![]);
    task(&mut spec)["Env"] = json!({"GOOD": "yes"});
    spec
  };
  let with = |f: &dyn Fn(&mut Value)| {
    let mut spec = base();
    f(&mut spec);
    spec
  };
  let work = Work::new();
  let ok = work.validate(&base());
  assert_eq!(ok.status, Some(0), "{}", ok.stderr);
  assert_eq!(ok.stdout, "job.yaml: a valid job (1 task, batch)\n");
  // 4 GiB exactly fits wasm32.
  let ok = work.validate(&with(&|s| task(s)["Resources"] = json!({"Memory": "4GiB"})));
  assert_eq!(ok.status, Some(0), "{}", ok.stderr);

  let cases: Vec<(Value, &str, &str)> = vec![
    (
      with(&|s| task(s)["Engine"]["Params"]["EntryModule"] = json!("")),
      "Tasks[0].Engine.Params.EntryModule",
      "target path cannot be empty",
    ),
    (
      with(&|s| task(s)["Engine"]["Params"]["EntryModule"] = json!("elsewhere.wasm")),
      "Tasks[0].Engine.Params.EntryModule",
      "not an input source's Target",
    ),
    (
      with(&|s| task(s)["Engine"]["Params"]["ImportModules"] = json!(["lib/x.wasm"])),
      "Tasks[0].Engine.Params.ImportModules[0]",
      "not an input source's Target",
    ),
    (
      with(&|s| {
        task(s)["Engine"]["Params"].as_object_mut().unwrap().remove("Entrypoint");
      }),
      "Tasks[0].Engine.Params.Entrypoint",
      "missing entry point",
    ),
    (with(&|s| task(s)["Env"]["lower"] = json!("x")), "Tasks[0].Env.lower", "must be uppercase"),
    (with(&|s| task(s)["Env"]["1ABC"] = json!("x")), "Tasks[0].Env.1ABC", "must start with a letter"),
    (with(&|s| task(s)["Env"]["A-B"] = json!("x")), "Tasks[0].Env.A-B", "letters, numbers, and underscores"),
    (
      with(&|s| task(s)["Env"]["BACALHAU_JOB_ID"] = json!("x")),
      "Tasks[0].Env.BACALHAU_JOB_ID",
      "cannot start with BACALHAU_",
    ),
    (with(&|s| task(s)["Env"]["EMPTY"] = json!("")), "Tasks[0].Env.EMPTY", "cannot have empty value"),
    (
      with(&|s| {
        task(s)["ResultPaths"] = json!([{"Name": "outputs", "Path": "outputs"}]);
        task(s)["Publisher"] = json!({"Type": "local"});
      }),
      "Tasks[0].ResultPaths[0].Path",
      "must be absolute",
    ),
    (
      with(&|s| {
        task(s)["ResultPaths"] =
          json!([{"Name": "outputs", "Path": "/outputs"}, {"Name": "outputs", "Path": "/other"}]);
        task(s)["Publisher"] = json!({"Type": "local"});
      }),
      "Tasks[0].ResultPaths[1].Name",
      "already exists",
    ),
    (
      with(&|s| {
        task(s)["ResultPaths"] = json!([{"Name": "main.wasm", "Path": "/outputs"}]);
        task(s)["Publisher"] = json!({"Type": "local"});
      }),
      "Tasks[0].ResultPaths[0].Name",
      "conflicts with input target",
    ),
    (
      with(&|s| task(s)["InputSources"].as_array_mut().unwrap().push(inline("main.wasm", b"again"))),
      "Tasks[0].InputSources[1].Target",
      "target 'main.wasm' already exists",
    ),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "inline", "Params": {"URL": "data:,x"}}}))
      }),
      "Tasks[0].InputSources[1].Target",
      "missing a target",
    ),
    (
      with(&|s| task(s)["Resources"] = json!({"Memory": "5Gb"})),
      "Tasks[0].Resources.Memory",
      "more than a wasm32 memory can hold (4 GiB)",
    ),
    (with(&|s| task(s)["Resources"] = json!({"Memory": "lots"})), "Tasks[0].Resources.Memory", "invalid memory value"),
    (with(&|s| task(s)["Resources"] = json!({"CPU": "fast"})), "Tasks[0].Resources.CPU", "invalid CPU value"),
    (with(&|s| s["Frobnicate"] = json!(true)), "Frobnicate", "unknown field 'Frobnicate'"),
    (with(&|s| s["ID"] = json!("j-123")), "ID", "not allowed"),
    (with(&|s| s["Type"] = json!("cron")), "Type", "invalid job type"),
    (with(&|s| s["Count"] = json!(-1)), "Count", "must be >= 0"),
    (with(&|s| s["Count"] = json!("2")), "Count", "expected an integer"),
    (
      with(&|s| task(s)["Timeouts"] = json!({"ExecutionTimeout": -5})),
      "Tasks[0].Timeouts.ExecutionTimeout",
      "invalid timeout value",
    ),
    (
      with(&|s| task(s)["Timeouts"] = json!({"ExecutionTimeout": 10, "TotalTimeout": 5})),
      "Tasks[0].Timeouts.TotalTimeout",
      "less than total timeout",
    ),
    (with(&|s| task(s)["Engine"]["Type"] = json!("docker")), "Tasks[0].Engine.Type", "only the wasm engine"),
    (with(&|s| task(s)["Name"] = json!(" ")), "Tasks[0].Name", "missing task name"),
    (
      with(&|s| task(s)["Network"] = json!({"Type": "None", "Domains": ["example.com"]})),
      "Tasks[0].Network.Domains",
      "only be set for HTTP",
    ),
    (with(&|s| task(s)["Network"] = json!({"Type": "Wormhole"})), "Tasks[0].Network.Type", "unknown network type"),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "urlDownload", "Params": {"URL": "ftp://example.com/x"}}, "Target": "/x"}))
      }),
      "Tasks[0].InputSources[1].Source.Params.URL",
      "not an http(s) URL",
    ),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "localDirectory", "Params": {"Path": "/srv"}}, "Target": "/x"}))
      }),
      "Tasks[0].InputSources[1].Source.Params.SourcePath",
      "SourcePath, not Path",
    ),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "git", "Params": {}}, "Target": "/x"}))
      }),
      "Tasks[0].InputSources[1].Source.Type",
      "unknown source type",
    ),
  ];
  let mut failures = Vec::new();
  for (spec, path, needle) in &cases {
    let check = work.validate(spec);
    let hit = check.stderr.lines().any(|l| l.contains(&format!("{path}: ")) && l.contains(needle));
    if check.status != Some(1) || !hit || !check.stdout.is_empty() {
      failures.push(format!(
        "want exit 1 and a line `{path}: ...{needle}...`; got {:?}\nstdout: {}\nstderr: {}",
        check.status, check.stdout, check.stderr
      ));
    }
    // `run` refuses it the same way, before running anything.
    if *path == "Tasks[0].Env.lower" {
      let run = work.run(spec, &[]);
      refused(&run, &[path, needle]);
      assert!(!work.out().exists());
    }
  }
  assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), cases.len(), failures.join("\n\n"));

  // Several problems: one line each.
  let many = with(&|s| {
    task(s)["Env"]["lower"] = json!("x");
    task(s)["Resources"] = json!({"Memory": "8GiB"});
    s["Type"] = json!("cron");
  });
  let check = work.validate(&many);
  let stderr = refused(&check, &[]);
  for path in ["Tasks[0].Env.lower: ", "Tasks[0].Resources.Memory: ", "Type: "] {
    assert_eq!(stderr.lines().filter(|l| l.starts_with(path)).count(), 1, "{path} in:\n{stderr}");
  }

  // Not YAML at all.
  work.write("broken.yaml", "Name: [unclosed\nTasks: {\n");
  let check = work.kiln(&["job", "validate", "broken.yaml"]);
  refused(&check, &["broken.yaml"]);
  // No such file.
  let check = work.kiln(&["job", "validate", "missing.yaml"]);
  refused(&check, &["missing.yaml"]);
}

// ---------------------------------------------------------------------------------------------
// 6. Limits, failures and partitions

/// Timeouts.ExecutionTimeout: a guest asleep for a minute, or spinning, is stopped after 1 s;
/// the job fails (exit status 1) and says why. What it printed before is kept.
#[test]
fn the_execution_timeout_stops_the_guest() {
  let work = Work::new();
  let mut spec = simple("sleepy", "sleeper", &["sleep", "60"], vec![]);
  task(&mut spec)["Timeouts"] = json!({"ExecutionTimeout": 1});
  let started = Instant::now();
  let run = work.run(&spec, &[]);
  let took = started.elapsed();
  let line = failed(&run, "sleepy");
  assert!(line.contains("timeout") && line.contains("Timeouts.ExecutionTimeout"), "{line}");
  assert!(took < Duration::from_secs(20), "took {took:?}");
  assert!(took >= Duration::from_millis(900), "stopped before its timeout: {took:?}");
  assert_eq!(run.stdout, "sleeper: sleep 60\n");
  assert_eq!(text(&read(&work.out(), "stdout")), "sleeper: sleep 60\n");
  assert_eq!(text(&read(&work.out(), "exitCode")), "-1", "a failed execution's exit code, as Bacalhau's");

  let spin = wat::parse_str(r#"(module (func (export "_start") (loop $l (br $l))))"#).unwrap();
  let work = Work::new();
  let mut spec = job(
    "spin",
    json!({"EntryModule": "spin.wasm", "Entrypoint": "_start"}),
    vec![
      json!({"Source": {"Type": "inline", "Params": {"URL": data_url("application/wasm", &spin)}}, "Target": "spin.wasm"}),
    ],
  );
  task(&mut spec)["Timeouts"] = json!({"ExecutionTimeout": 1});
  let started = Instant::now();
  let run = work.run(&spec, &[]);
  let line = failed(&run, "spin");
  assert!(line.contains("timeout"), "{line}");
  assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

/// A guest that grows its memory by `grow` pages from `initial` and exits 4 if it could, 3 if
/// memory.grow returned -1.
fn grower(initial: u32, grow: u32) -> Value {
  let wat = format!(
    r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") {initial})
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const {grow})) (i32.const -1))
      (then (call $exit (i32.const 3)))
      (else (call $exit (i32.const 4))))))"#
  );
  let bytes = wat::parse_str(&wat).unwrap();
  job(
    "grow",
    json!({"EntryModule": "grow.wasm", "Entrypoint": "_start"}),
    vec![
      json!({"Source": {"Type": "inline", "Params": {"URL": data_url("application/wasm", &bytes)}}, "Target": "grow.wasm"}),
    ],
  )
}

/// Resources.Memory caps the guest's memory, rounded up to whole pages: `1Mb` (1 000 000 bytes)
/// is 16 pages, so growing to 16 pages works and to 17 fails in the guest (memory.grow returns
/// -1; the job completes). A module whose initial memory is over the cap fails the job. With no
/// Memory, Bacalhau's default 512Mb (7813 pages) applies.
#[test]
fn the_memory_cap_rounds_up_to_pages() {
  let cases: [(Option<&str>, u32, u32, &str); 5] = [
    (Some("1Mb"), 1, 15, "4"),
    (Some("1Mb"), 1, 16, "3"),
    (Some("1MiB"), 16, 1, "3"),
    (None, 1, 7813, "3"),
    (None, 1, 7812, "4"),
  ];
  for (memory, initial, grow, code) in cases {
    let mut spec = grower(initial, grow);
    if let Some(memory) = memory {
      task(&mut spec)["Resources"] = json!({"Memory": memory});
    }
    let work = Work::new();
    let run = work.run(&spec, &[]);
    assert_eq!(run.status, Some(0), "{memory:?} {initial}+{grow}: {}", run.stderr);
    completed(&run, "grow", code, &work.out());
    assert_results(&work.out(), b"", b"", code, &[]);
  }
  let mut spec = grower(17, 0);
  task(&mut spec)["Resources"] = json!({"Memory": "1Mb"});
  let work = Work::new();
  let run = work.run(&spec, &[]);
  let line = failed(&run, "grow");
  assert!(line.contains("memor"), "the failure should be about memory: {line}");
  assert!(line.contains("Resources.Memory"), "and name the job's own key: {line}");
}

/// A missing entry point fails the job before it runs (Bacalhau: "unable to find the
/// entrypoint"); so does one that is not a `() -> ()` function.
#[test]
fn a_missing_entry_point_fails_the_job() {
  let work = Work::new();
  let mut spec = simple("hello", "hello", &[], vec![]);
  task(&mut spec)["Engine"]["Params"]["Entrypoint"] = json!("nope");
  let run = work.run(&spec, &[]);
  let line = failed(&run, "hello");
  assert!(line.contains("`nope`"), "the failure should name the entry point: {line}");
  assert!(line.contains("_start"), "and list the functions there are: {line}");
  assert_eq!(run.stdout, "", "nothing ran");
  assert_eq!(text(&read(&work.out(), "exitCode")), "-1");
  assert_eq!(text(&read(&work.out(), "stdout")), "");

  for (entrypoint, words) in
    [("easter2022", "returns 1 results"), ("easter", "takes 1 parameters"), ("memory", "not as a function")]
  {
    let work = Work::new();
    let spec = job(
      "easter",
      json!({"EntryModule": "easter.wasm", "Entrypoint": entrypoint}),
      vec![module("easter.wasm", "easter")],
    );
    let run = work.run(&spec, &[]);
    let line = failed(&run, "easter");
    assert!(line.contains(&format!("`{entrypoint}`")) && line.contains(words), "{entrypoint}: {line}");
  }
}

/// Count: 2 runs two partitions, each with its own result directory and its index.
#[test]
fn count_runs_partitions() {
  let work = Work::new();
  let mut spec = simple("parts", "env", &[], vec![]);
  spec["Count"] = json!(2);
  let run = work.run(&spec, &[]);
  completed(&run, "parts", "-1,-1", &work.out());
  assert_eq!(
    listing(&work.out()),
    [
      "partition-0/",
      "partition-0/exitCode",
      "partition-0/stderr",
      "partition-0/stdout",
      "partition-1/",
      "partition-1/exitCode",
      "partition-1/stderr",
      "partition-1/stdout"
    ]
  );
  let mut executions = Vec::new();
  let mut jobs = Vec::new();
  for index in 0..2 {
    let dir = work.out().join(format!("partition-{index}"));
    let vars = env_lines(&text(&read(&dir, "stdout")));
    assert_eq!(vars["BACALHAU_PARTITION_INDEX"], index.to_string());
    assert_eq!(vars["BACALHAU_PARTITION_COUNT"], "2");
    assert_eq!(text(&read(&dir, "exitCode")), "-1");
    assert_eq!(read(&dir, "stderr"), b"");
    executions.push(vars["BACALHAU_EXECUTION_ID"].clone());
    jobs.push(vars["BACALHAU_JOB_ID"].clone());
  }
  assert_eq!(jobs[0], jobs[1], "one job");
  assert_ne!(executions[0], executions[1], "two executions");
  // kiln's stdout is both partitions' output, in order.
  let both = [read(&work.out(), "partition-0/stdout"), read(&work.out(), "partition-1/stdout")].concat();
  assert_eq!(run.stdout, text(&both));
}

// ---------------------------------------------------------------------------------------------
// 7. The command line

/// --output: an existing empty directory is fine, a non-empty one is refused (results are never
/// mixed). Without --output the results go to job-<id> in the working directory. --quiet keeps
/// the guest's output off the terminal but not out of the results.
#[test]
fn output_directories_and_quiet() {
  let spec = simple("hello", "hello", &[], vec![]);

  let work = Work::new();
  work.write("out/keep.txt", "mine");
  let run = work.run(&spec, &[]);
  refused(&run, &["not empty", "--output"]);
  assert_eq!(listing(&work.out()), ["keep.txt"], "the directory is left alone");

  let work = Work::new();
  std::fs::create_dir(work.out()).unwrap();
  let run = work.run(&spec, &[]);
  completed(&run, "hello", "0", &work.out());
  assert_results(&work.out(), b"Hello, world!\n", b"", "0", &[]);

  let work = Work::new();
  work.spec("job.yaml", &spec);
  let run = work.kiln(&["job", "run", "job.yaml"]);
  let made = listing(work.path());
  // The top-level directories kiln made (job.yaml is the only file there before).
  let dirs: Vec<&String> = made.iter().filter(|e| e.ends_with('/') && e.matches('/').count() == 1).collect();
  assert_eq!(dirs.len(), 1, "{made:?}");
  let dir = work.path().join(dirs[0].trim_end_matches('/'));
  let name = dirs[0].trim_end_matches('/').strip_prefix("job-").unwrap_or_else(|| panic!("{made:?}"));
  assert!(name.len() == 8 && name.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
  completed(&run, "hello", "0", &dir);
  assert_results(&dir, b"Hello, world!\n", b"", "0", &[]);

  let work = Work::new();
  let run = work.run(&spec, &["--quiet"]);
  assert_eq!(run.stdout, "", "--quiet");
  assert_eq!(completed(&run, "hello", "0", &work.out()), "");
  assert_results(&work.out(), b"Hello, world!\n", b"", "0", &[]);
}

/// Usage errors exit 2.
#[test]
fn usage_errors_exit_2() {
  let work = Work::new();
  work.spec("job.yaml", &json!({"Name": "x"}));
  for args in [
    &["job", "run"][..],
    &["job", "run", "job.yaml", "--bogus"],
    &["job", "run", "job.yaml", "other.yaml"],
    &["job", "run", "job.yaml", "--output"],
    &["job", "validate"],
    &["job", "validate", "job.yaml", "extra.yaml"],
    &["job", "frobnicate"],
  ] {
    let run = work.kiln(args);
    assert_eq!(run.status, Some(2), "{args:?}: {}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.stderr);
  }
  let help = work.kiln(&["job", "--help"]);
  assert_eq!(help.status, Some(0));
  assert!(help.stdout.contains("kiln job run job.yaml [--output DIR]"), "{}", help.stdout);
}
