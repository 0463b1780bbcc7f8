//! `.wasm` files as ES modules: `import { add, memory } from "./add.wasm"`, as Deno imports them.
//!
//! The loader hands the bytes of an imported `.wasm` file (after the same root / `[capabilities.fs]`
//! check as any module) to [`source`], which reads the module's import and export sections and
//! returns a JavaScript module that does what an app would write by hand:
//! ```js
//! import { compileFile, instantiate } from "runtime:wasm";
//! import * as m0 from "./helpers.js";            // each import module name, as a specifier
//! const instance = await instantiate(await compileFile("/app/add.wasm"), { imports: { ... }, hostCaller: false });
//! const e0 = instance.exports["add"];
//! export { e0 as "add" };
//! ```
//! So `compileFile` checks `[capabilities.wasm] load` and `instantiate` checks `execute` (a denial
//! is the usual PermissionDenied, 5009, naming the key), the compilation cache applies, and the ES
//! module map makes every import of one file share one instance.
//!
//! The rules:
//! - **Imports.** Each import module name is a module specifier resolved against the `.wasm` file:
//!   `./x.js`, `../x.ts`, `/abs/x.mjs`, `file:` URLs, another `.wasm`, or `runtime:wasm` /
//!   `runtime:fs`. Functions are passed as host functions that get exactly the import's declared
//!   arguments (`hostCaller: false`: no `WasmCaller`), whether they come from a JS module or
//!   another `.wasm`'s exports; numbers and bigints provide immutable globals. A field the module does not export is an
//!   InstantiateError (5001) naming the field, the module it was looked for in and the `.wasm` file;
//!   so is a field of a module that has not run yet because the two import each other.
//!   `wasi_snapshot_preview1` (and `wasi_unstable`) are not specifiers: `instantiate` provides
//!   WASI, with the host's stdout and stderr (printing needs no grant, as `console.log` does not)
//!   and nothing else: no arguments, environment, stdin or preopens (use `compileFile` +
//!   `instantiate` for those). Refused when the file is loaded, with InstantiateError (5001): an
//!   import module name that is not a specifier (`env`: use `instantiate`'s `imports`), and memory,
//!   table, tag or mutable-global imports, which no JS module can provide.
//! - **Exports.** Every function export, as the synchronous function of `instance.exports`
//!   (ts/wasm_exports.ts: i64 as bigint, several results as an array, none as `undefined`); the
//!   first memory export, as the instance's `WasmMemory` (`instance.memory`); each immutable global
//!   whose initializer is a constant, as its value (a number, or a bigint for i64). Not exported:
//!   tables, tags, other memories, and mutable or imported globals, which `runtime:wasm` has no
//!   JS object for (`compileFile` + `instantiate` reach them through `imports`). Any export name
//!   works, identifier or not: the module exports it as a string name (`export { e0 as "a-b" }`,
//!   imported as `import { "a-b" as ab } from "./x.wasm"`).
//! - Components are refused (IoError, 5008): `compileFile` + `instantiate` run them, typed by
//!   `kiln types`.
//!
//! `kiln types` writes the matching declarations (`wasm_types`).

mod glue;
pub mod interface;

use std::path::Path;

use ext_wasm::WasmError;

pub use interface::{ExportKind, Val};

/// The import module names `instantiate` provides WASI preview 1 under.
pub const WASI_MODULES: &[&str] = &["wasi_snapshot_preview1", "wasi_unstable"];

/// The JavaScript module that stands for the `.wasm` file at `path` (canonical, checked), whose
/// contents are `bytes`. `importer` says who imported it, for messages (`" (imported by ...)"`).
///
/// # Errors
/// CompileError (5000) for bytes that are not a core module that can be read; IoError (5008) for
/// a component; InstantiateError (5001) for an import no ES module can provide.
pub fn source(path: &Path, bytes: &[u8], importer: &str) -> Result<String, WasmError> {
  let file = path.display();
  match interface::kind(bytes) {
    interface::Kind::Module => {}
    interface::Kind::Component => {
      return Err(WasmError::io(format!(
        "cannot import {file}{importer}: it is a WebAssembly component, which Kiln does not import as \
         an ES module; run it with compileFile + instantiate (kiln types writes its types)"
      )))
    }
    interface::Kind::NotWasm => {
      return Err(WasmError::compile(format!(
        "cannot import {file}{importer}: it is not a WebAssembly binary (no \\0asm module preamble)"
      )))
    }
  }
  let interface = interface::read(bytes).map_err(|e| {
    WasmError::compile(format!("cannot import {file}{importer}: it is not a valid WebAssembly module: {e}"))
  })?;
  check_imports(&interface, &file.to_string(), importer)?;
  Ok(glue::module(&path.to_string_lossy(), &interface))
}

/// Whether an import module name is a module specifier (rather than a name like `env`).
fn is_specifier(name: &str) -> bool {
  ["./", "../", "/", "file:", "runtime:"].iter().any(|prefix| name.starts_with(prefix))
}

/// Refuses imports that no ES module can provide, naming the first such import and the file.
fn check_imports(interface: &interface::Interface, file: &str, importer: &str) -> Result<(), WasmError> {
  use interface::ImportKind;
  for import in &interface.imports {
    if WASI_MODULES.contains(&import.module.as_str()) {
      continue;
    }
    let (module, name) = (&import.module, &import.name);
    if !is_specifier(module) {
      return Err(WasmError::instantiate(format!(
        "cannot import {file}{importer}: it imports {name:?} from {module:?}, which is not a module \
         specifier; a .wasm imported as an ES module imports from modules (\"./host.js\", \"./other.wasm\", \
         \"runtime:wasm\"): rename the import module, or load it with compileFile + instantiate and give \
         `imports: {{ {module:?}: {{ ... }} }}`"
      )));
    }
    let what = match &import.kind {
      ImportKind::Function(_) | ImportKind::Global { mutable: false, .. } => continue,
      ImportKind::Global { mutable: true, .. } => "a mutable global",
      ImportKind::Memory => "a memory",
      ImportKind::Table => "a table",
      ImportKind::Tag => "a tag",
    };
    return Err(WasmError::instantiate(format!(
      "cannot import {file}{importer}: it imports {what} ({name:?} from {module:?}), and a .wasm imported \
       as an ES module can import only functions and immutable globals; link the two modules with \
       compileFile + instantiate's `imports` (a module id shares its memories, tables and globals)"
    )));
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;

  fn load(wat: &str) -> Result<String, WasmError> {
    source(Path::new("/app/x.wasm"), &wat::parse_str(wat).unwrap(), " (imported by file:///app/main.ts:1)")
  }

  #[test]
  fn imports_no_module_can_provide_are_refused_with_the_file() {
    for (wat, says) in [
      (r#"(module (import "env" "f" (func)))"#, r#"imports "f" from "env", which is not a module specifier"#),
      (r#"(module (import "./m.wasm" "mem" (memory 1)))"#, r#"imports a memory ("mem" from "./m.wasm")"#),
      (r#"(module (import "./m.js" "g" (global (mut i32))))"#, "imports a mutable global"),
      (r#"(module (import "./m.js" "t" (table 1 funcref)))"#, "imports a table"),
    ] {
      let error = load(wat).unwrap_err();
      assert_eq!(error.code(), ext_wasm::ErrorCode::InstantiateError);
      let message = error.to_string();
      assert!(message.contains("/app/x.wasm (imported by file:///app/main.ts:1)"), "{message}");
      assert!(message.contains(says), "{says}\nnot in: {message}");
    }
    load(r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func (param i32))))"#).unwrap();
    load(r#"(module (import "runtime:fs" "g" (global i64)) (import "/abs/x.ts" "f" (func)))"#).unwrap();
  }

  #[test]
  fn components_and_other_files_are_refused() {
    let component = source(Path::new("/c.wasm"), &wat::parse_str("(component)").unwrap(), "").unwrap_err();
    assert_eq!(component.code(), ext_wasm::ErrorCode::IoError);
    assert!(component.to_string().contains("component"), "{component}");
    let text = source(Path::new("/t.wasm"), b"(module)", "").unwrap_err();
    assert_eq!(text.code(), ext_wasm::ErrorCode::CompileError);
    let cut = source(Path::new("/b.wasm"), b"\0asm\x01\0\0\0\x01\x09", "").unwrap_err();
    assert_eq!(cut.code(), ext_wasm::ErrorCode::CompileError);
    assert!(cut.to_string().starts_with("cannot import /b.wasm: it is not a valid WebAssembly module"), "{cut}");
  }
}
