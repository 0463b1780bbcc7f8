//! The WHATWG URL parser behind the `URL` and `URLSearchParams` globals (runtime/js/url.js): the
//! `url` crate's parser and its `quirks` module, which implements the URL Standard's getters and
//! setters, and `form_urlencoded` for query strings. The JS side keeps a URL's components; every
//! parse and every setter comes here and returns them all again.

use deno_core::op2;
use serde::Serialize;
use url::{quirks, Url};

/// A parsed URL's components, as the URL Standard's getters give them.
///
/// # Examples
///
/// ```ts
/// const parts = Deno.core.ops.op_kiln_url_parse("b?x=1", "https://example.com/a/", true);
/// if (parts !== null) console.log(parts.href, parts.pathname, parts.search); // ".../a/b?x=1" "/a/b" "?x=1"
/// ```
#[derive(Serialize)]
pub struct UrlParts {
  href: String,
  origin: String,
  protocol: String,
  username: String,
  password: String,
  host: String,
  hostname: String,
  port: String,
  pathname: String,
  search: String,
  hash: String,
}

impl UrlParts {
  fn of(url: &Url) -> Self {
    Self {
      href: quirks::href(url).to_string(),
      origin: quirks::origin(url),
      protocol: quirks::protocol(url).to_string(),
      username: quirks::username(url).to_string(),
      password: quirks::password(url).to_string(),
      host: quirks::host(url).to_string(),
      hostname: quirks::hostname(url).to_string(),
      port: quirks::port(url).to_string(),
      pathname: quirks::pathname(url).to_string(),
      search: quirks::search(url).to_string(),
      hash: quirks::hash(url).to_string(),
    }
  }
}

/// `new URL(href, base)`: the components, or `null` if `href` (against `base`, when `has_base`) is
/// not a valid URL.
#[op2]
#[serde]
pub fn op_kiln_url_parse(#[string] href: &str, #[string] base: &str, has_base: bool) -> Option<UrlParts> {
  parse(href, has_base.then_some(base))
}

fn parse(href: &str, base: Option<&str>) -> Option<UrlParts> {
  let url = match base {
    Some(base) => Url::parse(base).ok()?.join(href).ok()?,
    None => Url::parse(href).ok()?,
  };
  Some(UrlParts::of(&url))
}

/// A setter of a `URL` (`which`: 0 href, 1 protocol, 2 username, 3 password, 4 host, 5 hostname,
/// 6 port, 7 pathname, 8 search, 9 hash) applied to the URL `href`: its components after the
/// setter, which, as the URL Standard has it, leaves the URL unchanged for a value it cannot
/// take. `null` only for an `href` that does not parse (the href setter's TypeError).
#[op2]
#[serde]
pub fn op_kiln_url_set(#[string] href: &str, which: u32, #[string] value: &str) -> Option<UrlParts> {
  set(href, which, value)
}

fn set(href: &str, which: u32, value: &str) -> Option<UrlParts> {
  let mut url = Url::parse(href).ok()?;
  // The setters' results say whether the value was taken; an untaken value changes nothing.
  match which {
    0 => quirks::set_href(&mut url, value).ok()?,
    1 => {
      let _ = quirks::set_protocol(&mut url, value);
    }
    2 => {
      let _ = quirks::set_username(&mut url, value);
    }
    3 => {
      let _ = quirks::set_password(&mut url, value);
    }
    4 => {
      let _ = quirks::set_host(&mut url, value);
    }
    5 => {
      let _ = quirks::set_hostname(&mut url, value);
    }
    6 => {
      let _ = quirks::set_port(&mut url, value);
    }
    7 => quirks::set_pathname(&mut url, value),
    8 => quirks::set_search(&mut url, value),
    9 => quirks::set_hash(&mut url, value),
    _ => return None,
  }
  Some(UrlParts::of(&url))
}

/// A query string's name-value pairs, decoded as application/x-www-form-urlencoded.
#[op2]
#[serde]
pub fn op_kiln_url_search_parse(#[string] query: &str) -> Vec<(String, String)> {
  form_urlencoded::parse(query.as_bytes()).into_owned().collect()
}

/// Name-value pairs encoded as an application/x-www-form-urlencoded query string.
#[op2]
#[string]
pub fn op_kiln_url_search_serialize(#[serde] pairs: Vec<(String, String)>) -> String {
  form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_relative_url_resolves_against_its_base_and_bad_ones_are_none() {
    let parts = parse("../b?x=1#h", Some("https://u:p@example.com:8080/a/c/d")).unwrap();
    assert_eq!(parts.href, "https://u:p@example.com:8080/a/b?x=1#h");
    assert_eq!(
      (parts.host.as_str(), parts.port.as_str(), parts.origin.as_str()),
      ("example.com:8080", "8080", "https://example.com:8080")
    );
    assert!(parse("not a url", None).is_none());
    assert!(parse("x", Some("also not a url")).is_none());
  }

  #[test]
  fn setters_change_what_they_can_and_leave_the_rest() {
    let set_one = |which, value| set("https://example.com/p?q#h", which, value).unwrap().href;
    assert_eq!(set_one(7, "a b"), "https://example.com/a%20b?q#h");
    assert_eq!(set_one(6, "99999999"), "https://example.com/p?q#h");
    assert_eq!(set_one(1, "ftp"), "ftp://example.com/p?q#h");
    assert!(set("https://example.com/", 0, "nope").is_none());
  }
}
