//! `kiln types [DIR]` and `kiln init [DIR]`: give an app directory the typings an IDE needs, or
//! a whole new app that runs as it is.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Where `kiln types` puts the declaration files, inside the app directory.
pub const TYPES_DIR: &str = "kiln-types";

/// The typings, as committed in `ts/` (tests/typings.rs keeps them equal to the generator's).
const TYPINGS: &[(&str, &str)] = &[
  ("runtime_wasm.d.ts", include_str!("../../ts/runtime_wasm.d.ts")),
  ("runtime_fs.d.ts", include_str!("../../ts/runtime_fs.d.ts")),
  ("kiln_globals.d.ts", include_str!("../../ts/kiln_globals.d.ts")),
];

const TSCONFIG: &str = include_str!("../templates/tsconfig.json");
const MAIN_TS: &str = include_str!("../templates/main.ts");
const ADD_WAT: &str = include_str!("../templates/add.wat");
const MANIFEST: &str = include_str!("../templates/manifest.app.toml");

/// Writes `kiln-types/*.d.ts` (always: they are generated), a `kiln-types/components/*.d.ts` for
/// each WebAssembly component in `dir` (see `component_types`), a `kiln-types/wasm/*.d.wasm.ts`
/// for each core module (see `wasm_types`) and `tsconfig.json` (only if there is none: a user's
/// own is kept, with a note on what it needs). Returns what it did, line by line.
///
/// `dir` must exist: it is an app's directory, and a mistyped one would otherwise be created
/// silently, typings and all, away from the app.
pub fn write_types(dir: &Path) -> Result<Vec<String>, String> {
  existing_dir(dir)?;
  let types_dir = dir.join(TYPES_DIR);
  std::fs::create_dir_all(&types_dir).map_err(|e| format!("cannot create {}: {e}", types_dir.display()))?;
  let mut report = Vec::new();
  for (name, contents) in TYPINGS {
    let path = types_dir.join(name);
    std::fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    report.push(format!("wrote {}", path.display()));
  }
  report.extend(crate::component_types::write(dir)?);
  report.extend(crate::wasm_types::write(dir)?);
  let tsconfig = dir.join("tsconfig.json");
  match create_new(&tsconfig, TSCONFIG) {
    Ok(()) => report.push(format!("wrote {}", tsconfig.display())),
    Err(e) if e.kind() == ErrorKind::AlreadyExists => report.push(format!(
      "kept the existing {}: make sure its \"include\" lists \"{TYPES_DIR}/*.d.ts\" and it does not load the DOM lib, \
       and, for `.wasm` imports, that it sets \"allowArbitraryExtensions\": true and \"rootDirs\": [\".\", \"{TYPES_DIR}/{}\"]",
      tsconfig.display(),
      crate::wasm_types::WASM_DIR
    )),
    Err(e) => return Err(format!("cannot write {}: {e}", tsconfig.display())),
  }
  Ok(report)
}

/// Scaffolds a new app in `dir`: main.ts, add.wat, manifest.app.toml, tsconfig.json and the
/// typings. Refuses to overwrite any of those files.
pub fn init(dir: &Path) -> Result<Vec<String>, String> {
  let name = app_name(dir);
  let files: [(&str, String); 3] = [
    ("main.ts", MAIN_TS.to_string()),
    ("add.wat", ADD_WAT.to_string()),
    ("manifest.app.toml", MANIFEST.replace("{name}", &toml_string_body(&name))),
  ];
  for existing in ["main.ts", "add.wat", "manifest.app.toml", "tsconfig.json"].map(|f| dir.join(f)) {
    if existing.exists() {
      return Err(format!("{} already exists; kiln init makes a new app: pick an empty directory", existing.display()));
    }
  }
  std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
  let mut report = Vec::new();
  for (file, contents) in &files {
    let path = dir.join(file);
    create_new(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    report.push(format!("wrote {}", path.display()));
  }
  report.extend(write_types(dir)?);
  report.push(format!("run it: kiln run {}", dir.join("main.ts").display()));
  Ok(report)
}

/// Refuses a `dir` that does not exist or is not a directory, saying what to do instead.
fn existing_dir(dir: &Path) -> Result<(), String> {
  match std::fs::metadata(dir) {
    Ok(meta) if meta.is_dir() => Ok(()),
    Ok(_) => Err(format!(
      "{} is not a directory; kiln types writes into an app's directory: give the directory that \
       holds the app's main.ts",
      dir.display()
    )),
    Err(e) if e.kind() == ErrorKind::NotFound => Err(format!(
      "{} does not exist; kiln types writes into an existing app directory: check the path, or \
       make a new app there with `kiln init {}`",
      dir.display(),
      dir.display()
    )),
    Err(e) => Err(format!("cannot use {}: {e}", dir.display())),
  }
}

fn create_new(path: &Path, contents: &str) -> std::io::Result<()> {
  use std::io::Write;
  std::fs::OpenOptions::new().write(true).create_new(true).open(path)?.write_all(contents.as_bytes())
}

/// The app's name: its directory's name.
fn app_name(dir: &Path) -> String {
  let absolute = std::path::absolute(dir).unwrap_or_else(|_| PathBuf::from(dir));
  absolute.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "app".to_string())
}

/// Escapes a name for the inside of a TOML basic string.
fn toml_string_body(text: &str) -> String {
  let mut out = String::new();
  for c in text.chars() {
    match c {
      '"' => out.push_str("\\\""),
      '\\' => out.push_str("\\\\"),
      c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
      c => out.push(c),
    }
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn app_names_are_quoted_for_toml() {
    assert_eq!(toml_string_body(r#"my "app"\x"#), r#"my \"app\"\\x"#);
    let manifest = MANIFEST.replace("{name}", &toml_string_body("a\"b"));
    assert!(manifest.contains(r#"name = "a\"b""#));
    assert_eq!(toml_string_body("a\nb"), r"a\u000Ab");
  }
}
