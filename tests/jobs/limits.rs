//! 6. Limits, failures and partitions.

use super::*;

/// Timeouts.ExecutionTimeout: a guest asleep for a minute, or spinning, is stopped after 1 s;
/// the job fails (exit status 1) and says why. What it printed before is kept.
#[test]
fn the_execution_timeout_stops_the_guest() {
  let work = Work::new();
  let mut spec = simple("sleepy", "sleeper", &["sleep", "60"], vec![]);
  task(&mut spec)["Timeouts"] = json!({"ExecutionTimeout": 1});
  let started = Instant::now();
  let run = work.run(&spec, &[]);
  let took = started.elapsed();
  let line = failed(&run, "sleepy");
  assert!(line.contains("timeout") && line.contains("Timeouts.ExecutionTimeout"), "{line}");
  assert!(took < Duration::from_secs(20), "took {took:?}");
  assert!(took >= Duration::from_millis(900), "stopped before its timeout: {took:?}");
  assert_eq!(run.stdout, "sleeper: sleep 60\n");
  assert_eq!(text(&read(&work.out(), "stdout")), "sleeper: sleep 60\n");
  assert_eq!(text(&read(&work.out(), "exitCode")), "-1", "a failed execution's exit code, as Bacalhau's");

  let spin = wat::parse_str(r#"(module (func (export "_start") (loop $l (br $l))))"#).unwrap();
  let work = Work::new();
  let mut spec = job(
    "spin",
    json!({"EntryModule": "spin.wasm", "Entrypoint": "_start"}),
    vec![
      json!({"Source": {"Type": "inline", "Params": {"URL": data_url("application/wasm", &spin)}}, "Target": "spin.wasm"}),
    ],
  );
  task(&mut spec)["Timeouts"] = json!({"ExecutionTimeout": 1});
  let started = Instant::now();
  let run = work.run(&spec, &[]);
  let line = failed(&run, "spin");
  assert!(line.contains("timeout"), "{line}");
  assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

/// A guest that grows its memory by `grow` pages from `initial` and exits 4 if it could, 3 if
/// memory.grow returned -1.
fn grower(initial: u32, grow: u32) -> Value {
  let wat = format!(
    r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") {initial})
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const {grow})) (i32.const -1))
      (then (call $exit (i32.const 3)))
      (else (call $exit (i32.const 4))))))"#
  );
  let bytes = wat::parse_str(&wat).unwrap();
  job(
    "grow",
    json!({"EntryModule": "grow.wasm", "Entrypoint": "_start"}),
    vec![
      json!({"Source": {"Type": "inline", "Params": {"URL": data_url("application/wasm", &bytes)}}, "Target": "grow.wasm"}),
    ],
  )
}

/// Resources.Memory caps the guest's memory, rounded up to whole pages: `1Mb` (1 000 000 bytes)
/// is 16 pages, so growing to 16 pages works and to 17 fails in the guest (memory.grow returns
/// -1; the job completes). A module whose initial memory is over the cap fails the job. With no
/// Memory, Bacalhau's default 512Mb (7813 pages) applies.
#[test]
fn the_memory_cap_rounds_up_to_pages() {
  let cases: [(Option<&str>, u32, u32, &str); 5] = [
    (Some("1Mb"), 1, 15, "4"),
    (Some("1Mb"), 1, 16, "3"),
    (Some("1MiB"), 16, 1, "3"),
    (None, 1, 7813, "3"),
    (None, 1, 7812, "4"),
  ];
  for (memory, initial, grow, code) in cases {
    let mut spec = grower(initial, grow);
    if let Some(memory) = memory {
      task(&mut spec)["Resources"] = json!({"Memory": memory});
    }
    let work = Work::new();
    let run = work.run(&spec, &[]);
    assert_eq!(run.status, Some(0), "{memory:?} {initial}+{grow}: {}", run.stderr);
    completed(&run, "grow", code, &work.out());
    assert_results(&work.out(), b"", b"", code, &[]);
  }
  let mut spec = grower(17, 0);
  task(&mut spec)["Resources"] = json!({"Memory": "1Mb"});
  let work = Work::new();
  let run = work.run(&spec, &[]);
  let line = failed(&run, "grow");
  assert!(line.contains("memor"), "the failure should be about memory: {line}");
  assert!(line.contains("Resources.Memory"), "and name the job's own key: {line}");
}

/// A missing entry point fails the job before it runs (Bacalhau: "unable to find the
/// entrypoint"); so does one that is not a `() -> ()` function.
#[test]
fn a_missing_entry_point_fails_the_job() {
  let work = Work::new();
  let mut spec = simple("hello", "hello", &[], vec![]);
  task(&mut spec)["Engine"]["Params"]["Entrypoint"] = json!("nope");
  let run = work.run(&spec, &[]);
  let line = failed(&run, "hello");
  assert!(line.contains("`nope`"), "the failure should name the entry point: {line}");
  assert!(line.contains("_start"), "and list the functions there are: {line}");
  assert_eq!(run.stdout, "", "nothing ran");
  assert_eq!(text(&read(&work.out(), "exitCode")), "-1");
  assert_eq!(text(&read(&work.out(), "stdout")), "");

  for (entrypoint, words) in
    [("easter2022", "returns 1 results"), ("easter", "takes 1 parameters"), ("memory", "not as a function")]
  {
    let work = Work::new();
    let spec = job(
      "easter",
      json!({"EntryModule": "easter.wasm", "Entrypoint": entrypoint}),
      vec![module("easter.wasm", "easter")],
    );
    let run = work.run(&spec, &[]);
    let line = failed(&run, "easter");
    assert!(line.contains(&format!("`{entrypoint}`")) && line.contains(words), "{entrypoint}: {line}");
  }
}

/// Count: 2 runs two partitions, each with its own result directory and its index.
#[test]
fn count_runs_partitions() {
  let work = Work::new();
  let mut spec = simple("parts", "env", &[], vec![]);
  spec["Count"] = json!(2);
  let run = work.run(&spec, &[]);
  completed(&run, "parts", "-1,-1", &work.out());
  assert_eq!(
    listing(&work.out()),
    [
      "partition-0/",
      "partition-0/exitCode",
      "partition-0/stderr",
      "partition-0/stdout",
      "partition-1/",
      "partition-1/exitCode",
      "partition-1/stderr",
      "partition-1/stdout"
    ]
  );
  let mut executions = Vec::new();
  let mut jobs = Vec::new();
  for index in 0..2 {
    let dir = work.out().join(format!("partition-{index}"));
    let vars = env_lines(&text(&read(&dir, "stdout")));
    assert_eq!(vars["BACALHAU_PARTITION_INDEX"], index.to_string());
    assert_eq!(vars["BACALHAU_PARTITION_COUNT"], "2");
    assert_eq!(text(&read(&dir, "exitCode")), "-1");
    assert_eq!(read(&dir, "stderr"), b"");
    executions.push(vars["BACALHAU_EXECUTION_ID"].clone());
    jobs.push(vars["BACALHAU_JOB_ID"].clone());
  }
  assert_eq!(jobs[0], jobs[1], "one job");
  assert_ne!(executions[0], executions[1], "two executions");
  // kiln's stdout is both partitions' output, in order.
  let both = [read(&work.out(), "partition-0/stdout"), read(&work.out(), "partition-1/stdout")].concat();
  assert_eq!(run.stdout, text(&both));
}
