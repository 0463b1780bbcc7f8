//! Kiln's typings generator.
//!
//! The Rust source is the single source of truth for ops, the values that cross to JS and the
//! error codes; the TS glue in `ts/` is the single source of the public functions and classes
//! built on them. This crate reads both (`syn` for Rust, `deno_ast` for TS) and writes:
//!
//! - `ts/kiln_internal.d.ts`: the ops of every extension and the Rust types, for type-checking the
//!   glue itself;
//! - `ts/runtime_wasm.d.ts` and `ts/runtime_fs.d.ts`: the public modules apps import;
//! - `api.rs` (build scripts only): the op and export lists the tests compare with run time.
//!
//! The root `build.rs` runs it into `OUT_DIR`; `./x typings` (`kiln-codegen write`) refreshes the
//! committed copies, and a test fails when they differ.

mod dts;
mod glue;
mod rust_api;
mod serde_attrs;
mod ts_type;

use std::path::Path;

pub use dts::REFRESH;
pub use glue::RuntimeKind;

/// The Rust sources the generator reads, relative to the workspace root.
pub const RUST_SOURCES: &[&str] = &["ext_wasm/src", "runtime/src/fs.rs", "runtime/src/globals.rs"];

/// A module apps import, its glue and its generated declaration file.
pub struct ModuleSpec {
  pub specifier: &'static str,
  pub glue: &'static str,
  pub dts: &'static str,
}

pub const MODULES: &[ModuleSpec] = &[
  ModuleSpec { specifier: "runtime:wasm", glue: "ts/runtime_wasm.ts", dts: "ts/runtime_wasm.d.ts" },
  ModuleSpec { specifier: "runtime:fs", glue: "ts/runtime_fs.ts", dts: "ts/runtime_fs.d.ts" },
];

/// The internal typings: ops and Rust types, for checking the glue.
pub const INTERNAL_DTS: &str = "ts/kiln_internal.d.ts";

/// One generated file: its path relative to the workspace root, and contents.
pub struct GeneratedFile {
  pub path: String,
  pub contents: String,
}

/// What one run of the generator produces.
pub struct Generated {
  /// The committed `.d.ts` files.
  pub files: Vec<GeneratedFile>,
  /// Rust constants for the tests: `OPS` and `EXPORTS`.
  pub api_rs: String,
}

/// Every input the generator reads, for `cargo:rerun-if-changed`.
pub fn inputs() -> Vec<String> {
  let mut out: Vec<String> = RUST_SOURCES.iter().map(|s| s.to_string()).collect();
  out.extend(MODULES.iter().map(|m| m.glue.to_string()));
  out
}

/// Generates every file from the sources under `root`.
///
/// # Errors
/// A message naming the file and line when a source uses something the generator cannot type
/// (an op value without a known attribute, a public TS item without JSDoc, ...).
pub fn generate(root: &Path) -> Result<Generated, String> {
  let api = rust_api::read(root, RUST_SOURCES)?;
  let mut glues = Vec::new();
  for module in MODULES {
    let text = std::fs::read_to_string(root.join(module.glue)).map_err(|e| format!("{}: {e}", module.glue))?;
    let glue = glue::read(module.glue, &text)?;
    check_throws(module.glue, &glue, &api)?;
    glues.push(glue);
  }

  let rust_sources: Vec<String> = RUST_SOURCES.iter().map(|s| s.to_string()).collect();
  let mut files = Vec::new();
  for (module, glue) in MODULES.iter().zip(&glues) {
    let mut sources = rust_sources.clone();
    sources.push(module.glue.to_string());
    let contents = dts::public_module(module.specifier, &sources, glue, &api)?;
    files.push(GeneratedFile { path: module.dts.to_string(), contents });
  }
  let glue_refs: Vec<&glue::Glue> = glues.iter().collect();
  let contents = dts::internal_module(&rust_sources, &api, &glue_refs)?;
  files.push(GeneratedFile { path: INTERNAL_DTS.to_string(), contents });

  let api_rs = api_rs(&api, &glues, &files);
  Ok(Generated { files, api_rs })
}

/// Every `@throws` names codes as `Name (5000)`, and each pair matches the Rust table.
fn check_throws(file: &str, glue: &glue::Glue, api: &rust_api::RustApi) -> Result<(), String> {
  for item in &glue.items {
    let glue::GlueItem::Decl { name, docs, text, .. } = item else { continue };
    for block in [docs.as_str(), text.as_str()] {
      for line in block.lines().filter(|l| l.contains("@throws")) {
        let pairs: Vec<(&String, &String)> =
          api.codes.iter().filter(|(n, c)| line.contains(&format!("{n} ({c})"))).map(|(n, c)| (n, c)).collect();
        if pairs.is_empty() {
          return Err(format!("{file}: `{name}`: each @throws line names its codes as `Name (code)`: {line:?}"));
        }
        for (code_name, code) in &api.codes {
          let stale = line.contains(&format!("({code})")) && !line.contains(&format!("{code_name} ({code})"));
          if stale {
            return Err(format!("{file}: `{name}`: code {code} is {code_name} in error.rs: {line:?}"));
          }
        }
      }
    }
  }
  Ok(())
}

/// `OPS` (every registered op), `EXPORTS` (each module's run-time exports) and `GENERATED` (the
/// files as generated into `OUT_DIR`) as Rust, with quote.
fn api_rs(api: &rust_api::RustApi, glues: &[glue::Glue], files: &[GeneratedFile]) -> String {
  let ops: Vec<&str> = api.extensions.iter().flat_map(|e| e.ops.iter().map(|o| o.name.as_str())).collect();
  let mut exports = Vec::new();
  for (module, glue) in MODULES.iter().zip(glues) {
    for item in &glue.items {
      let glue::GlueItem::Decl { name, kind, .. } = item else { continue };
      let specifier = module.specifier;
      let (kind, methods): (&str, Vec<&str>) = match kind {
        RuntimeKind::TypeOnly => continue,
        RuntimeKind::Function => ("function", vec![]),
        RuntimeKind::Const => ("const", vec![]),
        RuntimeKind::Class(m) => ("class", m.iter().map(String::as_str).collect()),
      };
      exports.push(quote::quote! { (#specifier, #name, #kind, &[#(#methods),*]) });
    }
  }
  let generated = files.iter().map(|f| {
    let path = &f.path;
    let in_out_dir = format!("/{path}");
    quote::quote! { (#path, include_str!(concat!(env!("OUT_DIR"), #in_out_dir))) }
  });
  let tokens = quote::quote! {
    /// (path in the repository, contents as generated now) of every committed generated file.
    pub const GENERATED: &[(&str, &str)] = &[#(#generated),*];
    /// Every op the extensions register, as the generator read them.
    pub const OPS: &[&str] = &[#(#ops),*];
    /// (module, export, kind, public methods) for every run-time export of the typed modules.
    pub const EXPORTS: &[(&str, &str, &str, &[&str])] = &[#(#exports),*];
  };
  format!("// GENERATED by kiln-codegen (build.rs).\n{tokens}\n")
}

/// Writes the committed files under `root` (`./x typings`).
pub fn write(root: &Path, generated: &Generated) -> std::io::Result<()> {
  for file in &generated.files {
    std::fs::write(root.join(&file.path), &file.contents)?;
  }
  Ok(())
}
