//! The on-disk compilation cache (`KILN_CACHE_DIR`, the manifest's `[cache]`) and the progress
//! report of long compiles, through real kiln processes.

use std::path::Path;

use kiln_test_support::App;

const MAIN: &str = "import { compileFile, instantiate } from \"runtime:wasm\";\n\
  const instance = await instantiate(await compileFile(\"./math.wasm\"));\n\
  console.log(await instance.call(\"add\", 2, 3));\n";

fn files_under(dir: &Path) -> usize {
  let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
  entries
    .flatten()
    .map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 })
    .sum()
}

fn app(manifest_extra: &str) -> App {
  App::from_source(MAIN)
    .manifest(&format!("[capabilities.wasm]\nload = true\nexecute = true\n{manifest_extra}"))
    .wat("math.wat", "math.wasm")
}

#[test]
fn the_cache_is_filled_reused_moved_and_disabled() {
  let app = app("[cache]\ndir = \"manifest-cache\"\n");
  let env_dir = app.path().join("env-cache");
  let env_dir_str = env_dir.to_str().unwrap();

  // KILN_CACHE_DIR wins over the manifest: the first run fills it, the second reuses it.
  app.run_env(&[("KILN_CACHE_DIR", env_dir_str)]).ok("[ 5 ]\n");
  let cached = files_under(&env_dir);
  assert!(cached > 0, "nothing cached in {}", env_dir.display());
  app.run_env(&[("KILN_CACHE_DIR", env_dir_str)]).ok("[ 5 ]\n");
  assert!(!app.path().join("manifest-cache").exists());

  // `off` disables it.
  let before = files_under(&env_dir);
  app.run_env(&[("KILN_CACHE_DIR", "off")]).ok("[ 5 ]\n");
  assert_eq!(files_under(&env_dir), before);
  assert!(!app.path().join("manifest-cache").exists());

  // Without the variable, the manifest's `[cache] dir` (relative to the manifest) is used.
  app.run_env(&[("KILN_CACHE_DIR", "")]).ok("[ 5 ]\n");
  assert!(files_under(&app.path().join("manifest-cache")) > 0);
}

#[test]
fn the_manifest_can_turn_the_cache_off() {
  let app = app("[cache]\nenabled = false\ndir = \"never\"\n");
  app.run_env(&[("KILN_CACHE_DIR", "")]).ok("[ 5 ]\n");
  assert!(!app.path().join("never").exists());
}

#[test]
fn an_unusable_cache_only_warns() {
  let app = app("").file("not-a-dir", "x");
  let file = app.path().join("not-a-dir");
  let run = app.run_env(&[("KILN_CACHE_DIR", file.to_str().unwrap())]);
  run.ok("[ 5 ]\n");
  assert!(run.stderr.contains("compiling without a cache"), "{}", run.stderr);
}

#[test]
fn unknown_cache_keys_are_refused() {
  let run = app("[cache]\ndirectory = \"x\"\n").run();
  assert_eq!(run.status, Some(1), "{}", run.stderr);
  assert!(run.stderr.contains("directory"), "{}", run.stderr);
}

#[test]
fn long_compiles_are_reported_on_stderr() {
  let app = app("");
  // A threshold of 0 ms reports every compile.
  let run = app.run_env(&[("KILN_COMPILE_PROGRESS_MS", "0"), ("KILN_CACHE_DIR", "off")]);
  run.ok("[ 5 ]\n");
  assert!(run.stderr.contains("kiln: compiling") && run.stderr.contains("math.wasm"), "{}", run.stderr);
  assert!(run.stderr.contains("kiln: compiled"), "{}", run.stderr);
  // The default (one second) says nothing about a tiny module.
  let quiet = app.run();
  quiet.ok("[ 5 ]\n");
  assert!(!quiet.stderr.contains("compiling"), "{}", quiet.stderr);
}
