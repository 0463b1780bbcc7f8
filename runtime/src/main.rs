//! `kiln`: runs TypeScript apps that import `runtime:wasm`.

mod fs;
mod globals;
mod loader;
mod manifest;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
kiln — run TypeScript apps that load, link, call and sandbox WebAssembly

USAGE:
    kiln run [--manifest PATH] <entry.ts|entry.js> [args...]
    kiln --help | --version

The app's capabilities come from the nearest manifest.app.toml at or above the entry
file (or from --manifest PATH). Without one, runtime:wasm and runtime:fs deny everything.
Arguments after the entry file reach the app as Kiln.args.
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
