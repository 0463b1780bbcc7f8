//! Module linking: `instantiate(id, { imports: { name: moduleId } })` instantiates each module in
//! `imports` into the new instance's store first (once each, its own imports resolved from the same
//! map), links function, memory, table and global imports, and reports each linked instance in
//! `instance.linked[name]`; `moduleImports(id)` lists a module's imports with their types. A
//! cycle, a missing module or field, or a type mismatch fails `instantiate` with 5001.

use kiln_test_support::{c_wasm_with, wat, App};

/// easter.c is a library: a WASI reactor with no `_start`, exporting `easter`.
const LIBRARY: &[&str] = &["-mexec-model=reactor"];

/// Bacalhau's linking test: dynamic.wasm (a WASI command) imports `easter` from "input.wasm",
/// which is easter.wasm.
fn easter_app(main: &str) -> App {
  App::new(main).allow_all().c_with("easter.c", "easter.wasm", LIBRARY).c("dynamic.c", "dynamic.wasm")
}

/// The app's stdout line that starts with `<label>: `.
#[track_caller]
fn line<'a>(out: &'a str, label: &str) -> &'a str {
  let prefix = format!("{label}: ");
  out.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no `{label}` line in:\n{out}"))
}

/// Asserts that the `<label>` line is an InstantiateError (5001) whose message contains each of
/// `parts`.
#[track_caller]
fn assert_instantiate_error(out: &str, label: &str, parts: &[&str]) {
  let line = line(out, label);
  assert!(line.starts_with(&format!("{label}: 5001 InstantiateError: ")), "{line}");
  for part in parts {
    assert!(line.contains(part), "the message should name {part:?}: {line}");
  }
}

#[test]
fn the_fixtures_build() {
  // The tests below stage these; this one fails on a fixture, whatever the runtime does.
  for name in [
    "link_provider.wat",
    "link_user.wat",
    "chain_a.wat",
    "chain_b.wat",
    "chain_c.wat",
    "chain_app.wat",
    "cycle_x.wat",
    "cycle_y.wat",
    "link_missing.wat",
    "link_bad_func.wat",
    "link_bad_global.wat",
    "link_wasi_lib.wat",
    "link_wasi_app.wat",
    "link_plain_wasi.wat",
  ] {
    let bytes = wat(name);
    assert_eq!(&bytes[..4], b"\0asm", "{name}");
  }
  let contains = |haystack: &[u8], needle: &[u8]| haystack.windows(needle.len()).any(|w| w == needle);
  let easter = c_wasm_with("easter.c", LIBRARY);
  assert!(contains(&easter, b"easter"), "easter.wasm exports easter");
  assert!(contains(&easter, b"_initialize"), "easter.wasm is a reactor");
  assert!(!contains(&easter, b"_start"), "easter.wasm is a library, without _start");
  assert!(!contains(&easter, b"wasi_snapshot_preview1"), "easter.wasm imports nothing");
  let dynamic = c_wasm_with("dynamic.c", &[]);
  assert!(contains(&dynamic, b"input.wasm"), "dynamic.wasm imports from input.wasm");
  assert!(contains(&dynamic, b"_start"), "dynamic.wasm is a command");
}

#[test]
fn a_wasi_command_calls_a_linked_library() {
  easter_app("linking_easter.ts").run().ok(concat!(
    // The guest's printf of easter(2022): April 17.
    "17\n",
    "_start resolved\n",
    "linked: [\"input.wasm\"]\n",
    "linked moduleId is the library's: true\n",
    "linked easter(2022): [17]\n",
    "linked exports.easter(2025): 20\n",
    // The guest's printf of easter(2024) (argv[1]): March 31.
    "31\n",
    "a second app has its own library instance: true\n",
  ));
}

#[test]
fn every_import_kind_links_and_shares_its_state() {
  App::new("linking_kinds.ts")
    .allow_all()
    .wat("link_provider.wat", "link_provider.wasm")
    .wat("link_user.wat", "link_user.wasm")
    .run()
    .ok(concat!(
      "linked: [\"provider\"]\n",
      "function: call_twice(21) = 42\n",
      "function: exports.call_twice(5) = 10\n",
      "memory: user reads \"hello\"\n",
      "memory: read_byte(1) = 101\n",
      "memory: provider reads \"hello!\"\n",
      "memory: user reads \"Jello!\"\n",
      "global: bump() = 1, then 2\n",
      "global: provider get_counter() = 2\n",
      "global: user counter_value() = 10\n",
      "global: get_base() = 40\n",
      "table: indirect(0, 21) = 42\n",
      "table: provider call_slot(1, 7) = -7\n",
      "table: user indirect(1, 7) = -7\n",
    ));
}

#[test]
fn a_chain_links_recursively_and_each_module_is_instantiated_once() {
  App::new("linking_chain.ts")
    .allow_all()
    .wat("chain_a.wat", "chain_a.wasm")
    .wat("chain_b.wat", "chain_b.wasm")
    .wat("chain_c.wat", "chain_c.wasm")
    .wat("chain_app.wat", "chain_app.wasm")
    .run()
    .ok(concat!(
      // 0 + 100 (c) + 20 (b) + 3 (a).
      "chain: a_add(0) = 123\n",
      "chain: linked [\"b.wasm\",\"c.wasm\"]\n",
      "chain: b calls 1, c calls 1\n",
      "app: run(0) = 123\n",
      "app: direct_b(0) = 120\n",
      "app: direct_c(0) = 100\n",
      "app: linked [\"a.wasm\",\"b.wasm\",\"c.wasm\"]\n",
      // One b served a and chain_app; one c served b (twice) and chain_app.
      "app: b calls 2, c calls 3\n",
      "app: a's b_add reaches the same b: 124, b calls 3\n",
    ));
}

#[test]
fn link_failures_are_instantiate_errors_that_name_the_import() {
  let run = App::new("linking_errors.ts")
    .allow_all()
    .wat("link_provider.wat", "link_provider.wasm")
    .wat("link_user.wat", "link_user.wasm")
    .wat("cycle_x.wat", "cycle_x.wasm")
    .wat("cycle_y.wat", "cycle_y.wasm")
    .wat("chain_a.wat", "chain_a.wasm")
    .wat("chain_b.wat", "chain_b.wasm")
    .wat("link_missing.wat", "link_missing.wasm")
    .wat("link_bad_func.wat", "link_bad_func.wasm")
    .wat("link_bad_global.wat", "link_bad_global.wasm")
    .run();
  let out = run.success();
  assert_eq!(out.lines().count(), 6, "one line per case:\n{out}");

  // x.wasm imports y.wasm, which imports x.wasm.
  assert_instantiate_error(out, "cycle", &["x.wasm", "y.wasm"]);
  let cycle = line(out, "cycle").to_lowercase();
  assert!(cycle.contains("cycl"), "the message says it is a cycle: {cycle}");

  // link_user imports from "provider", but the map names it "supplier".
  assert_instantiate_error(out, "missing module", &["provider", "twice"]);
  // chain_b, linked for chain_a, imports c_add from "c.wasm", which the map lacks.
  assert_instantiate_error(out, "missing module in a linked module", &["c.wasm", "c_add"]);
  // The provider exports no `triple`.
  assert_instantiate_error(out, "missing field", &["provider", "triple"]);
  // `twice` is (i32) -> i32, imported as (i64) -> i64: the message names both signatures.
  assert_instantiate_error(out, "function type", &["provider", "twice", "(i64) -> i64", "(i32) -> i32"]);
  // `base` is immutable, imported as mutable: the message says the import wants it mutable (and
  // that the provider's is immutable).
  assert_instantiate_error(out, "global type", &["provider", "base", "immutable"]);
  let global = line(out, "global type");
  assert!(
    global.matches("mutable").count() > global.matches("immutable").count(),
    "the message names the mutable global the import expected: {global}"
  );
}

#[test]
fn module_imports_lists_each_import_with_its_type() {
  easter_app("linking_imports.ts")
    .wat("link_user.wat", "link_user.wasm")
    .wat("chain_b.wat", "chain_b.wasm")
    .run()
    .ok(concat!(
      // dynamic.c as Debian's clang 14 and wasi-libc build it.
      "./dynamic.wasm: 8 imports\n",
      r#"  {"module":"input.wasm","name":"easter","kind":"function","params":["i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"wasi_snapshot_preview1","name":"args_get","kind":"function","params":["i32","i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"wasi_snapshot_preview1","name":"args_sizes_get","kind":"function","params":["i32","i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"wasi_snapshot_preview1","name":"fd_close","kind":"function","params":["i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"wasi_snapshot_preview1","name":"fd_fdstat_get","kind":"function","params":["i32","i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"wasi_snapshot_preview1","name":"fd_seek","kind":"function","params":["i32","i64","i32","i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"wasi_snapshot_preview1","name":"fd_write","kind":"function","params":["i32","i32","i32","i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"wasi_snapshot_preview1","name":"proc_exit","kind":"function","params":["i32"],"results":[]}"#,
      "\n",
      "./link_user.wasm: 5 imports\n",
      r#"  {"module":"provider","name":"twice","kind":"function","params":["i32"],"results":["i32"]}"#,
      "\n",
      r#"  {"module":"provider","name":"mem","kind":"memory","type":"memory (min 1 page)"}"#,
      "\n",
      r#"  {"module":"provider","name":"counter","kind":"global","type":"global i32 (mutable)"}"#,
      "\n",
      r#"  {"module":"provider","name":"base","kind":"global","type":"global i32 (immutable)"}"#,
      "\n",
      r#"  {"module":"provider","name":"tbl","kind":"table","type":"table funcref (min 2)"}"#,
      "\n",
      "./easter.wasm: 0 imports\n",
      "./chain_b.wasm: 1 imports\n",
      r#"  {"module":"c.wasm","name":"c_add","kind":"function","params":["i32"],"results":["i32"]}"#,
      "\n",
    ));
}

#[test]
fn wasi_works_as_before_and_beside_linked_modules() {
  App::new("linking_wasi.ts")
    .allow_all()
    .wat("link_plain_wasi.wat", "link_plain_wasi.wasm")
    .wat("link_wasi_lib.wat", "link_wasi_lib.wasm")
    .wat("link_wasi_app.wat", "link_wasi_app.wasm")
    .run()
    .ok(concat!(
      "plain wasi\n",
      "plain: linked []\n",
      "plain wasi\n",
      "plain with an empty imports map: linked []\n",
      // The library writes through the app's WASI: its stdout is inherited too.
      "hello from the library\n",
      "hello from the app\n",
      "app _start resolved\n",
      "hello from the library\n",
      "library say resolved\n",
    ));
}
