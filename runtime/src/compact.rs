//! The runtime's own modules, emitted without whitespace for the start-up snapshot.
//!
//! The QuickJS shim keeps every module's source in the snapshot, and restoring it copies the text
//! and scans each module, line by line, for its imports and for top-level `await` (BENCHMARKS.md,
//! "Issue 15, fifth pass"). The transpiled TypeScript is indented and spread over lines for people
//! to read; here it is parsed again and written out by swc's code generator in its compact form,
//! which changes the layout only: the names, the strings and the order of everything stay.
//! Comments are gone already (loader.rs).
//!
//! Only for the snapshot: a run without one transpiles the built-ins as before, with their source
//! maps. No stack trace shows the built-ins' positions either way (run.rs, the seal).

use deno_ast::swc::codegen::text_writer::JsWriter;
use deno_ast::swc::codegen::{Config, Emitter, Node};
use deno_ast::{MediaType, ModuleSpecifier, ParseParams, ProgramRef, SourceMap};

/// `js` (a transpiled built-in module) in compact form.
///
/// # Errors
/// A message if swc cannot parse or write it: a bug in Kiln's built-ins, which the snapshot's
/// creation reports (the runtime then starts without a snapshot).
pub fn compact(specifier: &ModuleSpecifier, js: String) -> Result<String, String> {
  let parsed = deno_ast::parse_module(ParseParams {
    specifier: specifier.clone(),
    text: js.clone().into(),
    media_type: MediaType::JavaScript,
    capture_tokens: false,
    scope_analysis: false,
    maybe_syntax: None,
  })
  .map_err(|e| format!("cannot parse the transpiled {specifier}: {e}"))?;
  let source_map = SourceMap::single(specifier.clone(), js);
  let mut out = Vec::new();
  {
    let mut config = Config::default();
    config.target = deno_ast::ES_VERSION;
    config.minify = true;
    let mut emitter = Emitter {
      cfg: config,
      comments: None,
      cm: source_map.inner().clone(),
      wr: JsWriter::new(source_map.inner().clone(), "\n", &mut out, None),
    };
    let written = match parsed.program_ref() {
      ProgramRef::Module(module) => module.emit_with(&mut emitter),
      ProgramRef::Script(script) => script.emit_with(&mut emitter),
    };
    written.map_err(|e| format!("cannot write {specifier}: {e}"))?;
  }
  String::from_utf8(out).map_err(|e| format!("cannot write {specifier}: {e}"))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn only_the_layout_changes() {
    let specifier = ModuleSpecifier::parse("runtime:test").unwrap();
    let js = "import { a } from \"runtime:wasm/values\";\n\
              export function f(x) {\n  \
                const s = `line one\n  line two // not a comment`;\n  \
                const r = /a\\/b/g;\n  \
                return x\n    ? s + r.source\n    : a;\n\
              }\n";
    let out = compact(&specifier, js.to_string()).unwrap();
    assert!(out.len() < js.len(), "{out}");
    // A template literal keeps its newline and indentation; a regex its escape; the import its
    // specifier, in a form the QuickJS shim's import scan reads.
    assert!(out.contains("`line one\n  line two // not a comment`"), "{out}");
    assert!(out.contains("/a\\/b/g"), "{out}");
    assert!(out.contains("from\"runtime:wasm/values\""), "{out}");
    // What comes out parses, and compacts to itself.
    assert_eq!(compact(&specifier, out.clone()).unwrap(), out);
  }
}
