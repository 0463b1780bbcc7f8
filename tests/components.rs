//! WebAssembly components through the real `kiln` binary (issue 14): apps under tests/apps
//! (`component_*.ts`) load the hand-written fixtures of tests/fixtures/components (each with its WIT
//! in a header comment) and print what they got, line by line.
//!
//! - lists of numbers, `bool`s and `char`s stored byte for byte (lists.wat);
//! - every WIT type both ways, through `instance.exports` and `await instance.call(...)`, for a
//!   component that exports its named types (types.wat) and for one that imports them with `eq`
//!   bounds, as wit-component makes them (types-wit.wat): the same answers and the same WIT names;
//! - strictness: each wrong value is a TypeError (5007) naming the path, and reaches no guest;
//! - a top-level `result` is its `ok` value or a thrown ComponentError (5012);
//! - resources: classes, constructors, methods, statics, own moves, `Symbol.dispose`;
//! - exported interfaces, `getExports()` and `moduleImports()` with WIT text;
//! - JS host functions for the component's imports, sync and async, and what fails;
//! - WASI preview 2: stdout captured or inherited, environment, and the grants of
//!   `[capabilities.wasm] wasi` (filesystem, sockets, http) narrowed by an instance's `wasi`;
//! - a `wasi:cli/run` command through `call` and through `spawn`;
//! - lifetimes (drop, dropModule), limits (timeoutMs, fuel, max_instances); compile of text and
//!   binary (made here from types.wat with the `wat` crate), and of broken components.

use kiln_test_support::{fixture, wat, App, Run};

/// The component fixtures every app gets, under their own names.
const FIXTURES: &[&str] = &[
  "types.wat",
  "types-wit.wat",
  "resources.wat",
  "shapes.wat",
  "host_imports.wat",
  "hello_cli.wat",
  "env_probe.wat",
  "fs_probe.wat",
  "sockets_probe.wat",
  "http_probe.wat",
  "numbers.wat",
  "lists.wat",
];

const LOAD_EXECUTE: &str = "[capabilities.wasm]\nload = true\nexecute = true\n";

/// `tests/apps/<main>` with every fixture, granted load and execute.
fn app(main: &str) -> App {
  FIXTURES.iter().fold(App::new(main), |app, name| app.file(name, component(name))).manifest(LOAD_EXECUTE)
}

fn component(name: &str) -> Vec<u8> {
  let path = fixture(&format!("components/{name}"));
  std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Asserts a zero exit and `expected` on stdout, with the app's directory written `<app>` (it is
/// in the messages that name the manifest).
#[track_caller]
fn ok_in(app: &App, run: &Run, expected: &str) {
  let dir = app.path().to_string_lossy().into_owned();
  let canonical = app.path().canonicalize().unwrap().to_string_lossy().into_owned();
  let stdout = run.stdout.replace(&canonical, "<app>").replace(&dir, "<app>");
  assert_eq!(run.status, Some(0), "exit status; stderr:\n{}\nstdout:\n{}", run.stderr, run.stdout);
  assert_eq!(stdout, expected, "stdout; stderr:\n{}", run.stderr);
}

/// What component_types.ts prints, for types.wat and types-wit.wat alike.
const TYPES: &str = concat!(
  "add(2, 40) -> 42 | call: [42]\n",
  "add(4294967295, 1) -> 0 | call: [0]\n",
  "echo-bool(true) -> true | call: [true]\n",
  "echo-bool(false) -> false | call: [false]\n",
  "echo-s8(-128) -> -128 | call: [-128]\n",
  "echo-s8(127) -> 127 | call: [127]\n",
  "echo-u8(0) -> 0 | call: [0]\n",
  "echo-u8(255) -> 255 | call: [255]\n",
  "echo-s16(-32768) -> -32768 | call: [-32768]\n",
  "echo-s16(32767) -> 32767 | call: [32767]\n",
  "echo-u16(0) -> 0 | call: [0]\n",
  "echo-u16(65535) -> 65535 | call: [65535]\n",
  "echo-s32(-2147483648) -> -2147483648 | call: [-2147483648]\n",
  "echo-s32(2147483647) -> 2147483647 | call: [2147483647]\n",
  "echo-u32(0) -> 0 | call: [0]\n",
  "echo-u32(4294967295) -> 4294967295 | call: [4294967295]\n",
  "echo-s64(-9223372036854775808n) -> -9223372036854775808n | call: [-9223372036854775808n]\n",
  "echo-s64(9223372036854775807n) -> 9223372036854775807n | call: [9223372036854775807n]\n",
  "echo-s64(0n) -> 0n | call: [0n]\n",
  "echo-u64(0n) -> 0n | call: [0n]\n",
  "echo-u64(18446744073709551615n) -> 18446744073709551615n | call: [18446744073709551615n]\n",
  "echo-u64(9007199254740993n) -> 9007199254740993n | call: [9007199254740993n]\n",
  "echo-f32(1.5) -> 1.5 | call: [1.5]\n",
  "echo-f32(0.1) -> 0.10000000149011612 | call: [0.10000000149011612]\n",
  "echo-f32(-0) -> -0 | call: [-0]\n",
  "echo-f32(NaN) -> NaN | call: [NaN]\n",
  "echo-f32(Infinity) -> Infinity | call: [Infinity]\n",
  "echo-f32(1e+40) -> Infinity | call: [Infinity]\n",
  "echo-f32(1.401298464324817e-45) -> 1.401298464324817e-45 | call: [1.401298464324817e-45]\n",
  "echo-f64(0.1) -> 0.1 | call: [0.1]\n",
  "echo-f64(-0) -> -0 | call: [-0]\n",
  "echo-f64(NaN) -> NaN | call: [NaN]\n",
  "echo-f64(-Infinity) -> -Infinity | call: [-Infinity]\n",
  "echo-f64(1.7976931348623157e+308) -> 1.7976931348623157e+308 | call: [1.7976931348623157e+308]\n",
  "echo-f64(5e-324) -> 5e-324 | call: [5e-324]\n",
  "echo-char(\"a\") -> \"a\" | call: [\"a\"]\n",
  "echo-char(\"é\") -> \"é\" | call: [\"é\"]\n",
  "echo-char(\"世\") -> \"世\" | call: [\"世\"]\n",
  "echo-char(\"😀\") -> \"😀\" | call: [\"😀\"]\n",
  "echo-char(\"\u{10ffff}\") -> \"\u{10ffff}\" | call: [\"\u{10ffff}\"]\n",
  "echo-char(\"\\u0000\") -> \"\\u0000\" | call: [\"\\u0000\"]\n",
  "echo-string(\"\") -> \"\" | call: [\"\"]\n",
  "echo-string(\"grüße, 世界 😀\") -> \"grüße, 世界 😀\" | call: [\"grüße, 世界 😀\"]\n",
  "echo-string(\"a\\u0000b\") -> \"a\\u0000b\" | call: [\"a\\u0000b\"]\n",
  "echo-u32s([]) -> [] | call: [[]]\n",
  "echo-u32s([1, 4294967295]) -> [1, 4294967295] | call: [[1, 4294967295]]\n",
  "echo-strings([]) -> [] | call: [[]]\n",
  "echo-strings([\"\", \"ü\", \"x y\"]) -> [\"\", \"ü\", \"x y\"] | call: [[\"\", \"ü\", \"x y\"]]\n",
  "echo-order({orderId: 18446744073709551615n, items: [{id: 1, name: \"a\", tags: [\"x\", \"y\"]}, {id: 4294967295, name: \"\", tags: []}], note: \"rush\"}) -> {orderId: 18446744073709551615n, items: [{id: 1, name: \"a\", tags: [\"x\", \"y\"]}, {id: 4294967295, name: \"\", tags: []}], note: \"rush\"} | call: [{orderId: 18446744073709551615n, items: [{id: 1, name: \"a\", tags: [\"x\", \"y\"]}, {id: 4294967295, name: \"\", tags: []}], note: \"rush\"}]\n",
  "echo-order({orderId: 0n, items: [], note: undefined}) -> {orderId: 0n, items: [], note: undefined} | call: [{orderId: 0n, items: [], note: undefined}]\n",
  "echo-order({orderId: 7n, items: []}) -> {orderId: 7n, items: [], note: undefined} | call: [{orderId: 7n, items: [], note: undefined}]\n",
  "echo-tuple([255, \"t\", -2.25]) -> [255, \"t\", -2.25] | call: [[255, \"t\", -2.25]]\n",
  "echo-shape({tag: \"circle\", val: 2.5}) -> {tag: \"circle\", val: 2.5} | call: [{tag: \"circle\", val: 2.5}]\n",
  "echo-shape({tag: \"rect\", val: [1, 2]}) -> {tag: \"rect\", val: [1, 2]} | call: [{tag: \"rect\", val: [1, 2]}]\n",
  "echo-shape({tag: \"none\"}) -> {tag: \"none\"} | call: [{tag: \"none\"}]\n",
  "echo-color(\"red\") -> \"red\" | call: [\"red\"]\n",
  "echo-color(\"green\") -> \"green\" | call: [\"green\"]\n",
  "echo-color(\"blue-green\") -> \"blue-green\" | call: [\"blue-green\"]\n",
  "echo-perms({}) -> {read: false, write: false, exec: false} | call: [{read: false, write: false, exec: false}]\n",
  "echo-perms({exec: true}) -> {read: false, write: false, exec: true} | call: [{read: false, write: false, exec: true}]\n",
  "echo-perms({read: true, write: false, exec: true}) -> {read: true, write: false, exec: true} | call: [{read: true, write: false, exec: true}]\n",
  "echo-option(undefined) -> undefined | call: [undefined]\n",
  "echo-option(0) -> 0 | call: [0]\n",
  "echo-option(4000000000) -> 4000000000 | call: [4000000000]\n",
  "echo-nested(undefined) -> undefined | call: [undefined]\n",
  "echo-nested({tag: \"none\"}) -> {tag: \"none\"} | call: [{tag: \"none\"}]\n",
  "echo-nested({tag: \"some\", val: 0}) -> {tag: \"some\", val: 0} | call: [{tag: \"some\", val: 0}]\n",
  "echo-nested({tag: \"some\", val: 9}) -> {tag: \"some\", val: 9} | call: [{tag: \"some\", val: 9}]\n",
  "echo-result({tag: \"ok\", val: 5}) -> {tag: \"ok\", val: 5} | call: [{tag: \"ok\", val: 5}]\n",
  "echo-result({tag: \"err\", val: \"bad\"}) -> {tag: \"err\", val: \"bad\"} | call: [{tag: \"err\", val: \"bad\"}]\n",
  "blob-len({name: \"abc\", data: Uint8Array[1,2,3,4]}) -> 7 | call: [7]\n",
  "blob-len({name: \"\", data: Uint8Array[]}) -> 0 | call: [0]\n",
  "sum-bytes(Uint8Array[255,255,1]) -> 511n | call: [511n]\n",
  "sum-bytes(Uint8Array[]) -> 0n | call: [0n]\n",
  "echo-bytes(Uint8Array[0,1,255]) -> Uint8Array[0,1,255] | call: [Uint8Array[0,1,255]]\n",
  "echo-bytes(Uint8Array[]) -> Uint8Array[] | call: [Uint8Array[]]\n",
  "bytes result: true true, not the input: true, own buffers: true\n",
  "after writing to the results: input Uint8Array[0,1,255], again Uint8Array[0,1,255]\n",
  "echo-bytes(Uint8Array[7,8]) -> Uint8Array[7,8] | call: [Uint8Array[7,8]]\n",
);

#[test]
fn every_wit_type_goes_both_ways_through_exports_and_call() {
  app("component_types.ts").run().ok(TYPES);
}

#[test]
fn a_component_that_imports_its_named_types_gives_the_same_answers() {
  app("component_types.ts").file("types.wat", component("types-wit.wat")).run().ok(TYPES);
}

/// `instance.exports` of plain-number functions: the op checks the arguments, and a refused call
/// is named by the general path exactly as before the fast path checked nothing itself; a trap is
/// the call's own error, not taken for a refusal.
#[test]
fn plain_number_functions_refuse_misfits_by_name_and_keep_their_traps() {
  app("component_numbers.ts").run().ok(concat!(
    "add: 5\n",
    "add wraps: 1\n",
    "div: -3\n",
    "mix: 65407.5\n",
    "add fraction: 5007 TypeError: `add`: args[0]: 1.5 is not a u32 (an integer in [0, 4294967295])\n",
    "add negative: 5007 TypeError: `add`: args[0]: -1 is not a u32 (an integer in [0, 4294967295])\n",
    "add 2^32: 5007 TypeError: `add`: args[0]: 4294967296 is not a u32 (an integer in [0, 4294967295])\n",
    "add string: 5007 TypeError: `add`: args[0]: \"1\" is not a u32 (an integer in [0, 4294967295])\n",
    "add NaN: 5007 TypeError: `add`: args[0]: NaN is not a u32 (an integer in [0, 4294967295])\n",
    "add one argument: 5007 TypeError: `add` takes 2 argument(s) (a, b), got 1; its type is func(a: u32, b: u32) -> u32\n",
    "add three arguments: 5007 TypeError: `add` takes 2 argument(s) (a, b), got 3; its type is func(a: u32, b: u32) -> u32\n",
    "mix s8 128: 5007 TypeError: `mix`: args[0]: 128 is not an s8 (an integer in [-128, 127])\n",
    "mix u16 65536: 5007 TypeError: `mix`: args[1]: 65536 is not a u16 (an integer in [0, 65535])\n",
    "mix f32 string: 5007 TypeError: `mix`: args[2]: \"x\" is not an f32 (a number)\n",
    "div by zero: 5002 CallError: `div` trapped: wasm trap: integer divide by zero\n",
    // wasmtime does not enter a component instance again after a trap.
    "after the trap: 5002 CallError: `add` trapped: wasm trap: cannot enter component instance\n",
  ));
}

/// The encoder's buffer grows in the middle of a value: nothing may be lost or thrown.
#[test]
fn values_bigger_than_the_first_encoding_buffer_pass() {
  app("component_big.ts").run().ok(concat!(
    "a bool after a 252-byte string: true\n",
    "an order whose note starts at byte 256: name of 232, note x\n",
    "string of 300 bytes: true\n",
    "bytes of 1000: 2000\n",
    "bytes of 5000 back: true\n",
    "3000 u32s: true\n",
    "2000 strings: true\n",
    "an order of 1000 items with a note: 1000 items, last item 999, note rush\n",
    "call sum-bytes of 100000 x 255: 25500000\n",
    "call echo-string of 300000 bytes: true\n",
  ));
}

/// Component values through the encoders and decoders made once per type (ts/wasm_wit_codec.ts)
/// give what the general path gives: `components/codec.expected` is what the build before them
/// (1cf88db) printed for the same app, values at the edges of each check both ways, but for one
/// line. That build got a getter that calls the component while its own call's arguments are
/// encoded wrong: the inner call's arguments overwrote the outer's (a "malformed buffer"
/// TypeError); now each encoding has its own buffer. Results larger than their arguments' buffer
/// come back whole.
#[test]
fn values_through_the_per_type_encoders_match_the_general_path() {
  let expected = std::fs::read_to_string(fixture("components/codec.expected")).unwrap();
  app("component_codec.ts").run().ok(&expected);
}

/// The direct path of `instance.exports` (the op reads the JS arguments and makes the result,
/// ext_wasm/src/component/direct.rs): a getter that throws gives its own exception after one read;
/// a proxy sees `Object.keys`'s traps, then the fields in the type's order; a getter may call the
/// instance; a leading byte order mark stays (through `call` too) and a lone surrogate becomes
/// U+FFFD, as before; 100,000 bytes go both ways; results of each shape, a top-level `err` thrown
/// as a ComponentError; a lent `list<u8>` whose buffer a later getter detaches is not read (the
/// JS path takes the call); what the op refuses is named by the JS path; `timeoutMs` stops it.
/// Then 21,000 pseudo-random values (mostly misfits) through `exports` and through `call` (the JS
/// glue): the same value back or the same error, every time.
#[test]
fn exports_read_and_make_js_values_directly() {
  let expected = std::fs::read_to_string(fixture("components/direct.expected")).unwrap();
  app("component_direct.ts").run().ok(&expected);
}

/// Lists of numbers, `bool`s and `char`s are stored in the guest's memory in one pass, and a
/// `list<u8>` is copied as its bytes (Kiln's patch to wasmtime, patches/wasmtime.patch): each must
/// come back as it went, and its bytes in the guest must be the canonical ABI's, empty, at its
/// edges and 10,000 long, both ways; a misfit in a list of numbers is named by its index (the JS
/// side writes those lists in one loop); a `list<u8>` also goes into and out of a JS host
/// function. A `list<u8>` the guest hands back outside its memory is a CallError, and one that
/// ends at its last byte is whole.
#[test]
fn lists_of_numbers_reach_the_guest_byte_for_byte() {
  let types = ["bool", "s8", "u8", "s16", "u16", "s32", "u32", "s64", "u64", "f32", "f64", "char"];
  let expected: String = types
    .iter()
    .flat_map(|t| ["exports", "call"].map(|path| format!("{t} {path}: empty ok, edges ok, 10000 ok\n")))
    .chain(
      [
        ("s8", "128 is not an s8 (an integer in [-128, 127])"),
        ("s16", "-32769 is not an s16 (an integer in [-32768, 32767])"),
        ("u16", "1.5 is not a u16 (an integer in [0, 65535])"),
        ("s32", "2147483648 is not an s32 (an integer in [-2147483648, 2147483647])"),
        ("u32", "-1 is not a u32 (an integer in [0, 4294967295])"),
        ("f32", "\"x\" is not an f32 (a number)"),
        ("f64", "1n is not an f64 (a number)"),
      ]
      .map(|(t, why)| format!("{t} misfit: 5007 TypeError: `echo-{t}`: args[0][2]: {why}\n")),
    )
    .chain(["exports", "call"].map(|path| {
      format!(
        "list<u8> through a host function, {path}: 0 ok, 5 ok, 100000 ok; the host saw a Uint8Array of 0, \
         a Uint8Array of 5, a Uint8Array of 100000\n"
      )
    }))
    .chain([
      "a list<u8> of 1 at 70000: 5002 CallError: `bad` failed: list pointer/length out of bounds of memory\n".into(),
      "a list<u8> of 1000 at 65000: 5002 CallError: `bad` failed: list pointer/length out of bounds of memory\n".into(),
      "a list<u8> of 2 at 4294967295: 5002 CallError: `bad` failed: list pointer/length out of bounds of memory\n"
        .into(),
      "a list<u8> of 65536 at 0: 65536 bytes\n".into(),
    ])
    .collect();
  app("component_lists.ts").run().ok(&expected);
}

/// What component_strict.ts prints, for types.wat and types-wit.wat alike.
const STRICT: &str = concat!(
  "u8 256: 5007 TypeError: `echo-u8`: args[0]: 256 is not a u8 (an integer in [0, 255])\n",
  "u8 -1: 5007 TypeError: `echo-u8`: args[0]: -1 is not a u8 (an integer in [0, 255])\n",
  "s8 -129: 5007 TypeError: `echo-s8`: args[0]: -129 is not an s8 (an integer in [-128, 127])\n",
  "s16 32768: 5007 TypeError: `echo-s16`: args[0]: 32768 is not an s16 (an integer in [-32768, 32767])\n",
  "u16 65536: 5007 TypeError: `echo-u16`: args[0]: 65536 is not a u16 (an integer in [0, 65535])\n",
  "s32 2**31: 5007 TypeError: `echo-s32`: args[0]: 2147483648 is not an s32 (an integer in [-2147483648, 2147483647])\n",
  "u32 -1: 5007 TypeError: `echo-u32`: args[0]: -1 is not a u32 (an integer in [0, 4294967295])\n",
  "u32 2**32: 5007 TypeError: `echo-u32`: args[0]: 4294967296 is not a u32 (an integer in [0, 4294967295])\n",
  "u32 1.5: 5007 TypeError: `echo-u32`: args[0]: 1.5 is not a u32 (an integer in [0, 4294967295])\n",
  "u32 NaN: 5007 TypeError: `echo-u32`: args[0]: NaN is not a u32 (an integer in [0, 4294967295])\n",
  "u32 bigint: 5007 TypeError: `echo-u32`: args[0]: 1n is not a u32 (an integer in [0, 4294967295])\n",
  "u32 string: 5007 TypeError: `echo-u32`: args[0]: \"1\" is not a u32 (an integer in [0, 4294967295])\n",
  "s32 boolean: 5007 TypeError: `echo-s32`: args[0]: true is not an s32 (an integer in [-2147483648, 2147483647])\n",
  "s64 number: 5007 TypeError: `echo-s64`: args[0]: 1 is not an s64 (a bigint in [-2^63, 2^63))\n",
  "s64 2n**63n: 5007 TypeError: `echo-s64`: args[0]: 9223372036854775808n is not an s64 (a bigint in [-2^63, 2^63))\n",
  "u64 -1n: 5007 TypeError: `echo-u64`: args[0]: -1n is not a u64 (a bigint in [0, 2^64))\n",
  "u64 2n**64n: 5007 TypeError: `echo-u64`: args[0]: 18446744073709551616n is not a u64 (a bigint in [0, 2^64))\n",
  "f32 bigint: 5007 TypeError: `echo-f32`: args[0]: 1n is not an f32 (a number)\n",
  "f64 string: 5007 TypeError: `echo-f64`: args[0]: \"1.5\" is not an f64 (a number)\n",
  "bool number: 5007 TypeError: `echo-bool`: args[0]: 1 is not a bool (true or false)\n",
  "char two chars: 5007 TypeError: `echo-char`: args[0]: \"ab\" is not a char (a string of one Unicode scalar value)\n",
  "char empty: 5007 TypeError: `echo-char`: args[0]: \"\" is not a char (a string of one Unicode scalar value)\n",
  "char lone surrogate: 5007 TypeError: `echo-char`: args[0]: \"\\ud800\" is not a char (a string of one Unicode scalar value)\n",
  "char number: 5007 TypeError: `echo-char`: args[0]: 65 is not a char (a string of one Unicode scalar value)\n",
  "string number: 5007 TypeError: `echo-string`: args[0]: 1 is not a string\n",
  "string undefined: 5007 TypeError: `echo-string`: args[0]: undefined is not a string\n",
  "bytes array: 5007 TypeError: `echo-bytes`: args[0]: an array is not a list<u8> (a Uint8Array)\n",
  "bytes Uint16Array: 5007 TypeError: `echo-bytes`: args[0]: a Uint16Array is not a list<u8> (a Uint8Array)\n",
  "bytes ArrayBuffer: 5007 TypeError: `echo-bytes`: args[0]: an ArrayBuffer is not a list<u8> (a Uint8Array)\n",
  "list element: 5007 TypeError: `echo-u32s`: args[0][1]: \"2\" is not a u32 (an integer in [0, 4294967295])\n",
  "list not an array: 5007 TypeError: `echo-u32s`: args[0]: a Uint32Array is not a list (an array)\n",
  "missing field: 5007 TypeError: `echo-order`: args[0].items[1].tags: the field is missing: a record item needs every field (id, name, tags)\n",
  "nested field: 5007 TypeError: `echo-order`: args[0].items[0].id: -1 is not a u32 (an integer in [0, 4294967295])\n",
  "deep element: 5007 TypeError: `echo-order`: args[0].items[0].tags[1]: 2 is not a string\n",
  "unknown field: 5007 TypeError: `echo-order`: args[0]: unknown field `extra`; the record's fields are orderId, items, note\n",
  "kebab-case key: 5007 TypeError: `echo-order`: args[0]: unknown field `order-id`; the record's fields are orderId, items, note\n",
  "record null: 5007 TypeError: `echo-order`: args[0]: null is not a record order (an object)\n",
  "variant unknown tag: 5007 TypeError: `echo-shape`: args[0]: the tag \"square\" is not a case of the variant shape ({ tag, val } with tag one of \"circle\", \"rect\", \"none\")\n",
  "variant missing payload: 5007 TypeError: `echo-shape`: args[0].val: undefined is not an f64 (a number)\n",
  "variant payload tuple: 5007 TypeError: `echo-shape`: args[0].val: an array is not a tuple of 2 (an array)\n",
  "variant as a string: 5007 TypeError: `echo-shape`: args[0]: \"none\" is not a case of the variant shape ({ tag, val } with tag one of \"circle\", \"rect\", \"none\")\n",
  "enum not a case: 5007 TypeError: `echo-color`: args[0]: \"purple\" is not an enum color (one of \"red\", \"green\", \"blue-green\")\n",
  "enum camelCase: 5007 TypeError: `echo-color`: args[0]: \"blueGreen\" is not an enum color (one of \"red\", \"green\", \"blue-green\")\n",
  "enum index: 5007 TypeError: `echo-color`: args[0]: 0 is not an enum color (one of \"red\", \"green\", \"blue-green\")\n",
  "flags unknown: 5007 TypeError: `echo-perms`: args[0]: unknown flag `delete`; the flags are read, write, exec\n",
  "flags non-boolean: 5007 TypeError: `echo-perms`: args[0].read: 1 is not a boolean\n",
  "flags array: 5007 TypeError: `echo-perms`: args[0]: an array is not flags perms (an object of booleans)\n",
  "tuple short: 5007 TypeError: `echo-tuple`: args[0]: an array is not a tuple of 3 (an array)\n",
  "tuple long: 5007 TypeError: `echo-tuple`: args[0]: an array is not a tuple of 3 (an array)\n",
  "tuple element: 5007 TypeError: `echo-tuple`: args[0][2]: \"b\" is not an f64 (a number)\n",
  "option null: 5007 TypeError: `echo-option`: args[0]: null is not a u32 (an integer in [0, 4294967295])\n",
  "nested option untagged: 5007 TypeError: `echo-nested`: args[0]: 5 is not an option inside an option ({ tag: \"some\", val } or { tag: \"none\" })\n",
  "nested option tag: 5007 TypeError: `echo-nested`: args[0].val: undefined is not a u32 (an integer in [0, 4294967295])\n",
  "result untagged: 5007 TypeError: `echo-result`: args[0]: 5 is not a result ({ tag: \"ok\" | \"err\", val })\n",
  "result payload: 5007 TypeError: `echo-result`: args[0].val: 5 is not a string\n",
  "too few: 5007 TypeError: `add` takes 2 argument(s) (a, b), got 1; its type is func(a: u32, b: u32) -> u32\n",
  "too many: 5007 TypeError: `add` takes 2 argument(s) (a, b), got 3; its type is func(a: u32, b: u32) -> u32\n",
  "none: 5007 TypeError: `echo-string` takes 1 argument(s) (v), got 0; its type is func(v: string) -> string\n",
  "unknown function: 5003 ExportNotFound: the component exports no function `nope`; its functions are: add, safe-div, echo-bool, echo-s8, echo-u8, echo-s16, echo-u16, echo-s32, echo-u32, echo-s64, echo-u64, echo-f32, echo-f64, echo-char, echo-string, echo-bytes, echo-u32s, echo-strings, echo-order, echo-tuple, echo-shape, echo-color, echo-perms, echo-option, echo-nested, echo-result, fallible, blob-len, sum-bytes\n",
);

#[test]
fn wrong_values_are_type_errors_naming_their_path() {
  app("component_strict.ts").run().ok(STRICT);
}

#[test]
fn wrong_values_are_the_same_type_errors_for_imported_named_types() {
  app("component_strict.ts").file("types.wat", component("types-wit.wat")).run().ok(STRICT);
}

const WIT_NAMES: &str = concat!(
  "echo-order: func(o: order) -> order\n",
  "echo-shape: func(s: shape) -> shape\n",
  "echo-color: func(c: color) -> color\n",
  "echo-perms: func(p: perms) -> perms\n",
  "blob-len: func(b: blob) -> u32\n",
  "record: 5007 `echo-order`: args[0]: null is not a record order (an object)\n",
  "variant: 5007 `echo-shape`: args[0]: \"none\" is not a case of the variant shape ({ tag, val } with tag one of \"circle\", \"rect\", \"none\")\n",
  "enum: 5007 `echo-color`: args[0]: \"purple\" is not an enum color (one of \"red\", \"green\", \"blue-green\")\n",
  "flags: 5007 `echo-perms`: args[0]: an array is not flags perms (an object of booleans)\n",
);

#[test]
fn wit_names_of_exported_types_show_in_get_exports_and_errors() {
  app("component_wit_names.ts").run().ok(WIT_NAMES);
}

#[test]
fn wit_names_of_imported_types_show_in_get_exports_and_errors() {
  app("component_wit_names.ts").file("types.wat", component("types-wit.wat")).run().ok(WIT_NAMES);
}

#[test]
fn a_top_level_err_is_a_thrown_component_error() {
  app("component_results.ts").run().ok(concat!(
    "safeDiv(7, 2): 3\n",
    "safeDiv(-7, 2): -3\n",
    "safeDiv(-2147483648, -1): -2147483648\n",
    "call safe-div 9, 3: [3]\n",
    "safeDiv(1, 0): ComponentError 5012 payload \"division by zero\" (instanceof ComponentError: true, instanceof Error: true, isWasmError: true); message: `safe-div` returned an error: \"division by zero\"\n",
    "call safe-div 1, 0: ComponentError 5012 payload \"division by zero\" (instanceof ComponentError: true, instanceof Error: true, isWasmError: true); message: `safe-div` returned an error: \"division by zero\"\n",
    "errorCodes.ComponentError: 5012\n",
    "fallible(false): undefined\n",
    "call fallible false: 1 result, undefined\n",
    "fallible(true): ComponentError 5012 payload \"asked to fail\" (instanceof ComponentError: true, instanceof Error: true, isWasmError: true); message: `fallible` returned an error: \"asked to fail\"\n",
    "call fallible true: ComponentError 5012 payload \"asked to fail\" (instanceof ComponentError: true, instanceof Error: true, isWasmError: true); message: `fallible` returned an error: \"asked to fail\"\n",
    "echoResult(err): {\"tag\":\"err\",\"val\":\"nested\"}\n",
    "call echo-result err: [{\"tag\":\"err\",\"val\":\"nested\"}]\n",
    "after the errors: 14\n",
  ));
}

#[test]
fn resources_are_classes_whose_dispose_runs_the_guest_destructor() {
  app("component_resources.ts").run().ok(concat!(
    "class: Counter, live at start: 0\n",
    "new Counter(5): instanceof true, get 5, live 1\n",
    "increment(3): 8, get 8\n",
    "increment wraps: 7\n",
    "merge(7, 10): 17, instanceof true, live 3\n",
    "after merge: 7 10\n",
    "increment(-1): 5007 TypeError: `kiln:test/counters#[method]counter.increment`: args[1]: -1 is not a u32 (an integer in [0, 4294967295])\n",
    "increment(): 5007 TypeError: `kiln:test/counters#[method]counter.increment` takes 2 argument(s) (self, by), got 1; its type is func(self: borrow<counter>, by: u32) -> u32\n",
    "new Counter(-1): 5007 TypeError: `kiln:test/counters#[constructor]counter`: args[0]: -1 is not a u32 (an integer in [0, 4294967295])\n",
    "new Counter(1.5): 5007 TypeError: `kiln:test/counters#[constructor]counter`: args[0]: 1.5 is not a u32 (an integer in [0, 4294967295])\n",
    "unchanged: get 7, live 3\n",
    "merge(c, {}): 5007 TypeError: `kiln:test/counters#[static]counter.merge`: args[1]: an object is not a Counter (a resource of this instance)\n",
    "consume(3): 5007 TypeError: `kiln:test/counters#consume`: args[0]: 3 is not a Counter (a resource of this instance)\n",
    "get on a plain object: 5007 TypeError: `kiln:test/counters#[method]counter.get`: args[0]: an object is not a Counter (a resource of this instance)\n",
    "consume(d): 10, live 2\n",
    "d.get() after the move: 5007 TypeError: `kiln:test/counters#[method]counter.get`: args[0]: this Counter was dropped, or moved into the guest by an earlier call\n",
    "consume(d) again: 5007 TypeError: `kiln:test/counters#consume`: args[0]: this Counter was dropped, or moved into the guest by an earlier call\n",
    "merge(c, d) after the move: 5007 TypeError: `kiln:test/counters#[static]counter.merge`: args[1]: this Counter was dropped, or moved into the guest by an earlier call\n",
    "dispose after the move: live 2\n",
    "m disposed: live 1\n",
    "m disposed again: live 1\n",
    "m.get() after dispose: 5007 TypeError: `kiln:test/counters#[method]counter.get`: args[0]: this Counter was dropped, or moved into the guest by an earlier call\n",
    "in a using block: 1, live 2\n",
    "after the using block: live 1\n",
    "call constructor: instanceof true, get 5, live 2\n",
    "call increment: [7]\n",
    "call get: [7]\n",
    "call merge: 14, live [3]\n",
    "call consume: [14], live 2\n",
    "call get after the move: 5007 TypeError: `kiln:test/counters#[method]counter.get`: args[0]: this Counter was dropped, or moved into the guest by an earlier call\n",
    "merge with another instance's counter: 5007 TypeError: `kiln:test/counters#[static]counter.merge`: args[1]: this Counter belongs to another instance\n",
    "consume another instance's counter: 5007 TypeError: `kiln:test/counters#consume`: args[0]: this Counter belongs to another instance\n",
    "the foreign counter still works: 100, its instance's live 1\n",
    "call with it: 5007 TypeError: `kiln:test/counters#consume`: args[0]: this Counter belongs to another instance\n",
    "live here 2, there 1\n",
    "foreign.get() after its instance was dropped: 5005 InvalidInstanceHandle: no instance with id 2: it was never returned by instantiate or has been dropped\n",
    "foreign dispose after its instance was dropped: undefined\n",
    "all disposed: live 0\n",
    "top-level resource: make, take, Thing; instanceof true\n",
    "new Thing() without a constructor: 5007 TypeError: Thing has no constructor: the component makes them\n",
    "take(thing, -1): 5007 TypeError: `take`: args[1]: -1 is not a u32 (an integer in [0, 4294967295])\n",
    "take(thing, 5) after the refused call: 5\n",
    "take(thing, 6) after the move: 5007 TypeError: `take`: args[0]: this Thing was dropped, or moved into the guest by an earlier call\n",
  ));
}

#[test]
fn interfaces_get_exports_and_module_imports() {
  app("component_interfaces.ts").run().ok(concat!(
    "top-level keys: version, kiln:test/shapes\n",
    "interface keys: area, mid\n",
    "frozen: true true\n",
    "version(): 1.0\n",
    "area(3, 4.5): 13.5\n",
    "mid: {\"x\":2,\"y\":-1}\n",
    "call area: [0.5]\n",
    "call mid: [{\"x\":1.5,\"y\":1.5}]\n",
    "call version: [\"1.0\"]\n",
    "call area: 5003 the component exports no function `area`; its functions are: version, kiln:test/shapes#area, kiln:test/shapes#mid\n",
    "call kiln:test/shapes#nope: 5003 the component exports no function `kiln:test/shapes#nope`; its functions are: version, kiln:test/shapes#area, kiln:test/shapes#mid\n",
    "call kiln:test/other#area: 5003 the component exports no function `kiln:test/other#area`; its functions are: version, kiln:test/shapes#area, kiln:test/shapes#mid\n",
    "mid with a missing field: 5007 `kiln:test/shapes#mid`: args[1].y: the field is missing: a record point needs every field (x, y)\n",
    "shapes exports:\n",
    "  function version: func() -> string\n",
    "  function kiln:test/shapes#area: func(w: f64, h: f64) -> f64\n",
    "  function kiln:test/shapes#mid: func(a: point, b: point) -> point\n",
    "types exports: 29\n",
    "  safe-div: function func(a: s32, b: s32) -> result<s32, string> params undefined\n",
    "  echo-order: function func(o: order) -> order params undefined\n",
    "  echo-nested: function func(v: option<option<u32>>) -> option<option<u32>> params undefined\n",
    "  echo-result: function func(v: result<u32, string>) -> option<result<u32, string>> params undefined\n",
    "  fallible: function func(fail: bool) -> result<_, string> params undefined\n",
    "  echo-perms: function func(p: perms) -> perms params undefined\n",
    "  echo-bytes: function func(v: list<u8>) -> list<u8> params undefined\n",
    "  echo-tuple: function func(t: tuple<u8, string, f64>) -> tuple<u8, string, f64> params undefined\n",
    "resources exports:\n",
    "  resource kiln:test/counters#counter: resource counter\n",
    "  function kiln:test/counters#[constructor]counter: func(start: u32) -> counter\n",
    "  function kiln:test/counters#[method]counter.increment: func(self: borrow<counter>, by: u32) -> u32\n",
    "  function kiln:test/counters#[method]counter.get: func(self: borrow<counter>) -> u32\n",
    "  function kiln:test/counters#[static]counter.merge: func(a: borrow<counter>, b: borrow<counter>) -> counter\n",
    "  function kiln:test/counters#live: func() -> u32\n",
    "  function kiln:test/counters#consume: func(c: counter) -> u32\n",
    "host_imports imports:\n",
    "  \"kiln:test/host\" log function: func(msg: string)\n",
    "  \"kiln:test/host\" transform function: func(p: point) -> point\n",
    "  \"kiln:test/host\" lookup function: func(key: string) -> result<u32, string>\n",
    "  \"\" double function: func(x: u32) -> u32\n",
    "hello_cli imports:\n",
    "  \"wasi:io/error@0.2.0\" error resource: resource error\n",
    "  \"wasi:io/streams@0.2.0\" error resource: resource error\n",
    "  \"wasi:io/streams@0.2.0\" output-stream resource: resource output-stream\n",
    "  \"wasi:io/streams@0.2.0\" [method]output-stream.blocking-write-and-flush function: func(self: borrow<output-stream>, contents: list<u8>) -> result<_, stream-error>\n",
    "  \"wasi:cli/stdout@0.2.0\" output-stream resource: resource output-stream\n",
    "  \"wasi:cli/stdout@0.2.0\" get-stdout function: func() -> output-stream\n",
    "shapes imports: []\n",
  ));
}

#[test]
fn js_host_functions_serve_the_components_imports() {
  app("component_host.ts").run().ok(concat!(
    "greet: hello, kiln, logged [\"kiln\"]\n",
    "moveTwice: {\"x\":3,\"y\":12}\n",
    "transform saw: transform {\"x\":1,\"y\":3} number; transform {\"x\":2,\"y\":6} number\n",
    "quadruple: 20\n",
    "call greet: [\"hello, async\"], logged [\"kiln\",\"async\"]\n",
    "call quadruple: [12]\n",
    "greet with a long name: [1007,1000]\n",
    "call move-twice: [{\"x\":-3,\"y\":-4}]\n",
    "async host function: double(3) starts, timer, double(3) returns 6, double(6) starts, double(6) returns 12, call resolved [12]\n",
    "async host function under exports: 5002 CallError: a JS host function returned a promise during a synchronous call; use `await instance.call(...)`\n",
    "after it, call: 5002 CallError: `quadruple` trapped: wasm trap: cannot enter component instance\n",
    "log throws, exports: 5002 CallError: the host function imports[\"kiln:test/host\"].log threw: boom\n",
    "the instance after the trap: 5002 CallError: `quadruple` trapped: wasm trap: cannot enter component instance\n",
    "log throws, call: 5002 CallError: the host function imports[\"kiln:test/host\"].log threw: boom\n",
    "transform returns a point without y: 5007 TypeError: the host function imports[\"kiln:test/host\"].transform: result.y: the field is missing: a record point needs every field (x, y)\n",
    "transform returns an extra field: 5007 TypeError: the host function imports[\"kiln:test/host\"].transform: result: unknown field `z`; the record's fields are x, y\n",
    "transform returns nothing: 5007 TypeError: the host function imports[\"kiln:test/host\"].transform: result: undefined is not a record point (an object)\n",
    "double returns a string: 5007 TypeError: the host function imports[\"double\"]: result: \"2\" is not a u32 (an integer in [0, 4294967295])\n",
    "double returns 1.5: 5007 TypeError: the host function imports[\"double\"]: result: 1.5 is not a u32 (an integer in [0, 4294967295])\n",
    "double returns -2: 5007 TypeError: the host function imports[\"double\"]: result: -2 is not a u32 (an integer in [0, 4294967295])\n",
    "double returns a bigint: 5007 TypeError: the host function imports[\"double\"]: result: 2n is not a u32 (an integer in [0, 4294967295])\n",
    "double returns a string, call: 5007 TypeError: the host function imports[\"double\"]: result: \"2\" is not a u32 (an integer in [0, 4294967295])\n",
    "log returns 5: \"hello, y\"\n",
    "missing double: 5001 InstantiateError: cannot instantiate the component: component imports function `double`, but a matching implementation was not found in the linker: function implementation is missing. Kiln provides WASI preview 2 (0.2.x); the component's other imports (kiln:test/host, double) must be JS functions in `imports`, keyed by interface name (e.g. `imports: { \"kiln:test/host\": { ... } }`); see moduleImports(moduleId)\n",
    "missing transform: 5001 InstantiateError: cannot instantiate the component: component imports instance `kiln:test/host`, but a matching implementation was not found in the linker: instance export `transform` has the wrong type: function implementation is missing. Kiln provides WASI preview 2 (0.2.x); the component's other imports (kiln:test/host, double) must be JS functions in `imports`, keyed by interface name (e.g. `imports: { \"kiln:test/host\": { ... } }`); see moduleImports(moduleId)\n",
    "no imports: 5001 InstantiateError: cannot instantiate the component: component imports instance `kiln:test/host`, but a matching implementation was not found in the linker: instance export `log` has the wrong type: function implementation is missing. Kiln provides WASI preview 2 (0.2.x); the component's other imports (kiln:test/host, double) must be JS functions in `imports`, keyed by interface name (e.g. `imports: { \"kiln:test/host\": { ... } }`); see moduleImports(moduleId)\n",
    "unknown function: 5001 InstantiateError: cannot instantiate the component: imports[\"triple\"] is given, but the component imports no such function; it imports: kiln:test/host.log, kiln:test/host.transform, kiln:test/host.lookup, double\n",
    "unknown member: 5001 InstantiateError: cannot instantiate the component: imports[\"kiln:test/host\"].extra is given, but the component imports no such function; it imports: kiln:test/host.log, kiln:test/host.transform, kiln:test/host.lookup, double\n",
    "unknown interface: 5001 InstantiateError: cannot instantiate the component: imports[\"kiln:test/other\"].log is given, but the component imports no such function; it imports: kiln:test/host.log, kiln:test/host.transform, kiln:test/host.lookup, double\n",
    "not a function: 5010 WasiError: instantiate: imports[\"double\"] must be a function or an object of functions, got 2\n",
    "WASI interface: 5001 InstantiateError: cannot instantiate the component: imports[\"wasi:cli/stdout@0.2.0\"].get-stdout is a JS function for a WASI interface, which Kiln provides itself under the manifest's grants; leave it out of `imports`\n",
    "WASI interface of a component that imports it: 5001 InstantiateError: cannot instantiate the component: imports[\"wasi:cli/stdout@0.2.0\"].get-stdout is a JS function for a WASI interface, which Kiln provides itself under the manifest's grants; leave it out of `imports`\n",
  ));
}

/// The mapping of a top-level `result` is the same for imports as for exports (and as `kiln types`
/// declares `Imports`): the host function returns the `ok` value, or throws a ComponentError
/// whose payload is the `err` value; any other throw traps the guest.
#[test]
fn a_host_function_for_a_top_level_result_returns_the_ok_value() {
  app("component_host_result.ts").run().ok(concat!(
    "tryLookup(\"abc\"): 30\n",
    "tryLookup(\"\"): 4294967295\n",
    "tryLookup(\"abc\"): 30\n",
    "tryLookup(\"payload\"): 5007 the host function imports[\"kiln:test/host\"].lookup: result.val: 5 is not a string\n",
    "tryLookup(\"boom\"): 5002 the host function imports[\"kiln:test/host\"].lookup threw: not a component error\n",
    "lookup saw: [\"abc\",\"\",\"abc\",\"payload\",\"boom\"]\n",
  ));
}

#[test]
fn wasi_cli_stdout_and_environment_need_no_grant() {
  app("component_wasi.ts").run().ok(concat!(
    "run: 1 result, undefined; stdout \"hello from a component\\n\"\n",
    "taken again: \"\"\n",
    "by the versioned name: \"hello from a component\\n\"\n",
    "run() through exports: undefined; stdout \"hello from a component\\n\"\n",
    "export function wasi:cli/run@0.2.0#run: func() -> result\n",
    "takeStderr without capture: 5010 WasiError: takeStderr: the instance's stderr is not captured; instantiate it with `stderr: \"capture\"`\n",
    "before the inherited run\n",
    "hello from a component\n",
    "after the inherited run\n",
    "the default discards it; takeStdout: 5010 WasiError: takeStdout: the instance's stdout is not captured; instantiate it with `stdout: \"capture\"`\n",
    "spawn: 0 exit, stdout \"hello from a component\\n\"\n",
    "spawn of a component without wasi:cli/run: 5001 InstantiateError: spawn runs a WASI command, and the component exports no `wasi:cli/run` interface; instantiate it and call its exports instead\n",
    "default: env-count 0, arg-count 0, first-env \"\"\n",
    "given: env-count 2, arg-count 3, first-env \"GREETING=hi there\"\n",
    "call first-env: [\"GREETING=hi there\"]\n",
  ));
}

#[test]
fn wasi_filesystem_sockets_and_http_are_denied_without_a_grant() {
  let app = app("component_grants.ts").dir("data");
  let run = app.run();
  ok_in(
    &app,
    &run,
    concat!(
      "fs_probe default: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: add \"filesystem\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "fs_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: add \"filesystem\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "fs_probe wasi: [filesystem]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"filesystem\", which [capabilities.wasm] wasi does not grant (it grants none); an instance can only narrow the manifest's grant: add \"filesystem\" to `wasi` in <app>/manifest.app.toml\n",
      "fs_probe wasi: [sockets, http]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"sockets\", which [capabilities.wasm] wasi does not grant (it grants none); an instance can only narrow the manifest's grant: add \"sockets\" to `wasi` in <app>/manifest.app.toml\n",
      "sockets_probe default: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: add \"sockets\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "sockets_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: add \"sockets\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "sockets_probe wasi: [filesystem]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"filesystem\", which [capabilities.wasm] wasi does not grant (it grants none); an instance can only narrow the manifest's grant: add \"filesystem\" to `wasi` in <app>/manifest.app.toml\n",
      "sockets_probe wasi: [sockets, http]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"sockets\", which [capabilities.wasm] wasi does not grant (it grants none); an instance can only narrow the manifest's grant: add \"sockets\" to `wasi` in <app>/manifest.app.toml\n",
      "http_probe default: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: add \"http\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "http_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: add \"http\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "http_probe wasi: [filesystem]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"filesystem\", which [capabilities.wasm] wasi does not grant (it grants none); an instance can only narrow the manifest's grant: add \"filesystem\" to `wasi` in <app>/manifest.app.toml\n",
      "http_probe wasi: [sockets, http]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"sockets\", which [capabilities.wasm] wasi does not grant (it grants none); an instance can only narrow the manifest's grant: add \"sockets\" to `wasi` in <app>/manifest.app.toml\n",
      "preopens /data: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: add \"filesystem\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "preopens /data and /more: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: add \"filesystem\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "preopens outside the manifest's preopens: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: add \"filesystem\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "hello_cli with wasi: []: \"hello from a component\\n\"\n",
    ),
  );
}

#[test]
fn wasi_grants_of_the_manifest_are_linked_and_narrowed_by_the_instance() {
  let app = app("component_grants.ts").dir("data").manifest(concat!(
    "[capabilities.wasm]\nload = true\nexecute = true\n",
    "wasi = [\"filesystem\", \"sockets\", \"http\"]\n",
    "preopens = [\"data\"]\n",
  ));
  let run = app.run();
  ok_in(
    &app,
    &run,
    concat!(
      "fs_probe default: preopenCount() = 0\n",
      "fs_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: the instance's `wasi` option leaves it out; add \"filesystem\" to it\n",
      "fs_probe wasi: [filesystem]: preopenCount() = 0\n",
      "fs_probe wasi: [sockets, http]: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: the instance's `wasi` option leaves it out; add \"filesystem\" to it\n",
      "sockets_probe default: probe() = 1\n",
      "sockets_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: the instance's `wasi` option leaves it out; add \"sockets\" to it\n",
      "sockets_probe wasi: [filesystem]: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: the instance's `wasi` option leaves it out; add \"sockets\" to it\n",
      "sockets_probe wasi: [sockets, http]: probe() = 1\n",
      "http_probe default: probe() = 1\n",
      "http_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: the instance's `wasi` option leaves it out; add \"http\" to it\n",
      "http_probe wasi: [filesystem]: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: the instance's `wasi` option leaves it out; add \"http\" to it\n",
      "http_probe wasi: [sockets, http]: probe() = 1\n",
      "preopens /data: count 1, first \"/data\"\n",
      "preopens /data and /more: count 2, first \"/data\"\n",
      "preopens outside the manifest's preopens: 5009 PermissionDenied: instantiate: preopen \"/etc\" -> \"/etc\" (/etc) is not granted by [capabilities.wasm] preopens in <app>/manifest.app.toml; add a glob matching the path to `preopens` (globs are relative to <app>)\n",
      "hello_cli with wasi: []: \"hello from a component\\n\"\n",
    ),
  );
}

#[test]
fn wasi_filesystem_follows_the_preopens_grant() {
  // No `wasi` key: the preopens grant alone lets a component import wasi:filesystem, and it sees
  // only the preopens its instance is given; sockets and http still need the key.
  let app = app("component_grants.ts")
    .dir("data")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\npreopens = [\"data\"]\n");
  let run = app.run();
  let out = run.success();
  for line in [
    "fs_probe default: preopenCount() = 0\n",
    "fs_probe wasi: [filesystem]: preopenCount() = 0\n",
    "preopens /data: count 1, first \"/data\"\n",
    "preopens /data and /more: count 2, first \"/data\"\n",
    "sockets_probe default: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: add \"sockets\" to `wasi` under [capabilities.wasm] in ",
    "http_probe default: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: add \"http\" to `wasi` under [capabilities.wasm] in ",
  ] {
    assert!(out.contains(line), "missing {line:?} in:\n{out}");
  }
}

#[test]
fn an_instance_cannot_ask_for_more_wasi_than_the_manifest_grants() {
  let app = app("component_grants.ts")
    .dir("data")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\nwasi = [\"filesystem\"]\npreopens = [\"data\"]\n");
  let run = app.run();
  ok_in(
    &app,
    &run,
    concat!(
      "fs_probe default: preopenCount() = 0\n",
      "fs_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:filesystem/types@0.2.0`, and WASI filesystem is not granted: the instance's `wasi` option leaves it out; add \"filesystem\" to it\n",
      "fs_probe wasi: [filesystem]: preopenCount() = 0\n",
      "fs_probe wasi: [sockets, http]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"sockets\", which [capabilities.wasm] wasi does not grant (it grants \"filesystem\"); an instance can only narrow the manifest's grant: add \"sockets\" to `wasi` in <app>/manifest.app.toml\n",
      "sockets_probe default: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: add \"sockets\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "sockets_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: add \"sockets\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "sockets_probe wasi: [filesystem]: 5009 PermissionDenied: instantiate: the component imports `wasi:sockets/network@0.2.0`, and WASI sockets is not granted: add \"sockets\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "sockets_probe wasi: [sockets, http]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"sockets\", which [capabilities.wasm] wasi does not grant (it grants \"filesystem\"); an instance can only narrow the manifest's grant: add \"sockets\" to `wasi` in <app>/manifest.app.toml\n",
      "http_probe default: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: add \"http\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "http_probe wasi: []: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: add \"http\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "http_probe wasi: [filesystem]: 5009 PermissionDenied: instantiate: the component imports `wasi:http/types@0.2.0`, and WASI http is not granted: add \"http\" to `wasi` under [capabilities.wasm] in <app>/manifest.app.toml\n",
      "http_probe wasi: [sockets, http]: 5009 PermissionDenied: instantiate: the option `wasi` asks for \"sockets\", which [capabilities.wasm] wasi does not grant (it grants \"filesystem\"); an instance can only narrow the manifest's grant: add \"sockets\" to `wasi` in <app>/manifest.app.toml\n",
      "preopens /data: count 1, first \"/data\"\n",
      "preopens /data and /more: count 2, first \"/data\"\n",
      "preopens outside the manifest's preopens: 5009 PermissionDenied: instantiate: preopen \"/etc\" -> \"/etc\" (/etc) is not granted by [capabilities.wasm] preopens in <app>/manifest.app.toml; add a glob matching the path to `preopens` (globs are relative to <app>)\n",
      "hello_cli with wasi: []: \"hello from a component\\n\"\n",
    ),
  );
}

#[test]
fn dropped_instances_and_modules_and_call_limits() {
  app("component_lifetimes.ts").run().ok(concat!(
    "before drop: 3\n",
    "exports after drop: 5005 InvalidInstanceHandle: no instance with id 1: it was never returned by instantiate or has been dropped\n",
    "exports.safeDiv after drop: 5005 InvalidInstanceHandle: no instance with id 1: it was never returned by instantiate or has been dropped\n",
    "call after drop: 5005 InvalidInstanceHandle: no instance with id 1: it was never returned by instantiate or has been dropped\n",
    "getExports after drop: 5005 InvalidInstanceHandle: no instance with id 1: it was never returned by instantiate or has been dropped\n",
    "drop again: 5005 InvalidInstanceHandle: no instance with id 1: it was never returned by instantiate or has been dropped\n",
    "after dropModule: 1.0 [6]\n",
    "instantiate the dropped module: 5004 InvalidModuleHandle: no module with id 2: it was never returned by compile/compileFile or has been dropped\n",
    "count(1000) under timeoutMs: 1000\n",
    "spin under timeoutMs, call: 5011 FuelExhausted: `spin` timed out: it ran past its 200 ms deadline (timeoutMs) and was stopped\n",
    "stopped within 5 s: true, timers ran meanwhile: true\n",
    "spin under timeoutMs, exports: 5011 FuelExhausted: `spin` timed out: it ran past its 200 ms deadline (timeoutMs) and was stopped\n",
    "the instance after the timeout: 5002 CallError: `count` trapped: wasm trap: cannot enter component instance\n",
    "count(100) with fuel, twice (fuel is per call): 100 100\n",
    "count(10000000) out of fuel, exports: 5011 FuelExhausted: `count` ran out of fuel: it used all 100000 units (fuel); raise fuel or do less per call\n",
    "spin out of fuel, call: 5011 FuelExhausted: `spin` ran out of fuel: it used all 100000 units (fuel); raise fuel or do less per call\n",
  ));
}

#[test]
fn components_compile_from_binary_and_text_and_broken_ones_fail() {
  app("component_compile.ts").file("types.wasm", wat("components/types.wat")).run().ok(concat!(
    "./types.wasm: add 42, safeDiv 4, 29 exports\n",
    "./types.wat: add 42, safeDiv 4, 29 exports\n",
    "compile(text): seven() = 7, imports []\n",
    "(component): exports [], getExports []\n",
    "an export of an undefined function: 5000 CompileError: the bytes are not a valid WebAssembly component: unknown func: failed to find name `$nope`\n",
    "a lift of a core function of the wrong type: 5000 CompileError: the bytes are not a valid WebAssembly component: failed to parse WebAssembly module: lowered parameter types `[I32]` do not match parameter types `[I64]` of core function 0 (at offset 0x51)\n",
    "unbalanced text: 5000 CompileError: the bytes are not a valid WebAssembly component: expected `)`\n",
    "a binary preamble and nothing else: 5000 CompileError: the bytes are not a valid WebAssembly component: failed to parse WebAssembly module: malformed section id (at offset 0x8)\n",
    "core module: [3], id numeric\n",
    "component instance id: c<n>\n",
  ));
}

#[test]
fn component_instances_count_against_max_instances() {
  app("component_budget.ts").manifest("[capabilities.wasm]\nload = true\nexecute = true\nmax_instances = 2\n").run().ok(
    concat!(
      "a third (component): 5001 2 instances are alive or being made, the most [capabilities.wasm] max_instances allows; drop instances you no longer need, or raise max_instances in the manifest\n",
      "a third (core module): 5001 2 instances are alive or being made (processes and pool members count) and this needs 1 more, over the 2 [capabilities.wasm] max_instances allows; drop instances, pools or processes you no longer need, or raise max_instances in the manifest\n",
      "after dropping the component instance: [2]\n",
    ),
  );
}
