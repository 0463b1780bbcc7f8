//! JS host functions (issue 11): values both ways, the caller, throws, async functions, start
//! functions, re-entry and deep JS recursion, through the real binary.

use kiln_test_support::{repo, App};

#[test]
fn host_functions_work_through_both_call_paths() {
  App::new("host.ts").allow_all().wat("host.wat", "host.wasm").run().ok(concat!(
    "start function called JS\n",
    "starts: 1\n",
    "i32: [ 42 ] -2\n",
    "i64: [ 9007199254740993n ] 3n\n",
    "f32: [ 3 ] f64: 0.25\n",
    "pair: [ 14, 21n ] [ 2, 3n ]\n",
    concat!(
      "log: hello from wasm (1 page); slow paths: hE, 5007 TypeError, 5006 MemoryError, 5006 MemoryError, ",
      "5007 TypeError, 5007 TypeError\n"
    ),
    "memory written by the host: J\n",
    "caller after the call: 5006 MemoryError\n",
    "globals: 1000 1099511627776n\n",
    "throw (call): 5002 CallError true true\n",
    "throw (exports): 5002 CallError true true\n",
    "usable after a throw: 2\n",
    "name, length, trailing undefined: i32 2 3 5007\n",
    "async host function: 61 ticks while the guest waited: true\n",
    "its caller after an await: 1 page; after the call: 5006 MemoryError\n",
    "async host function under exports: 5002 CallError true\n",
    "re-entry: [ 81 ] 25\n",
    "deep recursion inside a host function: true\n",
    "re-entry after nested calls failed: 49 5002 cause RangeError, 5002\n",
    "exports inside a host function: 9 5002 true 16\n",
    "bad result (i32): 5007 TypeError env.add_i32\n",
    "bad result (i64): 5007 TypeError env.add_i64\n",
    "bad result (pair): 5007 TypeError env.pair\n",
    "usable after a bad result: 1\n",
    "a function for a global: 5001 InstantiateError true\n",
    "a number for a function: 5001 InstantiateError true\n",
    "a float for an i32 global: 5007 TypeError true\n",
    "a missing host function: 5001 InstantiateError true\n",
  ));
}

/// `await instance.call` whose guest calls a host function of numbers again and again, each call
/// made from Rust by the async driver, yields to the event loop as any long call does: the call
/// ends only once a timer has fired. The same for a component's host function.
#[test]
fn host_calls_made_from_rust_let_the_event_loop_turn() {
  App::new("host_call_turns.ts").allow_all().run().ok(concat!(
    "the guest waited for a timer: true ticks meanwhile: true\n",
    "the component waited for a timer: true ticks meanwhile: true\n",
  ));
}

/// The linking issue's API example, as written, runs and links.
#[test]
fn the_issues_api_example_runs() {
  App::new("issue_api.ts")
    .allow_all()
    .c_with("easter.c", "easter.wasm", &["-mexec-model=reactor"])
    .c("dynamic.c", "dynamic.wasm")
    .run()
    .ok("[ 17 ]\n0 {\"module\":\"input.wasm\",\"name\":\"easter\",\"kind\":\"function\",\"params\":[\"i32\"],\"results\":[\"i32\"]}\n");
}

/// An export of the common shape of a store with host functions is an op bound to it
/// (bound_call.rs): it runs the guest and its host functions itself, reads the store's JS side
/// only for a host function whose values are not all numbers, hands arguments it refuses and a
/// busy store to the JS path, and gives a failed call what a host function threw as its cause,
/// a nested `caller.exports` call's throw to that call, and nothing left over to a later call.
/// With `hostCaller: false` a host function gets exactly the import's arguments on every path.
/// The `WebAssembly` global's exports are bound too, with the JS API's conversions, errors and
/// re-entry from an import; a module that joins such a store with a larger import gets room.
/// `timeoutMs` stops a bound call that spins, before or after a host call.
#[test]
fn bound_export_calls_of_a_store_with_host_functions() {
  App::new("host_bound.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\n[capabilities.fs]\nread = [\"./*.wasm\"]\n")
    .wat("host_bound.wat", "host_bound.wasm")
    .wat("host_bound_join_a.wat", "host_bound_join_a.wasm")
    .wat("host_bound_join_b.wat", "host_bound_join_b.wasm")
    .run()
    .ok(concat!(
    "seven: 7\n",
    "via_g: 10\n",
    "via_wide: 8\n",
    "a string: 5007 TypeError: argument 1 of `via_g`: \"5\" is not an i32; pass an integer number in [-2^31, 2^32) (cause: undefined)\n",
    "none: 5007 TypeError: `via_g` expects 1 argument (i32), got 0 (cause: undefined)\n",
    "one too many: 5007 TypeError: `via_g` expects 1 argument (i32), got 2 (cause: undefined)\n",
    "2^32: 5007 TypeError: argument 1 of `via_g`: 4294967296 is not an i32; pass an integer number in [-2^31, 2^32) (cause: undefined)\n",
    "a bigint: 5007 TypeError: argument 1 of `via_g`: 5n is not an i32; pass an integer number in [-2^31, 2^32) (cause: undefined)\n",
    "g throws: 5002 CallError: the host function `env.g` threw: RangeError: g refuses 4 (cause: g refuses 4)\n",
    "nested: 5002 CallError: the host function `env.h` threw: TypeError: h saw the nested call fail (cause: h saw the nested call fail)\n",
    "the nested call: 5002 CallError: the host function `env.g` threw: RangeError: g refuses 6 (cause: g refuses 6)\n",
    "a trap after them: 5002 CallError: `trap` trapped: wasm trap: wasm `unreachable` instruction executed (cause: undefined)\n",
    "a trap after a host call: 5002 CallError: `g_then_trap` trapped: wasm trap: wasm `unreachable` instruction executed (cause: undefined)\n",
    "inside g, the same store: 5002 CallError: this instance is busy: a call on it (or on an instance linked with it) is still running; await it before calling `instance.exports` functions (cause: undefined)\n",
    "busy: -1\n",
    "inside g, another store: 5002 CallError: the host function `env.g` threw: RangeError: other store refuses 9 (cause: other store refuses 9)\n",
    "another store: -2\n",
    "a trap after that: 5002 CallError: `trap` trapped: wasm trap: wasm `unreachable` instruction executed (cause: undefined)\n",
    "usable: 42 5 7\n",
    "hostCaller false: 2 3 4 5, arguments 1,1,1,1\n",
    "hostCaller default: 2 3 4 5, arguments 2,2,2,2\n",
    "hostCaller \"no\": 5007 TypeError: instantiate: hostCaller is \"no\"; pass true or false (false: host functions get no WasmCaller) (cause: undefined)\n",
    "global: 7 10 30\n",
    "global, converted: 10 6 4 0 8\n",
    "global, an import throws: threw the import's own value\n",
    "global, re-entered: 8\n",
    "global, re-entered recursively: 1023 -1 7\n",
    "global, re-entered with conversions: 1026 (valueOf ran)\n",
    "global, a trap: RuntimeError: `trap` trapped: wasm trap: wasm `unreachable` instruction executed | after: 42\n",
    "joined: 2 21 3\n",
    "spin under timeoutMs: 5011 FuelExhausted: `spin` timed out: it ran past its 200 ms deadline (timeoutMs) and was stopped (cause: undefined)\n",
    "g_then_spin under timeoutMs: 5011 FuelExhausted: `g_then_spin` timed out: it ran past its 200 ms deadline (timeoutMs) and was stopped (cause: undefined)\n",
    "after the deadlines: 42 g called 2 times\n",
  ));
}

/// A synchronous export call runs its host functions on the JS thread's stack (host_direct.rs):
/// a memory the guest grows between two of them, a call into another store from one, a throw,
/// many calls in one; and a store that imports WASI keeps the fiber driver. Numbers a host
/// function returns, which Rust takes itself there, must reach the guest as the JS side makes
/// them under `await call`: 104 returned values (edges of each type, and values that are not
/// numbers) through both, compared; so must the caller Rust makes for such a function, which
/// stops working when the function returns, throws or returns a value the JS side settles, and
/// under `await call` works until a promise the function returned settles; five arguments pass
/// the same through both (Rust calls a function of up to eight itself). An unbounded guest -> JS -> guest recursion stops cleanly:
/// at about 100 levels when the JS thread's stack lets the JS engine use 4 MiB (run.rs), else at
/// about 50.
#[test]
fn synchronous_calls_run_host_functions_on_the_js_stack() {
  let recursion = if js_stack_of_4_mib() { "90 levels or more" } else { "40 levels or more" };
  let expected = format!(
    concat!(
      "before: 65536\n",
      "after: grew from 1 page, old buffer 65536, new 131072\n",
      "through another store: 100\n",
      "twice: 42\n",
      "threw: 5002 CallError cause negative: -1\n",
      "after a throw: 6\n",
      "unbounded recursion: 5002 CallError {}\n",
      "usable after it: 12\n",
      "many: 350000 100000\n",
      "before: 1 page, kiln!!\n",
      "after: 2 pages (grew from 1), kiln!!??\n",
      "read past the end: 5006 MemoryError: caller.memory: cannot read 4 bytes at offset 131070: the memory is 131072 bytes\n",
      "write past the end: 5006 MemoryError: caller.memory: cannot write 2 bytes at offset 131071: the memory is 131072 bytes\n",
      "global after: grew from 1 page, old buffer 0, new 131072\n",
      "wasi store: 50 60\n",
      "values compared: 104, differ: 0, accepted: 70\n",
      "i32 edges: -1 -2147483648 -2147483648\n",
      "f32 rounding: true argument seen: true\n",
      "caller, number: exports 41, 2 args, this undefined, 1 page; after: 5006 MemoryError | call 41, 2 args, this undefined, 1 page; after: 5006 MemoryError\n",
      "caller, throw: exports 5002 CallError, 2 args, this undefined, 1 page; after: 5006 MemoryError | call 5002 CallError, 2 args, this undefined, 1 page; after: 5006 MemoryError\n",
      "caller, string: exports 5007 TypeError, 2 args, this undefined, 1 page; after: 5006 MemoryError | call 5007 TypeError, 2 args, this undefined, 1 page; after: 5006 MemoryError\n",
      "caller, promise: exports 5002 CallError, 2 args, this undefined, 1 page; after: 5006 MemoryError | call 41, 2 args, this undefined, 1 page; after: 5006 MemoryError\n",
      "hostCaller false, arguments: 1 3 1 3 5 5\n",
      "five arguments and a caller: exports 41, 6 args, this undefined, 1 page; after: 5006 MemoryError | call 41, 6 args, this undefined, 1 page\n",
      "five arguments seen: 1,-2,3.5,0.25,0 / 1,-2,3.5,0.25,0 returned: 6.5 6.5\n",
    ),
    recursion
  );
  App::new("host_direct.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\n[capabilities.fs]\nread = [\"./host_direct.wasm\"]\n")
    .wat("host_direct.wat", "host_direct.wasm")
    .wat("host_direct_wasi.wat", "host_direct_wasi.wasm")
    .wat("host_direct_values.wat", "host_direct_values.wasm")
    .run()
    .ok(&expected);
}

/// Whether kiln gives the JS engine 4 MiB of stack: the main thread's stack (`RLIMIT_STACK`), which
/// the test's kiln process inherits, is at least 8 MiB (runtime/src/run.rs).
fn js_stack_of_4_mib() -> bool {
  let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
  // SAFETY: getrlimit only writes the struct it is given.
  let read = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } == 0;
  read && (limit.rlim_cur == libc::RLIM_INFINITY || limit.rlim_cur >= 8 << 20)
}

/// In a store with JS host functions, `call` of an export that ends in bounded time takes the
/// ops of any other store (ext_wasm/src/bounded.rs), not the host driver (the common shape's, and
/// the slot path for i64s and several results): the same answers and errors on its first and
/// later calls, beside exports that call host functions; while an async host
/// function keeps the store busy, such a call waits its turn; a long export with a loop still
/// yields to the event loop.
#[test]
fn bounded_exports_of_a_store_with_host_functions_skip_the_host_driver() {
  let i32_rule = "is not an i32; pass an integer number in [-2^31, 2^32)";
  let line = format!(
    "add [5] half [1.5] count [{{}}] via_f [101] div 5002 CallError: `div` trapped: wasm trap: integer divide by \
     zero add \"1\" 5007 TypeError: argument 1 of `add`: \"1\" {i32_rule}\n"
  );
  let wide =
    "wide [\"-12n\"] pair [7,7] via_f64 [\"141n\"] wide 1.5 5007 TypeError: argument 1 of `wide`: 1.5 is not an \
              i64; pass a bigint in [-2^63, 2^64) or a safe integer number";
  let head = format!(
    "{}{}{wide}\nhost calls: 3\nreleased, via_later 11, add 42, count 3\nspin [100] ticks meanwhile: true\n",
    line.replace("{}", "1"),
    line.replace("{}", "2"),
  );
  let app = App::new("host_bounded.ts").allow_all();
  app.run().ok(&format!("{head}after drop: 5005 InvalidInstanceHandle\n"));
  // With the internals exposed, the app calls the ops `call` sends bounded exports to with an
  // export that calls a host function: both refuse it before it runs (no host call made).
  let refused = "5002 export number 5 of a store with JS host functions was called without the host driver; this \
                 is a bug in Kiln";
  app.run_env(&[("KILN_EXPOSE_INTERNALS", "1")]).ok(&format!(
    "{head}ops refuse via_f: {refused}\nops refuse via_f (checked): {refused}\nops refuse via_f (slots): \
     {refused}\nops refuse via_f (by name): {refused}\nhost calls after: 4\nafter drop: 5005 InvalidInstanceHandle\n"
  ));
}

/// A short `await instance.call` ends on its first poll, with no turn of the event loop, however
/// many calls an app starts in one: in a store with JS host functions (which answer at once) and
/// in one without. tokio's cooperative budget once sent every call of a store with host
/// functions after the 128th of a turn through an async op (128 of 300 settled here then).
#[test]
fn short_calls_end_on_their_first_poll_however_many_are_made() {
  App::new("host_first_poll.ts").allow_all().run().ok(concat!(
    "g: settled within the microtasks 300 of 300, sum 45150\n",
    "h: settled within the microtasks 300 of 300, sum 44850\n",
    "looped: settled within the microtasks 300 of 300, sum 45150\n",
  ));
}

/// `await instance.call` through the host driver gives each call a record of its own (state, slot
/// buffer, token) while it runs, though a call that ends on its first op passes its record to the
/// store's next call: a throw in a host function that starts another call of the store answers
/// the call it belongs to (its `cause`), calls with bad arguments or that trap while another
/// waits on a promise cancel nothing, sixty calls at once of two signatures, some answered by
/// promises, each get their own results, and an export whose index does not pack with the
/// instance's (65,600 exports) takes two ops to the same answers.
#[test]
fn calls_through_the_host_driver_keep_their_own_records() {
  let i32_rule = "is not an i32; pass an integer number in [-2^31, 2^32); cause undefined: undefined";
  App::new("host_driven_calls.ts").allow_all().run().ok(&format!(
    "warm: [5]\nouter: 5002 CallError: the host function `env.f` threw: RangeError: outer threw; cause RangeError: \
     outer threw\ninner, begun inside the outer call's host function: [11]\nbad arguments: 5007 TypeError: `g` \
     expects 1 argument (i32), got 0; cause undefined: undefined | 5007 TypeError: argument 1 of `g`: \"7\" \
     {i32_rule} | 5007 TypeError: argument 1 of `g`: 1.5 {i32_rule}\nwaited: [90] trapped: 5002 CallError: `boom` \
     trapped: wasm trap: wasm `unreachable` instruction executed; cause undefined: undefined queued: [8]\nmixed: 60 \
     of 60 right \nafter: [5] [2,\"1099511627776n\"]\n65,600 exports: [5] [5] [26] 5007 TypeError: `e65599` \
     expects 1 argument (i32), got 0; cause undefined: undefined [6]\n"
  ));
}

/// `await instance.call` of an export of the common shape that the host driver runs: once warm,
/// the instance's own op begins the call and calls the host functions of numbers itself
/// (call_driven.rs), and hands what it does not end to the JS driver at the step it reached. Each
/// way of handing on (a promise or a value to settle, a throw, a host function Rust does not call,
/// a guest that yields, a busy store) answers as the JS driver's whole way does on a first call.
#[test]
fn calls_the_bound_op_begins_through_the_host_driver_answer_as_the_driver_does() {
  let out = App::new("call_driven_op.ts")
    .allow_all()
    .wat("host_driven_shape.wat", "host_driven_shape.wasm")
    .file("first_and_warm.ts", std::fs::read_to_string(repo().join("tests/apps/first_and_warm.ts")).unwrap())
    .run()
    .success()
    .to_string();
  let i32_rule = "is not an i32; pass an integer number in [-2^31, 2^32)";
  let threw = "5002 CallError: the host function";
  let oob = "MemoryError: caller.memory: cannot read 1 bytes at offset 70000: the memory is 65536 bytes";
  let expected = [
    "once: ok [42]".to_string(),
    "once i32 upper half: ok [0]".into(),
    "mixed: ok [2.5]".into(),
    "none: ok []".into(),
    "wide: ok [42]".into(),
    "later: ok [101]".into(),
    "later then num: ok [102]".into(),
    format!("odd: 5007 TypeError: result 1 of the host function `env.odd`: \"2\" {i32_rule}"),
    format!("throws: {threw} `env.throws` threw: RangeError: no 3; cause RangeError: no 3"),
    "peek: ok [42]".into(),
    format!("peek out of bounds: {threw} `env.peek` threw: {oob}; cause {oob}"),
    "trap after: 5002 CallError: `trap_after` trapped: wasm trap: wasm `unreachable` instruction executed".into(),
    format!("string argument: 5007 TypeError: argument 1 of `once`: \"7\" {i32_rule}"),
    format!("fraction: 5007 TypeError: argument 1 of `once`: 1.5 {i32_rule}"),
    format!("out of range: 5007 TypeError: argument 1 of `once`: 4294967296 {i32_rule}"),
    "missing: 5007 TypeError: `once` expects 1 argument (i32), got 0".into(),
    "extra: 5007 TypeError: `once` expects 1 argument (i32), got 2".into(),
    "bigint: 5007 TypeError: argument 2 of `mixed`: 2n is not a number".into(),
    "own call: true".into(),
    "kept caller: 5006 MemoryError".into(),
    "detached: [42] 5007 TypeError: caller.memory.read: call it on caller.memory (`caller.memory.read(...)`), not \
     taken off it"
      .into(),
    "yielded: true timer fired during the call: true".into(),
    "busy: spin 300000001, once 3".into(),
    "many: 40 of 40 right".into(),
  ];
  let (body, last) = out.trim_end().rsplit_once('\n').expect("lines");
  assert_eq!(body.lines().collect::<Vec<_>>(), expected, "{out}");
  assert!(last.starts_with("after drop: 5005 InvalidInstanceHandle: no instance with id "), "{last}");
}

/// A host function that could not read a caller (an arrow function with plain parameters, no more
/// than its import's, or such a function or method whose source names neither `arguments` nor
/// `eval`) gets none, which only its cost shows; every other shape of function gets one as its
/// last argument, through Rust's own calls of functions of numbers and the JS
/// drivers', through `instance.exports` and `await instance.call` (tests/apps/caller_reach.ts).
/// Then 70 host functions called in turn in one export call, four in a pattern, and four after a
/// host call whose JS calls the guest back, which calls them first (a function read then, in the
/// nested host call's scope, must not be kept), with and without callers: the functions Rust keeps
/// between host calls answer as each one's own.
#[test]
fn every_host_function_that_could_read_its_caller_gets_one() {
  App::new("caller_reach.ts")
    .allow_all()
    .wat("caller_reach.wat", "caller_reach.wasm")
    .file("caller_reach_shapes.js", std::fs::read(repo().join("tests/apps/caller_reach_shapes.js")).unwrap())
    .run()
    .ok(concat!(
      "plain arrow, two names: 42 42\n",
      "plain arrow, one name: 20 20\n",
      "plain arrow, no parens: 40 40\n",
      "plain arrow, trailing comma: -2 -2\n",
      "async arrow, two names: 5002 42\n",
      "arrow with a name for the caller: 2 2\n",
      "arrow over several lines: 2 2\n",
      "arrow with a comment among its names: 2 2\n",
      "arrow with rest: 2 2\n",
      "arrow with a name and rest: 2 2\n",
      "arrow with a default: 2 2\n",
      "arrow with a destructured caller: 2 2\n",
      "function: 2 2\n",
      "async arrow with a name for the caller: 5002 2\n",
      "bound arrow: 42 42\n",
      "bound function: 20 20\n",
      "method: 2 2\n",
      "static method: 2 2\n",
      "function with plain names: 42 42\n",
      "method with plain names: 42 42\n",
      "async method with plain names: 5002 42\n",
      "method that reads its arguments: 3 3\n",
      "function that evaluates its arguments: 4 4\n",
      "sloppy function from new Function: 42 42\n",
      "js: one name, no parens: 20 20\n",
      "js: async, one name, no parens: 5002 20\n",
      "js: no spaces: 42 42\n",
      "js: async without a space: 5002 440\n",
      "js: a comment among three names: 2 2\n",
      "js: a comment among two names: -1 -1\n",
      "js: a default of two names: 2 2\n",
      "js: a function that spells arguments with an escape: 3 3\n",
      "js: a method with plain names, no spaces: 42 42\n",
      "js: three names on lines: 2 2\n",
      "wide, plain arrow: 42 42\n",
      "wide, arrow with a name for the caller: 2 2\n",
      "wide, arrow with rest: 2 2\n",
      "wide, function: 2 2\n",
      "hostCaller false: 2 2\n",
      "many functions: all 24390 24390, few 3500500 3500500, nested 35450 35450; expected 24390, 3500500, 35450\n",
    ));
}
