//! The global `WebAssembly` (ts/wasm_webassembly.ts): the standard JS API, run on wasmtime, through
//! a real kiln process. Each app prints one line per check; the WAT fixtures below are compiled
//! here with the `wat` crate and read by the apps with runtime:fs.

use kiln_test_support::{repo, App};

/// Load and execute, and reads of the app's own `.wasm` files (the apps read their fixtures).
const MANIFEST: &str = "[capabilities.wasm]\nload = true\nexecute = true\n\n[capabilities.fs]\nread = [\"./*.wasm\"]\n";

/// An import of each kind, exported back in the order function, memory, global, table, and a
/// custom section twice.
const KINDS: &str = r#"(module
  (import "env" "log" (func $log (param i32)))
  (import "env" "mem" (memory 1))
  (import "js" "g" (global $g i32))
  (import "js" "tbl" (table 1 funcref))
  (func (export "run") (call $log (i32.const 1)))
  (export "memory" (memory 0))
  (export "g" (global $g))
  (export "tbl" (table 0))
  (@custom "hello" "abc")
  (@custom "hello" "de"))"#;

const ADD: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#;

/// Functions of every value type, a memory and globals (0x12345678 stored at `OFFSET`).
const VALUES: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "toF32") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
  (func (export "pair") (param i32) (result i32 i64) (local.get 0) (i64.extend_i32_s (local.get 0)))
  (memory (export "memory") 1)
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "pages") (result i32) (memory.size))
  (global (export "answer") i32 (i32.const 42))
  (global (export "big") i64 (i64.const 9007199254740993))
  (global $counter (export "counter") (mut i32) (i32.const 1))
  (func (export "getCounter") (result i32) (global.get $counter))
  (func (export "setCounter") (param i32) (global.set $counter (local.get 0)))
  (global (export "OFFSET") i32 (i32.const 32))
  (data (i32.const 32) "\78\56\34\12"))"#;

/// Calls out to JS: arguments of two types, results to coerce, a throw, and another instance's
/// export.
const IMPORTS: &str = r#"(module
  (import "env" "log" (func $log (param i32 i64)))
  (import "env" "five" (func $five (result i32)))
  (import "env" "none" (func $none (result i32)))
  (import "env" "fail" (func $fail))
  (import "math" "add" (func $add (param i32 i32) (result i32)))
  (func (export "callLog") (call $log (i32.const -7) (i64.const 12345678901234)))
  (func (export "callFive") (result i32) (call $five))
  (func (export "callNone") (result i32) (call $none))
  (func (export "callFail") (call $fail))
  (func (export "addTwice") (param i32) (result i32)
    (call $add (call $add (local.get 0) (local.get 0)) (local.get 0))))"#;

const JS_MEMORY: &str = r#"(module
  (import "js" "mem" (memory 1))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

const JS_GLOBAL: &str = r#"(module
  (import "js" "g" (global $g (mut i32)))
  (func (export "get") (result i32) (global.get $g))
  (func (export "set") (param i32) (global.set $g (local.get 0))))"#;

/// A JS import the module puts in its exported table, beside a function of its own.
const HOSTED: &str = r#"(module
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (table (export "tbl") 2 funcref)
  (elem (i32.const 0) $twice $inc)
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "callAt") (param i32 i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 1) (local.get 0))))"#;

/// A WASI command that writes a line with fd_write and exits with status 3.
const WASI_HELLO: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hi from wasm\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 13))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $proc_exit (i32.const 3))))"#;

/// `run` asks JS to grow its one-page memory by a page, then reads a byte JS wrote there.
const GROW: &str = r#"(module
  (import "env" "resize_heap" (func $resize (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "run") (result i32)
    (drop (call $resize (i32.const 1)))
    (i32.add (i32.load8_u (i32.const 65543)) (i32.mul (memory.size) (i32.const 1000)))))"#;

/// `run(x)` returns what its import `cb(x)` returns; `cb` may call `dbl` back.
const REENTER: &str = r#"(module
  (import "env" "cb" (func $cb (param i32) (result i32)))
  (func (export "dbl") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "run") (param i32) (result i32) (call $cb (local.get 0))))"#;

/// `externref`s in a module without imports: its calls take the synchronous path, not the
/// host-call driver.
const REFS_PLAIN: &str = r#"(module
  (table (export "refs") 1 externref)
  (func (export "id") (param externref) (result externref) (local.get 0))
  (func (export "keep") (param externref) (table.set (i32.const 0) (local.get 0))))"#;

/// JS values as `externref`s, the way wasm-bindgen's reference-type glue passes them.
const REFS: &str = r#"(module
  (import "js" "echo" (func $echo (param externref) (result externref)))
  (import "js" "pair" (func $pair (param externref i32) (result i32 externref)))
  (import "js" "reenter" (func $reenter (param externref) (result externref)))
  (table $refs (export "refs") 2 externref)
  (func (export "id") (param externref) (result externref) (local.get 0))
  (func (export "isNull") (param externref) (result i32) (ref.is_null (local.get 0)))
  (func (export "keep") (param i32 externref) (table.set $refs (local.get 0) (local.get 1)))
  (func (export "take") (param i32) (result externref) (table.get $refs (local.get 0)))
  (func (export "viaEcho") (param externref) (result externref) (call $echo (local.get 0)))
  (func (export "swap") (param externref i32) (result i32 externref) (call $pair (local.get 0) (local.get 1)))
  (func (export "viaReenter") (param externref) (result externref) (call $reenter (local.get 0)))
  (func (export "size") (result i32) (table.size $refs))
  (global $held (export "held") (mut externref) (ref.null extern))
  (global (export "fixed") externref (ref.null extern))
  (func (export "hold") (param externref) (global.set $held (local.get 0)))
  (func (export "readHeld") (result externref) (global.get $held)))"#;

const BOOM: &str = r#"(module
  (func (export "boom") unreachable)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#;

const SPIN: &str = r#"(module
  (func (export "spin") (loop br 0))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))"#;

/// A memory its exports grow and write; `growThenCall` grows it by a page and passes the old size
/// to the JS import `js.seen` (the module without the import is `grow.wasm`).
const GROWER: &str = r#"(module
  (import "js" "seen" (func $seen (param i32)))
  (memory (export "memory") 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "growThenCall") (call $seen (memory.grow (i32.const 1)))))"#;

/// `tests/apps/<main>` with each `(file, WAT)` fixture compiled into it, under `manifest`.
fn app(main: &str, manifest: &str, fixtures: &[(&str, &str)]) -> App {
  fixtures.iter().fold(App::new(main).manifest(manifest), |app, (file, source)| {
    app.file(file, wat::parse_str(source).unwrap_or_else(|e| panic!("{file}: {e}")))
  })
}

#[test]
fn hash_wasm_hashes_on_the_global_webassembly() {
  let library = repo().join("bench/node_modules/hash-wasm/dist/index.esm.js");
  assert!(library.exists(), "{} is missing: run `npm ci --prefix bench` (./x test does it)", library.display());
  let package = repo().join("bench/node_modules/hash-wasm");
  let manifest = format!(
    "[capabilities.wasm]\nload = true\nexecute = true\n\n[capabilities.fs]\nread = [\"{}/**\"]\n",
    package.display()
  );
  // The 1 MiB input is bytes i % 251 (as BLAKE3's test vectors). Its digests were computed outside
  // Kiln: SHA-256 with Python's hashlib, BLAKE3 with the blake3 crate 1.8.7 (Node.js's hash-wasm agrees).
  App::new("webassembly_hash.ts").manifest(&manifest).run_with_args(&[library.to_str().unwrap()]).ok(concat!(
    "sha256(\"abc\"): ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n",
    "sha256(1 MiB): 631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769\n",
    "sha256 saved and loaded halfway: 631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769\n",
    "blake3(\"abc\"): 6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85\n",
    "blake3(1 MiB): 74cb441fd087764ca9c3694da742ebe30cbeb3060a17009ca81825c7a8d10343\n",
  ));
}

#[test]
fn webassembly_runs_on_wasmtime_and_keeps_the_manifests_deadline() {
  let manifest = MANIFEST.replace("execute = true\n", "execute = true\ntimeout_ms = 300\n");
  let app = app("webassembly_engine.ts", &manifest, &[("spin.wasm", SPIN)]);
  // The interpreter could not stop the loop, so it refused to instantiate; wasmtime stops it with
  // Kiln's timeout code (FuelExhausted, 5011).
  app.run().ok(concat!("new Instance: ok\n", "add: 5\n", "spin: 5011 true\n", "stopped at the deadline: true\n"));
  // The old engine is still there on request, and still refuses what it cannot enforce.
  app
    .run_env(&[("KILN_WEBASSEMBLY", "interpreter")])
    .ok("new Instance: 5009 PermissionDenied\nnames timeout_ms: true\n");
}

#[test]
fn the_api_describes_compiles_and_instantiates_modules() {
  app("webassembly_surface.ts", MANIFEST, &[("kinds.wasm", KINDS), ("add.wasm", ADD)]).run().ok(concat!(
    "validate good: true\n",
    "validate garbage: false\n",
    "new Module: true\n",
    "exports: [{\"name\":\"run\",\"kind\":\"function\"},{\"name\":\"memory\",\"kind\":\"memory\"},",
    "{\"name\":\"g\",\"kind\":\"global\"},{\"name\":\"tbl\",\"kind\":\"table\"}]\n",
    "imports: [{\"module\":\"env\",\"name\":\"log\",\"kind\":\"function\"},",
    "{\"module\":\"env\",\"name\":\"mem\",\"kind\":\"memory\"},",
    "{\"module\":\"js\",\"name\":\"g\",\"kind\":\"global\"},{\"module\":\"js\",\"name\":\"tbl\",\"kind\":\"table\"}]\n",
    "customSections hello: 2 true abc,de\n",
    "customSections absent: 0\n",
    "compile: true\n",
    "compile an ArrayBuffer: true\n",
    "instantiate bytes: true true 5\n",
    "instantiate module: true 5\n",
    "new Instance: true 5\n",
    "exports frozen: true\n",
    "toStringTag: [object WebAssembly.Module] [object WebAssembly.Instance] [object WebAssembly.Memory] ",
    "[object WebAssembly.Global] [object WebAssembly]\n",
  ));
}

#[test]
fn exports_coerce_values_like_the_js_api() {
  app("webassembly_values.ts", MANIFEST, &[("values.wasm", VALUES)]).run().ok(concat!(
    "add(\"7\", 1): 8\n",
    "add(null, 2): 2\n",
    "add(2 ** 32 + 5, 0): 5\n",
    "add(1.9, 0.9): 1\n",
    "add(1): 1\n",
    "add(1, 2, 3): 3\n",
    "add(2 ** 31 - 1, 1): -2147483648\n",
    "add64(2n, 3n): 5n\n",
    "add64(2n ** 63n - 1n, 1n): -9223372036854775808n\n",
    "add64(2, 3): TypeError\n",
    "toF32(0.1): 0.10000000149011612 true\n",
    "pair(7): [7, 7n] true\n",
  ));
}

#[test]
fn growth_detaches_a_memorys_old_buffer() {
  let without_import = GROWER
    .replace("  (import \"js\" \"seen\" (func $seen (param i32)))\n", "")
    .replace("\n  (func (export \"growThenCall\") (call $seen (memory.grow (i32.const 1))))", "");
  let fixtures = [("grow.wasm", without_import.as_str()), ("grow_calls.wasm", GROWER)];
  app("webassembly_growth.ts", MANIFEST, &fixtures).run().ok(concat!(
    "the same buffer until growth: true\n",
    "the guest grows: 1, old view 0, old buffer 0\n",
    "the new buffer: 131072 bytes, the guest's write 7\n",
    "a refused growth detaches nothing: -1 131072\n",
    "JS grows: 2, old buffer 0, new 196608\n",
    "JS grows by 0: 3, old buffer 0, new 196608\n",
    "inside the import: grew from 1 pages, old view 0, new view 131072\n",
    "after the call: true\n",
    "DataView after growth: TypeError\n",
    "runtime:wasm keeps the old buffer: 65536 131072\n",
  ));
}

/// Exception handling in its legacy form (`try`/`catch`), which emscripten's -fwasm-exceptions
/// emits by default and wasmtime does not run.
const LEGACY_EH: &str = r#"(module (tag $e (param i32))
  (func (export "f") (param i32) (result i32)
    try (result i32)
      local.get 0
      throw $e
    catch $e
      i32.const 1
      i32.add
    end))"#;

#[test]
fn legacy_exception_handling_is_refused_with_what_to_do() {
  let source = concat!(
    "import { readBytes } from \"runtime:fs\";\n",
    "try { await WebAssembly.compile(await readBytes(\"./eh.wasm\")); } catch (e) {\n",
    "  const { name, code, message } = e as { name: string; code: number; message: string };\n",
    "  console.log(name, code, e instanceof WebAssembly.CompileError, message.split(\" (failed\")[0]);\n",
    "}\n",
  );
  let compiled = wat::parse_str(LEGACY_EH).expect("legacy exception handling parses");
  App::from_source(source).manifest(MANIFEST).file("eh.wasm", compiled).run().ok(concat!(
    "CompileError 5000 true the module uses WebAssembly's legacy exception-handling instructions ",
    "(`try`/`catch`, what emscripten's -fwasm-exceptions emits by default), which wasmtime does not run; ",
    "rebuild it with the standard ones (emscripten: -fwasm-exceptions -sWASM_LEGACY_EXCEPTIONS=0) or ",
    "without wasm exceptions\n",
  ));
}

#[test]
fn exported_memory_and_globals_are_live_objects() {
  app("webassembly_memory.ts", MANIFEST, &[("values.wasm", VALUES)]).run().ok(concat!(
    "memory: true true 65536\n",
    "guest's write: 42\n",
    "guest reads JS's write: 7\n",
    "grow(1): 1 131072 2\n",
    "guest's write in the new page: 9\n",
    "global: true 42 42\n",
    "i64 global: 9007199254740993n\n",
    "DataView at OFFSET: 12345678\n",
    "counter.value = 9, guest reads: 9\n",
    "guest sets 100, counter.value: 100\n",
    "immutable set: TypeError 42\n",
  ));
}

#[test]
fn js_functions_are_imports_called_with_the_guests_arguments() {
  app("webassembly_imports.ts", MANIFEST, &[("imports.wasm", IMPORTS), ("add.wasm", ADD)]).run().ok(concat!(
    "log: 2 [-7, 12345678901234n]\n",
    "returning \"5\": 5\n",
    "returning nothing: 0\n",
    "thrown reaches the caller: true\n",
    "still usable: 5\n",
    "an export as an import: 15\n",
  ));
}

#[test]
fn memories_and_globals_made_in_js_can_be_imported() {
  app("webassembly_js_objects.ts", MANIFEST, &[("memory.wasm", JS_MEMORY), ("global.wasm", JS_GLOBAL)]).run().ok(
    concat!(
      "guest reads JS's global: 3\n",
      "JS sets 4, guest reads: 4\n",
      "guest sets 11, JS reads: 11\n",
      "guest's store through JS's memory: 42\n",
      "guest reads JS's write: 7\n",
    ),
  );
}

#[test]
fn failures_are_the_standard_errors_with_kiln_codes() {
  app("webassembly_errors.ts", MANIFEST, &[("imports.wasm", IMPORTS), ("boom.wasm", BOOM)]).run().ok(concat!(
    "new Module(garbage): CompileError 5000\n",
    "compile(garbage): CompileError 5000\n",
    "new Instance without an import: LinkError 5001\n",
    "instantiate without an import: LinkError 5001\n",
    "unreachable: RuntimeError 5002\n",
    "trap detail: RuntimeError 5002 `boom` trapped: wasm trap: wasm `unreachable` instruction executed true  true string\n",
    "after the trap: 5\n",
    "new Module(\"bytes\"): TypeError\n",
  ));
}

/// Has JS import `plusOne`, a memory, a mutable global and a function that calls the JS import.
const OWNER: &str = r#"(module
  (import "env" "plusOne" (func $plusOne (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (export "g") (mut i32) (i32.const 5))
  (func (export "viaOwner") (param i32) (result i32) (call $plusOne (local.get 0)))
  (func (export "getG") (result i32) (global.get $g))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

/// Imports `OWNER`'s memory, global and function, a JS function and a JS-made mutable global; its
/// start function writes the memory.
const USER: &str = r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "viaOwner" (func $viaOwner (param i32) (result i32)))
  (import "env" "times10" (func $times10 (param i32) (result i32)))
  (import "env" "counter" (global $counter (mut i32)))
  (func $init (i32.store8 (i32.const 7) (i32.const 77)))
  (start $init)
  (func (export "both") (param i32) (result i32) (call $times10 (call $viaOwner (local.get 0))))
  (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (func (export "getCounter") (result i32) (global.get $counter)))"#;

/// Imports a JS memory and a JS function, which `run` calls.
const CALLS: &str = r#"(module
  (import "js" "mem" (memory 1))
  (import "js" "hook" (func $hook))
  (func (export "run") (call $hook)))"#;

/// Imports a memory and a function that takes a v128: the interpreter runs it.
const VECTOR: &str = r#"(module (import "js" "mem" (memory 1)) (import "js" "f" (func (param v128))))"#;

/// An emscripten main module: imports the memory and the function table, puts `$f` at 0.
const DYLINK_MAIN: &str = r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "__indirect_function_table" (table 1 funcref))
  (import "env" "log" (func $log (param i32)))
  (type $t (func (param i32) (result i32)))
  (func $f (param i32) (result i32) (call $log (local.get 0)) (i32.add (local.get 0) (i32.const 100)))
  (elem (i32.const 0) $f)
  (func (export "callAt") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0))))"#;

/// An emscripten side module: the same memory and table, its `$double` at `__table_base`.
const DYLINK_SIDE: &str = r#"(module
  (import "env" "memory" (memory 1))
  (import "env" "__indirect_function_table" (table 0 funcref))
  (import "env" "__table_base" (global $base i32))
  (type $t (func (param i32) (result i32)))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "triple") (param i32) (result i32)
    (i32.store8 (i32.const 9) (local.get 0)) (i32.mul (local.get 0) (i32.const 3)))
  (elem (global.get $base) $double)
  (func (export "viaTable") (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 1) (local.get 0))))"#;

/// Reads a table of externrefs JS made.
const JS_REF_TABLE: &str = r#"(module
  (import "js" "refs" (table 2 externref))
  (func (export "at") (param i32) (result externref) (table.get 0 (local.get 0))))"#;

#[test]
fn emscripten_dynamic_linking_shares_the_memory_and_the_table() {
  // timeout_ms: the interpreter would refuse every instance (5009), so these run on wasmtime.
  let manifest = MANIFEST.replace("execute = true\n", "execute = true\ntimeout_ms = 5000\n");
  let fixtures = [("main.wasm", DYLINK_MAIN), ("side.wasm", DYLINK_SIDE), ("refs.wasm", JS_REF_TABLE)];
  app("webassembly_dylink.ts", &manifest, &fixtures).run().ok(concat!(
    "a new table: 1 null 1\n",
    "a JS function in it: TypeError 5007 WebAssembly.Table: a table of functions holds null and exported \
     WebAssembly functions only\n",
    "past the end: RangeError undefined WebAssembly.Table.get: the table has 1 elements, so there is no element 1\n",
    "past its maximum: RangeError undefined WebAssembly.Table.grow: 1 + 2 elements is over the maximum, 2\n",
    "the main module's pointer 0: 105 5 1\n",
    "taken out of the table: 101\n",
    "the side module's pointer, called by main: 10\n",
    "the main module's pointer, called by side: 101\n",
    "a side export added by JS: 12 4\n",
    "get gives it back: true\n",
    "a pointer of another signature: RuntimeError 5002 `callAt` trapped: wasm trap: indirect call type mismatch\n",
    "memory of one store, table of another: LinkError 5001 import \"env\" \"__indirect_function_table\": this \
     belongs to another group of linked instances than the module's other imports\n",
    "a table filled before import: LinkError 5001 WebAssembly.Table: this table was given elements before a module \
     imported it\n",
    "externrefs made in JS, read by the guest: x {\"y\":2} 2\n",
  ));
}

#[test]
fn instances_link_through_what_they_import() {
  // timeout_ms: the interpreter would refuse every instance (5009), so these run on wasmtime.
  let manifest = MANIFEST.replace("execute = true\n", "execute = true\ntimeout_ms = 5000\n");
  let fixtures = [
    ("memory.wasm", JS_MEMORY),
    ("owner.wasm", OWNER),
    ("user.wasm", USER),
    ("calls.wasm", CALLS),
    ("vector.wasm", VECTOR),
  ];
  app("webassembly_stores.ts", &manifest, &fixtures).run().ok(concat!(
    "first importer: 9\n",
    "second importer reads the first's write: 9\n",
    "an async third sees both: 10 9 10\n",
    "grow: 1\n",
    "after growth: 0 196608 5\n",
    "the start function wrote the owner's memory: 77\n",
    "both JS imports, in order: 50 plusOne(4) times10(5)\n",
    "the shared global: 6 6\n",
    "the adopted JS global: 101\n",
    "set from JS, read by the guest: 7\n",
    "memory of one store, global of another: LinkError 5001 import \"env\" \"g\": this belongs to another \
     group of linked instances than the module's other imports\n",
    "the interpreter's module and wasmtime's memory: LinkError 5001 import \"js\" \"mem\": this memory belongs to \
     an instance Kiln runs on wasmtime\n",
    "join from inside a call: LinkError 5001\n",
    "after it, the join works: 0\n",
    "written before import, read by the guest: 1\n",
    "read before import, still empty: 0\n",
  ));
}

#[test]
fn exported_function_tables_are_served_on_wasmtime() {
  // timeout_ms: the interpreter would refuse every instance (5009), so these run on wasmtime;
  // max_table_elements: the manifest's limit holds for a table JS grows.
  let manifest = MANIFEST.replace("execute = true\n", "execute = true\ntimeout_ms = 5000\nmax_table_elements = 100\n");
  app("webassembly_tables.ts", &manifest, &[("hosted.wasm", HOSTED)])
    .c_with("callbacks.c", "callbacks.wasm", &["-mexec-model=reactor", "-Wl,--export-table", "-Wl,--growable-table"])
    .run()
    .ok(concat!(
      "table: true 4 [object WebAssembly.Table]\n",
      "add through the table: 5 2\n",
      "same function each time: true\n",
      "an exported function is the export: true\n",
      "C calls JS's pointer: 42 55 120\n",
      "the null pointer: null\n",
      "C calls the null pointer: RuntimeError 5002\n",
      "grown: 4 5, C calls the added function: 7\n",
      "grown with a function: 9\n",
      "a function of another signature: RuntimeError 5002\n",
      "a slot set to null: null\n",
      "get past the end: RangeError\n",
      "get(-1): TypeError\n",
      "set a JS function: TypeError\n",
      "set another instance's function: TypeError\n",
      "grow past max_table_elements: RangeError\n",
      "still intact: 42\n",
      "a JS import in the table: 42 16 9\n",
      "new WebAssembly.Table: [object WebAssembly.Table]\n",
    ));
}

#[test]
fn js_values_pass_as_externrefs_on_wasmtime() {
  // timeout_ms: the interpreter would refuse every instance (5009), so these run on wasmtime.
  let manifest = MANIFEST.replace("execute = true\n", "execute = true\ntimeout_ms = 5000\n");
  app("webassembly_refs.ts", &manifest, &[("refs.wasm", REFS), ("plain.wasm", REFS_PLAIN)]).run().ok(concat!(
    "identity: true true true text 5\n",
    "null and undefined: null undefined undefined 1 0\n",
    "table: true 2\n",
    "the guest's set, JS's get: true\n",
    "JS's set, the guest's get: true\n",
    "set without a value: undefined 0\n",
    "set to null: null 1\n",
    "grown: 2 4 4 true\n",
    "grown without a value: 4 undefined\n",
    "get past the end: RangeError\n",
    "set past the end: RangeError\n",
    "through an import: true true\n",
    "an import's own value: true\n",
    "several results: 42 true\n",
    "called back from inside an import: true null\n",
    "sync instance: true null\n",
    "without imports: true undefined true\n",
    "globals: null true true true\n",
    "set an immutable global: TypeError 5007\n",
    "50,000 values through: RSS grew under 40 MiB: true\n",
    "still there: true string\n",
  ));
}

#[test]
fn emscripten_invoke_wrappers_use_the_table_from_inside_an_import() {
  // timeout_ms: the interpreter would refuse the instance (5009), so this runs on wasmtime.
  let manifest = MANIFEST.replace("execute = true\n", "execute = true\ntimeout_ms = 5000\nmax_table_elements = 100\n");
  app("webassembly_invoke.ts", &manifest, &[])
    .c_with("invoke.c", "invoke.wasm", &["-mexec-model=reactor", "-Wl,--export-table", "-Wl,--growable-table"])
    .run()
    .ok(concat!(
      "a pointer called from an import: 42 depth 0\n",
      "a throw the wrapper catches: -1 depth 0\n",
      "a try inside a try: 105 depth 0\n",
      "an Error passes through the wrapper and the guest: not a number: -1 depth 0\n",
      "a function added from an import: 16, length inside true, grown 1\n",
      "a function taken inside an import, called outside: 8 same true\n",
      "then the instance is free: -1 6\n",
      "C calls a JS function put in the table: 1005 same true\n",
      "its throw caught by the wrapper: -1 1006\n",
      "grown with it: 1007 same true\n",
    ));
}

#[test]
fn wasi_written_in_js_and_imports_that_use_memory_work_on_wasmtime() {
  // timeout_ms: the interpreter would refuse the instance (5009), so this runs on wasmtime.
  let manifest = MANIFEST.replace("execute = true\n", "execute = true\ntimeout_ms = 5000\n");
  app("webassembly_wasi.ts", &manifest, &[("hello.wasm", WASI_HELLO), ("grow.wasm", GROW), ("reenter.wasm", REENTER)])
    .run()
    .ok(concat!(
      "proc_exit from JS: true 3\n",
      "the JS WASI got: [\"1:hi from wasm\\n\"]\n",
      "runtime:wasm call: 5002 true\n",
      "runtime:wasm's JS WASI got: [\"1:hi from wasm\\n\"]\n",
      "grown from a JS import: 2042 1 2\n",
      "an export called from its own import: 11\n",
    ));
}

/// The module of `js_import_results_are_coerced_as_on_deno`: each export hands its arguments to a
/// JS import of the same types and returns what that returned.
const RESULTS: &str = r#"
(module
  (import "env" "ri" (func $ri (param i32) (result i32)))
  (import "env" "rf" (func $rf (param f32) (result f32)))
  (import "env" "rd" (func $rd (param f64) (result f64)))
  (import "env" "rv" (func $rv (param i32 f64)))
  (import "env" "r6" (func $r6 (param i32 f64 f32 i32 f64 i32) (result f64)))
  (func (export "ti") (param i32) (result i32) (call $ri (local.get 0)))
  (func (export "tf") (param f32) (result f32) (call $rf (local.get 0)))
  (func (export "td") (param f64) (result f64) (call $rd (local.get 0)))
  (func (export "tv") (param i32 f64) (call $rv (local.get 0) (local.get 1)))
  (func (export "t6") (param i32 f64 f32 i32 f64 i32) (result f64)
    (call $r6 (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5))))
"#;

/// What a JS import of the `WebAssembly` API returns reaches the guest coerced as the JS API says
/// (ToInt32, ToNumber, Math.fround; ignored without a result; what the coercion throws thrown),
/// and the import gets the guest's arguments (six of them too) and an undefined `this`, line for
/// line as on Deno.
/// Kiln calls such an import from Rust and takes a number of the result's type itself; any other
/// value goes through the JS coercion.
#[test]
fn js_import_results_are_coerced_as_on_deno() {
  let app = App::new("webassembly_import_results.ts")
    .manifest(MANIFEST)
    .file("results.wasm", wat::parse_str(RESULTS).expect("results.wat"));
  app.prints_as_on_deno(concat!(
    "0: i32 0, f32 0, f64 0, none undefined, six arguments 0\n",
    "-0: i32 0, f32 -0, f64 -0, none undefined, six arguments -0\n",
    "3.7: i32 3, f32 3.700000047683716, f64 3.7, none undefined, six arguments 3.7\n",
    "-3.7: i32 -3, f32 -3.700000047683716, f64 -3.7, none undefined, six arguments -3.7\n",
    "2^31: i32 -2147483648, f32 2147483648, f64 2147483648, none undefined, six arguments 2147483648\n",
    "2^32+5: i32 5, f32 4294967296, f64 4294967301, none undefined, six arguments 4294967301\n",
    "-2^31-1: i32 2147483647, f32 -2147483648, f64 -2147483649, none undefined, six arguments -2147483649\n",
    "1/3: i32 0, f32 0.3333333432674408, f64 0.3333333333333333, none undefined, six arguments 0.3333333333333333\n",
    "1e300: i32 0, f32 Infinity, f64 1e+300, none undefined, six arguments 1e+300\n",
    "NaN: i32 0, f32 NaN, f64 NaN, none undefined, six arguments NaN\n",
    "Infinity: i32 0, f32 Infinity, f64 Infinity, none undefined, six arguments Infinity\n",
    "-Infinity: i32 0, f32 -Infinity, f64 -Infinity, none undefined, six arguments -Infinity\n",
    "undefined: i32 0, f32 NaN, f64 NaN, none undefined, six arguments NaN\n",
    "null: i32 0, f32 0, f64 0, none undefined, six arguments 0\n",
    "true: i32 1, f32 1, f64 1, none undefined, six arguments 1\n",
    "\"12\": i32 12, f32 12, f64 12, none undefined, six arguments 12\n",
    "\"x\": i32 0, f32 NaN, f64 NaN, none undefined, six arguments NaN\n",
    "[]: i32 0, f32 0, f64 0, none undefined, six arguments 0\n",
    "[7]: i32 7, f32 7, f64 7, none undefined, six arguments 7\n",
    "{}: i32 0, f32 NaN, f64 NaN, none undefined, six arguments NaN\n",
    "valueOf 9: i32 9, f32 9, f64 9, none undefined, six arguments 9\n",
    "valueOf throws: i32 threw RangeError no, f32 threw RangeError no, f64 threw RangeError no, none undefined, six arguments threw RangeError no\n",
    "5n: i32 threw TypeError, f32 threw TypeError, f64 threw TypeError, none undefined, six arguments threw TypeError\n",
    "symbol: i32 threw TypeError, f32 threw TypeError, f64 threw TypeError, none undefined, six arguments threw TypeError\n",
    "promise: i32 0, f32 NaN, f64 NaN, none undefined, six arguments NaN\n",
    "function: i32 0, f32 NaN, f64 NaN, none undefined, six arguments NaN\n",
    "1 (1) this undefined | 1 (1.5) this undefined | 1 (-0) this undefined | 2 (2, 0.5) this undefined | 6 (-3, 0.25, 1.5, -2147483648, -0, 7) this undefined\n",
  ));
}

/// The module of `imports_call_their_instance_back_as_on_deno`.
const BACK: &str = r#"
(module
  (import "env" "back" (func $back (param i32) (result i32)))
  (import "env" "boom" (func $boom))
  (func (export "id_i32") (param i32) (result i32) (local.get 0))
  (func (export "id_f32") (param f32) (result f32) (local.get 0))
  (func (export "id_f64") (param f64) (result f64) (local.get 0))
  (func (export "sum3") (param i32 f64 f32) (result f64)
    (f64.add (f64.add (f64.convert_i32_s (local.get 0)) (local.get 1)) (f64.promote_f32 (local.get 2))))
  (func (export "nothing"))
  (func (export "trap") (param i32) (result i32) unreachable)
  (func (export "calls_boom") (param i32) (result i32) (call $boom) (local.get 0))
  (func (export "down") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 100))
      (else (i32.add (call $back (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "run") (param i32) (result i32) (call $back (local.get 0))))
"#;

/// A JS import that calls its own instance's exports back while the guest is inside it (as
/// emscripten's `invoke_*` wrappers do on every call; Kiln makes the common shape one op,
/// ext_wasm/src/caller_call.rs `op_wasm_caller_call_numbers`): arguments converted by the JS API's
/// rules, results of each number type, missing arguments, a trap and a JS throw from inside, a
/// recursion through the import and a thousand calls back in one import, line for line as on Deno.
#[test]
fn imports_call_their_instance_back_as_on_deno() {
  let app =
    App::new("webassembly_calls_back.ts").manifest(MANIFEST).file("back.wasm", wat::parse_str(BACK).expect("back.wat"));
  app.prints_as_on_deno(concat!(
    "id_i32(0): 0\n",
    "id_i32(-0): 0\n",
    "id_i32(1.9): 1\n",
    "id_i32(-1.9): -1\n",
    "id_i32(2147483648): -2147483648\n",
    "id_i32(4294967299): 3\n",
    "id_i32(NaN): 0\n",
    "id_i32(Infinity): 0\n",
    "id_i32(\"7\"): 7\n",
    "id_i32(true): 1\n",
    "id_i32(null): 0\n",
    "id_i32(undefined): 0\n",
    "id_i32([object Object]): 5\n",
    "id_i32(5n): threw TypeError\n",
    "id_f32(0.3333333333333333): 0.3333333432674408\n",
    "id_f32(1e+40): Infinity\n",
    "id_f32(-0): -0\n",
    "id_f32(NaN): NaN\n",
    "id_f32(\"2.5\"): 2.5\n",
    "id_f32(undefined): NaN\n",
    "id_f64(0.3333333333333333): 0.3333333333333333\n",
    "id_f64(-0): -0\n",
    "id_f64(1e+300): 1e+300\n",
    "id_f64(\"x\"): NaN\n",
    "id_f64(null): 0\n",
    "sum3(1, 0.5, 0.25): 1.75\n",
    "sum3(\"2\", \"0.5\", 1/3): 2.833333343267441\n",
    "sum3(1) (missing arguments): NaN\n",
    "nothing(): undefined\n",
    "trap(1): threw RuntimeError\n",
    "after the trap: id_i32(3): 3\n",
    "calls_boom(1): threw boom's RangeError itself\n",
    "down through the import: 104\n",
    "a thousand calls back in one import: 499501 1\n",
  ));
}
