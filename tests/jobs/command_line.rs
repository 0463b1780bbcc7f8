//! 7. The command line.

use super::*;

/// --output: an existing empty directory is fine, a non-empty one is refused (results are never
/// mixed). Without --output the results go to job-<id> in the working directory. --quiet keeps
/// the guest's output off the terminal but not out of the results.
#[test]
fn output_directories_and_quiet() {
  let spec = simple("hello", "hello", &[], vec![]);

  let work = Work::new();
  work.write("out/keep.txt", "mine");
  let run = work.run(&spec, &[]);
  refused(&run, &["not empty", "--output"]);
  assert_eq!(listing(&work.out()), ["keep.txt"], "the directory is left alone");

  let work = Work::new();
  std::fs::create_dir(work.out()).unwrap();
  let run = work.run(&spec, &[]);
  completed(&run, "hello", "0", &work.out());
  assert_results(&work.out(), b"Hello, world!\n", b"", "0", &[]);

  let work = Work::new();
  work.spec("job.yaml", &spec);
  let run = work.kiln(&["job", "run", "job.yaml"]);
  let made = listing(work.path());
  // The top-level directories kiln made (job.yaml is the only file there before).
  let dirs: Vec<&String> = made.iter().filter(|e| e.ends_with('/') && e.matches('/').count() == 1).collect();
  assert_eq!(dirs.len(), 1, "{made:?}");
  let dir = work.path().join(dirs[0].trim_end_matches('/'));
  let name = dirs[0].trim_end_matches('/').strip_prefix("job-").unwrap_or_else(|| panic!("{made:?}"));
  assert!(name.len() == 8 && name.chars().all(|c| c.is_ascii_hexdigit()), "{name}");
  completed(&run, "hello", "0", &dir);
  assert_results(&dir, b"Hello, world!\n", b"", "0", &[]);

  let work = Work::new();
  let run = work.run(&spec, &["--quiet"]);
  assert_eq!(run.stdout, "", "--quiet");
  assert_eq!(completed(&run, "hello", "0", &work.out()), "");
  assert_results(&work.out(), b"Hello, world!\n", b"", "0", &[]);
}

/// Usage errors exit 2.
#[test]
fn usage_errors_exit_2() {
  let work = Work::new();
  work.spec("job.yaml", &json!({"Name": "x"}));
  for args in [
    &["job", "run"][..],
    &["job", "run", "job.yaml", "--bogus"],
    &["job", "run", "job.yaml", "other.yaml"],
    &["job", "run", "job.yaml", "--output"],
    &["job", "validate"],
    &["job", "validate", "job.yaml", "extra.yaml"],
    &["job", "frobnicate"],
  ] {
    let run = work.kiln(args);
    assert_eq!(run.status, Some(2), "{args:?}: {}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{args:?}: {}", run.stderr);
  }
  let help = work.kiln(&["job", "--help"]);
  assert_eq!(help.status, Some(0));
  assert!(help.stdout.contains("kiln job run job.yaml [--output DIR]"), "{}", help.stdout);
}
