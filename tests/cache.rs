//! The on-disk compilation cache (`KILN_CACHE_DIR`, the manifest's `[cache]`) and the progress
//! report of long compiles, through real kiln processes.

use std::path::Path;

use kiln_test_support::App;
use kiln_test_support::{code_files, compiling_lines, wat_path};

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

/// The compiled-code files in a cache directory (named by their 64-hex-digit key), sorted.
fn artifacts(dir: &Path) -> Vec<std::path::PathBuf> {
  let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
  let mut files: Vec<_> = entries
    .flatten()
    .map(|e| e.path())
    .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.len() == 64 && !n.contains('.')))
    .collect();
  files.sort();
  files
}

#[cfg(unix)]
fn inode(path: &Path) -> u64 {
  std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

/// A hit maps the file the first run wrote: the same file (same inode), not rewritten, and nothing
/// compiled.
#[cfg(unix)]
#[test]
fn a_second_run_maps_the_file_the_first_wrote() {
  let app = app("");
  let cache = app.path().join("cache");
  let env = [("KILN_CACHE_DIR", cache.to_str().unwrap()), ("KILN_COMPILE_PROGRESS_MS", "0")];
  app.run_env(&env).ok("[ 5 ]\n");
  let files = artifacts(&cache);
  assert_eq!(files.len(), 1, "{files:?}");
  let (ino, len) = (inode(&files[0]), std::fs::metadata(&files[0]).unwrap().len());
  let second = app.run_env(&env);
  second.ok("[ 5 ]\n");
  assert!(compiling_lines(&second.stderr).is_empty(), "{}", second.stderr);
  assert_eq!(artifacts(&cache), files);
  assert_eq!((inode(&files[0]), std::fs::metadata(&files[0]).unwrap().len()), (ino, len), "the file was rewritten");
}

/// A truncated or garbage file is a miss: the module is compiled again, the app runs, and the file
/// is replaced by a good one that the next run maps.
#[test]
fn a_corrupt_artifact_is_compiled_again_and_replaced() {
  let app = app("");
  let cache = app.path().join("cache");
  let env = [("KILN_CACHE_DIR", cache.to_str().unwrap()), ("KILN_COMPILE_PROGRESS_MS", "0")];
  app.run_env(&env).ok("[ 5 ]\n");
  let file = artifacts(&cache).pop().expect("a compiled file");
  let good = std::fs::read(&file).unwrap();
  let garbage: Vec<u8> = good.iter().enumerate().map(|(i, b)| b ^ (i as u8 | 1)).collect();
  for (what, bytes) in [("truncated", &good[..good.len() / 2]), ("garbage", &garbage[..]), ("empty", &[][..])] {
    std::fs::write(&file, bytes).unwrap();
    let run = app.run_env(&env);
    run.ok("[ 5 ]\n");
    assert_eq!(compiling_lines(&run.stderr).len(), 1, "{what}: {}", run.stderr);
    assert_eq!(std::fs::read(&file).unwrap(), good, "{what}: the file was not replaced");
    assert_eq!(artifacts(&cache), vec![file.clone()], "{what}");
    let warm = app.run_env(&env);
    warm.ok("[ 5 ]\n");
    assert!(compiling_lines(&warm.stderr).is_empty(), "{what}: {}", warm.stderr);
  }
}

/// A module changed in place (same path, same size, same modification time) is compiled again,
/// not served from the old code, though the run before took the fast path that does not read the
/// module (its `.source` entry, recorded because the file had not changed for seconds).
#[test]
fn a_changed_module_at_the_same_path_is_not_served_stale() {
  // math.wat with `add` subtracting: the same size.
  let math = std::fs::read_to_string(kiln_test_support::fixture("math.wat")).unwrap();
  let app = app("").file("sub.wat", math.replacen("i32.add", "i32.sub", 1));
  let cache = app.path().join("cache");
  let env = [("KILN_CACHE_DIR", cache.to_str().unwrap()), ("KILN_COMPILE_PROGRESS_MS", "0")];
  // A file changed less than 3 s before it is read gets no entry (artifact_cache.rs: RACY).
  std::thread::sleep(std::time::Duration::from_millis(3100));
  app.run_env(&env).ok("[ 5 ]\n");
  assert_eq!(sources(&cache), 1, "the first run recorded the module's entry");
  // The entry keeps what the fast path cannot read from the module: its exports that end in
  // bounded time (ext_wasm/src/bounded.rs), here all three of math.wasm's, by position.
  let entry =
    std::fs::read_dir(&cache).unwrap().flatten().find(|e| e.file_name().to_string_lossy().ends_with(".source"));
  let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
  let fields = text.lines().nth(1).unwrap_or_default();
  assert!(text.starts_with("kiln source 2\n") && fields.ends_with(" 0,1,2"), "{text}");
  let warm = app.run_env(&env);
  warm.ok("[ 5 ]\n");
  assert!(compiling_lines(&warm.stderr).is_empty(), "{}", warm.stderr);

  let module = app.path().join("math.wasm");
  let sub = wat_path(&app.path().join("sub.wat"));
  let before = std::fs::metadata(&module).unwrap();
  assert_eq!(sub.len() as u64, before.len());
  std::fs::write(&module, &sub).unwrap();
  std::fs::File::options().append(true).open(&module).unwrap().set_modified(before.modified().unwrap()).unwrap();
  let changed = app.run_env(&env);
  changed.ok("[ -1 ]\n");
  assert_eq!(compiling_lines(&changed.stderr).len(), 1, "{}", changed.stderr);
  assert_eq!(artifacts(&cache).len(), 2);
  app.run_env(&env).ok("[ -1 ]\n");
}

/// The `.source` entries in a cache directory.
fn sources(dir: &Path) -> usize {
  let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
  entries.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".source")).count()
}

/// `KILN_CACHE_DIR=off` writes no compiled code anywhere: not in the app, not in the user's cache
/// directory. (The QuickJS backend keeps its own bytecode cache under `$XDG_CACHE_HOME/v8x`, which
/// is not this setting's: it is left out of the count.)
#[test]
fn off_writes_no_compiled_code() {
  let app = app("");
  let home = app.path().join("home");
  std::fs::create_dir(&home).unwrap();
  let kiln_files = |dir: &Path| files_under(dir) - files_under(&dir.join("home/.cache/v8x"));
  let before = kiln_files(app.path());
  let xdg = home.join(".cache");
  let env = [("KILN_CACHE_DIR", "off"), ("HOME", home.to_str().unwrap()), ("XDG_CACHE_HOME", xdg.to_str().unwrap())];
  app.run_env(&env).ok("[ 5 ]\n");
  assert_eq!(kiln_files(app.path()), before);
  // The same run without `off` does write there: the check above can fail.
  app.run_env(&[("KILN_CACHE_DIR", ""), env[1], env[2]]).ok("[ 5 ]\n");
  assert_eq!(artifacts(&xdg.join("kiln/wasmtime")).len(), 1);
}

/// A cache directory other users may write to is not used: code they put there would run.
#[cfg(unix)]
#[test]
fn a_directory_others_may_write_is_refused() {
  use std::os::unix::fs::PermissionsExt;
  let app = app("");
  let cache = app.path().join("shared");
  std::fs::create_dir(&cache).unwrap();
  std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
  let run = app.run_env(&[("KILN_CACHE_DIR", cache.to_str().unwrap())]);
  run.ok("[ 5 ]\n");
  assert!(run.stderr.contains("compiling without a cache") && run.stderr.contains("other users"), "{}", run.stderr);
  assert!(
    artifacts(&cache).is_empty() && sources(&cache) == 0,
    "{:?}",
    std::fs::read_dir(&cache).unwrap().collect::<Vec<_>>()
  );
}

/// The entries of the emit cache (`emit-<key>/` in the cache directory): file name → inode, which
/// changes when an entry is written again (entries are replaced by a rename).
fn emit_entries(cache: &Path) -> std::collections::BTreeMap<String, u64> {
  use std::os::unix::fs::MetadataExt;
  let mut entries = std::collections::BTreeMap::new();
  for dir in std::fs::read_dir(cache).unwrap().flatten() {
    if dir.file_name().to_string_lossy().starts_with("emit-") {
      for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        entries.insert(entry.file_name().to_string_lossy().into_owned(), entry.metadata().unwrap().ino());
      }
    }
  }
  entries
}

/// The app's TypeScript is transpiled once: later runs read the JavaScript and its source map back
/// from the emit cache (one entry per module, not written again), stack positions still point
/// into the TypeScript, an edited module is transpiled again, and a damaged entry is replaced.
#[test]
fn transpiled_typescript_is_kept_between_runs() {
  let lib = "export interface Point { x: number; y: number }\n\
             export function norm(p: Point): number {\n  return Math.hypot(p.x, p.y);\n}\n";
  // The `new Error` is at 5:13 in the TypeScript; swc's JavaScript puts it elsewhere (`try {` on a
  // line of its own), so the position in the stack shows that the source map was applied.
  let main = "import { norm, type Point } from \"./lib.ts\";\n\
              const p: Point = { x: 3, y: 4 };\n\
              console.log(norm(p));\n\
              type Unused = { a: string };\n\
              try { throw new Error(\"here\"); } catch (e) { console.log((e as Error).stack!.split(\"\\n\")[1].trim()); }\n";
  let app = App::from_source(main).file("lib.ts", lib);
  let cache = app.path().join("cache");
  let env = [("KILN_CACHE_DIR", cache.to_str().unwrap())];
  let main_url = format!("file://{}/main.ts", app.path().canonicalize().unwrap().display());

  let first = app.run_env(&env);
  let out = first.success().to_string();
  let mut lines = out.lines();
  assert_eq!(lines.next(), Some("5"));
  let at = lines.next().unwrap_or_default();
  assert_eq!(at, format!("at {main_url}:5:13"), "the stack names the TypeScript's position");
  let written = emit_entries(&cache);
  assert_eq!(written.len(), 2, "one entry per TypeScript module: {written:?}");

  // Read back, not written again, with the same output (the source map came back too).
  app.run_env(&env).ok(&out);
  assert_eq!(emit_entries(&cache), written);

  // An edited module is transpiled again; its entry is replaced, the other one is kept.
  std::fs::write(app.path().join("lib.ts"), lib.replace("Math.hypot(p.x, p.y)", "p.x + p.y")).unwrap();
  app.run_env(&env).ok(&out.replacen('5', "7", 1));
  let edited = emit_entries(&cache);
  assert_eq!(edited.len(), 2);
  assert_eq!(written.iter().filter(|(name, ino)| edited.get(*name) == Some(ino)).count(), 1, "{written:?} {edited:?}");

  // A damaged entry is not used, and is made again.
  for dir in std::fs::read_dir(&cache).unwrap().flatten() {
    if dir.file_name().to_string_lossy().starts_with("emit-") {
      for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        std::fs::write(entry.path(), b"KILNEMT1 not an entry").unwrap();
      }
    }
  }
  app.run_env(&env).ok(&out.replacen('5', "7", 1));
  app.run_env(&env).ok(&out.replacen('5', "7", 1));
}
