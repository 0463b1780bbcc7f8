//! 5. Validation.

use super::*;

/// `kiln job validate` reports each problem with its key path and exits 1; a valid job prints
/// `a valid job` and exits 0.
#[test]
fn validate_names_the_key_path_of_each_problem() {
  let base = || {
    let mut spec = simple("valid", "hello", &[], vec![]);
    task(&mut spec)["Env"] = json!({"GOOD": "yes"});
    spec
  };
  let with = |f: &dyn Fn(&mut Value)| {
    let mut spec = base();
    f(&mut spec);
    spec
  };
  let work = Work::new();
  let ok = work.validate(&base());
  assert_eq!(ok.status, Some(0), "{}", ok.stderr);
  assert_eq!(ok.stdout, "job.yaml: a valid job (1 task, batch)\n");
  // 4 GiB exactly fits wasm32.
  let ok = work.validate(&with(&|s| task(s)["Resources"] = json!({"Memory": "4GiB"})));
  assert_eq!(ok.status, Some(0), "{}", ok.stderr);

  let cases: Vec<(Value, &str, &str)> = vec![
    (
      with(&|s| task(s)["Engine"]["Params"]["EntryModule"] = json!("")),
      "Tasks[0].Engine.Params.EntryModule",
      "target path cannot be empty",
    ),
    (
      with(&|s| task(s)["Engine"]["Params"]["EntryModule"] = json!("elsewhere.wasm")),
      "Tasks[0].Engine.Params.EntryModule",
      "not an input source's Target",
    ),
    (
      with(&|s| task(s)["Engine"]["Params"]["ImportModules"] = json!(["lib/x.wasm"])),
      "Tasks[0].Engine.Params.ImportModules[0]",
      "not an input source's Target",
    ),
    (
      with(&|s| {
        task(s)["Engine"]["Params"].as_object_mut().unwrap().remove("Entrypoint");
      }),
      "Tasks[0].Engine.Params.Entrypoint",
      "missing entry point",
    ),
    (with(&|s| task(s)["Env"]["lower"] = json!("x")), "Tasks[0].Env.lower", "must be uppercase"),
    (with(&|s| task(s)["Env"]["1ABC"] = json!("x")), "Tasks[0].Env.1ABC", "must start with a letter"),
    (with(&|s| task(s)["Env"]["A-B"] = json!("x")), "Tasks[0].Env.A-B", "letters, numbers, and underscores"),
    (
      with(&|s| task(s)["Env"]["BACALHAU_JOB_ID"] = json!("x")),
      "Tasks[0].Env.BACALHAU_JOB_ID",
      "cannot start with BACALHAU_",
    ),
    (with(&|s| task(s)["Env"]["EMPTY"] = json!("")), "Tasks[0].Env.EMPTY", "cannot have empty value"),
    (
      with(&|s| {
        task(s)["ResultPaths"] = json!([{"Name": "outputs", "Path": "outputs"}]);
        task(s)["Publisher"] = json!({"Type": "local"});
      }),
      "Tasks[0].ResultPaths[0].Path",
      "must be absolute",
    ),
    (
      with(&|s| {
        task(s)["ResultPaths"] =
          json!([{"Name": "outputs", "Path": "/outputs"}, {"Name": "outputs", "Path": "/other"}]);
        task(s)["Publisher"] = json!({"Type": "local"});
      }),
      "Tasks[0].ResultPaths[1].Name",
      "already exists",
    ),
    (
      with(&|s| {
        task(s)["ResultPaths"] = json!([{"Name": "main.wasm", "Path": "/outputs"}]);
        task(s)["Publisher"] = json!({"Type": "local"});
      }),
      "Tasks[0].ResultPaths[0].Name",
      "conflicts with input target",
    ),
    (
      with(&|s| task(s)["InputSources"].as_array_mut().unwrap().push(inline("main.wasm", b"again"))),
      "Tasks[0].InputSources[1].Target",
      "target 'main.wasm' already exists",
    ),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "inline", "Params": {"URL": "data:,x"}}}))
      }),
      "Tasks[0].InputSources[1].Target",
      "missing a target",
    ),
    (
      with(&|s| task(s)["Resources"] = json!({"Memory": "5Gb"})),
      "Tasks[0].Resources.Memory",
      "more than a wasm32 memory can hold (4 GiB)",
    ),
    (with(&|s| task(s)["Resources"] = json!({"Memory": "lots"})), "Tasks[0].Resources.Memory", "invalid memory value"),
    (with(&|s| task(s)["Resources"] = json!({"CPU": "fast"})), "Tasks[0].Resources.CPU", "invalid CPU value"),
    (with(&|s| s["Frobnicate"] = json!(true)), "Frobnicate", "unknown field 'Frobnicate'"),
    (with(&|s| s["ID"] = json!("j-123")), "ID", "not allowed"),
    (with(&|s| s["Type"] = json!("cron")), "Type", "invalid job type"),
    (with(&|s| s["Count"] = json!(-1)), "Count", "must be >= 0"),
    (with(&|s| s["Count"] = json!("2")), "Count", "expected an integer"),
    (
      with(&|s| task(s)["Timeouts"] = json!({"ExecutionTimeout": -5})),
      "Tasks[0].Timeouts.ExecutionTimeout",
      "invalid timeout value",
    ),
    (
      with(&|s| task(s)["Timeouts"] = json!({"ExecutionTimeout": 10, "TotalTimeout": 5})),
      "Tasks[0].Timeouts.TotalTimeout",
      "less than total timeout",
    ),
    (with(&|s| task(s)["Engine"]["Type"] = json!("docker")), "Tasks[0].Engine.Type", "only the wasm engine"),
    (with(&|s| task(s)["Name"] = json!(" ")), "Tasks[0].Name", "missing task name"),
    (
      with(&|s| task(s)["Network"] = json!({"Type": "None", "Domains": ["example.com"]})),
      "Tasks[0].Network.Domains",
      "only be set for HTTP",
    ),
    (with(&|s| task(s)["Network"] = json!({"Type": "Wormhole"})), "Tasks[0].Network.Type", "unknown network type"),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "urlDownload", "Params": {"URL": "ftp://example.com/x"}}, "Target": "/x"}))
      }),
      "Tasks[0].InputSources[1].Source.Params.URL",
      "not an http(s) URL",
    ),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "localDirectory", "Params": {"Path": "/srv"}}, "Target": "/x"}))
      }),
      "Tasks[0].InputSources[1].Source.Params.SourcePath",
      "SourcePath, not Path",
    ),
    (
      with(&|s| {
        task(s)["InputSources"]
          .as_array_mut()
          .unwrap()
          .push(json!({"Source": {"Type": "git", "Params": {}}, "Target": "/x"}))
      }),
      "Tasks[0].InputSources[1].Source.Type",
      "unknown source type",
    ),
  ];
  let mut failures = Vec::new();
  for (spec, path, needle) in &cases {
    let check = work.validate(spec);
    let hit = check.stderr.lines().any(|l| l.contains(&format!("{path}: ")) && l.contains(needle));
    if check.status != Some(1) || !hit || !check.stdout.is_empty() {
      failures.push(format!(
        "want exit 1 and a line `{path}: ...{needle}...`; got {:?}\nstdout: {}\nstderr: {}",
        check.status, check.stdout, check.stderr
      ));
    }
    // `run` refuses it the same way, before running anything.
    if *path == "Tasks[0].Env.lower" {
      let run = work.run(spec, &[]);
      refused(&run, &[path, needle]);
      assert!(!work.out().exists());
    }
  }
  assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), cases.len(), failures.join("\n\n"));

  // Several problems: one line each.
  let many = with(&|s| {
    task(s)["Env"]["lower"] = json!("x");
    task(s)["Resources"] = json!({"Memory": "8GiB"});
    s["Type"] = json!("cron");
  });
  let check = work.validate(&many);
  let stderr = refused(&check, &[]);
  for path in ["Tasks[0].Env.lower: ", "Tasks[0].Resources.Memory: ", "Type: "] {
    assert_eq!(stderr.lines().filter(|l| l.starts_with(path)).count(), 1, "{path} in:\n{stderr}");
  }

  // Not YAML at all.
  work.write("broken.yaml", "Name: [unclosed\nTasks: {\n");
  let check = work.kiln(&["job", "validate", "broken.yaml"]);
  refused(&check, &["broken.yaml"]);
  // No such file.
  let check = work.kiln(&["job", "validate", "missing.yaml"]);
  refused(&check, &["missing.yaml"]);
}
