//! One test per error code 5000-5012, through the real binary.

use kiln_test_support::App;

fn errors_app() -> App {
  App::new("errors.ts").allow_all().wat("loop.wat", "loop.wasm").wat("needs_import.wat", "needs_import.wasm")
}

#[test]
fn every_code_has_its_name_and_a_helpful_message() {
  errors_app().run().ok(concat!(
    "compile: 5000 CompileError ok\n",
    "instantiate: 5001 InstantiateError ok\n",
    "call: 5002 CallError ok\n",
    "export: 5003 ExportNotFound ok\n",
    "module handle: 5004 InvalidModuleHandle ok\n",
    "instance handle: 5005 InvalidInstanceHandle ok\n",
    "drop twice: rejected with 5005 InvalidInstanceHandle\n",
    "memory: 5006 MemoryError ok\n",
    "type: 5007 TypeError ok\n",
    "io: 5008 IoError ok\n",
    "wasi: 5010 WasiError ok\n",
    "fuel: 5011 FuelExhausted ok\n",
    "component: 5012 ComponentError ok\n",
    "module handle (dropped): 5004 InvalidModuleHandle ok\n",
    "type (count): 5007 TypeError ok\n",
    "type (i64 range): 5007 TypeError ok\n",
    "type (wrong helper): 5007 TypeError ok\n",
    "call (divide by zero): 5002 CallError ok\n",
    "type (v128): 5007 TypeError ok\n",
  ));
}

/// A synchronous call's error, and an awaited call's that fails on its first poll, are made in Rust
/// (ext_wasm/src/raise.rs), an async op's by deno_core's builder: the same class, name, code,
/// property attributes and recorded keys, and a stack that starts at the caller; with the global
/// `Error` replaced by a non-constructor, the message.
#[test]
fn a_synchronous_calls_error_is_shaped_as_the_builders() {
  let keys = "Symbol(errorAdditionalPropertyKeys)=[\"code\"]";
  let props = format!("message:-wc,stack:--c,name:-wc,code:ewc {keys} true");
  let trap = "`trap_unreachable` trapped: wasm trap: wasm `unreachable` instruction executed";
  App::new("error_shape.ts").allow_all().wat("loop.wat", "loop.wasm").run().ok(&format!(
    "sync Error CallError 5002 {props}\nsync div Error CallError 5002 {props}\n\
     first poll Error CallError 5002 {props}\nsame message true\n\
     sync timeout Error FuelExhausted 5011 {props}\nasync op timeout Error FuelExhausted 5011 {props}\n\
     same true true\nfirst frame true CallError: {trap}\nno Error string true {trap}\n"
  ));
}

#[test]
fn permission_denied_without_a_manifest() {
  let run = App::new("denied.ts").wat("loop.wat", "loop.wasm").run_exposed();
  let out = run.success();
  let lines: Vec<&str> = out.lines().collect();
  assert_eq!(lines.len(), 5, "{out}");
  assert_eq!(lines[4], "non-string path: 5008 IoError");
  for line in &lines[..4] {
    assert!(line.contains(": 5009 PermissionDenied: "), "{line}");
    assert!(line.contains("manifest.app.toml"), "the message says what to create: {line}");
  }
  assert!(lines[0].contains("[capabilities.wasm] load"), "{}", lines[0]);
  assert!(lines[2].contains("[capabilities.fs] read"), "{}", lines[2]);
}

#[test]
fn permission_denied_names_the_missing_key() {
  let run =
    App::new("denied.ts").manifest("[capabilities.wasm]\nexecute = true\n").wat("loop.wat", "loop.wasm").run_exposed();
  let out = run.success();
  assert!(out.contains("needs [capabilities.wasm] load, which"), "{out}");
  assert!(out.contains("add `load = true`"), "{out}");
}
