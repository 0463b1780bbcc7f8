//! Support for Kiln's end-to-end tests: build the real `kiln` binary, stage an app directory with
//! its WebAssembly fixtures (compiled from `.wat` with the `wat` crate, or from C with clang for
//! wasm32-wasi), run it, and check what it printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// The repository root.
pub fn repo() -> &'static Path {
  Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// An npm package's JS glue and WebAssembly module in bench/node_modules (bench/package-lock.json
/// pins them; `./x setup` and `./x test` install them), for the tests that run real packages
/// through their own glue.
pub struct Package {
  pub glue: PathBuf,
  pub wasm: PathBuf,
  /// A manifest that grants `load` and `execute`, the `wasm_lines` given, and reads of the
  /// package's folder (outside the app's directory).
  pub manifest: String,
}

impl Package {
  /// `glue` and `wasm` in `bench/node_modules/<dir>`, which must be installed.
  pub fn find(dir: &str, glue: &str, wasm: &str, wasm_lines: &str) -> Self {
    let dist = repo().join("bench/node_modules").join(dir);
    let (glue, wasm) = (dist.join(glue), dist.join(wasm));
    assert!(
      glue.exists() && wasm.exists(),
      "{} is missing: run `./x setup` (or `npm ci --prefix bench`)",
      dist.display()
    );
    let manifest = format!(
      "[capabilities.wasm]\nload = true\nexecute = true\n{wasm_lines}\n[capabilities.fs]\nread = [\"{}/**\"]\n",
      dist.display()
    );
    Self { glue, wasm, manifest }
  }

  /// The glue's and the module's paths, as an app's arguments.
  pub fn args(&self) -> [&str; 2] {
    [self.glue.to_str().expect("a UTF-8 path"), self.wasm.to_str().expect("a UTF-8 path")]
  }
}

/// The target profile directory this test binary was built in (e.g. `target/release`).
fn profile_dir() -> PathBuf {
  let exe = std::env::current_exe().expect("current_exe");
  // target/<profile>/deps/<test-binary>
  exe.parent().and_then(Path::parent).expect("test binary under target/<profile>/deps").to_path_buf()
}

/// The `kiln` binary, built once per test process with the same profile as the tests, so that an
/// edit to the runtime is always what the tests run.
pub fn kiln_bin() -> &'static Path {
  static BIN: OnceLock<PathBuf> = OnceLock::new();
  BIN.get_or_init(|| {
    let profile = profile_dir();
    let target = profile.parent().expect("target dir");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "-p", "kiln", "--bin", "kiln"]);
    if profile.file_name().is_some_and(|n| n == "release") {
      cmd.arg("--release");
    }
    let status =
      cmd.env("CARGO_TARGET_DIR", target).current_dir(repo()).status().expect("running cargo build for kiln");
    assert!(status.success(), "building the kiln binary failed");
    profile.join("kiln")
  })
}

/// A fixture source under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
  repo().join("tests/fixtures").join(name)
}

/// Compiles a `.wat` fixture to wasm bytes.
pub fn wat(name: &str) -> Vec<u8> {
  wat_path(&fixture(name))
}

/// Compiles any `.wat` file to wasm bytes.
pub fn wat_path(path: &Path) -> Vec<u8> {
  wat::parse_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Compiles a C fixture for wasm32-wasi with Debian's clang (cached beside the test binaries).
pub fn c_wasm(name: &str) -> Vec<u8> {
  c_wasm_with(name, &[])
}

/// Compiles a C fixture for wasm32-wasi with Debian's clang and extra `flags` (e.g.
/// `-mexec-model=reactor` for a library module without `_start`), cached beside the test binaries
/// under a name that includes the flags.
pub fn c_wasm_with(name: &str, flags: &[&str]) -> Vec<u8> {
  let source = fixture(name);
  let mut file = Path::new(name).file_stem().unwrap().to_string_lossy().into_owned();
  for flag in flags {
    file.push('_');
    file.extend(flag.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
  }
  file.push_str(".wasm");
  let out = profile_dir().join("kiln-fixtures").join(Path::new(name).with_file_name(file));
  std::fs::create_dir_all(out.parent().unwrap()).unwrap();
  let fresh = |o: &Path| {
    let (Ok(o), Ok(s)) = (o.metadata(), source.metadata()) else { return false };
    o.modified().unwrap() >= s.modified().unwrap()
  };
  if !fresh(&out) {
    let status = Command::new("clang")
      .args(["--target=wasm32-wasi", "--sysroot=/usr", "-O2"])
      .args(flags)
      .arg("-o")
      .arg(&out)
      .arg(&source)
      .status()
      .expect("clang for wasm32-wasi (apt: clang lld wasi-libc libclang-rt-14-dev-wasm32)");
    assert!(status.success(), "clang failed on {name} {flags:?}");
  }
  std::fs::read(&out).unwrap()
}

/// An app staged in a temporary directory.
pub struct App {
  dir: tempfile::TempDir,
}

/// What a run printed and how it ended.
pub struct Run {
  pub stdout: String,
  pub stderr: String,
  pub status: Option<i32>,
}

/// What the app `main` prints on Deno 2.9 (npm's `@deno/linux-x64-glibc`, pinned in
/// bench/package.json and installed by `./x setup`), allowed to read its own directory: the
/// runtime Kiln is measured against, for the tests that compare their output line for line.
pub fn deno_runs(main: &std::path::Path) -> String {
  deno_runs_env(main, &[], &[])
}

/// [`deno_runs`] with the variables `set` set and those in `remove` removed from its environment.
pub fn deno_runs_env(main: &std::path::Path, set: &[(&str, &str)], remove: &[&str]) -> String {
  let deno = repo().join("bench/node_modules/@deno/linux-x64-glibc/deno");
  assert!(deno.exists(), "{} is missing: run `./x setup` (or `npm ci --prefix bench`)", deno.display());
  let dir = main.parent().expect("the app's directory");
  let mut command = Command::new(&deno);
  for name in remove {
    command.env_remove(name);
  }
  let out = command
    .args(["run", "--no-check", "--no-config"])
    .arg(format!("--allow-read={}", dir.display()))
    .arg(main)
    .current_dir(dir)
    .env("DENO_NO_UPDATE_CHECK", "1")
    .env("NO_COLOR", "1")
    .envs(set.iter().copied())
    .output()
    .expect("deno runs");
  assert!(out.status.success(), "deno: {}", String::from_utf8_lossy(&out.stderr));
  String::from_utf8_lossy(&out.stdout).into_owned()
}

impl App {
  /// A new app whose `main.ts` is `tests/apps/<main>`.
  pub fn new(main: &str) -> Self {
    let app = Self { dir: tempfile::tempdir().expect("tempdir") };
    let source = std::fs::read_to_string(repo().join("tests/apps").join(main))
      .unwrap_or_else(|e| panic!("tests/apps/{main}: {e}"));
    app.file("main.ts", source)
  }

  /// A new app whose `main.ts` is `source`.
  pub fn from_source(source: &str) -> Self {
    Self { dir: tempfile::tempdir().expect("tempdir") }.file("main.ts", source)
  }

  pub fn path(&self) -> &Path {
    self.dir.path()
  }

  /// Runs the app on Kiln and on Deno 2.9 ([`deno_runs`]): each must print `expected`.
  pub fn prints_as_on_deno(&self, expected: &str) {
    self.run().ok(expected);
    assert_eq!(deno_runs(&self.path().join("main.ts")), expected, "Deno printed otherwise");
  }

  /// Writes a file (creating directories) relative to the app.
  pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Self {
    let path = self.dir.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    self
  }

  pub fn dir(self, rel: &str) -> Self {
    std::fs::create_dir_all(self.dir.path().join(rel)).unwrap();
    self
  }

  /// Writes the app's `manifest.app.toml`.
  pub fn manifest(self, toml: &str) -> Self {
    self.file("manifest.app.toml", toml)
  }

  /// A manifest granting load and execute for everything.
  pub fn allow_all(self) -> Self {
    self.manifest("[capabilities.wasm]\nload = true\nexecute = true\n")
  }

  /// Compiles `tests/fixtures/<src>.wat` into the app as `<dest>`.
  pub fn wat(self, src: &str, dest: &str) -> Self {
    let bytes = wat(src);
    self.file(dest, bytes)
  }

  /// Compiles `tests/fixtures/<src>.c` for wasm32-wasi into the app as `<dest>`.
  pub fn c(self, src: &str, dest: &str) -> Self {
    let bytes = c_wasm(src);
    self.file(dest, bytes)
  }

  /// Compiles `tests/fixtures/<src>.c` for wasm32-wasi with extra clang `flags` into the app as
  /// `<dest>`, e.g. `.c_with("easter.c", "easter.wasm", &["-mexec-model=reactor"])`.
  pub fn c_with(self, src: &str, dest: &str, flags: &[&str]) -> Self {
    let bytes = c_wasm_with(src, flags);
    self.file(dest, bytes)
  }

  /// Runs `kiln run main.ts` in the app directory.
  pub fn run(&self) -> Run {
    self.run_with(&[])
  }

  /// Runs `kiln run main.ts <args...>` in the app directory.
  pub fn run_with_args(&self, args: &[&str]) -> Run {
    run_kiln(self.dir.path(), ["main.ts"].into_iter().chain(args.iter().copied()))
  }

  /// [`App::run_with_args`], killed after `deadline` instead of 120 s.
  pub fn run_with_args_within(&self, args: &[&str], deadline: Duration) -> Run {
    kiln_within(self.dir.path(), ["run", "main.ts"].into_iter().chain(args.iter().copied()), &[], deadline)
  }

  /// Runs `kiln run main.ts` with `Deno.core` left reachable (see `EXPOSE_INTERNALS`).
  pub fn run_exposed(&self) -> Run {
    self.run_env(&[EXPOSE_INTERNALS])
  }

  /// Runs `kiln run main.ts` in the app directory with extra environment variables.
  pub fn run_env(&self, env: &[(&str, &str)]) -> Run {
    kiln_env(self.dir.path(), ["run", "main.ts"], env)
  }

  /// Runs `kiln run <extra...> main.ts` in the app directory.
  pub fn run_with(&self, extra: &[&str]) -> Run {
    run_kiln(self.dir.path(), extra.iter().copied().chain(["main.ts"]))
  }
}

/// Runs `kiln run <args>` in `cwd`, killing it after two minutes. kiln's own environment holds
/// `SECRET=host-secret`, so tests can show that a guest sees no host variable it was not given.
pub fn run_kiln<'a>(cwd: &Path, args: impl IntoIterator<Item = &'a str>) -> Run {
  kiln(cwd, std::iter::once("run").chain(args))
}

/// The environment that keeps `Deno.core` reachable, for tests of the raw ops (an embedder of
/// ext_wasm that does not seal its global object exposes them the same way).
pub const EXPOSE_INTERNALS: (&str, &str) = ("KILN_EXPOSE_INTERNALS", "1");

/// Runs `kiln run <args>` in `cwd` with `Deno.core` left reachable (see `EXPOSE_INTERNALS`).
pub fn run_kiln_exposed<'a>(cwd: &Path, args: impl IntoIterator<Item = &'a str>) -> Run {
  kiln_env(cwd, std::iter::once("run").chain(args), &[EXPOSE_INTERNALS])
}

/// Runs `kiln <args>` in `cwd` (any subcommand), as `run_kiln` does.
pub fn kiln<'a>(cwd: &Path, args: impl IntoIterator<Item = &'a str>) -> Run {
  kiln_env(cwd, args, &[])
}

/// The compilation cache the tests' kiln processes share (`target/tmp/kiln-cache`), so that
/// they never write to the user's cache directory.
pub fn test_cache_dir() -> PathBuf {
  profile_dir().parent().expect("target dir").join("tmp").join("kiln-cache")
}

/// Runs `kiln <args>` in `cwd` with extra environment variables (which override the defaults:
/// `KILN_CACHE_DIR` is `test_cache_dir()`).
pub fn kiln_env<'a>(cwd: &Path, args: impl IntoIterator<Item = &'a str>, env: &[(&str, &str)]) -> Run {
  kiln_within(cwd, args, env, Duration::from_secs(120))
}

/// [`kiln_env`] with another deadline than 120 s, after which the process is killed (for an app
/// whose first run compiles a large module).
pub fn kiln_within<'a>(
  cwd: &Path,
  args: impl IntoIterator<Item = &'a str>,
  env: &[(&str, &str)],
  deadline: Duration,
) -> Run {
  let mut command = Command::new(kiln_bin());
  command.env("KILN_CACHE_DIR", test_cache_dir());
  for (key, value) in env {
    command.env(key, value);
  }
  let mut child = command
    .args(args)
    .current_dir(cwd)
    .env("SECRET", "host-secret")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawning kiln");
  let deadline = std::time::Instant::now() + deadline;
  while child.try_wait().unwrap().is_none() {
    if std::time::Instant::now() > deadline {
      let _ = child.kill();
      break;
    }
    std::thread::sleep(Duration::from_millis(5));
  }
  let Output { stdout, stderr, status } = child.wait_with_output().unwrap();
  Run {
    stdout: String::from_utf8_lossy(&stdout).into_owned(),
    stderr: String::from_utf8_lossy(&stderr).into_owned(),
    status: status.code(),
  }
}

impl Run {
  /// Asserts a zero exit and exactly `expected` on stdout.
  #[track_caller]
  pub fn ok(&self, expected: &str) -> &Self {
    assert_eq!(self.status, Some(0), "exit status; stderr:\n{}\nstdout:\n{}", self.stderr, self.stdout);
    assert_eq!(self.stdout, expected, "stdout; stderr:\n{}", self.stderr);
    self
  }

  /// Asserts a zero exit and returns stdout.
  #[track_caller]
  pub fn success(&self) -> &str {
    assert_eq!(self.status, Some(0), "exit status; stderr:\n{}\nstdout:\n{}", self.stderr, self.stdout);
    &self.stdout
  }
}

/// What the typings generator read (written by build.rs into `OUT_DIR`): `OPS`, `EXPORTS` and
/// `GENERATED`.
pub mod api {
  include!(concat!(env!("OUT_DIR"), "/api.rs"));
}

/// Files of compiled code under a compilation cache directory: wasmtime names them without a
/// dot, while its `.stats` and `.wip-*` files (written by a background thread that may or may not
/// finish before kiln exits) have one.
pub fn code_files(dir: &Path) -> usize {
  let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
  entries
    .flatten()
    .map(|e| match e.path() {
      path if path.is_dir() => code_files(&path),
      _ if e.file_name().to_string_lossy().contains('.') => 0,
      _ => 1,
    })
    .sum()
}

/// Lines on stderr that say a module was compiled (not read back from the cache).
pub fn compiling_lines(stderr: &str) -> Vec<&str> {
  stderr.lines().filter(|line| line.starts_with("kiln: compiling")).collect()
}

/// Runs the pinned TypeScript compiler (tests/typings/package-lock.json) with `args`.
pub fn tsc(args: &[&str]) -> Run {
  let tsc = repo().join("tests/typings/node_modules/typescript/bin/tsc");
  assert!(tsc.exists(), "{} is missing: run `npm ci --prefix tests/typings` (./x test does it)", tsc.display());
  let Output { stdout, stderr, status } = Command::new("node")
    .arg(&tsc)
    .args(["--pretty", "false"])
    .args(args)
    .current_dir(repo())
    .output()
    .expect("running node (is Node.js installed? ./x test installs it)");
  Run {
    stdout: String::from_utf8_lossy(&stdout).into_owned(),
    stderr: String::from_utf8_lossy(&stderr).into_owned(),
    status: status.code(),
  }
}

/// What tests/fixtures/app.c prints when every attempt to leave its `/data` preopen is refused:
/// reads, writes and listings outside it, and a symlink inside it that points out.
pub const GUEST_ESCAPES_DENIED: &str = concat!(
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
);

/// A tiny deterministic RNG (xorshift64*), for tests that generate their inputs from a seed.
pub struct Rng(u64);

impl Rng {
  pub fn new(seed: u64) -> Self {
    Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
  }
  pub fn next_u64(&mut self) -> u64 {
    let mut x = self.0;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    self.0 = x;
    x.wrapping_mul(0x2545_F491_4F6C_DD1D)
  }
  /// A number below `n` (0 for `n` = 0).
  pub fn below(&mut self, n: usize) -> usize {
    (self.next_u64() % n.max(1) as u64) as usize
  }
  pub fn chance(&mut self, one_in: usize) -> bool {
    self.below(one_in) == 0
  }
  pub fn bytes(&mut self, len: usize) -> Vec<u8> {
    (0..len).map(|_| self.next_u64() as u8).collect()
  }
  /// One of `from`, which must not be empty.
  pub fn pick<'a, T>(&mut self, from: &'a [T]) -> &'a T {
    &from[self.below(from.len())]
  }
}
