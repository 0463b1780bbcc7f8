//! OpenAI's tokenizer, npm's `tiktoken` (Rust compiled by wasm-bindgen), through its own glue on
//! Kiln's `WebAssembly` global (`tests/apps/tiktoken.ts` says how). Its glue refreshes its views
//! of the memory only once growth has detached them, so this passes only because the global's
//! `Memory.buffer` follows the JS API's rule. The package comes from bench/node_modules
//! (bench/package-lock.json pins it; `./x setup` and `./x test` install it). The expected lines
//! are what the same code prints on Node.js.

use kiln_test_support::{repo, App};

#[test]
fn tiktoken_encodes_through_its_wasm_bindgen_glue() {
  let package = repo().join("bench/node_modules/tiktoken");
  let wasm = package.join("tiktoken_bg.wasm");
  assert!(wasm.exists(), "{} is missing: run `./x setup` (or `npm ci --prefix bench`)", wasm.display());
  // timeout_ms: the engine's interpreter cannot enforce it and refuses every instance (5009), so
  // this passes only on wasmtime.
  let manifest = format!(
    "[capabilities.wasm]\nload = true\nexecute = true\ntimeout_ms = 60000\n\n[capabilities.fs]\nread = [\"{}/**\"]\n",
    package.display()
  );
  App::new("tiktoken.ts").manifest(&manifest).run_with_args(&[package.to_str().expect("a UTF-8 path")]).ok(concat!(
    "memory grew: true\n",
    "tokens: 15339,1917,11,420,374,87272,5963\n",
    "decoded: hello world, this is tiktoken\n",
    "special: 100257\n",
    "a long text: 20001 tokens, round trip true\n",
    "encoding for gpt-4o: o200k_base\n",
    "o200k: 24912,2375\n",
  ));
}
