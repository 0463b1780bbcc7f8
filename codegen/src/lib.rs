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
pub const RUST_SOURCES: &[&str] = &[
  "ext_wasm/src",
  "runtime/src/fs.rs",
  "runtime/src/globals.rs",
  "runtime/src/url.rs",
  "runtime/src/encoding.rs",
  "runtime/src/compression.rs",
  "runtime/src/navigator.rs",
];

/// A module apps import, its glue and its generated declaration file.
pub struct ModuleSpec {
  pub specifier: &'static str,
  pub glue: &'static str,
  pub dts: &'static str,
  /// The files the public API may also live in, as (internal specifier, file). The glue makes
  /// declarations of a part public with `export { a, B, type C } from "runtime:wasm/process";`;
  /// the generator then reads those declarations from the part as if the glue declared them. A
  /// part is read only when the glue re-exports from it.
  pub parts: &'static [(&'static str, &'static str)],
}

pub const MODULES: &[ModuleSpec] = &[
  ModuleSpec {
    specifier: "runtime:wasm",
    glue: "ts/runtime_wasm.ts",
    dts: "ts/runtime_wasm.d.ts",
    parts: &[
      ("runtime:wasm/memory", "ts/wasm_memory.ts"),
      ("runtime:wasm/instance", "ts/wasm_instance.ts"),
      ("runtime:wasm/process", "ts/wasm_process.ts"),
      ("runtime:wasm/pool", "ts/wasm_pool.ts"),
      ("runtime:wasm/component", "ts/wasm_component.ts"),
    ],
  },
  ModuleSpec { specifier: "runtime:fs", glue: "ts/runtime_fs.ts", dts: "ts/runtime_fs.d.ts", parts: &[] },
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

/// Every input the generator reads, for `cargo:rerun-if-changed`. Parts are listed whether or not
/// they exist yet or the glue re-exports from them (cargo accepts a missing path).
pub fn inputs() -> Vec<String> {
  let mut out: Vec<String> = RUST_SOURCES.iter().map(|s| s.to_string()).collect();
  for module in MODULES {
    out.push(module.glue.to_string());
    out.extend(module.parts.iter().map(|(_, file)| file.to_string()));
  }
  out
}

/// A module's glue with the parts it re-exports from expanded: no [`glue::GlueItem::Part`] left.
struct ModuleGlue {
  glue: glue::Glue,
  /// The glue file, then each part file read, in order of first re-export.
  files: Vec<String>,
  /// For each of `glue.items`, the index in `files` of the file it comes from.
  origins: Vec<usize>,
}

/// Reads the glue `glue_file` and the parts (internal specifier, file) it re-exports from, with
/// `load` (a path relative to the workspace root → its text), and replaces each
/// [`glue::GlueItem::Part`] by the part's declarations of those names, in the order listed. The
/// parts' `kiln:internal` imports join the glue's `internal_names`.
fn read_module(
  glue_file: &str,
  parts: &[(&str, &str)],
  mut load: impl FnMut(&str) -> Result<String, String>,
) -> Result<ModuleGlue, String> {
  let specifiers: Vec<&str> = parts.iter().map(|(specifier, _)| *specifier).collect();
  let mut glue = glue::read(glue_file, &load(glue_file)?, &specifiers)?;

  // Each part re-exported from, once, with every name the glue takes from it.
  let mut wanted: Vec<(&str, &str, Vec<String>)> = Vec::new();
  for item in &glue.items {
    let glue::GlueItem::Part { from, names } = item else { continue };
    let Some(&(specifier, file)) = parts.iter().find(|(specifier, _)| specifier == from) else {
      return Err(format!("{glue_file}: \"{from}\" is not a part of this module"));
    };
    let all = match wanted.iter_mut().position(|(s, ..)| *s == specifier) {
      Some(index) => &mut wanted[index].2,
      None => {
        wanted.push((specifier, file, Vec::new()));
        &mut wanted.last_mut().expect("just pushed").2
      }
    };
    for name in names {
      if all.contains(name) {
        return Err(format!("{glue_file}: `{name}` is re-exported from \"{from}\" twice"));
      }
      all.push(name.clone());
    }
  }
  let mut files = vec![glue_file.to_string()];
  let mut read = Vec::new();
  for (specifier, file, names) in &wanted {
    let text = load(file).map_err(|e| format!("{glue_file} re-exports from \"{specifier}\": {e}"))?;
    let part = glue::read_part(file, &text, names)?;
    glue.internal_names.extend(part.internal_names.iter().cloned());
    files.push(file.to_string());
    read.push((*specifier, files.len() - 1, part));
  }

  let mut items = Vec::new();
  let mut origins = Vec::new();
  for item in std::mem::take(&mut glue.items) {
    let glue::GlueItem::Part { from, names } = item else {
      items.push(item);
      origins.push(0);
      continue;
    };
    let (_, origin, part) = read.iter_mut().find(|(specifier, ..)| *specifier == from).expect("read above");
    for name in names {
      let found = part.items.iter().position(|i| matches!(i, glue::GlueItem::Decl { name: n, .. } if *n == name));
      let Some(index) = found else {
        return Err(format!(
          "{glue_file} re-exports `{name}` from \"{from}\", but {} exports no declaration `{name}` \
           (a function, class, const, interface or type)",
          files[*origin]
        ));
      };
      items.push(part.items.remove(index));
      origins.push(*origin);
    }
  }
  glue.items = items;
  Ok(ModuleGlue { glue, files, origins })
}

/// Generates every file from the sources under `root`.
///
/// # Errors
/// A message naming the file and line when a source uses something the generator cannot type
/// (an op value without a known attribute, a public TS item without JSDoc, ...).
pub fn generate(root: &Path) -> Result<Generated, String> {
  let api = rust_api::read(root, RUST_SOURCES)?;
  let mut modules = Vec::new();
  for module in MODULES {
    let load = |path: &str| std::fs::read_to_string(root.join(path)).map_err(|e| format!("{path}: {e}"));
    let module_glue = read_module(module.glue, module.parts, load)?;
    check_throws(&module_glue, &api)?;
    modules.push(module_glue);
  }

  let rust_sources: Vec<String> = RUST_SOURCES.iter().map(|s| s.to_string()).collect();
  let mut files = Vec::new();
  for (module, module_glue) in MODULES.iter().zip(&modules) {
    let mut sources = rust_sources.clone();
    sources.extend(module_glue.files.iter().cloned());
    let contents = dts::public_module(module.specifier, &sources, &module_glue.glue, &api)?;
    files.push(GeneratedFile { path: module.dts.to_string(), contents });
  }
  let glues: Vec<&glue::Glue> = modules.iter().map(|m| &m.glue).collect();
  let contents = dts::internal_module(&rust_sources, &api, &glues)?;
  files.push(GeneratedFile { path: INTERNAL_DTS.to_string(), contents });

  let api_rs = api_rs(&api, &glues, &files);
  Ok(Generated { files, api_rs })
}

/// Every `@throws` names codes as `Name (5000)`, and each pair matches the Rust table.
fn check_throws(module: &ModuleGlue, api: &rust_api::RustApi) -> Result<(), String> {
  for (item, &origin) in module.glue.items.iter().zip(&module.origins) {
    let glue::GlueItem::Decl { name, docs, text, .. } = item else { continue };
    let file = &module.files[origin];
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
fn api_rs(api: &rust_api::RustApi, glues: &[&glue::Glue], files: &[GeneratedFile]) -> String {
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

#[cfg(test)]
mod tests {
  use super::*;

  const PARTS: &[(&str, &str)] = &[("m/process", "ts/process.ts"), ("m/pool", "ts/pool.ts")];

  const PROCESS: &str = r#"
import type { Thing, Other } from "kiln:internal";
export type { Other } from "kiln:internal";

/** Options. @example ({}) */
export interface Options { thing?: Thing }

export function helper(x = 1) { return x; }

/**
 * A process.
 * @example
 * ```ts
 * await spawn();
 * ```
 */
export class Process {
  /** Waits. @example await p.wait() @throws {Error} Trap (5001) */
  wait(): Promise<void> { return Promise.resolve(); }
}

/** Spawns. @example await spawn() */
export async function spawn(): Promise<Process> { return new Process(); }
"#;

  /// (file, text) sources for `read_module`; a file not listed does not exist.
  fn loader<'a>(files: &'a [(&'a str, &'a str)]) -> impl FnMut(&str) -> Result<String, String> + 'a {
    |path: &str| {
      let found = files.iter().find(|(file, _)| *file == path);
      found.map(|(_, text)| text.to_string()).ok_or_else(|| format!("{path}: not found"))
    }
  }

  fn names(module: &ModuleGlue) -> Vec<&str> {
    module
      .glue
      .items
      .iter()
      .map(|i| match i {
        glue::GlueItem::Decl { name, .. } => name.as_str(),
        glue::GlueItem::ReExport(_) => "(re-export)",
        glue::GlueItem::Part { .. } => "(part)",
      })
      .collect()
  }

  #[test]
  fn expands_the_named_declarations_of_parts_in_order() {
    let glue = r#"
import type { Mine } from "kiln:internal";
/** First. @example first() */
export function first(): void {}
export { spawn, Process, type Options } from "m/process";
/** Last. @example last */
export const last: number = 1;
"#;
    let module = read_module("ts/glue.ts", PARTS, loader(&[("ts/glue.ts", glue), ("ts/process.ts", PROCESS)])).unwrap();
    // In the order the glue lists them, not the part's; the part's other exports stay internal.
    assert_eq!(names(&module), ["first", "spawn", "Process", "Options", "last"]);
    assert_eq!(module.files, ["ts/glue.ts", "ts/process.ts"], "ts/pool.ts is not read");
    assert_eq!(module.origins, [0, 1, 1, 1, 0]);
    assert_eq!(module.glue.internal_names, ["Mine", "Thing", "Other", "Other"]);

    // Downstream sees the expanded items: the class with its JSDoc, in the d.ts and in EXPORTS.
    let api = rust_api::RustApi::default();
    let sources = module.files.clone();
    let dts = dts::public_module("m", &sources, &module.glue, &api).unwrap();
    assert!(dts.lines().next().unwrap().contains("from ts/glue.ts, ts/process.ts."), "{dts}");
    assert!(dts.contains("   * A process.\n") && dts.contains("  export class Process {\n"), "{dts}");
    assert!(dts.contains("  export function spawn(): Promise<Process>;\n"), "{dts}");
    assert!(!dts.contains("helper"), "{dts}");
    let api_rs = api_rs(&api, &[&module.glue], &[]);
    assert!(api_rs.contains(r#"("runtime:wasm" , "Process" , "class" , & ["wait"])"#), "{api_rs}");
  }

  #[test]
  fn a_name_the_part_does_not_declare_is_an_error() {
    for (name, why) in [("nope", "missing"), ("Other", "a re-export, not a declaration")] {
      let glue = format!("export {{ spawn, {name} }} from \"m/process\";");
      let files = [("ts/glue.ts", glue.as_str()), ("ts/process.ts", PROCESS)];
      let err = read_module("ts/glue.ts", PARTS, loader(&files)).err().unwrap();
      assert!(err.contains("ts/process.ts") && err.contains(&format!("`{name}`")), "{why}: {err}");
    }
    let twice = "export { spawn } from \"m/process\";\nexport { spawn } from \"m/process\";";
    let err = read_module("ts/glue.ts", PARTS, loader(&[("ts/glue.ts", twice), ("ts/process.ts", PROCESS)]));
    assert!(err.err().unwrap().contains("`spawn` is re-exported from \"m/process\" twice"));
  }

  #[test]
  fn a_part_is_read_only_when_the_glue_re_exports_from_it() {
    let glue = "/** First. @example first() */\nexport function first(): void {}";
    let module = read_module("ts/glue.ts", PARTS, loader(&[("ts/glue.ts", glue)])).unwrap();
    assert_eq!(module.files, ["ts/glue.ts"]);
    let missing = "export { Pool } from \"m/pool\";";
    let err = read_module("ts/glue.ts", PARTS, loader(&[("ts/glue.ts", missing)])).err().unwrap();
    assert_eq!(err, "ts/glue.ts re-exports from \"m/pool\": ts/pool.ts: not found");
  }

  #[test]
  fn throws_are_checked_in_the_part_that_declares_them() {
    let glue = "export { Process } from \"m/process\";";
    let module = read_module("ts/glue.ts", PARTS, loader(&[("ts/glue.ts", glue), ("ts/process.ts", PROCESS)])).unwrap();
    let api = rust_api::RustApi { codes: vec![("Trap".into(), "5002".into())], ..Default::default() };
    let err = check_throws(&module, &api).unwrap_err();
    assert!(err.starts_with("ts/process.ts: `Process`:"), "{err}");
  }

  #[test]
  fn every_part_is_an_input() {
    let inputs = inputs();
    for module in MODULES {
      assert!(inputs.iter().any(|i| i == module.glue));
      for (_, file) in module.parts {
        assert!(inputs.iter().any(|i| i == file), "{file}");
      }
    }
  }
}
