//! Biome, the TypeScript formatter and linter, on Kiln's `WebAssembly` global: npm's
//! `@biomejs/wasm-web` (35 MB of WebAssembly, built by wasm-bindgen with reference types) through
//! its own glue, on wasmtime. It takes the path wasm-bindgen's reference-type glue takes: JS
//! values as `externref` arguments and results, and an exported table of `externref`s the glue
//! and the guest both read and write.
//!
//! The package comes from bench/node_modules (bench/package-lock.json pins it; `./x setup` and
//! `./x test` install it). Its first run compiles 35 MB of WebAssembly (40-60 s on two cores), so
//! the run may take up to 10 minutes rather than the harness's usual 2.

use std::time::Duration;

use kiln_test_support::{App, Package};

#[test]
fn biome_formats_and_lints_through_its_own_glue_on_wasmtime() {
  // timeout_ms: the engine's interpreter cannot enforce it and refuses the module (5009), so this
  // passes only on wasmtime.
  let biome = Package::find("@biomejs/wasm-web", "biome_wasm.js", "biome_wasm_bg.wasm", "timeout_ms = 60000\n");
  App::new("biome.ts")
    .manifest(&biome.manifest)
    .run_with_args_within(&biome.args(), Duration::from_secs(600))
    .ok(
    concat!(
      "formatted: \"const unused = { a: 1, b: [1, 2, 3] };\\nexport function twice(a: number) {\\n  return a * 2;\\n}\\n\"\n",
      "lint: lint/correctness/noUnusedVariables\n",
      "bad params: true true\n",
    ),
  );
}
