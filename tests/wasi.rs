//! WASI preview 1: arguments, environment, preopens (read, write, read-only), escapes, exit codes.

use kiln_test_support::{App, GUEST_ESCAPES_DENIED};

#[test]
fn wasi_command_end_to_end() {
  let app = App::new("wasi.ts")
    .manifest(
      "[capabilities.wasm]\nload = true\nexecute = true\npreopens = [\"app-data\"]\n[capabilities.fs]\nread = true\n",
    )
    .c("app.c", "app.wasm")
    .file("app-data/input.txt", "from host\n")
    .file("secret.txt", "top secret\n");
  std::os::unix::fs::symlink(app.path().join("secret.txt"), app.path().join("app-data/link-out")).unwrap();
  app.run().ok(
    &[
      "arg[0]=app\n",
      "arg[1]=one\n",
      "arg[2]=two words\n",
      "HOME=/home/guest\n",
      "SECRET=(unset)\n",
      "input: from host\n",
      "wrote /data/output.txt\n",
      GUEST_ESCAPES_DENIED,
      "host sees: written by the guest\n",
      "exit: 5002 CallError exitCode=3\n",
      "arg[0]=ro\n",
      "HOME=(unset)\n",
      "SECRET=(unset)\n",
      "input: from host\n",
      "write: cannot open /data/output.txt (errno 63)\n",
      GUEST_ESCAPES_DENIED,
    ]
    .concat(),
  );
  assert!(!app.path().join("pwned.txt").exists(), "a guest write escaped /data");
}

#[test]
fn each_preopen_refusal_has_its_code() {
  // A preopen outside the grant is 5009 whether or not it exists, so the app learns nothing about
  // the host's files; a granted one that is missing or not a directory is an invalid config
  // (5010), and so is a NUL byte, checked before the grant.
  App::new("preopen_errors.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\npreopens = [\"data\"]\n")
    .wat("loop.wat", "loop.wasm")
    .file("data/file.txt", "a file\n")
    .file("other/file.txt", "a file\n")
    .run()
    .ok(concat!(
      "granted directory: ok\n",
      "granted, missing: 5010 WasiError\n",
      "granted, missing parent: 5010 WasiError\n",
      "granted, a file: 5010 WasiError\n",
      "granted, NUL byte: 5010 WasiError\n",
      "not granted, missing: 5009 PermissionDenied\n",
      "not granted, a directory: 5009 PermissionDenied\n",
      "not granted, a file: 5009 PermissionDenied\n",
      "not granted, NUL byte: 5010 WasiError\n",
    ));
}
