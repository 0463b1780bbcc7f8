//! The command line of `kiln job`.

use std::path::PathBuf;

use super::run::{self, RunOptions};

pub const USAGE: &str = "\
kiln job — run a Bacalhau WASM job spec here, or check it

USAGE:
    kiln job run job.yaml [--output DIR] [--allow-local PATH[:rw]]... [--quiet] [--exit-zero-on-return]
    kiln job validate job.yaml
    kiln job submit job.yaml --api http://HOST:1234 [--wait] [--follow] [--download DIR]

run       runs the job's WASM task on this machine as Bacalhau's WASM executor does: the guest's
          stdout and stderr stream live (stderr to stderr), then one summary line. The results go
          to DIR (default job-<id>): stdout, stderr, exitCode and one directory per result path,
          as `bacalhau job get` lays them out. Exit status 0 when the job completed, whatever the
          guest's exit code; 1 when it failed (load, link, entry point, inputs, timeout).
          --allow-local lets `local`/`localDirectory` sources read PATH and below (`:rw` to
          write); so does [jobs] allow_local in the manifest.app.toml at or above the spec.
          --exit-zero-on-return makes a return from the entry point exit code 0 (Bacalhau: -1).
submit    sends the job to a Bacalhau cluster's API (PUT /api/v1/orchestrator/jobs) in today's
          job shape, and prints its id and the API's warnings. --wait polls until the job ends
          (exit status 0 if it completed), --follow streams its logs, --download DIR fetches the
          published results (a local publisher's tar.gz) into DIR in the layout of `run`.
validate  applies every rule Bacalhau's orchestrator applies, and those of a local run, and
          prints each problem with its key path.

The spec is JSON or YAML: today's Bacalhau job (Tasks[0].Engine.Type: wasm), the legacy WASM
shape (EntryModule and ImportModules as input sources), or the old client model (entry_module, ...).
";

/// Runs `kiln job ...`; returns the exit status.
pub fn main(args: &[String]) -> i32 {
  match args.first().map(String::as_str) {
    None | Some("-h" | "--help" | "help") => {
      print!("{USAGE}");
      0
    }
    Some("run") => match parse_run(&args[1..]) {
      Ok(None) => {
        print!("{USAGE}");
        0
      }
      Ok(Some(options)) => run::run(options),
      Err(message) => usage_error(&message),
    },
    Some("validate") => match &args[1..] {
      [flag] if matches!(flag.as_str(), "-h" | "--help") => {
        print!("{USAGE}");
        0
      }
      [spec] if !spec.starts_with('-') => validate(&PathBuf::from(spec)),
      _ => usage_error("kiln job validate takes one job spec file"),
    },
    Some("submit") => match parse_submit(&args[1..]) {
      Ok(None) => {
        print!("{USAGE}");
        0
      }
      Ok(Some(options)) => super::submit::submit(options),
      Err(message) => usage_error(&message),
    },
    Some(other) => usage_error(&format!("unknown job command {other:?}")),
  }
}

fn usage_error(message: &str) -> i32 {
  eprintln!("error: {message}\n\n{USAGE}");
  2
}

fn validate(spec: &std::path::Path) -> i32 {
  let dir = spec.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
  let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
  let allow_local = crate::manifest::load(&dir, None).map(|g| g.allow_local).unwrap_or_default();
  match run::load(spec, &allow_local, true) {
    Ok(job) => {
      println!("{}: a valid job ({} task, {})", spec.display(), job.tasks.len(), job.job_type);
      0
    }
    Err(message) => {
      eprintln!("error: {message}");
      1
    }
  }
}

fn parse_run(args: &[String]) -> Result<Option<RunOptions>, String> {
  let mut options = RunOptions {
    spec: PathBuf::new(),
    output: None,
    allow_local: Vec::new(),
    quiet: false,
    exit_zero_on_return: false,
  };
  let mut spec = None;
  let mut rest = args.iter();
  while let Some(arg) = rest.next() {
    match arg.as_str() {
      "-h" | "--help" => return Ok(None),
      "--output" | "-o" => options.output = Some(PathBuf::from(rest.next().ok_or("--output needs a directory")?)),
      "--allow-local" => {
        let path = rest.next().ok_or("--allow-local needs a path (PATH or PATH:rw)")?;
        let cwd = std::env::current_dir().map_err(|e| format!("cannot read the working directory: {e}"))?;
        options.allow_local.push(crate::manifest::allow_path(path, &cwd));
      }
      "--quiet" | "-q" => options.quiet = true,
      "--exit-zero-on-return" => options.exit_zero_on_return = true,
      flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
      path if spec.is_none() => spec = Some(PathBuf::from(path)),
      extra => return Err(format!("unexpected argument {extra:?}: kiln job run takes one job spec")),
    }
  }
  options.spec = spec.ok_or("kiln job run needs a job spec file")?;
  Ok(Some(options))
}

fn parse_submit(args: &[String]) -> Result<Option<super::submit::SubmitOptions>, String> {
  let mut options = super::submit::SubmitOptions {
    spec: PathBuf::new(),
    api: String::new(),
    wait: false,
    follow: false,
    download: None,
    poll: std::time::Duration::from_secs(1),
  };
  let mut spec = None;
  let mut rest = args.iter();
  while let Some(arg) = rest.next() {
    match arg.as_str() {
      "-h" | "--help" => return Ok(None),
      "--api" => options.api = rest.next().ok_or("--api needs the API's URL, e.g. http://HOST:1234")?.clone(),
      "--wait" => options.wait = true,
      "--follow" => options.follow = true,
      "--download" => options.download = Some(PathBuf::from(rest.next().ok_or("--download needs a directory")?)),
      "--poll-ms" => {
        let ms = rest.next().and_then(|v| v.parse().ok()).ok_or("--poll-ms needs a number of milliseconds")?;
        options.poll = std::time::Duration::from_millis(ms);
      }
      flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
      path if spec.is_none() => spec = Some(PathBuf::from(path)),
      extra => return Err(format!("unexpected argument {extra:?}: kiln job submit takes one job spec")),
    }
  }
  options.spec = spec.ok_or("kiln job submit needs a job spec file")?;
  if options.api.is_empty() {
    return Err("kiln job submit needs --api http://HOST:1234 (the cluster's API; BACALHAU_API_HOST:1234)".into());
  }
  if !(options.api.starts_with("http://") || options.api.starts_with("https://")) {
    return Err(format!("--api {:?}: give the API's URL with its scheme, e.g. http://HOST:1234", options.api));
  }
  Ok(Some(options))
}
