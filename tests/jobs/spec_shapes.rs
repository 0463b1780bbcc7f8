//! 2. Spec shapes.

use super::*;

/// Today's job in YAML and JSON, the legacy shape (seed 000: EntryModule as an input source,
/// EnvironmentVariables in Params, kept as Env with a warning) and seed 002's client model give
/// the same environment, exit code and result layout.
#[test]
fn every_spec_shape_runs_env_the_same() {
  let env_url = data_url("application/wasm", &program("env"));
  let mut current = simple("shapes", "env", &[], vec![]);
  task(&mut current)["Env"] = json!({"GREETING": "hi", "OTHER": "a=b c"});
  let legacy = json!({
    "Name": "shapes",
    "Type": "batch",
    "Tasks": [{
      "Name": "main",
      "Engine": {"Type": "wasm", "Params": {
        "EntryModule": {"Source": {"Type": "inline", "Params": {"URL": env_url}}},
        "EntryPoint": "_start",
        "Parameters": [],
        "EnvironmentVariables": {"GREETING": "hi", "OTHER": "a=b c"},
      }},
    }],
  });
  let client = json!({
    "name": "shapes",
    "spec": {
      "engine": "wasm",
      "wasm": {
        "entry_module": {"storage_source": "inline", "url": env_url},
        "entry_point": "_start",
        "parameters": [],
        "environment_variables": {"GREETING": "hi", "OTHER": "a=b c"},
      },
      "deal": {"concurrency": 1},
    },
  });
  let mut seen = Vec::new();
  for (label, file, spec, warns) in [
    ("current YAML", "job.yaml", &current, false),
    ("current JSON", "job.json", &current, false),
    ("legacy YAML", "job.yaml", &legacy, true),
    ("legacy JSON", "job.json", &legacy, true),
    ("client model JSON", "job.json", &client, true),
    ("client model YAML", "job.yaml", &client, true),
  ] {
    let work = Work::new();
    let run = work.run_file(file, spec, &[]);
    let before = completed(&run, "shapes", "-1", &work.out());
    if warns {
      assert!(
        before.starts_with("warning: ") && before.contains("EnvironmentVariables: moved to Tasks[0].Env"),
        "{label}: {before}"
      );
    } else {
      assert_eq!(before, "", "{label}");
    }
    let vars = env_lines(&run.stdout);
    assert_eq!(vars.get("GREETING").map(String::as_str), Some("hi"), "{label}: {}", run.stdout);
    assert_eq!(vars.get("OTHER").map(String::as_str), Some("a=b c"), "{label}");
    assert_results(&work.out(), run.stdout.as_bytes(), b"", "-1", &[]);
    let check = work.kiln(&["job", "validate", file]);
    assert_eq!(check.status, Some(0), "{label}: {}", check.stderr);
    assert_eq!(check.stdout, format!("{file}: a valid job (1 task, batch)\n"), "{label}");
    seen.push((label, mask_ids(&run.stdout)));
  }
  for (label, stdout) in &seen[1..] {
    assert_eq!(stdout, &seen[0].1, "{label} vs {}", seen[0].0);
  }
}

/// The same for a job with an input file and Parameters: testdata/jobs/wasm.yaml's module target
/// `/wasm.main`, the legacy shape's `/wasm/entry.wasm`, the client model's storage specs.
#[test]
fn every_spec_shape_runs_cat_the_same() {
  let cat_url = data_url("application/wasm", &program("cat"));
  let file_url = data_url("text/plain", b"hello world");
  let current = job(
    "shapes",
    json!({"EntryModule": "wasm.main", "Entrypoint": "_start", "Parameters": ["/data/file.txt"]}),
    vec![
      json!({"Target": "/wasm.main", "Source": {"Type": "inline", "Params": {"URL": cat_url}}}),
      inline("/data/file.txt", b"hello world"),
    ],
  );
  let legacy = json!({
    "Name": "shapes",
    "Type": "batch",
    "Tasks": [{
      "Name": "main",
      "Engine": {"Type": "wasm", "Params": {
        "EntryModule": {"Source": {"Type": "inline", "Params": {"URL": cat_url}}, "Target": null},
        "EntryPoint": "_start",
        "Parameters": ["/data/file.txt"],
      }},
      "InputSources": [inline("/data/file.txt", b"hello world")],
    }],
  });
  let client = json!({
    "name": "shapes",
    "spec": {
      "engine": "wasm",
      "wasm": {
        "entry_module": {"storage_source": "inline", "url": cat_url},
        "entry_point": "_start",
        "parameters": ["/data/file.txt"],
      },
      "inputs": [{"storage_source": "inline", "url": file_url, "path": "/data/file.txt"}],
    },
  });
  for (label, file, spec) in [
    ("current YAML", "job.yaml", &current),
    ("current JSON", "job.json", &current),
    ("legacy YAML", "job.yaml", &legacy),
    ("client model JSON", "job.json", &client),
  ] {
    let work = Work::new();
    let run = work.run_file(file, spec, &[]);
    assert_eq!(run.stdout, "hello world", "{label}: {}", run.stderr);
    completed(&run, "shapes", "0", &work.out());
    assert_results(&work.out(), b"hello world", b"", "0", &[]);
  }
}
