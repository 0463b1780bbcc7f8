//! `instance.exports`: the synchronous fast path beside `call`, through a real kiln process.

use kiln_test_support::{repo, App};

/// The helper module the `call` path apps import (tests/apps/first_and_warm.ts).
fn first_and_warm() -> String {
  std::fs::read_to_string(repo().join("tests/apps/first_and_warm.ts")).unwrap()
}

#[test]
fn exports_call_synchronously_with_the_same_checks() {
  App::new("exports.ts").allow_all().wat("math.wat", "math.wasm").c("app.c", "app.wasm").run().ok(concat!(
    "add: 5 -2 42\n",
    "large_add: 9007199254740993n 3n\n",
    "circle_area: true\n",
    "keys: add,large_add,circle_area true\n",
    "same as call: true\n",
    "call rejects: true 5007\n",
    "none: undefined\n",
    "divmod: [ 3, 2 ]\n",
    "sum5: 15\n",
    "mix: 2.75\n",
    "half: 1.5\n",
    "too many: 5007 TypeError\n",
    "too few: 5007 TypeError\n",
    "not a number: 5007 TypeError\n",
    "fraction: 5007 TypeError\n",
    "out of range: 5007 TypeError\n",
    "bigint for i32: 5007 TypeError\n",
    "wrong tag: 5007 TypeError\n",
    "slot path wrong count: 5007 TypeError\n",
    "v128: 5007 TypeError\n",
    "trap: 5002 CallError\n",
    "unreachable: 5002 `trap` trapped: wasm trap: wasm `unreachable` instruction executed\n",
    "never in bounds: 5002 `never_in_bounds` trapped: wasm trap: out of bounds memory access\n",
    "after traps: [ 3, 1 ] 2 1\n",
    "trap through call: 5002 `never_in_bounds` trapped: wasm trap: out of bounds memory access\n",
    "runs once: 1 2 3 undefined 14\n",
    "names the argument: argument 2 of `bump`: \"2\" is not a number\n",
    "names the missing one: `bump` expects 2 arguments (i32, f64), got 1\n",
    "void with a bad argument: 5007 TypeError 15\n",
    "name and length: add 2 2 1 0\n",
    "trailing undefined: 3 undefined undefined\n",
    "extra: 5007 TypeError 5007 TypeError 5007 TypeError\n",
    "missing in the middle: `bump` expects 2 arguments (i32, f64), got 1 argument 1 of `add`: undefined is not an i32; pass an integer number in [-2^31, 2^32)\n",
    "reentrant conversion: 18 undefined 1920\n",
    "throwing conversion: from the getter 2\n",
    "this is ignored: 7 11\n",
    "spin: 5011 FuelExhausted within 2x: true ticks during: 0\n",
    "after spin: [ 2, 1 ]\n",
    "fuel ok: 2\n",
    "uninterruptible: 3 7\n",
    "with timeoutMs: 5010 true\n",
    "with fuel: 5010 true\n",
    "interruptible: true: made\n",
    "busy: 5002 CallError\n",
    "pending call ended: 5011 then: 1\n",
    "wasi exit: 5002 exitCode=3\n",
    "wasi exit 0: undefined\n",
    "held: 42\n",
    "after drop: 5005 InvalidInstanceHandle 5005 InvalidInstanceHandle\n",
  ));
}

#[test]
fn call_answers_the_same_on_an_exports_first_call_and_on_later_ones() {
  // `call` makes a function for an export of the common shape on its first call and keeps it; the
  // app runs each case as a first call and again once that function is made, and prints one
  // outcome when both agree (`first ... / later ...` when they do not).
  let out = App::new("call_first_and_later.ts").allow_all().wat("math.wat", "math.wasm").run().success().to_string();
  let (body, last) = out.trim_end().rsplit_once('\n').expect("lines");
  assert_eq!(
    format!("{body}\n"),
    concat!(
      "add: ok [5]\n",
      "add u32: ok [-2147483646]\n",
      "add negative: ok [-2]\n",
      "add too few: 5007 TypeError: `add` expects 2 arguments (i32, i32), got 1\n",
      "add too many: 5007 TypeError: `add` expects 2 arguments (i32, i32), got 3\n",
      "add string: 5007 TypeError: argument 1 of `add`: \"1\" is not an i32; pass an integer number in [-2^31, 2^32)\n",
      "add fraction: 5007 TypeError: argument 2 of `add`: 2.5 is not an i32; pass an integer number in [-2^31, 2^32)\n",
      "add out of range: 5007 TypeError: argument 1 of `add`: 4294967296 is not an i32; pass an integer number in [-2^31, 2^32)\n",
      "add bigint: 5007 TypeError: argument 1 of `add`: 1n is not an i32; pass an integer number in [-2^31, 2^32)\n",
      "add undefined: 5007 TypeError: argument 1 of `add`: undefined is not an i32; pass an integer number in [-2^31, 2^32)\n",
      "circle_area: ok [12.566370614359172]\n",
      "circle_area string: 5007 TypeError: argument 1 of `circle_area`: \"2\" is not a number\n",
      "circle_area NaN: ok [NaN]\n",
      "missing export: 5003 ExportNotFound: the module exports no function `nope`; its functions are: add, large_add, circle_area\n",
      "large_add: ok [3]\n",
    )
  );
  assert!(last.starts_with("after drop: 5005 InvalidInstanceHandle: no instance with id "), "{last}");
}

#[test]
fn call_checks_arguments_in_its_op_as_the_checked_path_does() {
  // After an export's first call, `call` hands a call of the common shape to one op that checks
  // the arguments itself (once warm, `call` is that op: call_op.rs); what it refuses takes the
  // checked path. Each case runs as a first call
  // and on a warm instance (`first ... / later ...` when the two disagree).
  let out = App::new("call_numbers_op.ts")
    .allow_all()
    .wat("numbers_shape.wat", "numbers_shape.wasm")
    .file("first_and_warm.ts", first_and_warm())
    .run()
    .success()
    .to_string();
  let (body, last) = out.trim_end().rsplit_once('\n').expect("lines");
  let i32_rule = "is not an i32; pass an integer number in [-2^31, 2^32)";
  let expected = [
    "add -0: ok [0]".to_string(),
    "add lowest: ok [-2147483648]".into(),
    format!("add below: 5007 TypeError: argument 1 of `add`: -2147483649 {i32_rule}"),
    format!("add Number object: 5007 TypeError: argument 1 of `add`: an object {i32_rule}"),
    "add trailing undefined: 5007 TypeError: `add` expects 2 arguments (i32, i32), got 3".into(),
    "add four: 5007 TypeError: `add` expects 2 arguments (i32, i32), got 4".into(),
    format!("add Infinity: 5007 TypeError: argument 1 of `add`: Infinity {i32_rule}"),
    "half: ok [0.550000011920929]".into(),
    "half NaN: ok [NaN]".into(),
    "half -0: ok [-0]".into(),
    "half null: 5007 TypeError: argument 1 of `half`: null is not a number".into(),
    "mix: ok [1.300000001490116]".into(),
    format!("mix fraction i32: 5007 TypeError: argument 1 of `mix`: 1.5 {i32_rule}"),
    "mix bigint f64: 5007 TypeError: argument 3 of `mix`: 3n is not a number".into(),
    "remember: ok [7]".into(),
    "last: ok [0]".into(),
    "last extra: 5007 TypeError: `last` expects 0 arguments, got 1".into(),
    "boom: 5002 CallError: `boom` trapped: wasm trap: wasm `unreachable` instruction executed".into(),
    "sum3: ok [-2]".into(),
    format!("sum3 fraction: 5007 TypeError: argument 3 of `sum3`: 3.5 {i32_rule}"),
    "fsum3: ok [0.30000000000000004]".into(),
    "pi: ok [3.141592653589793]".into(),
    "tick: ok [2]".into(),
    "pair: ok [42]".into(),
    "name not a string: 5007 TypeError: call: the export name must be a string, got 7".into(),
    "no such export: 5003 ExportNotFound: the module exports no function `nope`; its functions are: add, half, mix, \
     remember, last, boom, spin, sum3, fsum3, pi, tick, pair"
      .into(),
    "own call: true, a promise: true, own keys: []".into(),
    "reactions: call, resolved".into(),
    "unfinished: true timer fired during the call: true".into(),
    "busy: spin 300000000, add 5".into(),
    "frozen: 3 7 own call: false".into(),
    "wrapped: 3 7 calls seen: 2 still the app's: true".into(),
  ];
  assert_eq!(body, expected.join("\n"));
  assert!(last.starts_with("after drop: 5005 InvalidInstanceHandle: no instance with id "), "{last}");
}

#[test]
fn call_of_other_signatures_runs_by_index_with_a_reused_slot_buffer() {
  // After an export's first call, `call` of an export outside the common shape goes to
  // op_wasm_instance_call_slots by the export's index, with a slot buffer the export reuses. Each
  // case runs as a first call and on a warm instance (`first ... / later ...` when the two
  // disagree).
  let out = App::new("call_slots_op.ts")
    .allow_all()
    .wat("slots_shape.wat", "slots_shape.wasm")
    .file("first_and_warm.ts", first_and_warm())
    .run()
    .success()
    .to_string();
  let (body, last) = out.trim_end().rsplit_once('\n').expect("lines");
  let i64_rule = "is not an i64; pass a bigint in [-2^63, 2^64) or a safe integer number";
  let i32_rule = "is not an i32; pass an integer number in [-2^31, 2^32)";
  let expected = [
    "add64: ok [3n]".to_string(),
    "add64 numbers: ok [-1n]".into(),
    "add64 unsigned: ok [1n]".into(),
    "add64 high: ok [-9223372036854775808n]".into(),
    "add64 lowest: ok [-9223372036854775808n]".into(),
    "add64 values: ok [11n]".into(),
    format!("add64 too big: 5007 TypeError: argument 1 of `add64`: 18446744073709551616n {i64_rule}"),
    format!("add64 unsafe number: 5007 TypeError: argument 1 of `add64`: 9007199254740992 {i64_rule}"),
    format!("add64 string: 5007 TypeError: argument 1 of `add64`: \"1\" {i64_rule}"),
    "add64 wrong value: 5007 TypeError: argument 1 of `add64` is types.i32(1) but the signature says i64".into(),
    "add64 one: 5007 TypeError: `add64` expects 2 arguments (i64, i64), got 1".into(),
    "sum4: ok [5]".into(),
    "sum4 values: ok [10]".into(),
    format!("sum4 fraction: 5007 TypeError: argument 4 of `sum4`: 4.5 {i32_rule}"),
    format!("sum4 bigint: 5007 TypeError: argument 3 of `sum4`: 3n {i32_rule}"),
    "divmod64: ok [-3n, -2n]".into(),
    "divmod64 by zero: 5002 CallError: `divmod64` trapped: wasm trap: integer divide by zero".into(),
    "mixed: ok [-0.25]".into(),
    "mixed f32 null: 5007 TypeError: argument 2 of `mixed`: null is not a number".into(),
    "fpair: ok [-0, 1.100000023841858]".into(),
    "vec: 5007 TypeError: argument 1 of `vec`: Kiln cannot pass a v128 value".into(),
    "boom64: 5002 CallError: `boom64` trapped: wasm trap: wasm `unreachable` instruction executed".into(),
    "none4: ok []".into(),
    "memory: 5003 ExportNotFound: export `memory` is a memory, not a function".into(),
    "global: 5003 ExportNotFound: export `g` is a global, not a function".into(),
    "missing: 5003 ExportNotFound: the module exports no function `nope`; its functions are: add64, sum4, divmod64, \
     mixed, fpair, vec, boom64, none4, spin64"
      .into(),
    // Three calls at once: the first keeps its buffer while it runs (a timer fires meanwhile), and
    // the other two, with buffers of their own, end after it with their own results.
    "unfinished: spin64 300000000n, spin64 7n, add64 42n; timer fired during the call: true".into(),
    "after: ok [3n] ok [2n, 1n]".into(),
  ];
  assert_eq!(body, expected.join("\n"));
  assert!(last.starts_with("after drop: 5005 InvalidInstanceHandle: no instance with id "), "{last}");
}

#[test]
fn exports_that_end_in_bounded_time_answer_as_their_looping_twins() {
  // bounded_twins.wat has each function twice: as written, which `call` and `exports` run without
  // a fiber (ext_wasm/src/bounded.rs), and inside a loop that runs once, which keeps the fiber.
  // The app prints one outcome per case when all four ways agree (`DIFFER` and all four if not).
  let out = App::new("bounded_twins.ts")
    .allow_all()
    .wat("bounded_twins.wat", "bounded_twins.wasm")
    .file("first_and_warm.ts", first_and_warm())
    .run()
    .success()
    .to_string();
  let expected = [
    "add 2 3: ok [5]",
    "add 2147483647 1: ok [-2147483648]",
    "half 1.1: ok [0.550000011920929]",
    "half -0: ok [-0]",
    "half NaN: ok [NaN]",
    "scale 1e+308 10: ok [Infinity]",
    "scale -0 5: ok [-0]",
    "wide i64(3037000500n) i64(3037000500n): ok [-9223372036709301616n]",
    "wide i64(-1n) i64(9007199254740993n): ok [-9007199254740993n]",
    "swap 7 0.25: ok [0.25, 7]",
    "mixed -1 i64(9007199254740992n) f32(0.1) 0.5: ok [9007199254740992]",
    "keep 8 511: ok [255]",
    "pick 0: ok [10]",
    "pick 1: ok [20]",
    "pick 7: ok [30]",
    "div 7 -2: ok [-3]",
    "div 1 0: 5002 CallError: `div` trapped: wasm trap: integer divide by zero",
    "div -2147483648 -1: 5002 CallError: `div` trapped: wasm trap: integer overflow",
    "none 41: ok []",
    "bump: ok [1n] ok [2n] ok [3n] ok [4n] ok [5n] ok [6n] ok [5] memory 0 -> 42",
    "bump_looped: ok [1n] ok [2n] ok [3n] ok [4n] ok [5n] ok [6n] ok [5] memory 0 -> 42",
    "long: fuel 1 5011 FuelExhausted: `long` ran out of fuel: it used all 1 units (fuel); raise fuel or do less per call, 5011 FuelExhausted: `long` ran out of fuel: it used all 1 units (fuel); raise fuel or do less per call; fuel 10000 ok [200]; timeoutMs ok [200]",
    "long_looped: fuel 1 5011 FuelExhausted: `long_looped` ran out of fuel: it used all 1 units (fuel); raise fuel or do less per call, 5011 FuelExhausted: `long_looped` ran out of fuel: it used all 1 units (fuel); raise fuel or do less per call; fuel 10000 ok [200]; timeoutMs ok [200]",
    "yields: ok [0] ok [0]",
  ];
  assert_eq!(out.trim_end(), expected.join("\n"));
}
