//! `kiln init` and `kiln types`: a new app runs as it is and type-checks with the real compiler.

use std::path::Path;

use kiln_test_support::{kiln, repo, run_kiln, tsc};

fn tempdir() -> tempfile::TempDir {
  tempfile::Builder::new().prefix("scaffold").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

fn path(p: &Path) -> &str {
  p.to_str().unwrap()
}

#[test]
fn init_makes_an_app_that_runs_and_type_checks() {
  let tmp = tempdir();
  let dir = tmp.path().join("hello app");
  let out = kiln(tmp.path(), ["init", path(&dir)]);
  let report = out.success();
  for file in ["main.ts", "add.wat", "manifest.app.toml", "tsconfig.json", "kiln-types/runtime_wasm.d.ts"] {
    assert!(dir.join(file).exists(), "{file} missing; kiln init said:\n{report}");
  }
  let manifest = std::fs::read_to_string(dir.join("manifest.app.toml")).unwrap();
  assert!(manifest.contains("name = \"hello app\""), "{manifest}");

  // It runs from any working directory, with the manifest it was given.
  run_kiln(tmp.path(), [path(&dir.join("main.ts"))]).ok("2 + 3 = 5\n");
  run_kiln(&dir, ["main.ts"]).ok("2 + 3 = 5\n");

  // And type-checks under the tsconfig it was given.
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_eq!(checked.status, Some(0), "{}", checked.stdout);

  // A second init would overwrite the app: refused, nothing touched.
  std::fs::write(dir.join("main.ts"), "// mine\n").unwrap();
  let again = kiln(tmp.path(), ["init", path(&dir)]);
  assert_eq!(again.status, Some(1), "{}", again.stderr);
  assert!(again.stderr.contains("already exists"), "{}", again.stderr);
  assert_eq!(std::fs::read_to_string(dir.join("main.ts")).unwrap(), "// mine\n");
}

#[test]
fn types_writes_the_typings_and_keeps_a_users_tsconfig() {
  let tmp = tempdir();
  let dir = tmp.path();
  std::fs::write(
    dir.join("main.ts"),
    "import { compileFile, instantiate } from \"runtime:wasm\";\n\
     const instance = await instantiate(await compileFile(\"./m.wasm\"));\n\
     const [ptr, len] = await instance.call(\"get\");\n\
     console.log(new TextDecoder().decode(await instance.memory.read(ptr, len)));\n",
  )
  .unwrap();
  kiln(dir, ["types"]).success();
  for name in ["runtime_wasm.d.ts", "runtime_fs.d.ts", "kiln_globals.d.ts"] {
    let written = std::fs::read_to_string(dir.join("kiln-types").join(name)).unwrap();
    let committed = std::fs::read_to_string(repo().join("ts").join(name)).unwrap();
    assert_eq!(written, committed, "{name}");
  }
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_eq!(checked.status, Some(0), "{}", checked.stdout);

  // The typings bite: a misuse fails the check.
  std::fs::write(dir.join("bad.ts"), "import { compileFile } from \"runtime:wasm\";\nawait compileFile(1);\n").unwrap();
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_ne!(checked.status, Some(0));
  assert!(checked.stdout.contains("bad.ts(2,"), "{}", checked.stdout);

  // A tsconfig.json of the user's own is kept, with a note.
  std::fs::write(dir.join("tsconfig.json"), "{ \"mine\": true }\n").unwrap();
  let again = kiln(dir, ["types", "."]);
  assert!(again.success().contains("kept the existing"), "{}", again.stdout);
  assert_eq!(std::fs::read_to_string(dir.join("tsconfig.json")).unwrap(), "{ \"mine\": true }\n");
}

#[test]
fn bad_usage_is_reported() {
  let tmp = tempdir();
  let out = kiln(tmp.path(), ["types", "a", "b"]);
  assert_eq!(out.status, Some(2));
  assert!(out.stderr.contains("one optional directory"), "{}", out.stderr);
  let help = kiln(tmp.path(), ["--help"]);
  assert!(help.success().contains("kiln init [DIR]"), "{}", help.stdout);
}
