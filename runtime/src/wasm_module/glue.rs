//! The JavaScript module that stands for a `.wasm` file (the rules are in `wasm_module`'s docs).

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::to_string as js_string;

use super::interface::{Constant, ExportKind, ImportKind, Interface};
use super::WASI_MODULES;

/// Makes the coded link error (InstantiateError, 5001) and checks each imported field. `file` is
/// the `.wasm` file's path.
const HELPERS: &str = r#"function linkError(message) {
  const error = new Error(message);
  Object.defineProperty(error, "name", { value: "InstantiateError", writable: true, configurable: true });
  error.code = errorCodes.InstantiateError;
  Object.defineProperty(error, Symbol.for("errorAdditionalPropertyKeys"), { value: ["code"] });
  return error;
}
function field(namespace, from, name, what, isFunction) {
  let value;
  try {
    value = namespace[name];
  } catch {
    throw linkError(`${file} imports ${what} from ${JSON.stringify(from)}, which has not run yet: the two import each other; move what the .wasm imports into a module of its own`);
  }
  if (isFunction ? typeof value === "function" : typeof value === "number" || typeof value === "bigint") return value;
  const has = value === undefined ? `exports no ${JSON.stringify(name)}` : `exports ${JSON.stringify(name)} as a ${typeof value}`;
  const want = isFunction ? "a function" : "a number or bigint";
  throw linkError(`${file} imports ${what} from ${JSON.stringify(from)}, but that module ${has}; export ${want} named ${JSON.stringify(name)} from it`);
}
"#;

/// The module's source. `file` is the `.wasm` file's canonical path, which `compileFile` gets.
pub fn module(file: &str, interface: &Interface) -> String {
  let mut out = format!(
    "// The ES module Kiln's loader made for the WebAssembly module {} (runtime/src/wasm_module.rs).\n\
     import {{ compileFile, errorCodes, instantiate }} from \"runtime:wasm\";\n",
    file.replace(['\n', '\r', '\u{2028}', '\u{2029}'], "?")
  );
  // Each import module name once, as a specifier, with the fields imported from it.
  let mut modules: BTreeMap<&str, (usize, Vec<String>)> = BTreeMap::new();
  let mut fields = String::new();
  let mut wasi = false;
  for (index, import) in interface.imports.iter().enumerate() {
    let module = import.module.as_str();
    if WASI_MODULES.contains(&module) {
      wasi = true;
      continue;
    }
    let next = modules.len();
    let (number, entries) = modules.entry(module).or_insert_with(|| (next, Vec::new()));
    let name = js_string(&import.name).unwrap_or_default();
    let (what, is_function, value) = match &import.kind {
      ImportKind::Function(signature) => {
        // Exactly the declared arguments (`hostCaller: false` below): a host function's trailing
        // WasmCaller would be one too many for another `.wasm`'s export, which checks its arity.
        (format!("the function `{}` {}", import.name, signature.text()), true, format!("i{index}"))
      }
      ImportKind::Global { ty, .. } => {
        (format!("the global `{}` ({})", import.name, ty.name()), false, format!("i{index}"))
      }
      // Refused before this is called (`check_imports`).
      ImportKind::Memory | ImportKind::Table | ImportKind::Tag => continue,
    };
    let _ = writeln!(
      fields,
      "const i{index} = field(m{number}, {}, {name}, {}, {is_function});",
      js_string(module).unwrap_or_default(),
      js_string(&what).unwrap_or_default()
    );
    entries.push(format!("{name}: {value}"));
  }
  let mut by_number: Vec<_> = modules.iter().map(|(module, (number, _))| (*number, *module)).collect();
  by_number.sort();
  for (number, module) in &by_number {
    let _ = writeln!(out, "import * as m{number} from {};", js_string(module).unwrap_or_default());
  }
  let _ = writeln!(out, "const file = {};", js_string(file).unwrap_or_default());
  out.push_str(HELPERS);
  out.push_str(&fields);
  let mut options = Vec::new();
  let functions = interface
    .imports
    .iter()
    .any(|i| matches!(i.kind, ImportKind::Function(_)) && !WASI_MODULES.contains(&i.module.as_str()));
  if !modules.is_empty() {
    let entries: Vec<String> = modules
      .iter()
      .map(|(module, (_, entries))| {
        format!("    {}: {{ {} }},\n", js_string(module).unwrap_or_default(), entries.join(", "))
      })
      .collect();
    options.push(format!("  imports: {{\n{}  }},\n", entries.concat()));
  }
  if functions {
    options.push("  hostCaller: false,\n".to_string());
  }
  if wasi {
    options.push("  inheritStdout: true,\n  inheritStderr: true,\n".to_string());
  }
  let options = if options.is_empty() { String::new() } else { format!(", {{\n{}}}", options.concat()) };
  let _ = writeln!(out, "const instance = await instantiate(await compileFile(file){options});");
  out.push_str("const fns = instance.exports;\n");
  for (index, export) in interface.exports.iter().enumerate() {
    let name = js_string(&export.name).unwrap_or_default();
    let value = match &export.kind {
      ExportKind::Function(_) => format!("fns[{name}]"),
      ExportKind::Memory => "instance.memory".to_string(),
      ExportKind::Constant(value) => literal(*value),
      ExportKind::Skipped(_) => continue,
    };
    let _ = writeln!(out, "const e{index} = {value};\nexport {{ e{index} as {name} }};");
  }
  out
}

/// A constant as a JS literal of the value `runtime:wasm` gives it (f32 widened exactly to f64).
fn literal(value: Constant) -> String {
  let float = |f: f64| {
    if f.is_nan() {
      "NaN".to_string()
    } else if f.is_infinite() {
      if f > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
      format!("{f:?}")
    }
  };
  match value {
    Constant::I32(v) => v.to_string(),
    Constant::I64(v) => format!("{v}n"),
    Constant::F32(v) => float(f64::from(v)),
    Constant::F64(v) => float(v),
  }
}

#[cfg(test)]
mod tests {
  use super::super::interface::read;
  use super::*;

  #[test]
  fn imports_each_module_once_and_exports_by_string_name() {
    let bytes = wat::parse_str(
      r#"(module
        (import "./host.js" "log" (func (param i32 i64)))
        (import "./other.wasm" "double" (func (param i32) (result i32)))
        (import "./host.js" "limit" (global i32))
        (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
        (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
        (func (export "a-b"))
        (memory (export "memory") 1)
        (global (export "big") i64 (i64.const -5))
        (global (export "inf") f64 (f64.const -inf))
        (global (export "counter") (mut i32) (i32.const 0)))"#,
    )
    .unwrap();
    let js = module("/app/x \"q\".wasm", &read(&bytes).unwrap());
    for line in [
      "import * as m0 from \"./host.js\";\nimport * as m1 from \"./other.wasm\";\n",
      "const file = \"/app/x \\\"q\\\".wasm\";\n",
      "const i0 = field(m0, \"./host.js\", \"log\", \"the function `log` (i32, i64) -> ()\", true);\n",
      "const i2 = field(m0, \"./host.js\", \"limit\", \"the global `limit` (i32)\", false);\n",
      "    \"./host.js\": { \"log\": i0, \"limit\": i2 },\n",
      "    \"./other.wasm\": { \"double\": i1 },\n",
      "  hostCaller: false,\n  inheritStdout: true,\n  inheritStderr: true,\n",
      "const e0 = fns[\"add\"];\nexport { e0 as \"add\" };\n",
      "export { e1 as \"a-b\" };\n",
      "const e2 = instance.memory;\nexport { e2 as \"memory\" };\n",
      "const e3 = -5n;\n",
      "const e4 = -Infinity;\n",
    ] {
      assert!(js.contains(line), "{line}\nnot in:\n{js}");
    }
    assert!(!js.contains("counter") && !js.contains("wasi_snapshot_preview1"), "{js}");
  }

  #[test]
  fn a_module_without_imports_passes_no_options() {
    let js = module("/a.wasm", &read(&wat::parse_str("(module)").unwrap()).unwrap());
    assert!(js.contains("await instantiate(await compileFile(file));\n"), "{js}");
    assert_eq!(literal(Constant::F32(0.1)), "0.10000000149011612");
    assert_eq!(literal(Constant::F64(-0.0)), "-0.0");
  }
}
