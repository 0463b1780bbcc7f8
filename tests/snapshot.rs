//! The start-up snapshot (runtime/src/snapshot.rs): made on the first run with a cache, used by
//! the later ones, never holding one run's state, remade when damaged, absent with the cache off.

use std::fs;
use std::path::{Path, PathBuf};

use kiln_test_support::App;

const EXPECTED_TAIL: &str = concat!(
  "deno hidden: undefined\n",
  "clock: true true\n",
  "add: 5 9\n",
  "memory: hi\n",
  "bad arg: 5007 TypeError\n",
  "fs: function true true\n",
  "denied: 5009 PermissionDenied\n",
  "timer: ok\n",
);

fn expected(args: &str) -> String {
  format!("args: {args} true true\n{EXPECTED_TAIL}")
}

/// The lines of a run that are not the same in every run, or too long to spell out here.
#[derive(Debug, PartialEq)]
struct Tail {
  /// `globals:`, the global object's own keys in order.
  globals: String,
  /// `shapes:`, the own properties of Kiln's global objects and classes, and of their prototypes.
  shapes: String,
  /// `random:`, a number of this run's `Math.random`.
  random: String,
}

/// Checks a run's output against `expected(args)` but for its last three lines, which it returns.
#[track_caller]
fn check(run: &kiln_test_support::Run, args: &str) -> Tail {
  let stdout = run.success();
  let mut lines: Vec<&str> = stdout.trim_end().lines().collect();
  let mut take = |prefix: &str| {
    let line = lines.pop().unwrap_or_default();
    line.strip_prefix(prefix).unwrap_or_else(|| panic!("a line {prefix:?}, not {line:?}")).to_string()
  };
  let random = take("random: ");
  let shapes = take("shapes: ");
  let globals = take("globals: ");
  assert_eq!(format!("{}\n", lines.join("\n")), expected(args), "stdout; stderr:\n{}", run.stderr);
  Tail { globals, shapes, random }
}

/// The globals' names, sorted.
fn sorted(globals: &str) -> Vec<&str> {
  let mut names: Vec<&str> = globals.split(',').collect();
  names.sort_unstable();
  names
}

fn app() -> App {
  App::new("snapshot.ts").manifest("[capabilities.wasm]\nload = true\nexecute = true\n")
}

fn snapshots(dir: &Path) -> Vec<PathBuf> {
  let mut found: Vec<PathBuf> =
    fs::read_dir(dir).map(|entries| entries.flatten().map(|e| e.path()).collect()).unwrap_or_default();
  found.retain(|p| {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("startup-") && name.ends_with(".snap")
  });
  found
}

#[test]
fn the_first_run_makes_the_snapshot_and_later_runs_start_from_it_with_their_own_state() {
  let cache = tempfile::tempdir().unwrap();
  let dir = cache.path().to_str().unwrap();
  let app = app();
  // Another build's snapshot, which this one must neither load nor keep.
  let other = cache.path().join("startup-0000000000000000.snap");
  fs::write(&other, b"another build's snapshot").unwrap();
  // The first run makes the snapshot (with no arguments) and then runs from it.
  let first = check(&app.run_env(&[("KILN_CACHE_DIR", dir)]), "[]");
  let made = snapshots(cache.path());
  assert_eq!(made.len(), 1, "one snapshot in {dir}: {made:?}");
  assert!(!other.exists(), "the other build's snapshot is removed");
  let modified = fs::metadata(&made[0]).unwrap().modified().unwrap();
  // A later run with arguments loads it: the file is not written again, and the arguments,
  // clock and grants are this run's.
  let run = kiln_test_support::kiln_env(app.path(), ["run", "main.ts", "a b", "c"], &[("KILN_CACHE_DIR", dir)]);
  let second = check(&run, r#"["a b","c"]"#);
  let third = check(&app.run_env(&[("KILN_CACHE_DIR", dir)]), "[]");
  assert!(
    first.random != second.random && second.random != third.random,
    "each run has its own Math.random: {} {} {}",
    first.random,
    second.random,
    third.random
  );
  assert_eq!(fs::metadata(&made[0]).unwrap().modified().unwrap(), modified, "the snapshot was not remade");
  assert_eq!(snapshots(cache.path()), made);
  // The same app without the snapshot behaves the same: the objects the snapshot restored have
  // the properties, order and attributes evaluating the runtime's JS gives them. The snapshot's
  // runs list the globals in one order; without it, `Intl` and `Temporal` (made on first use) come
  // at another place among them.
  let off = check(&app.run_env(&[("KILN_CACHE_DIR", dir), ("KILN_SNAPSHOT", "off")]), "[]");
  assert!(first.shapes.len() > 4_000, "the objects are described: {}", first.shapes);
  for run in [&second, &third] {
    assert_eq!((&run.globals, &run.shapes), (&first.globals, &first.shapes), "runs from the snapshot");
  }
  assert_eq!(off.shapes, first.shapes, "the objects with the snapshot and without it");
  assert_eq!(sorted(&off.globals), sorted(&first.globals), "the globals with the snapshot and without it");
}

#[test]
fn a_damaged_snapshot_is_made_again_and_never_loaded() {
  let cache = tempfile::tempdir().unwrap();
  let dir = cache.path().to_str().unwrap();
  let app = app();
  check(&app.run_env(&[("KILN_CACHE_DIR", dir)]), "[]");
  let path = snapshots(cache.path()).pop().expect("a snapshot");
  let whole = fs::read(&path).unwrap();
  // A flipped byte in the middle, then a truncated file, then garbage: each is caught by the
  // checksum, the app runs, and a whole snapshot is back in place.
  let mut flipped = whole.clone();
  let middle = flipped.len() / 2;
  flipped[middle] ^= 0x55;
  for damaged in [flipped, whole[..whole.len() / 3].to_vec(), b"not a snapshot".to_vec(), Vec::new()] {
    fs::write(&path, &damaged).unwrap();
    check(&app.run_env(&[("KILN_CACHE_DIR", dir)]), "[]");
    let remade = fs::read(&path).unwrap();
    assert!(
      remade != damaged && remade.len() > whole.len() / 2,
      "the snapshot was made again ({} bytes)",
      remade.len()
    );
    // and it is whole: the next run loads it rather than making it again.
    let modified = fs::metadata(&path).unwrap().modified().unwrap();
    check(&app.run_env(&[("KILN_CACHE_DIR", dir)]), "[]");
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), modified, "the remade snapshot is loaded");
  }
}

#[test]
fn with_the_cache_off_unusable_or_open_to_others_there_is_no_snapshot_and_the_app_still_runs() {
  let app = app();
  // Off: nothing is written anywhere, not even under the user's cache directory (the QuickJS
  // shim's own bytecode cache would default to ~/.cache/v8x).
  let home = tempfile::tempdir().unwrap();
  let home_dir = home.path().to_str().unwrap();
  let xdg = home.path().join("xdg");
  let run = app.run_env(&[("KILN_CACHE_DIR", "off"), ("HOME", home_dir), ("XDG_CACHE_HOME", xdg.to_str().unwrap())]);
  check(&run, "[]");
  let written: Vec<_> = fs::read_dir(home.path()).unwrap().flatten().map(|e| e.path()).collect();
  assert!(written.is_empty(), "nothing written under HOME with the cache off: {written:?}");
  // With a cache, the shim's bytecode goes into it, not under HOME.
  let cache = tempfile::tempdir().unwrap();
  let run = app.run_env(&[
    ("KILN_CACHE_DIR", cache.path().to_str().unwrap()),
    ("HOME", home_dir),
    ("XDG_CACHE_HOME", xdg.to_str().unwrap()),
  ]);
  check(&run, "[]");
  assert!(fs::read_dir(home.path()).unwrap().next().is_none(), "nothing under HOME");
  assert!(cache.path().join("quickjs-bytecode").is_dir(), "the shim's bytecode is kept in the cache");
  // A cache path under a regular file cannot be created: the app runs, with the cache's warning.
  let blocker = tempfile::NamedTempFile::new().unwrap();
  let under = blocker.path().join("cache");
  let run = app.run_env(&[("KILN_CACHE_DIR", under.to_str().unwrap())]);
  check(&run, "[]");
  assert!(run.stderr.contains("KILN_CACHE_DIR"), "a warning names the fix: {}", run.stderr);
  // A directory other users may write is refused: a snapshot there could be anyone's code.
  #[cfg(unix)]
  {
    use std::os::unix::fs::PermissionsExt;
    let open = tempfile::tempdir().unwrap();
    fs::set_permissions(open.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let run = app.run_env(&[("KILN_CACHE_DIR", open.path().to_str().unwrap())]);
    check(&run, "[]");
    assert!(snapshots(open.path()).is_empty(), "no snapshot in a directory others may write");
    assert!(!open.path().join("quickjs-bytecode").exists(), "nor the shim's bytecode");
  }
}
