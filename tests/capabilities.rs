//! Each capability gate, allowed and denied, including `..`, symlink, `~`, NUL-byte and glob-name escapes.

use kiln_test_support::App;

fn caps_app(manifest: &str) -> App {
  let app = App::new("caps.ts")
    .manifest(manifest)
    .wat("pure.wat", "wasm/ok.wasm")
    .wat("pure.wat", "other/no.wasm")
    .file("data/hello.txt", "hi\n");
  std::os::unix::fs::symlink(app.path().join("other/no.wasm"), app.path().join("wasm/link.wasm")).unwrap();
  std::os::unix::fs::symlink(app.path().join("other"), app.path().join("data/escape")).unwrap();
  std::os::unix::fs::symlink(app.path().join("wasm/ok.wasm"), app.path().join("wasm/inside.wasm")).unwrap();
  // File names made of glob metacharacters: matched as names, never as patterns.
  std::fs::copy(app.path().join("other/no.wasm"), app.path().join("other/[n]o*.wasm")).unwrap();
  std::fs::copy(app.path().join("wasm/ok.wasm"), app.path().join("wasm/[x]*.wasm")).unwrap();
  app
}

#[test]
fn globs_grant_exactly_what_they_match() {
  let manifest = "[capabilities.wasm]\nload = [\"wasm/*.wasm\"]\nexecute = true\npreopens = [\"data\"]\n\
                  [capabilities.fs]\nread = [\"data\"]\n";
  caps_app(manifest).run_exposed().ok(concat!(
    "load allowed: ok\n",
    "load outside glob: 5009\n",
    "load dotdot escape: 5009\n",
    "load symlink escape: 5009\n",
    "load absolute outside: 5009\n",
    "raw op outside: 5009\n",
    "compile bytes: ok\n",
    "execute: ok\n",
    "preopen allowed: ok\n",
    "preopen denied: 5009\n",
    "preopen dotdot: 5009\n",
    "preopen symlink: 5009\n",
    "fs read allowed: ok\n",
    "fs read denied: 5009\n",
    "fs read symlink: 5009\n",
    "load symlink inside: ok\n",
    "load tilde: 5009\n",
    "load NUL byte: 5008\n",
    "load glob name outside: 5009\n",
    "load glob name inside: ok\n",
    "fs read NUL byte: 5008\n",
    "fs read tilde: 5009\n",
  ));
}

#[test]
fn execute_false_denies_instantiate() {
  let run = caps_app("[capabilities.wasm]\nload = true\nexecute = false\n").run_exposed();
  let out = run.success();
  assert!(out.contains("execute: 5009\n"), "{out}");
  assert!(out.contains("load outside glob: ok\n"), "load = true grants every path: {out}");
}

#[test]
fn unknown_manifest_keys_stop_start_up() {
  let run = App::new("caps.ts").manifest("[capabilities.wasm]\nlaod = true\n").run();
  assert_eq!(run.status, Some(1));
  assert!(run.stderr.contains("laod") && run.stderr.contains("manifest.app.toml"), "{}", run.stderr);
}

#[test]
fn manifest_flag_overrides_discovery() {
  let app = caps_app("[capabilities.wasm]\nload = false\n")
    .file("alt/grants.toml", "[capabilities.wasm]\nload = true\nexecute = true\n");
  let run = app.run_with(&["--manifest", "alt/grants.toml"]);
  assert!(run.success().contains("load outside glob: ok\n"), "{}", run.stdout);
}
