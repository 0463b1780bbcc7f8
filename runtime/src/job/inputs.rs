//! The file system a job's guest sees, as Bacalhau's WASM executor builds it
//! (`pkg/executor/wasm/executor.go`, a mount file system): one root at `/`, each input read-only
//! at its `Target`, each result path writable at `/<Name>`, nothing else.
//!
//! WASI preview 1 has no mount table, but wasi-libc resolves a path against the preopen with the
//! longest matching prefix, so a mount is a preopen: directories are preopened where they mount,
//! and single files are copied into a staging directory that is the preopened root (read-only).
//! The mount points of the directories exist in that root too, so listing `/` shows them.

use std::io::Read;
use std::path::{Component, Path, PathBuf};

use super::spec::{InputSource, Task};

/// One directory the guest sees: `host` at `guest`.
#[derive(Debug, Clone)]
pub struct Mount {
  pub guest: String,
  pub host: PathBuf,
  pub writable: bool,
}

/// The staged file system of one run.
#[derive(Debug)]
pub struct Staged {
  /// The root, at `/` (read-only); its files are the single-file inputs.
  pub root: PathBuf,
  /// Directory inputs and result paths, each at its guest path.
  pub mounts: Vec<Mount>,
}

impl Staged {
  /// Every preopen: the root, then the mounts.
  pub fn preopens(&self) -> Vec<Mount> {
    let mut all = vec![Mount { guest: "/".into(), host: self.root.clone(), writable: false }];
    all.extend(self.mounts.iter().cloned());
    all
  }

  /// The host path of a guest path, through the mount with the longest matching prefix (the
  /// way wasi-libc resolves it).
  pub fn resolve(&self, guest: &str) -> Option<PathBuf> {
    let guest = normalize(guest)?;
    let mut best: Option<(&Mount, usize)> = None;
    for mount in &self.mounts {
      let prefix = normalize(&mount.guest)?;
      let matches = guest == prefix || guest.starts_with(&format!("{prefix}/"));
      if matches && best.is_none_or(|(_, len)| prefix.len() > len) {
        best = Some((mount, prefix.len()));
      }
    }
    let (host, rest) = match best {
      Some((mount, len)) => (mount.host.clone(), guest[len..].trim_start_matches('/').to_string()),
      None => (self.root.clone(), guest.trim_start_matches('/').to_string()),
    };
    Some(if rest.is_empty() { host } else { host.join(rest) })
  }
}

/// `/a/b` from `a/b`, `/a//b/`, `/a/./b`; `None` for a path that climbs with `..`.
pub fn normalize(path: &str) -> Option<String> {
  let mut parts = Vec::new();
  for component in Path::new(path).components() {
    match component {
      Component::Normal(part) => parts.push(part.to_str()?.to_string()),
      Component::RootDir | Component::CurDir => {}
      Component::ParentDir | Component::Prefix(_) => return None,
    }
  }
  Some(format!("/{}", parts.join("/")))
}

/// Stages the inputs of `task` under `stage` and creates the result directories under
/// `results`; `fetch` downloads a URL (urlDownload sources).
///
/// # Errors
/// A message naming the input (`Tasks[0].InputSources[i]`) and what failed.
pub fn stage(
  task: &Task,
  stage: &Path,
  results: &Path,
  fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<Staged, String> {
  let root = stage.join("root");
  std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
  let mut staged = Staged { root, mounts: Vec::new() };
  for (index, input) in task.input_sources.iter().enumerate() {
    let at = format!("Tasks[0].InputSources[{index}]");
    stage_input(input, index, stage, &mut staged, fetch).map_err(|e| format!("{at}: {e}"))?;
  }
  for (index, result) in task.result_paths.iter().enumerate() {
    let name = normalize(&result.name).ok_or_else(|| format!("Tasks[0].ResultPaths[{index}].Name: not a path"))?;
    let host = results.join(name.trim_start_matches('/'));
    std::fs::create_dir_all(&host).map_err(|e| format!("cannot create {}: {e}", host.display()))?;
    mount_point(&staged.root, &name)?;
    staged.mounts.push(Mount { guest: name, host, writable: true });
  }
  Ok(staged)
}

fn stage_input(
  input: &InputSource,
  index: usize,
  stage: &Path,
  staged: &mut Staged,
  fetch: &dyn Fn(&str) -> Result<Vec<u8>, String>,
) -> Result<(), String> {
  let source = input.source.as_ref().ok_or("no Source")?;
  let target = normalize(&input.target).ok_or_else(|| format!("Target {:?} is not a path", input.target))?;
  let param = |key: &str| source.param(key).and_then(|v| v.as_str()).map(str::to_string);
  let kind = source.spec_type.trim().to_ascii_lowercase();
  match kind.as_str() {
    "inline" => {
      let url = param("URL").ok_or("an inline source needs Params.URL, a data: URL")?;
      let (media, bytes) = decode_data_url(&url)?;
      if media == "application/gzip" || media == "application/x-gzip" {
        let dir = stage.join(format!("input-{index}"));
        extract_tar_gz(&bytes, &dir)?;
        mount_dir(staged, &target, dir, false)
      } else {
        place_file(&staged.root, &target, &bytes)
      }
    }
    "local" | "localdirectory" => {
      let path = param("SourcePath").ok_or("a local source needs Params.SourcePath")?;
      let writable = match source.param("ReadWrite") {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
      };
      // Where validation found it (validate.rs: symlinks followed), so what is read is what was allowed.
      let host =
        std::path::absolute(&path).and_then(|p| p.canonicalize()).map_err(|e| format!("SourcePath {path:?}: {e}"))?;
      let meta = std::fs::metadata(&host).map_err(|e| format!("SourcePath {path:?}: {e}"))?;
      if meta.is_dir() {
        mount_dir(staged, &target, host, writable)
      } else {
        let bytes = std::fs::read(&host).map_err(|e| format!("SourcePath {path:?}: {e}"))?;
        place_file(&staged.root, &target, &bytes)
      }
    }
    "urldownload" => {
      let url = param("URL").ok_or("a urlDownload source needs Params.URL")?;
      let name = url_basename(&url);
      let bytes = fetch(&url).map_err(|e| format!("downloading {url}: {e}"))?;
      let dir = stage.join(format!("input-{index}"));
      std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
      std::fs::write(dir.join(&name), bytes).map_err(|e| format!("cannot write {name}: {e}"))?;
      mount_dir(staged, &target, dir, false)
    }
    other => Err(format!(
      "source type {other:?} cannot run locally; kiln job run reads inline, local, localDirectory and \
       urlDownload sources (submit the job to a cluster for the others)"
    )),
  }
}

/// Where a URL's file lands: its last path segment, as Bacalhau's urlDownload names it.
fn url_basename(url: &str) -> String {
  let path = url.split(['?', '#']).next().unwrap_or(url);
  let path = path.split_once("://").map_or(path, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
  match path.rsplit('/').find(|s| !s.is_empty()) {
    Some(name) => name.to_string(),
    None => "index.html".to_string(),
  }
}

fn mount_dir(staged: &mut Staged, target: &str, host: PathBuf, writable: bool) -> Result<(), String> {
  mount_point(&staged.root, target)?;
  staged.mounts.push(Mount { guest: target.to_string(), host, writable });
  Ok(())
}

/// Creates the directory a mount shows at in the root, so that listing its parent shows it.
fn mount_point(root: &Path, guest: &str) -> Result<(), String> {
  let dir = root.join(guest.trim_start_matches('/'));
  std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create the mount point {guest}: {e}"))
}

/// Puts a single-file input at `target` in the root.
fn place_file(root: &Path, target: &str, bytes: &[u8]) -> Result<(), String> {
  if target == "/" {
    return Err("a file cannot be mounted at /".into());
  }
  let path = root.join(target.trim_start_matches('/'));
  if let Some(parent) = path.parent() {
    std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
  }
  std::fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Decodes an RFC 2397 data URL: its media type (lowercase, `text/plain` when absent) and bytes.
/// Whitespace inside base64 is ignored.
///
/// # Errors
/// A message saying what is wrong with the URL.
pub fn decode_data_url(url: &str) -> Result<(String, Vec<u8>), String> {
  let parsed = data_url::DataUrl::process(url.trim()).map_err(|e| format!("not a data: URL ({e:?})"))?;
  let media = format!("{}/{}", parsed.mime_type().type_, parsed.mime_type().subtype).to_ascii_lowercase();
  let (bytes, _) = parsed.decode_to_vec().map_err(|e| format!("the data URL's base64 is invalid ({e:?})"))?;
  Ok((media, bytes))
}

/// Extracts a .tar.gz into `dir`, refusing entries that would land outside it.
fn extract_tar_gz(bytes: &[u8], dir: &Path) -> Result<(), String> {
  std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
  let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
  let entries = archive.entries().map_err(|e| format!("not a tar.gz archive: {e}"))?;
  for entry in entries {
    let mut entry = entry.map_err(|e| format!("a broken tar.gz archive: {e}"))?;
    // `unpack_in` refuses paths with `..` and absolute paths, and keeps symlinks inside `dir`.
    let unpacked = entry.unpack_in(dir).map_err(|e| format!("cannot extract the tar.gz archive: {e}"))?;
    if !unpacked {
      let name = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
      return Err(format!("the tar.gz archive has an entry outside its directory: {name:?}"));
    }
  }
  Ok(())
}

/// Downloads `url` (http or https) whole.
///
/// # Errors
/// The HTTP status or transport error.
pub fn http_get(url: &str) -> Result<Vec<u8>, String> {
  let response = ureq::get(url).call().map_err(|e| e.to_string())?;
  let mut bytes = Vec::new();
  response.into_body().into_reader().read_to_end(&mut bytes).map_err(|e| e.to_string())?;
  Ok(bytes)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn paths_normalize_and_refuse_climbing() {
    assert_eq!(normalize("inputs/x").as_deref(), Some("/inputs/x"));
    assert_eq!(normalize("/a//b/./c/").as_deref(), Some("/a/b/c"));
    assert_eq!(normalize("/"), Some("/".into()));
    assert_eq!(normalize("/a/../b"), None);
  }

  #[test]
  fn data_urls_decode_with_whitespace_in_base64() {
    let (media, bytes) = decode_data_url("data:application/octet-stream;base64,aGVs\n bG8=").unwrap();
    assert_eq!(media, "application/octet-stream");
    assert_eq!(bytes, b"hello");
    assert_eq!(decode_data_url("data:,a%20b").unwrap().1, b"a b");
    assert!(decode_data_url("http://example.com").is_err());
  }

  #[test]
  fn url_basenames() {
    assert_eq!(url_basename("http://127.0.0.1:8080/files/data.csv?x=1"), "data.csv");
    assert_eq!(url_basename("https://example.com/"), "index.html");
    assert_eq!(url_basename("https://example.com/dir/"), "dir");
  }

  #[test]
  fn the_longest_mount_wins() {
    let staged = Staged {
      root: PathBuf::from("/stage/root"),
      mounts: vec![
        Mount { guest: "/inputs".into(), host: PathBuf::from("/a"), writable: false },
        Mount { guest: "/inputs/deep".into(), host: PathBuf::from("/b"), writable: false },
      ],
    };
    assert_eq!(staged.resolve("inputs/x.wasm"), Some(PathBuf::from("/a/x.wasm")));
    assert_eq!(staged.resolve("/inputs/deep/y.wasm"), Some(PathBuf::from("/b/y.wasm")));
    assert_eq!(staged.resolve("/inputsx"), Some(PathBuf::from("/stage/root/inputsx")));
    assert_eq!(staged.resolve("/inputs"), Some(PathBuf::from("/a")));
  }
}
