//! A WebAssembly component built from Python and called from TypeScript: PyPI's componentize-py
//! (pinned in ./x, installed into tests/py by `./x setup` and `./x test`) makes
//! tests/fixtures/components/py (stats.wit's `stats` world, implemented by app.py) into a
//! component, offline: the wheel holds its CPython-for-WASI runtime. tests/apps/component_py.ts
//! then compiles it with `compileFile`, instantiates it and calls its exports through the real
//! binary.
//!
//! `--stub-wasi` makes a component that imports nothing (its WASI calls are stubbed inside it), so
//! only the component model itself is under test. componentize-py's output is not reproducible
//! (it snapshots the initialized interpreter), so every run compiles it cold: the build takes
//! about 10 s and kiln's compile of the 18 MB component about as long again.

use std::process::Command;
use std::time::Instant;

use kiln_test_support::{fixture, repo, App};

/// Builds tests/fixtures/components/py into a component with the pinned componentize-py, or
/// `None` (outside CI) when it is not installed.
fn build_stats_component() -> Option<Vec<u8>> {
  let site = repo().join("tests/py");
  if !site.join("componentize_py").is_dir() {
    assert!(std::env::var_os("CI").is_none(), "tests/py has no componentize_py: ./x test installs it");
    eprintln!("skipping: run ./x setup to install componentize-py into tests/py");
    return None;
  }
  // The sources are copied out first: the interpreter componentize-py runs app.py in writes a
  // __pycache__ beside it.
  let dir = tempfile::tempdir().expect("tempdir");
  for name in ["stats.wit", "app.py"] {
    std::fs::copy(fixture("components/py").join(name), dir.path().join(name)).expect(name);
  }
  let started = Instant::now();
  // -S: only tests/py's modules, not whatever the machine's Python has installed. The script
  // pip puts in tests/py/bin names the interpreter that installed it, so it is not run directly.
  let out = Command::new("python3")
    .arg("-S")
    .arg("-c")
    .arg("import sys; from componentize_py import script; sys.argv[0] = 'componentize-py'; script()")
    .args(["-d", "stats.wit", "-w", "stats", "componentize", "--stub-wasi", "-p", ".", "app", "-o", "stats.wasm"])
    .current_dir(dir.path())
    .env("PYTHONPATH", &site)
    .env("PYTHONDONTWRITEBYTECODE", "1")
    .output()
    .expect("python3");
  assert!(
    out.status.success(),
    "componentize-py failed:\n{}{}",
    String::from_utf8_lossy(&out.stdout),
    String::from_utf8_lossy(&out.stderr)
  );
  let wasm = std::fs::read(dir.path().join("stats.wasm")).expect("componentize-py wrote no stats.wasm");
  eprintln!("componentize-py built stats.wasm ({} bytes) in {:.1?}", wasm.len(), started.elapsed());
  // A component's preamble: version 0x0d, layer 1 (a core module has layer 0).
  assert_eq!(wasm.get(..8), Some(&b"\0asm\x0d\x00\x01\x00"[..]), "not a component");
  Some(wasm)
}

#[test]
fn a_component_built_from_python_is_called_from_typescript() {
  let Some(wasm) = build_stats_component() else { return };
  let started = Instant::now();
  let run = App::new("component_py.ts").file("stats.wasm", wasm).allow_all().run();
  eprintln!("component_py.ts ran in {:.1?}", started.elapsed());
  run.ok(concat!(
    "functions: parse-int, shout, summarize\n",
    "summarize: count=3 mean=2 label=\"x\"\n",
    "summarize: count=2 mean=0.875 label=\"halves\"\n",
    "summarize: count=0 mean=0 label=\"\"\n",
    "call shout: [\"HI!\"]\n",
    "shout: GRÜSSE, 世界!\n",
    "parseInt(\"42\"): bigint 42\n",
    "parseInt(\"-9223372036854775808\"): bigint -9223372036854775808\n",
    "parseInt(\"x\"): ComponentError 5012 payload \"not an integer: 'x'\"\n",
    "after the error: OK!\n",
  ));
}
