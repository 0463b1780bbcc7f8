//! Exception handling's JS API on Kiln's `WebAssembly` global (ts/wasm_exception.ts,
//! ext_wasm/src/exception.rs): `WebAssembly.Tag`, `WebAssembly.Exception` and
//! `WebAssembly.JSTag` on wasmtime, with exceptions crossing between JS and the guest both ways.
//! `tests/apps/exceptions.ts` also runs on Deno 2.9 (V8), and the two must print the same lines.

use kiln_test_support::App;

const MANIFEST: &str = "[capabilities.wasm]\nload = true\nexecute = true\n\n[capabilities.fs]\nread = [\"./*.wasm\"]\n";

/// Tags of its own, a tag and JSTag imported, and functions that throw, catch by tag, catch JS
/// values, catch everything, and rethrow what they caught (`throw_ref`) around an import.
const A: &str = r#"(module
  (import "env" "t" (tag $t (param i32 i64)))
  (import "env" "js" (tag $js (param externref)))
  (import "env" "call" (func $call (param i32)))
  (tag $e (export "e") (param i32))
  (tag $r (export "r") (param externref f64))
  (export "t" (tag $t))
  (func (export "boom") (param i32) (throw $e (local.get 0)))
  (func (export "safe") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw $e (local.get 0)))
      (unreachable)))
  (func (export "throwT") (param i32 i64) (throw $t (local.get 0) (local.get 1)))
  (func (export "throwRef") (param externref f64) (throw $r (local.get 0) (local.get 1)))
  (func (export "throwJs") (param externref) (throw $js (local.get 0)))
  ;; the sum of a $t payload, -2 for a JS value, -1 for anything else, 0 if nothing was thrown
  (func (export "guard") (param i32) (result i64) (local $b i64)
    (block $any
      (block $jsv (result externref)
        (block $tt (result i32 i64)
          (try_table (catch $t $tt) (catch $js $jsv) (catch_all $any)
            (call $call (local.get 0)))
          (return (i64.const 0)))
        (local.set $b)
        (return (i64.add (i64.extend_i32_s) (local.get $b))))
      (drop) (return (i64.const -2)))
    (i64.const -1))
  (func (export "pass") (param i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (call $call (local.get 0)))
      (return))
    (throw_ref))
  (func (export "swallow") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (call $call (local.get 0)))
      (return (i32.const 0)))
    (i32.const 1))
  (func (export "jsValue") (param i32) (result externref)
    (block $h (result externref)
      (try_table (catch $js $h) (call $call (local.get 0)))
      (return (ref.null extern)))))"#;

/// Re-exports the tag it imports (twice), exports one of its own twice, and throws the first.
const B: &str = r#"(module
  (import "a" "e" (tag $e (param i32)))
  (tag $own (export "o1") (export "o2") (param i32))
  (export "e2" (tag $e))
  (export "e3" (tag $e))
  (func (export "boom") (param i32) (throw $e (local.get 0))))"#;

/// No imports: throws its own tag, or catches it.
const C: &str = r#"(module
  (tag $e (export "e") (param i32))
  (func (export "boom") (param i32) (throw $e (local.get 0)))
  (func (export "safe") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw $e (local.get 0)))
      (unreachable))))"#;

/// A start function that throws.
const S: &str = r#"(module
  (tag $e (export "e") (param i32))
  (func $s (throw $e (i32.const 42)))
  (start $s))"#;

/// Two imports of each kind the store makes for a JS object, which the app gives one object for
/// both: throwing one tag is catching the other, and a write through one is a read of the other.
const D: &str = r#"(module
  (import "m" "t1" (tag $t1 (param i32)))
  (import "m" "t2" (tag $t2 (param i32)))
  (import "m" "g1" (global $g1 (mut i32)))
  (import "m" "g2" (global $g2 (mut i32)))
  (import "m" "m1" (memory $m1 1))
  (import "m" "m2" (memory $m2 1))
  (import "m" "tb1" (table $tb1 1 externref))
  (import "m" "tb2" (table $tb2 1 externref))
  (func (export "catchOther") (result i32)
    (block $h (result i32)
      (try_table (catch $t2 $h) (throw $t1 (i32.const 7)))
      (i32.const -1)))
  (func (export "globals") (result i32)
    (global.set $g1 (i32.const 5))
    (global.get $g2))
  (func (export "memories") (result i32)
    (i32.store $m1 (i32.const 0) (i32.const 9))
    (i32.load $m2 (i32.const 0)))
  (func (export "tables") (param externref) (result externref)
    (table.set $tb1 (i32.const 0) (local.get 0))
    (table.get $tb2 (i32.const 0))))"#;

fn app(main: &str) -> App {
  App::new(main)
    .manifest(MANIFEST)
    .file("a.wasm", wat::parse_str(A).expect("a.wat"))
    .file("b.wasm", wat::parse_str(B).expect("b.wat"))
    .file("c.wasm", wat::parse_str(C).expect("c.wat"))
    .file("s.wasm", wat::parse_str(S).expect("s.wat"))
    .file("d.wasm", wat::parse_str(D).expect("d.wat"))
}

const AS_ON_DENO: &str = concat!(
  "function function object true\n",
  "[object WebAssembly.Tag] constructor,getArg,is,stack\n",
  "[object WebAssembly.Tag] true\n",
  "Tag() threw TypeError: …\n",
  "Tag no type threw TypeError: …\n",
  "Tag bad type threw TypeError: …\n",
  "[object WebAssembly.Exception] false true 3 5n true\n",
  "shape true 0 undefined false\n",
  "traced string\n",
  "payload length threw TypeError: …\n",
  "payload i64 number threw TypeError: …\n",
  "payload not iterable threw TypeError: …\n",
  "getArg other tag threw TypeError: …\n",
  "getArg index threw RangeError: …\n",
  "is not a tag threw TypeError: …\n",
  "Exception no tag threw TypeError: …\n",
  "Exception() threw TypeError: …\n",
  "JSTag exception threw TypeError: …\n",
  "exports e,r,t,boom,safe,throwT,throwRef,throwJs,guard,pass,swallow,jsValue [object WebAssembly.Tag] true true\n",
  "Module.exports e:tag,r:tag,t:tag,boom:function,safe:function,throwT:function,throwRef:function,throwJs:function,guard:function,pass:function,swallow:function,jsValue:function tag,tag,function\n",
  "safe 7\n",
  "boom threw WebAssembly.Exception\n",
  "boom is e true 5 false false\n",
  "throwT threw WebAssembly.Exception\n",
  "throwT is t true -1 9223372036854775807n\n",
  "throwRef threw WebAssembly.Exception\n",
  "throwRef true 0.5\n",
  "throwJs gives the value itself true\n",
  "throwJs null null\n",
  "guard 0 0n\n",
  "guard 1 42n\n",
  "guard 2 -2n\n",
  "guard 3 -2n\n",
  "guard 4 -1n\n",
  "guard 5 -2n\n",
  "guard 6 -1n\n",
  "guard 7 -2n\n",
  "pass 1 same value out: true\n",
  "pass 2 same value out: true\n",
  "pass 3 same value out: true\n",
  "pass 4 same value out: WebAssembly.Exception\n",
  "pass 5 same value out: true\n",
  "pass 6 same value out: true\n",
  "pass 7 same value out: true\n",
  "a RuntimeError through the guest true undefined from JS\n",
  "swallow 0 0\n",
  "swallow 1 1\n",
  "swallow 2 1\n",
  "swallow 3 1\n",
  "swallow 4 1\n",
  "jsValue a string true undefined null\n",
  "wasm's own exception true true\n",
  "re-exported true true true true\n",
  "b.boom true 8\n",
  "another instance's tag false true\n",
  "other instance's exception is e false true\n",
  "tag of another type: LinkError\n",
  "not a tag: LinkError\n",
  "start throws false WebAssembly.Exception\n",
  "start throws true WebAssembly.Exception\n",
  "one object, two imports: 7 5 5 9 9 true true\n",
);

#[test]
fn tags_and_exceptions_cross_between_js_and_the_guest_as_on_deno() {
  let app = app("exceptions.ts");
  app.prints_as_on_deno(AS_ON_DENO);
}

const KILN: &str = concat!(
  "TypeError 5007 WebAssembly.Tag(): \"v128\" is not a value type Kiln's WebAssembly passes to and from JS (i32, i64, f32, f64, externref)\n",
  "TypeError 5007 WebAssembly.Tag(): the argument must be a tag type, { parameters: [...value types] }\n",
  "TypeError 5007 WebAssembly.Exception(): JSTag's exceptions are JS values; throw the value itself\n",
  "TypeError 5007 WebAssembly.Exception.getArg(): the tag is not this exception's; check with is(tag) first\n",
  "TypeError 5007 WebAssembly.Exception.getArg(): the tag is not this exception's; check with is(tag) first\n",
  "TypeError 5007 WebAssembly.Exception.getArg(): the tag is not this exception's; check with is(tag) first\n",
  "stack undefined true\n",
  "LinkError 5001 cannot instantiate the module: imports[\"a\"][\"e\"] is a WebAssembly.Tag of (f64), but the module imports `a.e` as tag (i32)\n",
  "LinkError 5001 cannot instantiate the module: imports[\"a\"][\"e\"] is WebAssembly.JSTag, a tag of (externref), but the module imports `a.e` as tag (i32)\n",
  "CallError 5002 `boom` threw an exception of a tag with parameters (i32) that the module did not catch; catch it in the module (try_table), or call the function through the WebAssembly global, where it arrives as a WebAssembly.Exception undefined\n",
  "CallError 5002 `boom` threw an exception of a tag with parameters (i32) that the module did not catch; catch it in the module (try_table), or call the function through the WebAssembly global, where it arrives as a WebAssembly.Exception\n",
  "caught inside 3 4\n",
  "InstantiateError 5001 cannot instantiate the module: the start function threw an exception of a tag with parameters (i32) that the module did not catch; catch it in the module (try_table), or call the function through the WebAssembly global, where it arrives as a WebAssembly.Exception; this is a bug in the module or something its config lacks (env, args, preopens): pass inheritStderr: true to see what the guest printed start\n",
  "InstantiateError 5001 cannot instantiate the module: Kiln cannot provide 1 of its imports (1 in all):\n",
  "  a.e: tag (i32) (a tag comes from a linked module: give the id of the module that exports it, as `imports: { \"a\": moduleId }`; JS values cannot give one, except through the WebAssembly global's WebAssembly.Tag)\n",
  "linked: CallError 5002 `boom` threw an exception of a tag with parameters (i32) that the module did not catch; catch it in the module (try_table), or call the function through the WebAssembly global, where it arrives as a WebAssembly.Exception\n",
  "swallowed 500 caught by tag 10000n the last one escapes as itself true\n",
);

#[test]
fn kiln_names_what_it_refuses_and_runtime_wasm_reports_uncaught_exceptions() {
  app("exceptions_kiln.ts").run().ok(KILN);
}
