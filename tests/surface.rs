//! What an app can reach beyond runtime:wasm's API: the modules it may import, the engine's
//! built-in `WebAssembly`, the runtime's internals, `Kiln.exit`, and how errors are reported.
//! Each bypass closed here was open before (issue 10).

use kiln_test_support::{kiln_env, run_kiln, App};

/// An app whose root holds code, JSON, a `.env` and a symlink out, beside a directory outside
/// the root holding a JSON and a JS file.
fn imports_app(manifest: &str, outside: &std::path::Path) -> App {
  std::fs::write(outside.join("secret.json"), "{\"token\": \"outside\"}").unwrap();
  std::fs::write(outside.join("evil.js"), "export const evil = 1;\n").unwrap();
  let app = App::new("imports.ts")
    .manifest(manifest)
    .file("data/config.json", "{\"ok\": true}")
    .file("data/notes", "plain text\n")
    .file("lib/helper.ts", "export const helper: number = 1;\n")
    .file("lib/types.d.ts", "export type T = number;\n")
    .file(".env", "API_KEY=abc123secret\n");
  std::os::unix::fs::symlink(outside.join("secret.json"), app.path().join("data/escape.json")).unwrap();
  app
}

fn outside_args(outside: &std::path::Path) -> [String; 2] {
  [outside.join("secret.json").display().to_string(), outside.join("evil.js").display().to_string()]
}

#[test]
fn imports_outside_the_root_need_fs_read() {
  let outside = tempfile::tempdir().unwrap();
  let app = imports_app("[capabilities.wasm]\nexecute = true\n", outside.path());
  let [json, js] = outside_args(outside.path());
  app.run_with_args(&[&json, &js]).ok(concat!(
    "json in root: ok\n",
    "ts in root: ok\n",
    "json outside root: 5009 PermissionDenied\n",
    "js outside root: 5009 PermissionDenied\n",
    "symlink out of root: 5009 PermissionDenied\n",
    ".env in root: 5008 IoError\n",
    "no extension: 5008 IoError\n",
    "d.ts: 5008 IoError\n",
    "missing module: 5008 IoError\n",
    "missing outside root: 5009 PermissionDenied\n",
    "secret leaked: false\n",
    "names the importer: true\n",
    "names the root: true\n",
  ));

  // A read grant covering the outside directory admits its modules, and only those.
  let granted = format!("[capabilities.fs]\nread = [\"{}\"]\n", outside.path().display());
  let app = imports_app(&granted, outside.path());
  let out = app.run_with_args(&[&json, &js]).success().to_string();
  assert!(out.contains("json outside root: ok\n"), "{out}");
  assert!(out.contains("js outside root: ok\n"), "{out}");
  assert!(out.contains("symlink out of root: ok\n"), "{out}");
  assert!(out.contains(".env in root: 5008 IoError\n"), "a grant never makes .env a module: {out}");
}

#[test]
fn static_imports_follow_the_same_rule() {
  let outside = tempfile::tempdir().unwrap();
  std::fs::write(outside.path().join("evil.ts"), "console.log(\"evil ran\");\n").unwrap();
  let source = format!("import \"{}\";\nconsole.log(\"main ran\");\n", outside.path().join("evil.ts").display());
  let run = App::from_source(&source).manifest("[capabilities.wasm]\nexecute = true\n").run();
  assert_eq!(run.status, Some(1), "{}", run.stderr);
  assert_eq!(run.stdout, "", "neither module may run");
  assert!(run.stderr.starts_with("error: Uncaught PermissionDenied [code 5009]: importing "), "{}", run.stderr);
  assert!(run.stderr.contains("[capabilities.fs] read"), "{}", run.stderr);

  // The .env case of the issue: its content must not reach any message.
  let run = App::from_source("import \"./.env\";\n").file(".env", "API_KEY=abc123secret\n").run();
  assert_eq!(run.status, Some(1));
  assert!(!run.stderr.contains("abc123secret"), "{}", run.stderr);
  assert!(run.stderr.contains("IoError [code 5008]") && run.stderr.contains("runtime:fs"), "{}", run.stderr);
}

#[test]
fn without_a_manifest_the_root_is_the_entry_files_directory() {
  let parent = tempfile::tempdir().unwrap();
  std::fs::write(parent.path().join("up.json"), "{}").unwrap();
  std::fs::create_dir(parent.path().join("app")).unwrap();
  std::fs::write(
    parent.path().join("app/main.ts"),
    "const m = await import(\"../up.json\", { with: { type: \"json\" } });\n",
  )
  .unwrap();
  let run = run_kiln(parent.path(), ["app/main.ts"]);
  assert_eq!(run.status, Some(1));
  assert!(
    run.stderr.contains("PermissionDenied [code 5009]") && run.stderr.contains("the entry file's directory"),
    "{}",
    run.stderr
  );
}

/// builtin_wasm.ts's lines under a manifest that grants `load` and not `execute`, on either engine.
const LOAD_ONLY: &str = concat!(
  "validate: ok true\n",
  "compile: ok true\n",
  "new Module: ok true\n",
  "instantiate bytes: 5009 PermissionDenied\n",
  "instantiate module: 5009 PermissionDenied\n",
  "new Instance: 5009 PermissionDenied\n",
  "constructor from prototype: ok true\n",
  "Instance via Reflect.construct: 5009 PermissionDenied\n",
);

fn builtin(manifest: Option<&str>) -> String {
  let app = App::new("builtin_wasm.ts");
  let app = match manifest {
    Some(m) => app.manifest(m),
    None => app,
  };
  app.run().success().to_string()
}

#[test]
fn the_builtin_webassembly_obeys_the_manifest() {
  assert_eq!(
    builtin(None),
    concat!(
      "validate: 5009 PermissionDenied\n",
      "compile: 5009 PermissionDenied\n",
      "new Module: 5009 PermissionDenied\n",
      "instantiate bytes: 5009 PermissionDenied\n",
    )
  );
  assert_eq!(builtin(Some("[capabilities.wasm]\nload = true\n")), LOAD_ONLY);
  assert_eq!(
    builtin(Some("[capabilities.wasm]\nload = true\nexecute = true\n")),
    concat!(
      "validate: ok true\n",
      "compile: ok true\n",
      "new Module: ok true\n",
      "instantiate bytes: ok 5\n",
      "instantiate module: ok 5\n",
      "new Instance: ok 5\n",
      "constructor from prototype: ok true\n",
      "Instance via Reflect.construct: ok 5\n",
    )
  );
  // Kiln's WebAssembly runs on wasmtime, which enforces the manifest's limits: they do not stop it.
  let limited = App::new("builtin_wasm.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\ntimeout_ms = 100\n")
    .run_with_args(&["--messages"]);
  assert!(limited.success().contains("new Instance: ok 5\n"), "{}", limited.stdout);
  // The engine's own (KILN_WEBASSEMBLY=interpreter) cannot: limits refuse instantiation there,
  // with the key named. The same gates hold for it as for Kiln's.
  let app = App::new("builtin_wasm.ts");
  let interpreter = [("KILN_WEBASSEMBLY", "interpreter")];
  assert_eq!(app.manifest("[capabilities.wasm]\nload = true\n").run_env(&interpreter).success(), LOAD_ONLY);
  let limited =
    App::new("builtin_wasm.ts").manifest("[capabilities.wasm]\nload = true\nexecute = true\ntimeout_ms = 100\n");
  let run = kiln_env(limited.path(), ["run", "main.ts", "--messages"], &interpreter);
  let out = run.success();
  assert!(out.contains("new Instance: 5009 PermissionDenied\n"), "{out}");
  assert!(out.contains("timeout_ms") && out.contains("runtime:wasm"), "{out}");
}

#[test]
fn the_runtime_internals_are_out_of_reach() {
  App::new("reach.ts").run().ok(concat!(
    "Deno: undefined\n",
    "__bootstrap: undefined\n",
    "core via runtime:wasm: none\n",
    "runtime:wasm/core: refused\n",
  ));
}

#[test]
fn kiln_exit_flushes_output_and_hands_on_a_code() {
  let source = "for (let i = 0; i < 3000; i++) console.log(`line ${i}`);\nconsole.error(\"bye\");\nKiln.exit(3);\nconsole.log(\"not reached\");\n";
  let run = App::from_source(source).run();
  assert_eq!(run.status, Some(3), "{}", run.stderr);
  assert_eq!(run.stdout.lines().count(), 3000);
  assert!(run.stdout.ends_with("line 2999\n"));
  assert_eq!(run.stderr, "bye\n");

  let bad = App::from_source(
    "try { Kiln.exit(256); } catch (e) { console.log((e as { code: number }).code); }\nKiln.exit();\n",
  )
  .run();
  bad.ok("5007\n");

  // A CLI handing a WASI guest's exit code on.
  let guest = "import { compileFile, instantiate } from \"runtime:wasm\";\n\
    const instance = await instantiate(await compileFile(\"./app.wasm\"), { args: [\"app\", \"--exit=7\"] });\n\
    try { await instance.call(\"_start\"); } catch (e) { Kiln.exit((e as { exitCode?: number }).exitCode ?? 1); }\n";
  let run = App::from_source(guest).allow_all().c("app.c", "app.wasm").run();
  assert_eq!(run.status, Some(7), "{}", run.stderr);
}

#[test]
fn errors_show_the_apps_frames_not_the_runtimes() {
  let source = "import { compileFile } from \"runtime:wasm\";\n\
    function load() { return compileFile(42 as unknown as string); }\n\
    try { await load(); } catch (e) { console.log(String((e as Error).stack)); }\n\
    await compileFile(\"./missing.wasm\");\n";
  let run = App::from_source(source).allow_all().run();
  assert_eq!(run.status, Some(1));
  assert!(run.stdout.contains("main.ts"), "the app's frames stay: {}", run.stdout);
  assert!(!run.stdout.contains("runtime:") && !run.stdout.contains("ext:"), "{}", run.stdout);
  assert!(run.stderr.contains("    at ") && !run.stderr.contains("runtime:wasm"), "{}", run.stderr);
}

#[test]
fn messages_name_the_fix() {
  // A missing argument is an arity error, on both paths.
  let source = "import { compileFile, instantiate } from \"runtime:wasm\";\n\
    const instance = await instantiate(await compileFile(\"./math.wasm\"));\n\
    const add = instance.exports.add as unknown as (a: number) => number;\n\
    try { add(1); } catch (e) { console.log((e as Error).message); }\n\
    try { await instance.call(\"add\", 1); } catch (e) { console.log((e as Error).message); }\n";
  App::from_source(source)
    .allow_all()
    .wat("math.wat", "math.wasm")
    .run()
    .ok(concat!("`add` expects 2 arguments (i32, i32), got 1\n", "`add` expects 2 arguments (i32, i32), got 1\n",));

  // `execute` is a boolean: its message must not suggest globs.
  let source = "import { compile, instantiate } from \"runtime:wasm\";\n\
    try { await instantiate(await compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))); }\n\
    catch (e) { console.log((e as Error).message); }\n";
  let out = App::from_source(source).manifest("[capabilities.wasm]\nload = true\n").run().success().to_string();
  assert!(out.contains("add `execute = true` under [capabilities.wasm]"), "{out}");
  assert!(!out.contains("glob"), "{out}");
}

#[test]
fn a_denied_relative_path_says_where_it_resolved() {
  // Run from the directory above the app: the path resolves against the working directory.
  let app = App::from_source(
    "import { compileFile } from \"runtime:wasm\";\n\
     try { await compileFile(\"./math.wasm\"); } catch (e) { console.log((e as Error).message); }\n\
     console.log((await compileFile(`${import.meta.dirname}/math.wasm`)).length > 0);\n",
  )
  .manifest("[capabilities.wasm]\nload = [\"./*.wasm\"]\n")
  .wat("math.wat", "math.wasm");
  let parent = app.path().parent().unwrap();
  let name = app.path().file_name().unwrap().to_str().unwrap();
  let run = run_kiln(parent, [format!("{name}/main.ts").as_str()]);
  let out = run.success();
  assert!(out.contains(&format!("against the working directory {}", parent.display())), "{out}");
  assert!(out.contains("import.meta.dirname"), "{out}");
  assert!(out.ends_with("true\n"), "import.meta.dirname works from anywhere: {out}");
}
