//! The on-disk compilation cache (`KILN_CACHE_DIR`, the manifest's `[cache]`) and the progress
//! report of long compiles, through real kiln processes.

use std::path::Path;

use kiln_test_support::App;
use kiln_test_support::{code_files, compiling_lines};

const MAIN: &str = "import { compileFile, instantiate } from \"runtime:wasm\";\n\
  const instance = await instantiate(await compileFile(\"./math.wasm\"));\n\
  console.log(await instance.call(\"add\", 2, 3));\n";

fn files_under(dir: &Path) -> usize {
  let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
  entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
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

  // KILN_CACHE_DIR wins over the manifest: the first run compiles and fills it, the second
  // reads the module back (no compile is reported even with a zero threshold, no file is added).
  let env = [("KILN_CACHE_DIR", env_dir_str), ("KILN_COMPILE_PROGRESS_MS", "0")];
  let first = app.run_env(&env);
  first.ok("[ 5 ]\n");
  assert_eq!(compiling_lines(&first.stderr).len(), 1, "{}", first.stderr);
  let cached = code_files(&env_dir);
  assert_eq!(cached, 1, "one compiled module in {}", env_dir.display());
  let second = app.run_env(&env);
  second.ok("[ 5 ]\n");
  assert!(compiling_lines(&second.stderr).is_empty(), "the second run compiled again:\n{}", second.stderr);
  assert_eq!(code_files(&env_dir), cached);
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

/// Every engine compiles through the cache: a second run of an app whose instance needs the
/// fuel-metering or the uninterruptible engine compiles nothing, for either engine.
#[test]
fn a_second_run_with_fuel_or_uninterruptible_is_warm() {
  for (option, again) in
    [("fuel: 1_000_000", "again with fuel metering"), ("interruptible: false", "again without interruption checks")]
  {
    let main = format!(
      "import {{ compileFile, instantiate }} from \"runtime:wasm\";\n\
       const instance = await instantiate(await compileFile(\"./math.wasm\"), {{ {option} }});\n\
       console.log(await instance.call(\"add\", 2, 3));\n"
    );
    let app = App::from_source(&main).allow_all().wat("math.wat", "math.wasm");
    let cache = app.path().join("cache");
    let env = [("KILN_CACHE_DIR", cache.to_str().unwrap()), ("KILN_COMPILE_PROGRESS_MS", "0")];

    // The first run compiles twice: for the default engine (compileFile) and for the option's.
    let first = app.run_env(&env);
    first.ok("[ 5 ]\n");
    let lines = compiling_lines(&first.stderr);
    assert_eq!(lines.len(), 2, "{option}: {}", first.stderr);
    assert!(lines[1].contains("math.wasm") && lines[1].contains(again), "{option}: {}", first.stderr);
    let cached = code_files(&cache);
    assert_eq!(cached, 2, "{option}: one compiled module per engine in {}", cache.display());

    let second = app.run_env(&env);
    second.ok("[ 5 ]\n");
    assert!(compiling_lines(&second.stderr).is_empty(), "{option}: compiled again:\n{}", second.stderr);
    assert_eq!(code_files(&cache), cached, "{option}: the second run added to the cache");
  }
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
  // Without a cache nothing is said to be cached.
  assert!(!run.stderr.contains("cached for next time"), "{}", run.stderr);
  // The default (one second) says nothing about a tiny module.
  let quiet = app.run();
  quiet.ok("[ 5 ]\n");
  assert!(!quiet.stderr.contains("compiling"), "{}", quiet.stderr);
}
