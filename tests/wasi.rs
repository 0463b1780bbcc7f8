//! WASI preview 1: arguments, environment, preopens (read, write, read-only), escapes, exit codes.

use kiln_test_support::App;

#[test]
fn wasi_command_end_to_end() {
  let app = App::new("wasi.ts")
    .manifest("[capabilities.wasm]\nload = true\nexecute = true\npreopens = [\"app-data\"]\n[capabilities.fs]\nread = true\n")
    .c("app.c", "app.wasm")
    .file("app-data/input.txt", "from host\n")
    .file("secret.txt", "top secret\n");
  std::os::unix::fs::symlink(app.path().join("secret.txt"), app.path().join("app-data/link-out")).unwrap();
  app.run().ok(concat!(
    "arg[0]=app\n",
    "arg[1]=one\n",
    "arg[2]=two words\n",
    "HOME=/home/guest\n",
    "SECRET=(unset)\n",
    "input: from host\n",
    "wrote /data/output.txt\n",
    "escape /data/../secret.txt: denied\n",
    "escape /etc/passwd: denied\n",
    "escape ../secret.txt: denied\n",
    "write /data/../pwned.txt: denied\n",
    "write /tmp/pwned.txt: denied\n",
    "write /pwned.txt: denied\n",
    "list /: denied\n",
    "list /data/..: denied\n",
    "list ..: denied\n",
    "symlink out of /data: denied\n",
    "list /data: ok\n",
    "host sees: written by the guest\n",
    "exit: 5002 CallError exitCode=3\n",
    "arg[0]=ro\n",
    "HOME=(unset)\n",
    "SECRET=(unset)\n",
    "input: from host\n",
    "write: cannot open /data/output.txt (errno 63)\n",
    "escape /data/../secret.txt: denied\n",
    "escape /etc/passwd: denied\n",
    "escape ../secret.txt: denied\n",
    "write /data/../pwned.txt: denied\n",
    "write /tmp/pwned.txt: denied\n",
    "write /pwned.txt: denied\n",
    "list /: denied\n",
    "list /data/..: denied\n",
    "list ..: denied\n",
    "symlink out of /data: denied\n",
    "list /data: ok\n",
  ));
  assert!(!app.path().join("pwned.txt").exists(), "a guest write escaped /data");
}
