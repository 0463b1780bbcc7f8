//! tree-sitter on Kiln's `WebAssembly` global: npm's `web-tree-sitter` (an emscripten main module)
//! and `tree-sitter-javascript`'s grammar (an emscripten side module), linked by the package's
//! own glue through the JS API (`tests/apps/tree_sitter.ts` says how). Both packages come from
//! bench/node_modules (bench/package-lock.json pins them; `./x setup` and `./x test` install
//! them).

use kiln_test_support::{repo, App};

#[test]
fn tree_sitter_links_a_grammar_and_parses_on_wasmtime() {
  let modules = repo().join("bench/node_modules");
  let (runtime, grammar) = (modules.join("web-tree-sitter"), modules.join("tree-sitter-javascript"));
  let (glue, runtime_wasm) = (runtime.join("tree-sitter.js"), runtime.join("tree-sitter.wasm"));
  let grammar_wasm = grammar.join("tree-sitter-javascript.wasm");
  for file in [&glue, &runtime_wasm, &grammar_wasm] {
    assert!(file.exists(), "{} is missing: run `./x setup` (or `npm ci --prefix bench`)", file.display());
  }
  // timeout_ms: the engine's interpreter cannot enforce it and refuses every instance (5009), so
  // this passes only on wasmtime.
  let manifest = format!(
    "[capabilities.wasm]\nload = true\nexecute = true\ntimeout_ms = 60000\n\n[capabilities.fs]\nread = [\"{}/**\", \"{}/**\"]\n",
    runtime.display(),
    grammar.display()
  );
  let args = [&glue, &runtime_wasm, &grammar_wasm].map(|p| p.to_str().expect("a UTF-8 path").to_string());
  let args: Vec<&str> = args.iter().map(String::as_str).collect();
  App::new("tree_sitter.ts").manifest(&manifest).run_with_args(&args).ok(concat!(
    "(program (lexical_declaration (variable_declarator name: (identifier) value: (binary_expression ",
    "left: (number) right: (call_expression function: (identifier) arguments: (arguments (number)))))))\n",
    "has an error: true\n",
    "after the edit: let x = 10 + f(2);\n",
    "callees: foo qux foo\n",
    "the glue parses: true, with errors: false\n",
  ));
}
