//! The JS engine's patched fast paths (patches/README.md, changes 12 and 13): `===`/`!==` that
//! answer from the operands' tags and pointers, and `Promise.resolve`/`Promise.reject` that settle
//! the new promise without making its resolving functions. Both must be unobservable: the app
//! compares values of every tag (strings equal without being the same string included) and logs
//! the order in which promise reactions, thenables' jobs and awaits run, and Kiln must print
//! exactly what Deno 2.9 prints, with and without the start-up snapshot.

use kiln_test_support::{deno_runs, App};

#[test]
fn strict_equality_and_promise_resolve_answer_as_deno_does() {
  let app = App::new("engine_fast_paths.ts");
  let expected = deno_runs(&app.path().join("main.ts"));
  // The app reached its end on Deno, with both halves in its output.
  assert!(expected.contains("'number' made === 'number', typeof 1, 'number' made\n"), "deno: {expected}");
  assert!(expected.ends_with("await Promise.resolve(2): 2\n"), "deno: {expected}");
  for env in [&[("KILN_SNAPSHOT", "off")][..], &[][..]] {
    let run = app.run_env(env);
    assert_eq!(run.success(), expected, "kiln with {env:?}; stderr:\n{}", run.stderr);
  }
}

#[test]
fn promises_resolved_with_arrays_and_string_keys_answer_as_deno_does() {
  let app = App::new("promise_then_protector.ts");
  let expected = deno_runs(&app.path().join("main.ts"));
  // The app reached its end on Deno, with the prototypes' thens called.
  assert!(expected.contains("Array.prototype.then of 3\n[11]\n"), "deno: {expected}");
  assert!(expected.ends_with("\"2\": undefined 30\n"), "deno: {expected}");
  for env in [&[("KILN_SNAPSHOT", "off")][..], &[][..]] {
    let run = app.run_env(env);
    assert_eq!(run.success(), expected, "kiln with {env:?}; stderr:\n{}", run.stderr);
  }
}
