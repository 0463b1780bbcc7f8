//! The command line's rough edges: `kiln compile`, `--help` on every command, `kiln types` on a
//! directory that does not exist, the scaffold's type-check hint, and `./x install`.

use std::path::{Path, PathBuf};
use std::process::Command;

use kiln_test_support::{code_files, compiling_lines};
use kiln_test_support::{kiln, kiln_bin, kiln_env, repo, wat, App, Run};

fn tempdir() -> tempfile::TempDir {
  tempfile::Builder::new().prefix("cli").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

/// An app that compiles math.wasm and instantiates it with `options` (a JS object literal body).
fn math_app(options: &str) -> App {
  App::from_source(&format!(
    "import {{ compileFile, instantiate }} from \"runtime:wasm\";\n\
     const instance = await instantiate(await compileFile(\"./math.wasm\"), {{ {options} }});\n\
     console.log(await instance.call(\"add\", 2, 3));\n"
  ))
  .allow_all()
  .wat("math.wat", "math.wasm")
}

fn compile_in(cwd: &Path, cache: &Path, args: &[&str]) -> Run {
  let args = ["compile"].into_iter().chain(args.iter().copied());
  kiln_env(cwd, args, &[("KILN_CACHE_DIR", cache.to_str().unwrap())])
}

/// Runs the app with `cache` and every compile that does not come from the cache reported.
fn run_reporting(app: &App, cache: &Path) -> Run {
  let env = [("KILN_CACHE_DIR", cache.to_str().unwrap()), ("KILN_COMPILE_PROGRESS_MS", "0")];
  kiln_env(app.path(), ["run", "main.ts"], &env)
}

#[test]
fn compile_warms_the_cache_an_app_then_uses() {
  let app = math_app("");
  let cache = app.path().join("cache");

  let out = compile_in(app.path(), &cache, &["math.wasm"]);
  let line = out.success();
  assert!(line.starts_with("compiled math.wasm (0.0 MiB) in "), "{line}");
  assert!(line.trim_end().ends_with(&format!("; cached in {}", cache.display())), "{line}");
  assert_eq!(line.lines().count(), 1, "{line}");
  assert_eq!(code_files(&cache), 1);

  // The app's compileFile reads it back: nothing is compiled, even with a zero threshold.
  let run = run_reporting(&app, &cache);
  run.ok("[ 5 ]\n");
  assert!(compiling_lines(&run.stderr).is_empty(), "{}", run.stderr);
  assert_eq!(code_files(&cache), 1);

  // A second kiln compile has nothing to do.
  assert_eq!(compile_in(app.path(), &cache, &["math.wasm"]).success(), "math.wasm was already cached\n");
}

/// `kiln compile` also records the file in the cache's `.source` entries, as a first `compileFile`
/// does, so that the app's first run loads the code without reading the module.
#[test]
fn compile_records_the_file_so_the_first_run_does_not_read_it() {
  let app = math_app("");
  let cache = app.path().join("cache");
  let sources = || {
    std::fs::read_dir(&cache)
      .map_or(0, |entries| entries.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".source")).count())
  };
  // A file changed less than 3 s before it is read gets no entry (artifact_cache.rs: RACY).
  std::thread::sleep(std::time::Duration::from_millis(3100));
  compile_in(app.path(), &cache, &["math.wasm"]).success();
  assert_eq!(sources(), 1, "kiln compile recorded math.wasm");
  // The app's run finds the entry and the code: it compiles nothing.
  let run = run_reporting(&app, &cache);
  run.ok("[ 5 ]\n");
  assert!(compiling_lines(&run.stderr).is_empty(), "{}", run.stderr);
  assert_eq!(sources(), 1);
}

#[test]
fn compile_fuel_and_uninterruptible_warm_those_engines_too() {
  for (option, app_options) in [("--fuel", "fuel: 1_000_000"), ("--uninterruptible", "interruptible: false")] {
    let app = math_app(app_options);
    let cache = app.path().join("cache");
    // Without the option only the default engine's code is cached: the app compiles once more.
    let plain_only = app.path().join("plain-only");
    compile_in(app.path(), &plain_only, &["math.wasm"]).success();
    let cold = run_reporting(&app, &plain_only);
    cold.ok("[ 5 ]\n");
    assert_eq!(compiling_lines(&cold.stderr).len(), 1, "{app_options}: {}", cold.stderr);

    // With it, the app compiles nothing.
    compile_in(app.path(), &cache, &[option, "math.wasm"]).success();
    assert_eq!(code_files(&cache), 2, "{app_options}");
    let warm = run_reporting(&app, &cache);
    warm.ok("[ 5 ]\n");
    assert!(compiling_lines(&warm.stderr).is_empty(), "{app_options}: {}", warm.stderr);
    assert_eq!(code_files(&cache), 2, "{app_options}");
  }
  // Both at once: three engines.
  let app = math_app("");
  let cache = app.path().join("cache");
  compile_in(app.path(), &cache, &["--fuel", "--uninterruptible", "math.wasm"]).success();
  assert_eq!(code_files(&cache), 3);
}

#[test]
fn compile_uses_the_cache_of_the_files_app() {
  // Run from elsewhere, on a file in a subdirectory of an app whose manifest moves the cache.
  let app = App::from_source("").manifest("[cache]\ndir = \"app-cache\"\n").file("wasm/math.wasm", wat("math.wat"));
  let elsewhere = tempdir();
  let file = app.path().join("wasm/math.wasm");
  let out = kiln_env(elsewhere.path(), ["compile", file.to_str().unwrap()], &[("KILN_CACHE_DIR", "")]);
  let line = out.success();
  assert!(line.contains("app-cache"), "{line}");
  assert_eq!(code_files(&app.path().join("app-cache")), 1, "{line}");
}

#[test]
fn compile_refuses_when_the_cache_is_off() {
  let app = App::from_source("").file("math.wasm", wat("math.wat"));
  let out = kiln_env(app.path(), ["compile", "math.wasm"], &[("KILN_CACHE_DIR", "off")]);
  assert_eq!(out.status, Some(1), "{}", out.stderr);
  assert!(out.stderr.contains("pointless") && out.stderr.contains("KILN_CACHE_DIR=off"), "{}", out.stderr);
  assert!(out.stderr.contains("math.wasm"), "{}", out.stderr);

  let app = app.manifest("[cache]\nenabled = false\n");
  let out = kiln_env(app.path(), ["compile", "math.wasm"], &[("KILN_CACHE_DIR", "")]);
  assert_eq!(out.status, Some(1), "{}", out.stderr);
  assert!(out.stderr.contains("pointless") && out.stderr.contains("enabled = false"), "{}", out.stderr);
  assert!(out.stderr.contains("manifest.app.toml"), "{}", out.stderr);
  assert_eq!(out.stdout, "");
}

#[test]
fn compile_names_the_file_that_fails_and_still_compiles_the_others() {
  let app = App::from_source("").file("math.wasm", wat("math.wat")).file("broken.wasm", b"\0asm\x01\0\0\0\x01\xff");
  let cache = app.path().join("cache");
  let out = compile_in(app.path(), &cache, &["missing.wasm", "broken.wasm", "math.wasm"]);
  assert_eq!(out.status, Some(1), "{}", out.stderr);
  let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
  assert_eq!(errors.len(), 2, "{}", out.stderr);
  assert!(errors[0].contains("missing.wasm") && errors[0].contains("check the path"), "{}", out.stderr);
  assert!(errors[1].contains("broken.wasm") && errors[1].contains("not a valid WebAssembly module"), "{}", out.stderr);
  assert!(out.stdout.starts_with("compiled math.wasm "), "{}", out.stdout);
  assert_eq!(code_files(&cache), 1);

  // Usage errors exit 2.
  let none = compile_in(app.path(), &cache, &[]);
  assert_eq!(none.status, Some(2), "{}", none.stderr);
  assert!(none.stderr.contains("at least one"), "{}", none.stderr);
  let bad = compile_in(app.path(), &cache, &["--fule", "math.wasm"]);
  assert_eq!(bad.status, Some(2), "{}", bad.stderr);
  assert!(bad.stderr.contains("--fule"), "{}", bad.stderr);
}

#[test]
fn every_command_takes_help() {
  let tmp = tempdir();
  let asks: [&[&str]; 5] = [
    &["run", "--help"],
    &["types", "--help"],
    &["init", "--help"],
    &["compile", "-h"],
    &["run", "--manifest", "m.toml", "--help"],
  ];
  for args in asks {
    let out = kiln(tmp.path(), args.iter().copied());
    assert_eq!(out.status, Some(0), "{args:?}: {}", out.stderr);
    assert!(
      out.stdout.contains("kiln compile [--fuel]") && out.stdout.contains("kiln run"),
      "{args:?}: {}",
      out.stdout
    );
    assert_eq!(out.stderr, "", "{args:?}");
  }
  // `kiln init --help` made no app and `kiln types --help` no typings.
  assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

  // After the entry file, --help is the app's.
  let app = App::from_source("console.log(JSON.stringify(Kiln.args));\n");
  app.run_with_args(&["--help"]).ok("[\"--help\"]\n");
}

#[test]
fn types_refuses_a_directory_that_does_not_exist() {
  let tmp = tempdir();
  let out = kiln(tmp.path(), ["types", "typo/dir"]);
  assert_eq!(out.status, Some(1), "{}", out.stderr);
  assert!(out.stderr.contains("typo/dir does not exist") && out.stderr.contains("kiln init"), "{}", out.stderr);
  assert!(!tmp.path().join("typo").exists(), "kiln types created the directory");

  std::fs::write(tmp.path().join("file"), "").unwrap();
  let out = kiln(tmp.path(), ["types", "file"]);
  assert_eq!(out.status, Some(1), "{}", out.stderr);
  assert!(out.stderr.contains("is not a directory"), "{}", out.stderr);

  // kiln init still creates its directory, typings and all.
  kiln(tmp.path(), ["init", "new/app"]).success();
  assert!(tmp.path().join("new/app/kiln-types/runtime_wasm.d.ts").is_file());
}

#[test]
fn the_scaffold_type_checks_with_the_real_typescript_package() {
  let tmp = tempdir();
  kiln(tmp.path(), ["init", "app"]).success();
  let main = std::fs::read_to_string(tmp.path().join("app/main.ts")).unwrap();
  assert!(main.contains("npx -p typescript tsc -p ."), "{main}");
  // `npx tsc` alone runs an unrelated npm package named `tsc`.
  assert!(!main.contains("npx tsc"), "{main}");
  let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
  assert!(!readme.contains("npx tsc"), "README.md still says `npx tsc`");
}

/// Runs `./x install <prefix>` in `cwd` with `path` as PATH, building into the tests' target dir.
fn x_install(cwd: &Path, prefix: &str, path: &str) -> Run {
  let target = kiln_bin().parent().and_then(Path::parent).expect("target/<profile>/kiln");
  let out = Command::new(repo().join("x"))
    .args(["install", prefix])
    .current_dir(cwd)
    .env("PATH", path)
    .env("CARGO_TARGET_DIR", target)
    .output()
    .expect("running ./x install");
  Run {
    stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
    stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    status: out.status.code(),
  }
}

#[test]
fn x_install_puts_a_stripped_kiln_in_prefix_bin() {
  let tmp = tempdir();
  let system_path = std::env::var("PATH").unwrap_or_default();
  let prefix = tmp.path().join("prefix");
  let out = x_install(tmp.path(), prefix.to_str().unwrap(), &system_path);
  let installed = prefix.join("bin/kiln");
  let said = out.success();
  assert!(said.contains(&format!("as {}", installed.display())), "{said}");
  assert!(said.contains("is not on your PATH"), "{said}");

  // It is the kiln just built, stripped: much smaller, and it runs.
  let unstripped = std::fs::metadata(kiln_bin()).unwrap().len();
  let stripped = std::fs::metadata(&installed).unwrap().len();
  assert!(stripped * 2 < unstripped, "installed {stripped} bytes, built {unstripped}");
  let version = Command::new(&installed).arg("--version").output().unwrap();
  assert_eq!(String::from_utf8_lossy(&version.stdout), format!("kiln {}\n", env!("CARGO_PKG_VERSION")));

  // A relative prefix is relative to where x runs; a bin dir on PATH is recognized.
  let relative_bin: PathBuf = tmp.path().join("rel/bin");
  let out = x_install(tmp.path(), "rel", &format!("{}:{system_path}", relative_bin.display()));
  let said = out.success();
  assert!(relative_bin.join("kiln").is_file(), "{said}");
  assert!(said.contains("is on your PATH"), "{said}");
}

/// The binary is position-independent, so its code lands at a random address in every process
/// (SECURITY.md, "Hardening of the binary"): an ELF of type `ET_DYN` with a program interpreter,
/// not a fixed-address `ET_EXEC`. A non-PIE link starts about 1 ms sooner (BENCHMARKS.md, seventh
/// pass); this keeps a build setting from trading the randomization away unnoticed.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
#[test]
fn the_binary_is_position_independent() {
  let bytes = std::fs::read(kiln_bin()).unwrap();
  assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
  let e_type = u16::from_le_bytes([bytes[16], bytes[17]]);
  assert_eq!(e_type, 3, "ELF type {e_type}: kiln must be linked as a position-independent executable (ET_DYN)");
  // An ET_DYN with a PT_INTERP program header is an executable, not a shared library.
  let (phoff, phentsize, phnum) = (
    u64::from_le_bytes(bytes[32..40].try_into().unwrap()) as usize,
    usize::from(u16::from_le_bytes([bytes[54], bytes[55]])),
    usize::from(u16::from_le_bytes([bytes[56], bytes[57]])),
  );
  let has_interp = (0..phnum).any(|i| {
    let at = phoff + i * phentsize;
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) == 3
  });
  assert!(has_interp, "kiln has no program interpreter (PT_INTERP)");
}
