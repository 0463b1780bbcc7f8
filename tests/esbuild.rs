//! esbuild, the JS bundler, on Kiln's `WebAssembly` global: npm's `esbuild-wasm` (Go compiled to
//! WebAssembly, 14 MB) through its own browser glue, with no worker: Go's `wasm_exec.js` drives
//! the module on the app's thread, and every value Go hands JS, or JS hands Go, crosses through
//! its `gojs` imports. The glue needs `self` and `crypto.getRandomValues`, and passes each message
//! between its two halves with `setTimeout(f, 0)`.
//!
//! The package comes from bench/node_modules (bench/package-lock.json pins it; `./x setup` and
//! `./x test` install it). Its first run compiles 14 MB of WebAssembly (about 11 s on two cores).

use std::time::Duration;

use kiln_test_support::{App, Package};

#[test]
fn esbuild_transforms_and_bundles_through_its_own_glue_on_wasmtime() {
  // timeout_ms: the engine's interpreter cannot enforce it and refuses the module (5009), so this
  // passes only on wasmtime.
  let esbuild = Package::find("esbuild-wasm", "esm/browser.js", "esbuild.wasm", "timeout_ms = 60000\n");
  App::new("esbuild.ts")
    .manifest(&esbuild.manifest)
    .run_with_args_within(&esbuild.args(), Duration::from_secs(300))
    .ok(concat!(
      "esbuild 0.28.2\n",
      "transform: \"var n=(e=>(e[e.Red=0]=\\\"Red\\\",e[e.Green=1]=\\\"Green\\\",e))(n||{});",
      "export const pick=t=>n[t]??\\\"none\\\";\\n\"\n",
      "error: Unexpected \";\" at 1:10\n",
      "plugin calls: load greet.ts, load main.ts, load text.ts, resolve ./greet.ts, resolve ./text.ts, ",
      "resolve ./text.ts, resolve main.ts\n",
      "bundle:\n",
      "// mem:text.ts\n",
      "var upper = (s) => s.toUpperCase();\n",
      "\n",
      "// mem:greet.ts\n",
      "var greet = (name) => `hello, ${upper(name)}`;\n",
      "\n",
      "// mem:main.ts\n",
      "console.log(upper(greet(\"kiln\")));\n",
      "\n",
      "HELLO, KILN\n",
      "200 transforms: 5580 bytes\n",
    ));
}
