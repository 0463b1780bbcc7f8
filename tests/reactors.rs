//! WASI reactors (`_initialize`) and link errors that list every import Kiln cannot provide.

use std::process::Command;

use kiln_test_support::{fixture, App};

/// Compiles `tests/fixtures/reactor.c` as a WASI reactor (`-mexec-model=reactor`: no `main`, and
/// wasi-libc exports an `_initialize` that runs the global constructors).
fn reactor_wasm() -> Vec<u8> {
  let dir = tempfile::tempdir().unwrap();
  let out = dir.path().join("reactor.wasm");
  let status = Command::new("clang")
    .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-mexec-model=reactor", "-o"])
    .arg(&out)
    .arg(fixture("reactor.c"))
    .status()
    .expect("clang for wasm32-wasi (apt: clang lld wasi-libc libclang-rt-14-dev-wasm32)");
  assert!(status.success(), "clang failed on reactor.c");
  std::fs::read(&out).unwrap()
}

/// A reactor whose `_initialize` calls WASI `proc_exit(status)`.
fn exits(status: i32) -> Vec<u8> {
  wat::parse_str(format!(
    r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_initialize") (call $exit (i32.const {status})))
      (func (export "ok") (result i32) (i32.const 1)))"#
  ))
  .unwrap()
}

#[test]
fn instantiate_runs_a_reactors_initialize_once_under_its_limits() {
  let bad_type = wat::parse_str(
    r#"(module (func (export "_initialize") (param i32)) (func (export "ok") (result i32) (i32.const 1)))"#,
  )
  .unwrap();
  let run = App::new("reactors.ts")
    .allow_all()
    .file("reactor.wasm", reactor_wasm())
    .wat("initialize_traps.wat", "initialize_traps.wasm")
    .wat("initialize_loops.wat", "initialize_loops.wasm")
    .wat("command_and_reactor.wat", "command_and_reactor.wasm")
    .file("initialize_bad_type.wasm", bad_type)
    .file("initialize_exit_0.wasm", exits(0))
    .file("initialize_exit_7.wasm", exits(7))
    .run();
  let out = run.success();
  let lines: Vec<&str> = out.lines().collect();
  // The constructor ran (with its WASI environment) before instantiate returned, exactly once.
  assert_eq!(lines[..4], ["constructor ran", "instantiated", "runs: 1", "greeting length: 5"], "{out}");
  let rest = &lines[4..];
  assert_eq!(rest.len(), 8, "{out}");
  let case = |label: &str| -> &str {
    rest.iter().find(|l| l.starts_with(&format!("{label}: "))).unwrap_or_else(|| panic!("no {label} line:\n{out}"))
  };
  let trap = case("trap");
  assert!(trap.starts_with("trap: 5001 InstantiateError: "), "{trap}");
  assert!(trap.contains("`_initialize` trapped"), "{trap}");
  assert!(trap.contains("unreachable"), "names the trap: {trap}");

  let timeout = case("timeout");
  assert!(timeout.starts_with("timeout: 5011 FuelExhausted: "), "{timeout}");
  assert!(timeout.contains("`_initialize` timed out"), "{timeout}");
  assert!(timeout.contains("300 ms"), "{timeout}");
  assert_eq!(case("timers fired meanwhile"), "timers fired meanwhile: true", "{out}");

  let fuel = case("fuel");
  assert!(fuel.starts_with("fuel: 5011 FuelExhausted: "), "{fuel}");
  assert!(fuel.contains("`_initialize` ran out of fuel"), "{fuel}");

  let both = case("both");
  assert!(both.starts_with("both: 5001 InstantiateError: "), "{both}");
  assert!(both.contains("both `_start`") && both.contains("`_initialize`"), "{both}");
  assert!(both.contains("-mexec-model=reactor"), "says what to do: {both}");

  let bad_type = case("bad type");
  assert!(bad_type.starts_with("bad type: 5001 InstantiateError: "), "{bad_type}");
  assert!(bad_type.contains("`_initialize` as function (i32) -> ()"), "{bad_type}");

  assert_eq!(case("exit 0"), "exit 0: instantiated, ok() = 1", "{out}");
  let exit7 = case("exit 7");
  assert!(exit7.starts_with("exit 7: 5001 InstantiateError: "), "{exit7}");
  assert!(exit7.contains("`_initialize` exited (WASI proc_exit) with status 7"), "{exit7}");
}

#[test]
fn a_link_error_lists_every_missing_import_with_its_type() {
  let run = App::new("link_errors.ts")
    .allow_all()
    .wat("missing_imports.wat", "missing_imports.wasm")
    .wat("wasi_mismatch.wat", "wasi_mismatch.wasm")
    .run();
  let out = run.success();
  let (missing, mismatch) = out.split_once("./wasi_mismatch.wasm: ").unwrap_or_else(|| panic!("{out}"));
  assert_eq!(
    missing,
    concat!(
      "./missing_imports.wasm: 5001 InstantiateError: cannot instantiate the module: Kiln cannot ",
      "provide 4 of its imports (5 in all):\n",
      "  env.log: function (i32, i32) -> ()\n",
      "  env.mem: memory (min 1 page)\n",
      "  env.g: global i32 (immutable)\n",
      "  js.table: table funcref (min 2, max 10)\n",
      "Kiln provides WASI preview 1 (`wasi_snapshot_preview1`) and the modules `instantiate`'s ",
      "`imports` option links: pass the id of the module that provides each other import module ",
      "under its name, e.g. `imports: { \"env\": moduleId }`.\n",
    )
  );
  assert_eq!(
    mismatch,
    concat!(
      "5001 InstantiateError: cannot instantiate the module: Kiln cannot provide 2 of its imports ",
      "(3 in all):\n",
      "  wasi_snapshot_preview1.fd_write: function (i32) -> i32, but Kiln's `wasi_snapshot_preview1` ",
      "defines it as function (i32, i32, i32, i32) -> i32\n",
      "  wasi_snapshot_preview1.fd_frobnicate: function () -> () (WASI preview 1 defines no ",
      "`fd_frobnicate`)\n",
      "Kiln's `wasi_snapshot_preview1` is WASI preview 1 as wasmtime-wasi defines it: rebuild the ",
      "module against a WASI preview 1 libc (wasi-libc, wasi-sdk, or a Rust wasm32-wasip1 target) so ",
      "its WASI imports have those names and types.\n",
    )
  );
}

#[test]
fn initialize_false_leaves_initialize_to_the_app_as_the_standard_api_does() {
  let run = App::new("reactors_deferred.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\n\n[capabilities.fs]\nread = [\"./*.wasm\"]\n")
    .file("reactor.wasm", reactor_wasm())
    .run();
  run.ok(concat!(
    "runs before _initialize: 0\n",
    "constructor ran\n",
    "runs after: 1, greeting length: 5\n",
    "createPool: 5010 true\n",
    "spawn: 5010 true\n",
    "WebAssembly: runs before _initialize: 0\n",
    "WebAssembly: runs after: 1, the guest wrote \"constructor ran\\n\"\n",
  ));
}
