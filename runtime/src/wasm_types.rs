//! `kiln types`: a declaration file for each core WebAssembly module (`.wasm`) in an app
//! directory, so that `import { add } from "./add.wasm"` (see `wasm_module`) is typed and
//! `tsc --strict` rejects `add("x", 2)` and `add(1)`.
//!
//! Each `*.wasm` file under the directory (not in `kiln-types/`, `node_modules/`, `target/` or
//! dot-directories) that is a core module gets `kiln-types/wasm/<its path without .wasm>.d.wasm.ts`.
//! TypeScript looks for `x.d.wasm.ts` when a module imports `./x.wasm` under
//! `"allowArbitraryExtensions": true`, and `"rootDirs": [".", "kiln-types/wasm"]` makes it look in
//! `kiln-types/wasm/` as if that were the app directory; the tsconfig.json `kiln types` writes sets
//! both. The declarations follow what the module's ES module form exports, with the types
//! `instance.exports` takes and returns (ts/wasm_exports.ts):
//! - a function: parameters `p0`, `p1`, ... typed `number` (i32, f32, f64) or `number | bigint`
//!   (i64, which also takes a safe integer); `never` for v128 and references, which cannot be
//!   passed; it returns `void` (no result), `number`, `bigint` (i64), or a tuple for several;
//! - the first memory: `WasmMemory` from runtime:wasm;
//! - an immutable global with a constant initializer: `number`, or `bigint` for i64.
//!
//! An export whose name is not a JavaScript identifier is declared under an internal name and
//! exported as a string name (`export { _kiln_export_2 as "a-b" }`). Components are left to
//! `component_types`; a file that is not WebAssembly is reported as skipped with the reason.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::path::Path;

use crate::component_types::{find, slashed, GENERATED};
use crate::scaffold::TYPES_DIR;
use crate::wasm_module::interface::{self, Constant, Interface, Kind, Signature};
use crate::wasm_module::{ExportKind, Val};

/// Where the modules' declaration files go, inside `kiln-types/`; also the second of the
/// tsconfig's `rootDirs`.
pub const WASM_DIR: &str = "wasm";

/// The suffix TypeScript looks for beside `x.wasm` (`x.d.wasm.ts`).
const SUFFIX: &str = ".d.wasm.ts";

/// Writes the declarations of every core module under `dir` into `dir/kiln-types/wasm/`, and
/// removes those written before for modules that are gone. Returns what it did, line by line.
/// Errs only when a file cannot be written.
pub fn write(dir: &Path) -> Result<Vec<String>, String> {
  let out_dir = dir.join(TYPES_DIR).join(WASM_DIR);
  let mut report = Vec::new();
  let mut found = Vec::new();
  find(dir, Path::new(""), &mut found, &mut report);
  let mut written = HashSet::new();
  for rel in found.into_iter().filter(|p| p.extension().is_some_and(|e| e == "wasm")) {
    let source = dir.join(&rel);
    let bytes = match std::fs::read(&source) {
      Ok(bytes) => bytes,
      Err(e) => {
        report.push(format!("skipped {}: cannot read it: {e}", source.display()));
        continue;
      }
    };
    let interface = match interface::kind(&bytes) {
      Kind::Component => continue, // typed by component_types
      Kind::NotWasm => Err("not a WebAssembly binary (no \\0asm preamble)".to_string()),
      Kind::Module => interface::read(&bytes).map_err(|e| format!("not a valid WebAssembly module: {e}")),
    };
    let interface = match interface {
      Ok(interface) => interface,
      Err(reason) => {
        report.push(format!("skipped {}: {reason}", source.display()));
        continue;
      }
    };
    let out_rel = rel.with_extension(&SUFFIX[1..]);
    let target = out_dir.join(&out_rel);
    let contents = declarations(&slashed(&rel), &interface);
    if let Some(parent) = target.parent() {
      std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(&target, contents).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
    report.push(format!("wrote {} (the types of `import ... from \"./{}\"`)", target.display(), slashed(&rel)));
    written.insert(out_rel);
  }
  crate::component_types::remove_stale(
    &out_dir,
    Path::new(""),
    SUFFIX,
    "module",
    &|p| written.contains(p),
    &mut report,
  );
  Ok(report)
}

/// The declaration file of the module at `source` (relative to the app directory, with `/`).
fn declarations(source: &str, interface: &Interface) -> String {
  let mut out = format!(
    "{GENERATED} from the WebAssembly module {source}: do not edit; run\n\
     // `kiln types` again when the module changes.\n\
     //\n\
     // The types of `import {{ ... }} from \"./{source}\"` in `kiln run`. TypeScript reads this file\n\
     // for that import under \"allowArbitraryExtensions\" and \"rootDirs\": [\".\", \"{TYPES_DIR}/{WASM_DIR}\"].\n"
  );
  let exported: Vec<_> = interface.exports.iter().filter(|e| !matches!(e.kind, ExportKind::Skipped(_))).collect();
  if exported.iter().any(|e| e.kind == ExportKind::Memory) {
    out.push_str("import type { WasmMemory } from \"runtime:wasm\";\n");
  }
  out.push('\n');
  let names: HashSet<&str> = exported.iter().map(|e| e.name.as_str()).collect();
  // Internal names for exports that are not identifiers, chosen not to clash with an export.
  let mut internal: HashMap<usize, String> = HashMap::new();
  let mut next = 0;
  for (index, export) in exported.iter().enumerate() {
    if !is_identifier(&export.name) {
      let name = loop {
        let name = format!("_kiln_export_{next}");
        next += 1;
        if !names.contains(name.as_str()) {
          break name;
        }
      };
      internal.insert(index, name);
    }
  }
  for (index, export) in exported.iter().enumerate() {
    let (keyword, local) = match internal.get(&index) {
      Some(name) => ("declare", name.as_str()),
      None => ("export declare", export.name.as_str()),
    };
    match &export.kind {
      ExportKind::Function(signature) => {
        let _ = writeln!(out, "{keyword} function {local}{};", function_type(signature));
      }
      ExportKind::Memory => {
        let _ = writeln!(out, "{keyword} const {local}: WasmMemory;");
      }
      ExportKind::Constant(value) => {
        let ty = if matches!(value, Constant::I64(_)) { "bigint" } else { "number" };
        let _ = writeln!(out, "{keyword} const {local}: {ty};");
      }
      ExportKind::Skipped(_) => {}
    }
    if internal.contains_key(&index) {
      let _ = writeln!(out, "export {{ {local} as {} }};", serde_json::to_string(&export.name).unwrap_or_default());
    }
  }
  // A module even with no export, so that the import resolves to it.
  out.push_str("export {};\n");
  out
}

/// `(p0: number, p1: number | bigint): number`.
fn function_type(signature: &Signature) -> String {
  let params: Vec<String> = signature
    .params
    .iter()
    .enumerate()
    .map(|(i, ty)| {
      let ty = match ty {
        Val::I32 | Val::F32 | Val::F64 => "number",
        Val::I64 => "number | bigint",
        Val::Other => "never",
      };
      format!("p{i}: {ty}")
    })
    .collect();
  let result = |ty: &Val| match ty {
    Val::I32 | Val::F32 | Val::F64 => "number",
    Val::I64 => "bigint",
    Val::Other => "unknown",
  };
  let results = match signature.results.as_slice() {
    [] => "void".to_string(),
    [one] => result(one).to_string(),
    many => format!("[{}]", many.iter().map(result).collect::<Vec<_>>().join(", ")),
  };
  format!("({}): {results}", params.join(", "))
}

/// Whether `name` can be declared as is: an ASCII identifier that is not a reserved word.
fn is_identifier(name: &str) -> bool {
  let mut chars = name.chars();
  chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    && !crate::component_types::names::RESERVED_WORDS.contains(&name)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn declares_what_the_es_module_exports() {
    let bytes = wat::parse_str(
      r#"(module
        (func (export "add") (param i32 i32) (result i32) local.get 0)
        (func (export "big") (param i64 f64) (result i64) local.get 0)
        (func (export "divmod") (param i32 i32) (result i32 i32) local.get 0 local.get 1)
        (func (export "run"))
        (func (export "a-b") (param v128))
        (func (export "delete"))
        (memory (export "memory") 1)
        (global (export "answer") i32 (i32.const 42))
        (global (export "counter") (mut i64) (i64.const 0))
        (table (export "table") 1 funcref))"#,
    )
    .unwrap();
    let dts = declarations("lib/m.wasm", &interface::read(&bytes).unwrap());
    for line in [
      "// GENERATED by `kiln types` from the WebAssembly module lib/m.wasm: do not edit; run\n",
      "import type { WasmMemory } from \"runtime:wasm\";\n",
      "export declare function add(p0: number, p1: number): number;\n",
      "export declare function big(p0: number | bigint, p1: number): bigint;\n",
      "export declare function divmod(p0: number, p1: number): [number, number];\n",
      "export declare function run(): void;\n",
      "declare function _kiln_export_0(p0: never): void;\nexport { _kiln_export_0 as \"a-b\" };\n",
      "declare function _kiln_export_1(): void;\nexport { _kiln_export_1 as \"delete\" };\n",
      "export declare const memory: WasmMemory;\n",
      "export declare const answer: number;\n",
    ] {
      assert!(dts.contains(line), "{line}\nnot in:\n{dts}");
    }
    assert!(!dts.contains("counter") && !dts.contains("table"), "{dts}");
  }

  #[test]
  fn identifiers() {
    assert!(is_identifier("add") && is_identifier("_start") && is_identifier("$x1"));
    assert!(!is_identifier("") && !is_identifier("1a") && !is_identifier("a-b") && !is_identifier("new"));
    assert!(!is_identifier("é"));
  }
}
