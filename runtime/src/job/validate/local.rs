//! The rules of a local run (`kiln job run`) on top of Bacalhau's own (`validate.rs`): what this
//! machine can fetch and run, and which host paths the job may read.

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::*;

/// Rules of `kiln job run` on top of [`validate`]: a wasm engine, an entry point, modules that are
/// inputs, sources a local run can fetch, local paths in the allow-list, and memory that fits
/// wasm32. `allow_local` holds the `--allow-local PATH[:rw]` flags and the manifest's
/// `[jobs] allow_local` entries (path, read-write).
pub fn validate_local(job: &Job, allow_local: &[(PathBuf, bool)]) -> Vec<ValidationError> {
  let mut e = Errors(Vec::new());
  for (i, task) in job.tasks.iter().enumerate() {
    let path = format!("Tasks[{i}]");
    match task.engine.as_ref() {
      Some(engine) if !task.is_wasm() => e.add(
        format!("{path}.Engine.Type"),
        format!("kiln runs only the wasm engine, not {:?}; submit the job to a Bacalhau cluster", engine.spec_type),
      ),
      _ => {}
    }
    if let Some(wasm) = task.wasm_params() {
      let ppath = format!("{path}.Engine.Params");
      if wasm.entrypoint.is_empty() {
        e.add(
          format!("{ppath}.Entrypoint"),
          "missing entry point: Bacalhau looks up the empty name and fails the job; use _start for WASI commands",
        );
      }
      let modules = std::iter::once(("EntryModule".to_owned(), &wasm.entry_module))
        .chain(wasm.import_modules.iter().enumerate().map(|(j, m)| (format!("ImportModules[{j}]"), m)));
      for (key, module) in modules {
        if !module.is_empty() && !task.input_sources.iter().any(|input| under_target(module, &input.target)) {
          e.add(
            format!("{ppath}.{key}"),
            format!("{module:?} is not an input source's Target or inside one: add an InputSource with this Target"),
          );
        }
      }
    }
    for (j, input) in task.input_sources.iter().enumerate() {
      validate_local_source(input, &format!("{path}.InputSources[{j}]"), allow_local, &mut e);
    }
    for (j, result) in task.result_paths.iter().enumerate() {
      if task.input_sources.iter().any(|input| virtual_path(&input.target) == virtual_path(&result.name)) {
        e.add(
          format!("{path}.ResultPaths[{j}].Name"),
          format!("output name {:?} conflicts with input target", result.name),
        );
      }
    }
    if let Ok(bytes) = memory_limit(task) {
      if bytes > WASM_MAX_MEMORY {
        e.add(
          format!("{path}.Resources.Memory"),
          format!("{} is {bytes} bytes, more than a wasm32 memory can hold (4 GiB)", task.resources.memory),
        );
      }
    }
  }
  e.0
}

fn virtual_path(p: &str) -> &str {
  p.trim_start_matches('/').trim_end_matches('/')
}

fn under_target(module: &str, target: &str) -> bool {
  let (m, t) = (virtual_path(module), virtual_path(target));
  !t.is_empty() && (m == t || m.strip_prefix(t).is_some_and(|rest| rest.starts_with('/')))
}

fn validate_local_source(input: &InputSource, path: &str, allow_local: &[(PathBuf, bool)], e: &mut Errors) {
  let Some(source) = &input.source else { return };
  let kind = source.spec_type.trim().to_lowercase();
  let spath = format!("{path}.Source");
  let string_param = |key: &str| match source.param(key) {
    Some(Value::String(s)) => s.clone(),
    _ => String::new(),
  };
  match kind.as_str() {
    "s3" | "s3presigned" | "s3managed" | "ipfs" => e.add(
      format!("{spath}.Type"),
      format!(
        "{} sources are not fetched by a local run: submit the job to a Bacalhau cluster with `kiln job submit`",
        source.spec_type
      ),
    ),
    "inline" => {
      if blank(&string_param("URL")) {
        e.add(format!("{spath}.Params.URL"), "invalid inline params: url cannot be empty (an RFC 2397 data: URL)");
      }
    }
    "urldownload" => {
      let url = string_param("URL");
      if blank(&url) {
        e.add(format!("{spath}.Params.URL"), "invalid url storage params: url cannot be empty");
      } else if !(url.starts_with("http://") || url.starts_with("https://")) {
        e.add(format!("{spath}.Params.URL"), format!("invalid url storage params: {url:?} is not an http(s) URL"));
      }
    }
    "local" | "localdirectory" => {
      let source_path = string_param("SourcePath");
      if blank(&source_path) {
        let hint = if source.param("Path").is_some() { " (the parameter is SourcePath, not Path)" } else { "" };
        e.add(format!("{spath}.Params.SourcePath"), format!("missing SourcePath{hint}"));
        return;
      }
      let rw = match source.param("ReadWrite") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
      };
      let wanted = resolved(Path::new(&source_path));
      let matches: Vec<bool> =
        allow_local.iter().filter(|(allowed, _)| wanted.starts_with(resolved(allowed))).map(|(_, w)| *w).collect();
      let access = if rw { "read-write" } else { "read-only" };
      if matches.is_empty() {
        e.add(
          format!("{spath}.Params.SourcePath"),
          format!(
            "{source_path} is not under an allowed local path: allow it with `--allow-local {source_path}{}` or \
             the manifest's `[jobs] allow_local`",
            if rw { ":rw" } else { "" }
          ),
        );
      } else if rw && !matches.contains(&true) {
        e.add(
          format!("{spath}.Params.ReadWrite"),
          format!(
            "{source_path} is allowed read-only but the input asks {access}: allow it with `--allow-local \
             {source_path}:rw` or `:rw` in the manifest's `[jobs] allow_local`"
          ),
        );
      }
    }
    _ => e.add(
      format!("{spath}.Type"),
      format!("unknown source type {:?} (inline, urlDownload, local, localDirectory, s3, ipfs)", source.spec_type),
    ),
  }
}

/// Where a host path really is: absolute (against the working directory), symlinks followed when
/// it exists (so a link under an allowed directory cannot lead out of it), else lexically cleaned.
fn resolved(p: &Path) -> PathBuf {
  let absolute = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
  absolute.canonicalize().unwrap_or_else(|_| lexical(&absolute))
}

/// A path with `.` removed and `..` applied lexically, so `/data/../etc` is not under `/data`.
fn lexical(p: &Path) -> PathBuf {
  let mut out = PathBuf::new();
  for c in p.components() {
    match c {
      Component::CurDir => {}
      Component::ParentDir => {
        out.pop();
      }
      other => out.push(other),
    }
  }
  out
}
