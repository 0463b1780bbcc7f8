//! `instance.exports`: the synchronous fast path beside `call`, through a real kiln process.

use kiln_test_support::App;

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
  // the arguments itself; what it refuses takes the checked path. Each case runs as a first call
  // and on a warm instance (`first ... / later ...` when the two disagree).
  let out = App::new("call_numbers_op.ts")
    .allow_all()
    .wat("numbers_shape.wat", "numbers_shape.wasm")
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
    "unfinished: true timer fired during the call: true".into(),
    "busy: spin 300000000, add 5".into(),
  ];
  assert_eq!(body, expected.join("\n"));
  assert!(last.starts_with("after drop: 5005 InvalidInstanceHandle: no instance with id "), "{last}");
}
