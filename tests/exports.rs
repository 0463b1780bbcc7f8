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
