//! `kiln-codegen write`: regenerates the committed typings in `ts/` (what `./x typings` runs).
//! `kiln-codegen check`: exits 1 if they are stale.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
  let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
  let generated = match kiln_codegen::generate(&root) {
    Ok(g) => g,
    Err(e) => {
      eprintln!("error: {e}");
      return ExitCode::FAILURE;
    }
  };
  match std::env::args().nth(1).as_deref() {
    Some("write") => match kiln_codegen::write(&root, &generated) {
      Ok(()) => {
        for file in &generated.files {
          println!("wrote {}", file.path);
        }
        ExitCode::SUCCESS
      }
      Err(e) => {
        eprintln!("error: {e}");
        ExitCode::FAILURE
      }
    },
    Some("check") => {
      let stale: Vec<&str> = generated
        .files
        .iter()
        .filter(|f| std::fs::read_to_string(root.join(&f.path)).ok().as_deref() != Some(f.contents.as_str()))
        .map(|f| f.path.as_str())
        .collect();
      if stale.is_empty() {
        println!("typings are up to date");
        ExitCode::SUCCESS
      } else {
        eprintln!("stale: {}; run `{}`", stale.join(", "), kiln_codegen::REFRESH);
        ExitCode::FAILURE
      }
    }
    _ => {
      eprintln!("usage: kiln-codegen write|check");
      ExitCode::from(2)
    }
  }
}
