//! `kiln`: runs TypeScript apps that import `runtime:wasm`.

mod cache;
mod checked_file;
mod compact;
mod compile;
mod component_types;
mod compression;
mod emit_cache;
mod encoding;
mod fs;
mod globals;
mod heap;
mod job;
mod loader;
mod manifest;
mod navigator;
mod run;
mod scaffold;
mod snapshot;
mod url;
mod wasm_module;
mod wasm_types;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
kiln — run TypeScript apps that load, link, call and sandbox WebAssembly

USAGE:
    kiln run [--manifest PATH] <entry.ts|entry.js> [args...]
    kiln types [DIR]    write the typings (kiln-types/) and a tsconfig.json into an app directory,
                        and the types of each WebAssembly component in it, from its WIT
                        (kiln-types/components/NAME.d.ts: `instantiate<Exports>(id)`), and
                        of each core module, for `import { add } from './NAME.wasm'`
                        (kiln-types/wasm/NAME.d.wasm.ts)
    kiln init [DIR]     make a new app that runs as it is (main.ts, add.wat, manifest, typings)
    kiln compile [--fuel] [--uninterruptible] FILE...
                        compile .wasm/.wat files into the compilation cache ahead of time, so
                        the app's first compileFile of them is fast; --fuel and
                        --uninterruptible also compile the code that instances made with
                        `fuel` or `interruptible: false` need
    kiln job run|validate|submit job.yaml
                        run a Bacalhau WASM job spec on this machine, check it, or send
                        it to a Bacalhau cluster (kiln job --help)
    kiln --help | --version     (also: kiln <command> --help)

DIR must exist for kiln types; kiln init creates it.

The app's capabilities come from the nearest manifest.app.toml at or above the entry
file (or from --manifest PATH). Without one, runtime:wasm and runtime:fs deny everything.
Arguments after the entry file reach the app as Kiln.args.

ENVIRONMENT:
    KILN_CACHE_DIR            where compiled WebAssembly is cached (default: kiln/wasmtime
                              under the user's cache directory), or `off`
    KILN_COMPILE_PROGRESS_MS  report compiles that take longer than this on stderr, with an
                              estimate of their progress every 5 s (1000; 0 reports every
                              compile that does not come from the cache)
    KILN_SNAPSHOT             `off` starts without the start-up snapshot (the runtime's own
                              JS, evaluated once and kept in the cache directory as
                              startup-*.snap; without a cache there is none)
    KILN_WEBASSEMBLY          `interpreter` keeps the JS engine's own WebAssembly (an
                              interpreter) instead of Kiln's, which runs on wasmtime
";

fn main() -> ExitCode {
  heap::use_huge_pages();
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
      Ok(None) => help(),
      Ok(Some(options)) => ExitCode::from(run::run(options).clamp(0, 255) as u8),
      Err(message) => usage_error(&message),
    },
    Some("compile") => match parse_compile(&args[1..]) {
      Ok(None) => help(),
      Ok(Some(options)) => ExitCode::from(compile::compile(options).clamp(0, 255) as u8),
      Err(message) => usage_error(&message),
    },
    Some("job") => ExitCode::from(job::cli::main(&args[1..]).clamp(0, 255) as u8),
    Some(command @ ("types" | "init")) => {
      let dir = match &args[1..] {
        [flag] if is_help(flag) => return help(),
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

/// Prints the usage on stdout: it was asked for.
fn help() -> ExitCode {
  print!("{USAGE}");
  ExitCode::SUCCESS
}

/// Reports a command line kiln cannot parse, with the usage, and exits 2.
fn usage_error(message: &str) -> ExitCode {
  eprintln!("error: {message}\n\n{USAGE}");
  ExitCode::from(2)
}

fn is_help(arg: &str) -> bool {
  matches!(arg, "-h" | "--help")
}

/// `kiln run`'s options, or `None` for `--help`. Only options before the entry file are kiln's:
/// everything after it is the app's (`kiln run main.ts --help` passes `--help` to the app).
fn parse_run(args: &[String]) -> Result<Option<run::RunOptions>, String> {
  let mut manifest = None;
  let mut rest = args.iter();
  while let Some(arg) = rest.next() {
    match arg.as_str() {
      flag if is_help(flag) => return Ok(None),
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
        return Ok(Some(run::RunOptions { entry: PathBuf::from(entry), manifest, args }));
      }
    }
  }
  Err("kiln run needs an entry file".into())
}

/// `kiln compile`'s options, or `None` for `--help`.
fn parse_compile(args: &[String]) -> Result<Option<compile::CompileOptions>, String> {
  use ext_wasm::EngineKind;
  let mut kinds = vec![EngineKind::Plain];
  let mut files = Vec::new();
  let mut rest = args.iter();
  while let Some(arg) = rest.next() {
    match arg.as_str() {
      flag if is_help(flag) => return Ok(None),
      "--fuel" => add_kind(&mut kinds, EngineKind::Fueled),
      "--uninterruptible" => add_kind(&mut kinds, EngineKind::Uninterruptible),
      "--" => files.extend(rest.by_ref().map(PathBuf::from)),
      flag if flag.starts_with('-') => return Err(format!("unknown option {flag} for kiln compile")),
      file => files.push(PathBuf::from(file)),
    }
  }
  if files.is_empty() {
    return Err("kiln compile needs at least one .wasm or .wat file".into());
  }
  Ok(Some(compile::CompileOptions { files, kinds }))
}

/// Adds an engine to compile for, once however often its option is given.
fn add_kind(kinds: &mut Vec<ext_wasm::EngineKind>, kind: ext_wasm::EngineKind) {
  if !kinds.contains(&kind) {
    kinds.push(kind);
  }
}
