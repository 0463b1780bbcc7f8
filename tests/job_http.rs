//! A job's outbound HTTP (`Network.Type: HTTP` with `Domains`): Bacalhau's `wasi:http/requests`
//! `http_request` host function, against a server on 127.0.0.1, with its domain allowlist.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use kiln_test_support::{c_wasm, kiln};

/// Answers every request with `hello from the server`, echoing the `X-Kiln` header as `X-Echo`.
fn start_server() -> u16 {
  let listener = TcpListener::bind("127.0.0.1:0").unwrap();
  let port = listener.local_addr().unwrap().port();
  std::thread::spawn(move || {
    for mut stream in listener.incoming().flatten() {
      let mut reader = BufReader::new(stream.try_clone().unwrap());
      let mut echo = String::new();
      loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
          break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("x-kiln:") {
          echo = value.trim().to_string();
        }
      }
      let body = "hello from the server";
      let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nx-echo: {echo}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
      );
    }
  });
  port
}

fn base64(bytes: &[u8]) -> String {
  const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let mut out = String::new();
  for chunk in bytes.chunks(3) {
    let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
    for i in 0..4 {
      if i <= chunk.len() {
        out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
      } else {
        out.push('=');
      }
    }
  }
  out
}

/// A job running http_get.wasm on `url`, with `network` as its Network section (YAML).
fn job(url: &str, network: &str) -> String {
  let wasm = base64(&c_wasm("jobs/http_get.c"));
  format!(
    "Name: http\nType: batch\nTasks:\n  - Name: main\n    Engine:\n      Type: wasm\n      Params:\n        \
     EntryModule: /app/http_get.wasm\n        Entrypoint: _start\n        Parameters: [\"{url}\"]\n    \
     InputSources:\n      - Source:\n          Type: inline\n          Params:\n            URL: \
     \"data:application/wasm;base64,{wasm}\"\n        Target: /app/http_get.wasm\n{network}"
  )
}

fn run_job(spec: &str) -> (kiln_test_support::Run, String) {
  let dir = tempfile::tempdir().unwrap();
  std::fs::write(dir.path().join("job.yaml"), spec).unwrap();
  let run = kiln(dir.path(), ["job", "run", "job.yaml", "--output", "out", "--quiet"]);
  let stdout = std::fs::read_to_string(dir.path().join("out/stdout")).unwrap_or_default();
  (run, stdout)
}

#[test]
fn allowed_domains_reach_the_server_and_others_are_refused() {
  let port = start_server();
  let url = format!("http://127.0.0.1:{port}/data");
  let allowed = "    Network:\n      Type: HTTP\n      Domains: [\"127.0.0.1\"]\n";
  let (run, stdout) = run_job(&job(&url, allowed));
  assert_eq!(run.status, Some(0), "{}", run.stderr);
  assert_eq!(stdout, "result 0 status 200\nhello from the server\nheader: job\n", "{}", run.stderr);

  // Another domain only: http_request answers 4 (host not allowed) and nothing is sent.
  let other = "    Network:\n      Type: HTTP\n      Domains: [\"example.com\"]\n";
  let (run, stdout) = run_job(&job(&url, other));
  assert_eq!(run.status, Some(0), "{}", run.stderr);
  assert_eq!(stdout, "result 4 status 0\n");

  // Host networking reaches anything.
  let (run, stdout) = run_job(&job(&url, "    Network:\n      Type: Host\n"));
  assert_eq!(run.status, Some(0), "{}", run.stderr);
  assert!(stdout.starts_with("result 0 status 200\n"), "{stdout}");
}

#[test]
fn without_a_network_the_function_is_not_there() {
  let port = start_server();
  let (run, _) = run_job(&job(&format!("http://127.0.0.1:{port}/"), ""));
  assert_eq!(run.status, Some(1), "the job fails to link: {}", run.stderr);
  assert!(run.stderr.contains("wasi:http/requests"), "the error names the missing import: {}", run.stderr);
}
