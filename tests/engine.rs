//! The JS engine's patched fast paths (patches/README.md): `===`/`!==` that answer from the
//! operands' tags and pointers, and `Promise.resolve`/`Promise.reject` that settle the new promise
//! without making its resolving functions (changes 12 and 13); a string key that is an atom taken
//! as its own property key, and a promise resolved with a plain array that skips its `then`
//! lookup while no prototype has one (changes 34 and 35). All must be unobservable: the apps
//! compare values of every tag (strings equal without being the same string included), log the
//! order in which promise reactions, thenables' jobs and awaits run, and await arrays before and
//! after the prototypes get a `then`, and Kiln must print exactly what Deno 2.9 prints, with and
//! without the start-up snapshot.

use kiln_test_support::{deno_runs, App};

/// Runs tests/apps/`name` on Deno, checks that it reached its end there (`reached`), and runs it
/// on Kiln with and without the start-up snapshot: each must print what Deno printed.
fn prints_as_on_deno(name: &str, reached: impl Fn(&str) -> bool) {
  let app = App::new(name);
  let expected = deno_runs(&app.path().join("main.ts"));
  assert!(reached(&expected), "deno: {expected}");
  for env in [&[("KILN_SNAPSHOT", "off")][..], &[][..]] {
    let run = app.run_env(env);
    assert_eq!(run.success(), expected, "kiln with {env:?}; stderr:\n{}", run.stderr);
  }
}

#[test]
fn strict_equality_and_promise_resolve_answer_as_deno_does() {
  // Both halves of the app in its output.
  prints_as_on_deno("engine_fast_paths.ts", |out| {
    out.contains("'number' made === 'number', typeof 1, 'number' made\n")
      && out.ends_with("await Promise.resolve(2): 2\n")
  });
}

#[test]
fn promises_resolved_with_arrays_and_string_keys_answer_as_deno_does() {
  // The prototypes' thens called, and the lookups by string keys made.
  prints_as_on_deno("promise_then_protector.ts", |out| {
    out.contains("Array.prototype.then of 3\n[11]\n") && out.ends_with("\"2\": undefined 30\n")
  });
}
