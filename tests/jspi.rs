//! JS Promise Integration on Kiln's `WebAssembly` global (ts/wasm_jspi.ts): `WebAssembly.Suspending`
//! imports suspend a `WebAssembly.promising` call while the JS they call settles, with the guest
//! parked on its wasmtime fiber. Each app runs through a real kiln process; `tests/apps/jspi.ts`
//! also runs on Deno 2.9 (V8's JSPI), and the two must print the same lines.

use kiln_test_support::App;

const MANIFEST: &str = "[capabilities.wasm]\nload = true\nexecute = true\n\n[capabilities.fs]\nread = [\"./*.wasm\"]\n";

/// Imports to suspend in (`get`, and `wide` for an i64), plain ones (`log`, `ref` for an
/// `externref`) and one that calls back into JS (`inner`); a memory the guest writes before and
/// after a suspension.
const MAIN: &str = r#"(module
  (import "env" "get" (func $get (param i32) (result i32)))
  (import "env" "log" (func $log (param i32)))
  (import "env" "inner" (func $inner (result i32)))
  (import "env" "wide" (func $wide (param i64) (result i64)))
  (import "env" "ref" (func $ref (result externref)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (func (export "run") (param i32) (result i32)
    (call $log (i32.const 1))
    (global.set $g (call $get (local.get 0)))
    (call $log (global.get $g))
    (i32.add (global.get $g) (i32.const 1)))
  (func (export "plain") (result i32) (i32.const 7))
  (func (export "fill") (param i32)
    (i32.store (i32.const 0) (local.get 0))
    (i32.store (i32.const 4) (call $get (local.get 0))))
  (func (export "viaInner") (result i32) (call $inner))
  (func (export "trapAfter") (param i32) (result i32)
    (drop (call $get (local.get 0)))
    unreachable)
  (func (export "wide") (param i64) (result i64)
    (i64.add (call $wide (local.get 0)) (i64.const 1)))
  (func (export "getRef") (result externref) (call $ref)))"#;

/// A start function that calls its import.
const START: &str = r#"(module
  (import "env" "get" (func $get (param i32) (result i32)))
  (func $s (drop (call $get (i32.const 1))))
  (start $s))"#;

/// No imports at all.
const PLAIN: &str = r#"(module
  (func (export "seven") (result i32) (i32.const 7))
  (func (export "trap") unreachable))"#;

/// Functions in an exported table, not exported themselves.
const TABLED: &str = r#"(module
  (import "env" "get" (func $get (param i32) (result i32)))
  (table (export "t") 2 funcref)
  (elem (i32.const 0) $run $other)
  (func $run (param i32) (result i32) (i32.add (call $get (local.get 0)) (i32.const 1)))
  (func $other (result i32) (i32.const 5)))"#;

/// A start function that traps.
const TRAP_START: &str = r#"(module (func $s unreachable) (start $s))"#;

/// An import that passes a `funcref`: the JS engine's interpreter runs this module, not wasmtime.
const OPAQUE: &str = r#"(module
  (import "env" "get" (func $get (param i32) (result i32)))
  (import "env" "f" (func (param funcref)))
  (func (export "run") (result i32) (call $get (i32.const 1))))"#;

fn app(main: &str) -> App {
  App::new(main)
    .manifest(MANIFEST)
    .file("m.wasm", wat::parse_str(MAIN).expect("m.wat"))
    .file("start.wasm", wat::parse_str(START).expect("start.wat"))
    .file("plain.wasm", wat::parse_str(PLAIN).expect("plain.wat"))
    .file("trap_start.wasm", wat::parse_str(TRAP_START).expect("trap_start.wat"))
    .file("tabled.wasm", wat::parse_str(TABLED).expect("tabled.wat"))
}

const AS_ON_DENO: &str = concat!(
  "function function function\n",
  "true\n",
  "[object WebAssembly.Suspending] constructor\n",
  "1 function\n",
  "log 1\n",
  "get 20\n",
  "after the call true\n",
  "log 40\n",
  "result 41\n",
  "log 1\n",
  "direct SuspendError: true\n",
  "log 1\n",
  "after the plain value\n",
  "log 102\n",
  "103\n",
  "log 1\n",
  "log 9\n",
  "thenable 10\n",
  "log 1\n",
  "rejected boom\n",
  "log 1\n",
  "rejects later true\n",
  "rejected sync boom\n",
  "get 5\n",
  "trap true\n",
  "log 1\n",
  "log 0\n",
  "plain import 1\n",
  "a promise as an externref true\n",
  "i64 43n\n",
  "while suspended 41 0 7\n",
  "after 41 42\n",
  "log 1\n",
  "log 1\n",
  "log 10\n",
  "log 30\n",
  "two 31,11\n",
  "log 1\n",
  "log 1\n",
  "inner resolved 2\n",
  "start SuspendError: true\n",
  "start throws Error thrown in start\n",
  "start throws thrown in start\n",
  "start traps true\n",
  "start traps true\n",
  "promising TypeError\n",
  "promising TypeError\n",
  "Suspending TypeError\n",
  "Suspending without new TypeError\n",
  "no imports true 7\n",
  "no imports, trap true\n",
  "from a table 41 5\n",
);

#[test]
fn suspending_imports_and_promising_exports_run_as_on_deno() {
  let app = app("jspi.ts");
  app.prints_as_on_deno(AS_ON_DENO);
}

const KILN: &str = concat!(
  "log 1\n",
  "SuspendError 5002 trying to suspend without WebAssembly.promising: the import `env.get` is a WebAssembly.Suspending, which only a call made through `WebAssembly.promising(fn)` can wait for (a synchronous export call or a start function cannot); call the export through it and await its promise false\n",
  "log 1\n",
  "log 1\n",
  "log 40\n",
  "log 5\n",
  "outer first 6,41\n",
  "log 1\n",
  "log 1\n",
  "nested sync SuspendError 5002\n",
  "log 20\n",
  "still 21\n",
  "LinkError 5001 import \"env\" \"get\": a WebAssembly.Suspending import needs the module to run on wasmtime, and this one runs on the JS engine's interpreter (its import env.f passes a funcref), which cannot suspend\n",
  "TypeError 5007 WebAssembly.promising(): Argument 0 must be a WebAssembly exported function\n",
  "TypeError 5007 WebAssembly.Suspending(): Argument 0 must be a function\n",
  "SuspendError 5002 trying to suspend without WebAssembly.promising: the import `env.get` is a WebAssembly.Suspending, which only a call made through `WebAssembly.promising(fn)` can wait for\n",
  "InstantiateError 5001 start thrown\n",
  "InstantiateError 5001 start undefined\n",
  "InstantiateError 5001 undefined\n",
  "RuntimeError 5002\n",
);

#[test]
fn kiln_names_its_suspend_errors_and_resumes_the_innermost_call_first() {
  app("jspi_kiln.ts").file("opaque.wasm", wat::parse_str(OPAQUE).expect("opaque.wat")).run().ok(KILN);
}

/// Blocking C code fed by an async JS source: the guest waits in `read_chunk` while each chunk
/// arrives in a later turn of the event loop, and writes nothing that was not read.
#[test]
fn c_code_reads_an_async_source_through_a_suspending_import_as_on_deno() {
  let app = App::new("jspi_stream.ts").manifest(MANIFEST).c_with(
    "jspi_stream.c",
    "jspi_stream.wasm",
    &["-mexec-model=reactor"],
  );
  let expected = concat!("bytes 58854 digest matches true b1152039\n", "lines 3000 reads 16 progress 15 58854\n",);
  app.prints_as_on_deno(expected);
}
