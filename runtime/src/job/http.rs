//! Bacalhau's outbound HTTP for WASM jobs (`pkg/executor/wasm/funcs/http/http.go`): the host
//! function `wasi:http/requests` `http_request`, given to a job whose `Network.Type` is not
//! `None`, and only for hosts the network config allows (`HTTP`: its `Domains`; `Host`/`Full`:
//! any).
//!
//! ```text
//! http_request(method, url_ptr, url_len, headers_ptr, headers_len, body_ptr, body_len,
//!              response_headers_ptr, response_headers_len_ptr,
//!              response_body_ptr, response_body_len_ptr, status_ptr) -> result
//! ```
//! `method` 0-6 is GET POST PUT DELETE HEAD OPTIONS PATCH (anything else GET). Headers travel as
//! `Name: value` lines. The `*_len_ptr` cells hold the buffer sizes on entry and the lengths
//! written on return (truncated to the buffers). `result` is 0 success, 1 invalid URL, 2 network
//! error, 3 timeout, 4 host not allowed, 5 too large, 6 bad input, 7 memory error.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use ext_wasm::native::{CallerMemory, NativeImport, Val, ValType};

use super::spec::{NetworkConfig, NetworkType};

const SUCCESS: u32 = 0;
const INVALID_URL: u32 = 1;
const NETWORK_ERROR: u32 = 2;
const TIMEOUT: u32 = 3;
const NOT_ALLOWED: u32 = 4;
const BAD_INPUT: u32 = 6;
const MEMORY_ERROR: u32 = 7;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_RESPONSE: u64 = 100 << 20;
const MIN_RESPONSE: u64 = 64 << 10;

/// Which hosts a job may reach.
#[derive(Debug, Clone)]
pub enum Allowed {
  Any,
  Domains(Vec<String>),
}

impl Allowed {
  /// The policy of a network config; `None` when the job gets no network function at all.
  pub fn of(network: &NetworkConfig) -> Option<Self> {
    match network.network_type {
      NetworkType::None | NetworkType::Default => None,
      NetworkType::Http => Some(Self::Domains(network.domains.iter().map(|d| d.trim().to_ascii_lowercase()).collect())),
      // Bacalhau gives a bridged job the function, but allows it no host.
      NetworkType::Bridge => Some(Self::Domains(Vec::new())),
      NetworkType::Host | NetworkType::Full => Some(Self::Any),
    }
  }

  /// Bacalhau's `isHostAllowed` with its `matchWildcard`: ports stripped, `*` anywhere in a
  /// pattern as one wildcard, otherwise an exact match.
  pub fn allows(&self, host: &str) -> bool {
    match self {
      Self::Any => true,
      Self::Domains(patterns) => patterns.iter().any(|p| match_wildcard(p, host)),
    }
  }
}

fn strip_port(s: &str) -> &str {
  s.rfind(':').map_or(s, |i| &s[..i])
}

fn match_wildcard(pattern: &str, host: &str) -> bool {
  let (pattern, host) = (strip_port(pattern), strip_port(host));
  if pattern == "*" {
    return true;
  }
  if !pattern.contains('*') {
    return pattern == host;
  }
  let host = host.to_ascii_lowercase();
  let parts: Vec<&str> = pattern.split('*').collect();
  if pattern.starts_with('*') {
    return host.ends_with(parts[1]);
  }
  if pattern.ends_with('*') {
    return host.starts_with(parts[0]);
  }
  host.starts_with(parts[0]) && host.ends_with(parts[1])
}

/// The `http_request` import under `allowed`.
pub fn http_request(allowed: Allowed) -> NativeImport {
  let agent: ureq::Agent =
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(DEFAULT_TIMEOUT)).build().into();
  NativeImport {
    module: "wasi:http/requests".into(),
    name: "http_request".into(),
    params: vec![ValType::I32; 12],
    results: vec![ValType::I32],
    func: Arc::new(move |memory, params, results| {
      let args: Vec<u32> = params.iter().map(|v| v.unwrap_i32() as u32).collect();
      results[0] = Val::I32(request(&agent, &allowed, memory, &args) as i32);
      Ok(())
    }),
  }
}

fn request(agent: &ureq::Agent, allowed: &Allowed, memory: &mut CallerMemory<'_>, a: &[u32]) -> u32 {
  let [method, url_ptr, url_len, headers_ptr, headers_len, body_ptr, body_len, rh_ptr, rh_len_ptr, rb_ptr, rb_len_ptr, status_ptr] =
    a[..]
  else {
    return BAD_INPUT;
  };
  if rh_ptr == 0 || rh_len_ptr == 0 || rb_ptr == 0 || rb_len_ptr == 0 {
    return BAD_INPUT;
  }
  let Some(url) = memory.read(url_ptr, url_len).and_then(|b| String::from_utf8(b).ok()) else {
    return INVALID_URL;
  };
  let Some(host) = url.split_once("://").map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or("")) else {
    return INVALID_URL;
  };
  if !allowed.allows(host) {
    return NOT_ALLOWED;
  }
  let headers = if headers_ptr != 0 && headers_len > 0 {
    memory.read(headers_ptr, headers_len).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
  } else {
    String::new()
  };
  let body = if body_ptr != 0 && body_len > 0 {
    match memory.read(body_ptr, body_len) {
      Some(body) => body,
      None => return BAD_INPUT,
    }
  } else {
    Vec::new()
  };
  let method =
    ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"].get(method as usize).copied().unwrap_or("GET");
  let Ok(http_method) = ureq::http::Method::from_bytes(method.as_bytes()) else { return BAD_INPUT };
  let mut builder = ureq::http::Request::builder().method(http_method).uri(&url);
  for line in headers.lines() {
    if let Some((name, value)) = line.trim().split_once(':') {
      builder = builder.header(name.trim(), value.trim());
    }
  }
  let Ok(request) = builder.body(body) else { return INVALID_URL };
  let response = match agent.run(request) {
    Ok(response) => response,
    Err(ureq::Error::Timeout(_)) => return TIMEOUT,
    Err(_) => return NETWORK_ERROR,
  };
  let status = u32::from(response.status().as_u16());
  let header_text: Vec<String> =
    response.headers().iter().map(|(k, v)| format!("{}: {}", k, String::from_utf8_lossy(v.as_bytes()))).collect();
  let mut header_text = header_text.join("\n").into_bytes();
  let limit = ((memory.size() as f64 * 0.8) as u64).clamp(MIN_RESPONSE, MAX_RESPONSE);
  let mut body = Vec::new();
  if response.into_body().into_reader().take(limit).read_to_end(&mut body).is_err() {
    return NETWORK_ERROR;
  }
  let (Some(headers_room), Some(body_room)) = (memory.read_u32(rh_len_ptr), memory.read_u32(rb_len_ptr)) else {
    return MEMORY_ERROR;
  };
  header_text.truncate(headers_room as usize);
  body.truncate(body_room as usize);
  let written = (status_ptr == 0 || memory.write(status_ptr, &status.to_le_bytes()))
    && memory.write(rh_len_ptr, &(header_text.len() as u32).to_le_bytes())
    && memory.write(rb_len_ptr, &(body.len() as u32).to_le_bytes())
    && memory.write(rh_ptr, &header_text)
    && memory.write(rb_ptr, &body);
  if written {
    SUCCESS
  } else {
    MEMORY_ERROR
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn wildcards_match_as_bacalhau_matches_them() {
    assert!(match_wildcard("example.com", "example.com:8080"));
    assert!(!match_wildcard("example.com", "api.example.com"));
    assert!(match_wildcard("*.example.com", "api.example.com"));
    assert!(match_wildcard("api.*", "api.example.org"));
    assert!(match_wildcard("api.*.org", "api.example.org"));
    assert!(match_wildcard("*", "anything"));
    assert!(match_wildcard("127.0.0.1", "127.0.0.1:4000"));
  }
}
