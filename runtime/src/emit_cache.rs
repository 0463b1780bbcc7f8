//! The app's transpiled TypeScript, kept between runs: a start whose modules have not changed
//! reads their JavaScript and source maps back instead of parsing and transpiling them again (as
//! Deno keeps its emits in `DENO_DIR`).
//!
//! One file per module, in `emit-<key>/` beside the start-up snapshot (the compilation cache's
//! directory: run.rs), named after the module's specifier, so a file that is edited again and
//! again takes one entry, overwritten. `<key>` names the kiln binary (snapshot.rs), whose
//! transpiler made the entries: another build starts a directory of its own and removes the
//! others. An entry holds the hash of what it was made from (the module's kind and source), the
//! JavaScript and the source map, in a checked file (checked_file.rs): one that is damaged or was
//! made from other source is transpiled again and replaced.

use std::fs;
use std::path::{Path, PathBuf};

use deno_ast::MediaType;

use crate::checked_file::{self, fnv1a};

/// What an entry starts with (its format's version).
const MAGIC: &[u8; 8] = b"KILNEMT1";
/// The prefix of the cache's directories; the rest is the binary's key.
const DIR_PREFIX: &str = "emit-";

/// The emit cache of this binary, in a compilation cache directory.
pub struct EmitCache {
  dir: PathBuf,
}

/// A module's transpiled JavaScript and its source map.
pub struct Emitted {
  pub js: String,
  pub source_map: Option<Vec<u8>>,
}

impl EmitCache {
  /// The cache under `cache_dir` (a directory the compilation cache has accepted: run.rs);
  /// `None` if this binary cannot be named (then nothing is cached).
  pub fn new(cache_dir: &Path) -> Option<Self> {
    Some(Self { dir: cache_dir.join(format!("{DIR_PREFIX}{}", crate::snapshot::key()?)) })
  }

  /// The entry for `specifier`, if it was made from this `source` of this kind and is whole.
  pub fn get(&self, specifier: &str, media_type: MediaType, source: &str) -> Option<Emitted> {
    let bytes = fs::read(self.path(specifier)).ok()?;
    let rest = checked_file::body(&bytes)?.strip_prefix(MAGIC.as_slice())?;
    let (made_from, rest) = rest.split_first_chunk::<8>()?;
    if u64::from_le_bytes(*made_from) != source_hash(media_type, source) {
      return None;
    }
    let (js_len, rest) = rest.split_first_chunk::<8>()?;
    let js_len = usize::try_from(u64::from_le_bytes(*js_len)).ok()?;
    if js_len > rest.len() {
      return None;
    }
    let (js, map) = rest.split_at(js_len);
    Some(Emitted { js: String::from_utf8(js.to_vec()).ok()?, source_map: (!map.is_empty()).then(|| map.to_vec()) })
  }

  /// Keeps `js` and its source map as the entry for `specifier`, made from `source`. Best effort:
  /// a cache that cannot be written only costs the next start a transpile.
  pub fn put(&self, specifier: &str, media_type: MediaType, source: &str, js: &str, source_map: Option<&[u8]>) {
    if !self.dir.is_dir() {
      if fs::create_dir_all(&self.dir).is_err() {
        return;
      }
      self.remove_others();
    }
    let map = source_map.unwrap_or_default();
    let mut body = Vec::with_capacity(MAGIC.len() + 16 + js.len() + map.len());
    body.extend_from_slice(MAGIC);
    body.extend_from_slice(&source_hash(media_type, source).to_le_bytes());
    body.extend_from_slice(&(js.len() as u64).to_le_bytes());
    body.extend_from_slice(js.as_bytes());
    body.extend_from_slice(map);
    // Not synced: an entry lost in a crash is only transpiled again.
    let _ = checked_file::write(&self.path(specifier), &body, false);
  }

  fn path(&self, specifier: &str) -> PathBuf {
    self.dir.join(format!("{:016x}.js", fnv1a(specifier.as_bytes())))
  }

  /// Removes the emit directories of other builds beside this one, so that upgrades do not pile
  /// them up (a kiln of another build still running makes its own again).
  fn remove_others(&self) {
    let Some(parent) = self.dir.parent() else { return };
    let Ok(entries) = fs::read_dir(parent) else { return };
    for entry in entries.flatten() {
      let path = entry.path();
      if path != self.dir && entry.file_name().to_string_lossy().starts_with(DIR_PREFIX) && path.is_dir() {
        let _ = fs::remove_dir_all(path);
      }
    }
  }
}

/// What an entry is made from: the module's kind (the transpiler treats `.ts` and `.tsx`
/// differently) and its source.
fn source_hash(media_type: MediaType, source: &str) -> u64 {
  let mut bytes = Vec::with_capacity(source.len() + 8);
  bytes.extend_from_slice(media_type.as_ts_extension().as_bytes());
  bytes.push(0);
  bytes.extend_from_slice(source.as_bytes());
  fnv1a(&bytes)
}

#[cfg(test)]
mod tests {
  use super::*;

  /// A test's cache directory, removed when the test ends (also when it fails).
  struct Scratch(std::path::PathBuf);

  impl Drop for Scratch {
    fn drop(&mut self) {
      let _ = fs::remove_dir_all(&self.0);
    }
  }

  fn cache(name: &str) -> (EmitCache, Scratch) {
    let dir = std::env::temp_dir().join(format!("kiln-emit-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    (EmitCache { dir: dir.join(format!("{DIR_PREFIX}test")) }, Scratch(dir))
  }

  #[test]
  fn an_entry_is_read_back_only_for_the_source_it_was_made_from() {
    let (cache, _scratch) = cache("source");
    let (spec, ts) = ("file:///app/main.ts", MediaType::TypeScript);
    assert!(cache.get(spec, ts, "let a: number = 1;").is_none());
    cache.put(spec, ts, "let a: number = 1;", "let a = 1;", Some(b"{\"mappings\":\"\"}"));
    let hit = cache.get(spec, ts, "let a: number = 1;").expect("a hit");
    assert_eq!((hit.js.as_str(), hit.source_map.as_deref()), ("let a = 1;", Some(&b"{\"mappings\":\"\"}"[..])));
    assert!(cache.get(spec, ts, "let a: number = 2;").is_none(), "edited source");
    assert!(cache.get(spec, MediaType::Tsx, "let a: number = 1;").is_none(), "another kind");
    assert!(cache.get("file:///app/other.ts", ts, "let a: number = 1;").is_none(), "another module");
    // Replaced in place: one entry per module.
    cache.put(spec, ts, "let a: number = 2;", "let a = 2;", None);
    let hit = cache.get(spec, ts, "let a: number = 2;").expect("a hit");
    assert_eq!((hit.js.as_str(), hit.source_map), ("let a = 2;", None));
    assert_eq!(fs::read_dir(&cache.dir).unwrap().count(), 1);
  }

  #[test]
  fn a_damaged_entry_is_not_read() {
    let (cache, _scratch) = cache("damaged");
    let (spec, ts) = ("file:///app/main.ts", MediaType::TypeScript);
    cache.put(spec, ts, "x", "x;", None);
    let path = cache.path(spec);
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&path, &bytes).unwrap();
    assert!(cache.get(spec, ts, "x").is_none());
    fs::write(&path, &bytes[..5]).unwrap();
    assert!(cache.get(spec, ts, "x").is_none());
  }

  #[test]
  fn other_builds_entries_go_when_this_build_starts_its_own() {
    let (cache, _scratch) = cache("builds");
    let old = cache.dir.parent().unwrap().join(format!("{DIR_PREFIX}older"));
    fs::create_dir_all(&old).unwrap();
    fs::write(old.join("0.js"), "old").unwrap();
    let unrelated = cache.dir.parent().unwrap().join("quickjs-bytecode");
    fs::create_dir_all(&unrelated).unwrap();
    cache.put("file:///a.ts", MediaType::TypeScript, "a", "a;", None);
    assert!(!old.exists());
    assert!(unrelated.exists());
  }
}
