//! `kiln`: runs TypeScript apps that import `runtime:wasm`.

mod cache;
mod fs;
mod globals;
mod loader;
mod manifest;
mod run;
mod scaffold;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
kiln — run TypeScript apps that load, link, call and sandbox WebAssembly

USAGE:
    kiln run [--manifest PATH] <entry.ts|entry.js> [args...]
    kiln types [DIR]    write the typings (kiln-types/) and a tsconfig.json into an app directory
    kiln init [DIR]     make a new app that runs as it is (main.ts, add.wat, manifest, typings)
    kiln --help | --version

The app's capabilities come from the nearest manifest.app.toml at or above the entry
file (or from --manifest PATH). Without one, runtime:wasm and runtime:fs deny everything.
Arguments after the entry file reach the app as Kiln.args.

ENVIRONMENT:
    KILN_CACHE_DIR            where compiled WebAssembly is cached (default: kiln/wasmtime
                              under the user's cache directory), or `off`
    KILN_COMPILE_PROGRESS_MS  report compiles that take longer than this on stderr (1000)
";

fn main() -> ExitCode {
  let args: Vec<String> = std::env::args().skip(1).collect();
  match args.first().map(String::as_str) {
    None | Some("-h" | "--help" | "help") => {
      print!("{USAGE}");
      ExitCode::SUCCESS
    }
    Some("-V" | "--version" | "version") => {
      println!("kiln {}", env!("CARGO_PKG_VERSION"));
      ExitCode::SUCCESS
    }
    Some("run") => match parse_run(&args[1..]) {
      Ok(options) => ExitCode::from(run::run(options).clamp(0, 255) as u8),
      Err(message) => {
        eprintln!("error: {message}\n\n{USAGE}");
        ExitCode::from(2)
      }
    },
    Some(command @ ("types" | "init")) => {
      let dir = match &args[1..] {
        [] => PathBuf::from("."),
        [dir] if !dir.starts_with('-') => PathBuf::from(dir),
        _ => {
          eprintln!("error: kiln {command} takes one optional directory\n\n{USAGE}");
          return ExitCode::from(2);
        }
      };
      let result = if command == "types" { scaffold::write_types(&dir) } else { scaffold::init(&dir) };
      match result {
        Ok(report) => {
          report.iter().for_each(|line| println!("{line}"));
          ExitCode::SUCCESS
        }
        Err(message) => {
          eprintln!("error: {message}");
          ExitCode::FAILURE
        }
      }
    }
    Some(other) => {
      eprintln!("error: unknown command {other:?}\n\n{USAGE}");
      ExitCode::from(2)
    }
  }
}

fn parse_run(args: &[String]) -> Result<run::RunOptions, String> {
  let mut manifest = None;
  let mut rest = args.iter();
  while let Some(arg) = rest.next() {
    match arg.as_str() {
      "--manifest" => {
        let path = rest.next().ok_or("--manifest needs a path")?;
        manifest = Some(PathBuf::from(path));
      }
      flag if flag.starts_with("--manifest=") => {
        manifest = Some(PathBuf::from(&flag["--manifest=".len()..]));
      }
      flag if flag.starts_with('-') => return Err(format!("unknown option {flag}")),
      entry => {
        let args = rest.cloned().collect();
        return Ok(run::RunOptions { entry: PathBuf::from(entry), manifest, args });
      }
    }
  }
  Err("kiln run needs an entry file".into())
}
