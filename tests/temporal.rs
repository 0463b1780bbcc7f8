//! Temporal on the QuickJS shim: its polyfill is evaluated the first time an app touches
//! `Temporal`, `Date.prototype.toTemporalInstant`, `Intl.DateTimeFormat` or `Intl.DurationFormat`
//! (patches/README.md), never at start-up and never into the start-up snapshot. Whatever the app
//! touches first, and with or without a snapshot, it answers as Deno 2.9 does.

use std::fs;

use kiln_test_support::{deno_runs, repo, App};

/// tests/apps/temporal.ts after `first`, a line that touches one part before the others.
fn temporal_app(first: &str) -> App {
  let body = fs::read_to_string(repo().join("tests/apps/temporal.ts")).expect("tests/apps/temporal.ts");
  App::from_source(&format!("{first}\n{body}"))
}

/// The app's output on Kiln without a snapshot, then with a fresh cache (the run that makes the
/// snapshot) and from that snapshot, each the same as `expected`.
#[track_caller]
fn same_in_every_start(app: &App, expected: &str) {
  let off = app.run_env(&[("KILN_SNAPSHOT", "off")]);
  assert_eq!(off.success(), expected, "without a snapshot; stderr:\n{}", off.stderr);
  let cache = tempfile::tempdir().unwrap();
  let dir = cache.path().to_str().unwrap();
  for start in ["making the snapshot", "from the snapshot"] {
    let run = app.run_env(&[("KILN_CACHE_DIR", dir)]);
    assert_eq!(run.success(), expected, "{start}; stderr:\n{}", run.stderr);
  }
}

#[test]
fn temporal_answers_as_deno_does_whichever_part_an_app_touches_first() {
  for first in [
    "",
    "const first = Intl.DateTimeFormat;",
    "const first = new Date(0).toTemporalInstant();",
    "const first = Intl.DurationFormat;",
    "const first = Object.keys(Intl);",
  ] {
    let app = temporal_app(first);
    let expected = deno_runs(&app.path().join("main.ts"));
    assert!(expected.contains("zoned 2024-03-10T06:00:00-04:00[America/New_York]\n"), "deno: {expected}");
    same_in_every_start(&app, &expected);
  }
}

#[test]
fn a_part_replaced_or_deleted_before_first_use_stays_so_and_the_rest_still_loads() {
  let app = App::from_source(concat!(
    "const g = globalThis as Record<string, unknown>;\n",
    "g.Temporal = 5;\n",
    "console.log(\"replaced\", g.Temporal, JSON.stringify(Object.getOwnPropertyDescriptor(g, \"Temporal\")));\n",
    "delete g.Temporal;\n",
    "console.log(\"deleted\", typeof g.Temporal, \"Temporal\" in g);\n",
    "delete (Intl as Record<string, unknown>).DurationFormat;\n",
    "console.log(\"intl\", typeof Intl.DateTimeFormat, \"DurationFormat\" in Intl);\n",
    "console.log(\"instant\", new Date(0).toTemporalInstant().epochMilliseconds);\n",
    "console.log(\"still deleted\", typeof g.Temporal, \"DurationFormat\" in Intl);\n",
  ));
  let expected = deno_runs(&app.path().join("main.ts"));
  assert!(expected.starts_with("replaced 5 {\"value\":5,"), "deno: {expected}");
  same_in_every_start(&app, &expected);
}

#[test]
fn the_start_up_snapshot_leaves_the_polyfill_out_and_its_bytecode_is_cached_on_first_use() {
  let cache = tempfile::tempdir().unwrap();
  let dir = cache.path().to_str().unwrap();
  let hello = App::from_source("console.log(\"hi\");\n");
  assert_eq!(hello.run_env(&[("KILN_CACHE_DIR", dir)]).success(), "hi\n");
  let snapshot = fs::read_dir(cache.path())
    .unwrap()
    .flatten()
    .map(|e| e.path())
    .find(|p| p.extension().is_some_and(|e| e == "snap"))
    .expect("a start-up snapshot");
  let bytes = fs::read(&snapshot).unwrap();
  // Strings only the polyfill has (third_party/v8x/vendor/temporal-polyfill): the snapshot of an
  // app's start used to carry all 435 KB of it, evaluated.
  for only_in_polyfill in ["formatRange requires two values", "toZonedDateTimeISO"] {
    assert!(
      !bytes.windows(only_in_polyfill.len()).any(|w| w == only_in_polyfill.as_bytes()),
      "{} holds the polyfill ({only_in_polyfill:?})",
      snapshot.display()
    );
  }
  // The first use compiles the polyfill and keeps its bytecode with the shim's; later processes
  // read it back, and answer the same.
  let bytecode = cache.path().join("quickjs-bytecode");
  let entries = || fs::read_dir(&bytecode).map(|d| d.count()).unwrap_or(0);
  let before = entries();
  let app = temporal_app("");
  let expected = deno_runs(&app.path().join("main.ts"));
  assert_eq!(app.run_env(&[("KILN_CACHE_DIR", dir)]).success(), expected);
  assert!(entries() > before, "the polyfill's bytecode is cached in {}", bytecode.display());
  let after = entries();
  assert_eq!(app.run_env(&[("KILN_CACHE_DIR", dir)]).success(), expected);
  assert_eq!(entries(), after, "read back, not written again");
}
