//! 1. Bacalhau's programs and scenarios.

use super::*;

/// WasmHelloWorld: stdout `Hello, world!\n`, nothing on stderr, proc_exit(0).
#[test]
fn hello_world_completes_with_bacalhaus_result_layout() {
  let work = Work::new();
  let run = work.run(&simple("hello", "hello", &[], vec![]), &[]);
  assert_eq!(run.stdout, "Hello, world!\n", "the guest's stdout streams to kiln's stdout");
  assert_eq!(completed(&run, "hello", "0", &work.out()), "", "nothing but the summary on stderr");
  assert_results(&work.out(), b"Hello, world!\n", b"", "0", &[]);

  // `validate` on the same spec.
  let check = work.kiln(&["job", "validate", "job.yaml"]);
  assert_eq!(check.status, Some(0), "{}", check.stderr);
  assert_eq!(check.stdout, "job.yaml: a valid job (1 task, batch)\n");
}

/// WasmExitCode: EXIT_CODE=5 → exitCode `5`, and the job still completes (exit status 0). An
/// invalid EXIT_CODE makes the guest panic (a trap), which Bacalhau records as exit code 1.
#[test]
fn exit_code_is_the_guests_and_a_trap_is_1() {
  let cases: [(&str, &str, &str, &str); 4] = [
    ("5", "Exiting with 5\n", "", "5"),
    ("0", "Exiting with 0\n", "", "0"),
    ("+007", "Exiting with 7\n", "", "7"),
    (
      "abc",
      "",
      "thread 'main' panicked at 'Must be an integer', src/main.rs:5:16\n\
       note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
      "1",
    ),
  ];
  for (value, stdout, stderr, code) in cases {
    let work = Work::new();
    let mut spec = simple("exit-code", "exit_code", &[], vec![]);
    task(&mut spec)["Env"] = json!({"EXIT_CODE": value});
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, stdout, "EXIT_CODE={value}");
    let before = completed(&run, "exit-code", code, &work.out());
    if code == "1" {
      // The guest's stderr, then kiln's note about the trap, then the summary.
      assert!(before.starts_with(stderr), "EXIT_CODE={value}: {before}");
      assert!(before[stderr.len()..].starts_with("job exit-code: the guest trapped"), "{before}");
    } else {
      assert_eq!(before, stderr, "EXIT_CODE={value}");
    }
    assert_results(&work.out(), stdout.as_bytes(), stderr.as_bytes(), code, &[]);
  }
}

/// Exit codes 126 and above from proc_exit: Bacalhau (wazero) records the guest's code as is
/// (`fmt.Sprint` of the uint32, at most 4 bytes), e.g. EXIT_CODE=200 → exitCode `200`, and
/// the job completes without a trap.
#[test]
fn exit_codes_above_125_are_kept() {
  for code in ["126", "200", "300"] {
    let work = Work::new();
    let mut spec = simple("exit-code", "exit_code", &[], vec![]);
    task(&mut spec)["Env"] = json!({"EXIT_CODE": code});
    let run = work.run(&spec, &[]);
    let stdout = format!("Exiting with {code}\n");
    assert_eq!(run.stdout, stdout);
    assert_eq!(completed(&run, "exit-code", code, &work.out()), "", "EXIT_CODE={code}");
    assert_results(&work.out(), stdout.as_bytes(), b"", code, &[]);
  }
}

/// WasmEnvVars: sorted `K=V` lines, the job's Env plus the five BACALHAU_ variables, nothing of
/// kiln's own environment (it runs with SECRET=host-secret). env returns from main, so the exit
/// code is -1 as in Bacalhau, or 0 with --exit-zero-on-return.
#[test]
fn env_sees_its_env_and_bacalhaus_variables_sorted() {
  let work = Work::new();
  let mut spec = simple("env", "env", &[], vec![]);
  task(&mut spec)["Env"] = json!({"TEST": "yes", "AWESOME": "definitely"});
  let run = work.run(&spec, &[]);
  assert_eq!(completed(&run, "env", "-1", &work.out()), "");
  let vars = env_lines(&run.stdout);
  let names: Vec<&str> = vars.keys().map(String::as_str).collect();
  assert_eq!(
    names,
    [
      "AWESOME",
      "BACALHAU_EXECUTION_ID",
      "BACALHAU_JOB_ID",
      "BACALHAU_JOB_TYPE",
      "BACALHAU_PARTITION_COUNT",
      "BACALHAU_PARTITION_INDEX",
      "TEST"
    ],
    "{}",
    run.stdout
  );
  assert_eq!(vars["AWESOME"], "definitely");
  assert_eq!(vars["TEST"], "yes");
  assert_eq!(vars["BACALHAU_JOB_TYPE"], "batch");
  assert_eq!(vars["BACALHAU_PARTITION_INDEX"], "0");
  assert_eq!(vars["BACALHAU_PARTITION_COUNT"], "1");
  assert!(is_id(&vars["BACALHAU_JOB_ID"], "j-"), "{}", vars["BACALHAU_JOB_ID"]);
  assert!(is_id(&vars["BACALHAU_EXECUTION_ID"], "e-"), "{}", vars["BACALHAU_EXECUTION_ID"]);
  assert_results(&work.out(), run.stdout.as_bytes(), b"", "-1", &[]);

  // --exit-zero-on-return: a return from the entry point is exit code 0.
  let work = Work::new();
  let run = work.run(&spec, &["--exit-zero-on-return"]);
  completed(&run, "env", "0", &work.out());
  assert_results(&work.out(), run.stdout.as_bytes(), b"", "0", &[]);
  // ... but a proc_exit code is still the guest's.
  let mut spec = simple("exit-code", "exit_code", &[], vec![]);
  task(&mut spec)["Env"] = json!({"EXIT_CODE": "5"});
  let work = Work::new();
  completed(&work.run(&spec, &["--exit-zero-on-return"]), "exit-code", "5", &work.out());
}

/// The cat jobs: CatFileToStdout (a local file at /data/file.txt), the multiple-input-files job
/// (two inline inputs, the module at /app/cat.wasm), and publish-on-error (a missing file after
/// a good one: the guest exits 1, the job still completes).
#[test]
fn cat_reads_inline_and_local_inputs() {
  // Two inline files; the entry module at /app/cat.wasm.
  let work = Work::new();
  let spec = job(
    "cat-two",
    json!({"EntryModule": "/app/cat.wasm", "Entrypoint": "_start",
           "Parameters": ["/input-1/hello-cid-1.txt", "/input-2/hello-cid-2.txt"]}),
    vec![
      inline("/input-1/hello-cid-1.txt", b"file1\n"),
      inline("/input-2/hello-cid-2.txt", b"file2\n"),
      module("/app/cat.wasm", "cat"),
    ],
  );
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "file1\nfile2\n");
  assert_eq!(completed(&run, "cat-two", "0", &work.out()), "");
  assert_results(&work.out(), b"file1\nfile2\n", b"", "0", &[]);

  // CatFileToStdout: a local file (no newline) at /data/file.txt.
  let work = Work::new();
  let file = work.write("host/file.txt", "hello world");
  let spec = simple("cat-local", "cat", &["/data/file.txt"], vec![local("local", &file, "/data/file.txt")]);
  let allowed = work.path().join("host");
  let run = work.run(&spec, &["--allow-local", allowed.to_str().unwrap()]);
  assert_eq!(run.stdout, "hello world");
  // stdout does not end in a newline, so the summary starts on a line of its own only on stderr.
  assert_eq!(completed(&run, "cat-local", "0", &work.out()), "");
  assert_results(&work.out(), b"hello world", b"", "0", &[]);

  // publish_on_error: the first file, then a missing one.
  let work = Work::new();
  let spec = simple(
    "cat-error",
    "cat",
    &["data/hello.txt", "does/not/exist.txt"],
    vec![inline("data/hello.txt", b"I am a miserable failure\n")],
  );
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "I am a miserable failure\n");
  let stderr = "No such file or directory (os error 44)\n";
  assert_eq!(completed(&run, "cat-error", "1", &work.out()), stderr);
  assert_results(&work.out(), b"I am a miserable failure\n", stderr.as_bytes(), "1", &[]);
}

/// The guest sees its inputs and nothing of the host: paths outside them do not exist, and `..`
/// does not climb out of the root.
#[test]
fn the_guest_sees_only_its_inputs() {
  for path in ["/etc/passwd", "/../../../../etc/passwd", "../etc/passwd", "/tmp"] {
    let work = Work::new();
    let spec = simple("cat-host", "cat", &["/data/file.txt", path], vec![inline("/data/file.txt", b"mine\n")]);
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, "mine\n", "{path}");
    let stderr = completed(&run, "cat-host", "1", &work.out());
    assert!(stderr.ends_with(")\n") && stderr.contains(" (os error "), "{path}: {stderr}");
    assert_results(&work.out(), b"mine\n", stderr.as_bytes(), "1", &[]);
  }
}

/// A localDirectory source is refused unless `--allow-local` (or the manifest's
/// `[jobs] allow_local`) covers it; then its files are visible at the Target, read-only.
#[test]
fn local_directories_need_allow_local() {
  let work = Work::new();
  work.write("data/a.txt", "from a local directory\n");
  let data = work.path().join("data");
  let spec = simple("cat-dir", "cat", &["/inputs/a.txt"], vec![local("localDirectory", &data, "/inputs")]);

  let run = work.run(&spec, &[]);
  let stderr = refused(&run, &["Tasks[0].InputSources[1].Source.Params.SourcePath", "--allow-local"]);
  assert!(stderr.contains(data.to_str().unwrap()), "{stderr}");
  assert!(!work.out().exists(), "a refused job writes no results");
  let check = work.kiln(&["job", "validate", "job.yaml"]);
  refused(&check, &["Tasks[0].InputSources[1].Source.Params.SourcePath", "--allow-local"]);

  // A sibling with the same prefix is not "under" the allowed path.
  let run = work.run(&spec, &["--allow-local", &format!("{}x", data.display())]);
  refused(&run, &["--allow-local"]);

  let run = work.run(&spec, &["--allow-local", data.to_str().unwrap()]);
  assert_eq!(run.stdout, "from a local directory\n");
  completed(&run, "cat-dir", "0", &work.out());
  assert_results(&work.out(), b"from a local directory\n", b"", "0", &[]);

  // ReadWrite needs `:rw`.
  let mut rw = spec.clone();
  task(&mut rw)["InputSources"][1]["Source"]["Params"]["ReadWrite"] = json!(true);
  let run = work.run(&rw, &["--allow-local", data.to_str().unwrap()]);
  refused(&run, &["Tasks[0].InputSources[1].Source.Params.ReadWrite", ":rw"]);
}

/// The manifest.app.toml beside the spec grants local paths too, with `[jobs] allow_local`; a
/// relative entry is relative to the manifest's directory, however the spec's path is written.
#[test]
fn the_manifest_grants_local_paths() {
  let work = Work::new();
  work.write("data/a.txt", "granted by the manifest\n");
  work.write("manifest.app.toml", "[jobs]\nallow_local = [\"data\"]\n");
  let data = work.path().join("data");
  let spec = simple("cat-dir", "cat", &["/inputs/a.txt"], vec![local("localDirectory", &data, "/inputs")]);
  let absolute = work.spec("job.yaml", &spec);
  let check = work.kiln(&["job", "validate", absolute.to_str().unwrap()]);
  assert_eq!(check.status, Some(0), "validate with the spec's absolute path: {}", check.stderr);
  for spec_path in ["job.yaml", "./job.yaml"] {
    let check = work.kiln(&["job", "validate", spec_path]);
    assert_eq!(check.status, Some(0), "validate {spec_path}: {}", check.stderr);
  }
  let run = work.run(&spec, &[]);
  assert_eq!(run.stdout, "granted by the manifest\n", "{}", run.stderr);
  completed(&run, "cat-dir", "0", &work.out());
  assert_results(&work.out(), b"granted by the manifest\n", b"", "0", &[]);
}

/// A relative SourcePath is read relative to kiln's working directory (inputs.rs stages it so),
/// and `--allow-local` with the same relative path (what the refusal suggests) allows it.
#[test]
fn relative_local_paths_resolve_against_the_working_directory() {
  let work = Work::new();
  work.write("data/a.txt", "relative\n");
  let spec = simple("cat-rel", "cat", &["/inputs/a.txt"], vec![local("localDirectory", Path::new("data"), "/inputs")]);
  let run = work.run(&spec, &[]);
  refused(&run, &["Tasks[0].InputSources[1].Source.Params.SourcePath", "--allow-local data"]);
  let run = work.run(&spec, &["--allow-local", "data"]);
  assert_eq!(run.stdout, "relative\n", "{}", run.stderr);
  completed(&run, "cat-rel", "0", &work.out());
  assert_results(&work.out(), b"relative\n", b"", "0", &[]);
}

/// WasmCsvTransform: the inputs directory at /inputs, a result path {Name: outputs, Path:
/// /outputs}; the guest writes outputs/parents-children.csv, which lands in out/outputs/.
#[test]
fn csv_writes_its_result_path() {
  let (horses_csv, expected) = horses();
  let work = Work::new();
  work.write("inputs/horses.csv", horses_csv);
  work.write("inputs/horses.sparql", "SELECT ?horse WHERE {}\n");
  let inputs = work.path().join("inputs");
  let mut spec = simple(
    "csv",
    "csv",
    &["inputs/horses.csv", "outputs/parents-children.csv"],
    vec![local("localDirectory", &inputs, "/inputs")],
  );
  task(&mut spec)["ResultPaths"] = json!([{"Name": "outputs", "Path": "/outputs"}]);
  task(&mut spec)["Publisher"] = json!({"Type": "local"});
  let run = work.run(&spec, &["--allow-local", inputs.to_str().unwrap()]);
  assert_eq!(run.stdout, "");
  assert_eq!(completed(&run, "csv", "0", &work.out()), "");
  assert_results(&work.out(), b"", b"", "0", &["outputs/", "outputs/parents-children.csv"]);
  let result = read(&work.out(), "outputs/parents-children.csv");
  let result = text(&result);
  assert!(
    result.lines().any(
      |l| l == "http://www.wikidata.org/entity/Q14949904,Tugela,http://www.wikidata.org/entity/Q1001792,Makybe Diva"
    ),
    "{}",
    &result[..300.min(result.len())]
  );
  assert_eq!(result.split('\n').count(), 269, "Go's strings.Split on \\n");
  assert_eq!(result, text(expected), "horses_gen --expected");

  // Without a Publisher, kiln sets {Type: local} and says so.
  let mut spec2 = spec.clone();
  task(&mut spec2).as_object_mut().unwrap().remove("Publisher");
  let work2 = Work::new();
  let run = work2.run(&spec2, &["--allow-local", inputs.to_str().unwrap()]);
  let before = completed(&run, "csv", "0", &work2.out());
  assert!(before.starts_with("warning: Tasks[0].Publisher: set to {Type: local}"), "{before}");
  assert_eq!(read(&work2.out(), "outputs/parents-children.csv"), *expected);

  // Inputs are read-only: writing into /inputs fails in the guest (exit 1) and changes nothing.
  let work3 = Work::new();
  let spec3 = simple(
    "csv",
    "csv",
    &["inputs/horses.csv", "inputs/written.csv"],
    vec![local("localDirectory", &inputs, "/inputs")],
  );
  let run = work3.run(&spec3, &["--allow-local", inputs.to_str().unwrap()]);
  let before = completed(&run, "csv", "1", &work3.out());
  assert!(before.starts_with("error: ") && before.contains("(os error "), "{before}");
  assert!(!inputs.join("written.csv").exists(), "a read-only input was written to");
  assert_eq!(text(&read(&work3.out(), "exitCode")), "1");

  // A localDirectory with ReadWrite and `--allow-local PATH:rw` is writable.
  let scratch = work3.path().join("scratch");
  std::fs::create_dir_all(&scratch).unwrap();
  let mut spec4 = simple(
    "csv",
    "csv",
    &["inputs/horses.csv", "scratch/written.csv"],
    vec![local("localDirectory", &inputs, "/inputs"), local("localDirectory", &scratch, "/scratch")],
  );
  task(&mut spec4)["InputSources"][2]["Source"]["Params"]["ReadWrite"] = json!(true);
  let work4 = Work::new();
  let rw = format!("{}:rw", scratch.display());
  let run = work4.run(&spec4, &["--allow-local", inputs.to_str().unwrap(), "--allow-local", &rw]);
  completed(&run, "csv", "0", &work4.out());
  assert_eq!(std::fs::read(scratch.join("written.csv")).unwrap(), *expected);
}

/// WasmDynamicLink: dynamic imports `easter` from the module named "input.wasm"; with no
/// ImportModules, Bacalhau reads that name as a path in the job's file system, where easter is
/// mounted. Prints `17\n` and returns (exit code -1).
#[test]
fn dynamic_links_easter_by_path_or_by_import_modules() {
  let inputs =
    || vec![inline("/data", b"unused input"), module("input.wasm", "easter"), module("main.wasm", "dynamic")];
  let by_path = job("dynamic", json!({"EntryModule": "main.wasm", "Entrypoint": "_start"}), inputs());
  let named = job(
    "dynamic",
    json!({"EntryModule": "main.wasm", "Entrypoint": "_start", "ImportModules": ["input.wasm"]}),
    inputs(),
  );
  for spec in [by_path, named] {
    let work = Work::new();
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, "17\n", "{}", run.stderr);
    assert_eq!(completed(&run, "dynamic", "-1", &work.out()), "");
    assert_results(&work.out(), b"17\n", b"", "-1", &[]);
  }

  // The entry module may name a directory holding a single .wasm (here a local directory with
  // a text file beside the module).
  let work = Work::new();
  work.write("app/dynamic.wasm", program("dynamic"));
  work.write("app/README.txt", "not a module\n");
  let app = work.path().join("app");
  let spec = job(
    "dynamic",
    json!({"EntryModule": "/app", "Entrypoint": "_start", "Parameters": ["2024"]}),
    vec![local("localDirectory", &app, "/app"), module("input.wasm", "easter")],
  );
  let run = work.run(&spec, &["--allow-local", app.to_str().unwrap()]);
  assert_eq!(run.stdout, "31\n", "{}", run.stderr);
  completed(&run, "dynamic", "-1", &work.out());
  assert_results(&work.out(), b"31\n", b"", "-1", &[]);
  // Two modules there: which one is meant is unclear, and the job fails.
  work.write("app/other.wasm", program("hello"));
  let work2 = Work::new();
  let run = work2.run(&spec, &["--allow-local", app.to_str().unwrap()]);
  let line = failed(&run, "dynamic");
  assert!(line.contains("Tasks[0].Engine.Params.EntryModule") && line.contains("2 .wasm files"), "{line}");

  // The legacy shape (seed 000) and the client model (seed 002) give ImportModules as input
  // sources; with the target (`path`) input.wasm they satisfy the import by name.
  let dynamic_url = data_url("application/wasm", &program("dynamic"));
  let easter_url = data_url("application/wasm", &program("easter"));
  let legacy = json!({
    "Name": "dynamic",
    "Type": "batch",
    "Tasks": [{"Name": "main", "Engine": {"Type": "wasm", "Params": {
      "EntryModule": {"Source": {"Type": "inline", "Params": {"URL": dynamic_url}}},
      "EntryPoint": "_start",
      "ImportModules": [{"Source": {"Type": "inline", "Params": {"URL": easter_url}}, "Target": "input.wasm"}],
    }}}],
  });
  let client = json!({
    "name": "dynamic",
    "spec": {"engine": "wasm", "wasm": {
      "entry_module": {"storage_source": "inline", "url": dynamic_url},
      "entry_point": "_start",
      "import_modules": [{"storage_source": "inline", "url": easter_url, "path": "input.wasm"}],
    }},
  });
  for (label, spec) in [("legacy", legacy), ("client model", client)] {
    let work = Work::new();
    let run = work.run(&spec, &[]);
    assert_eq!(run.stdout, "17\n", "{label}: {}", run.stderr);
    completed(&run, "dynamic", "-1", &work.out());
    assert_results(&work.out(), b"17\n", b"", "-1", &[]);
  }

  // Without input.wasm the module cannot be linked: the job fails (loader_test.go).
  let work = Work::new();
  let spec =
    job("dynamic", json!({"EntryModule": "main.wasm", "Entrypoint": "_start"}), vec![module("main.wasm", "dynamic")]);
  let run = work.run(&spec, &[]);
  let line = failed(&run, "dynamic");
  assert!(line.contains("input.wasm"), "the failure should name the missing import module: {line}");
  assert_eq!(run.stdout, "");
}
