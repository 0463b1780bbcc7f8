//! Hostile arguments: every public function and every raw op, called with wrong types and ranges,
//! fails with a coded error and leaves the runtime working. Apps cannot reach the raw ops (the
//! global object is sealed: tests/surface.rs); this runs with them exposed, as an embedder of
//! ext_wasm that does not seal its globals would.

use kiln_test_support::App;

#[test]
fn wrong_types_and_ranges_always_get_coded_errors() {
  let run = App::new("hostile_args.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\n[capabilities.fs]\nread = true\n")
    .wat("loop.wat", "loop.wasm")
    .run_exposed();
  assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
  let out: serde_json::Value = serde_json::from_str(run.success().trim()).expect("one JSON line");
  assert_eq!(out["uncodedCount"], 0, "errors without a code:\n{:#}", out["uncoded"]);
  assert!(out["calls"].as_u64().unwrap() > 1200, "{out}");
  assert!(out["coded"].as_u64().unwrap() > 1000, "{out}");
  assert_eq!(out["stillWorks"], true);
}
