//! Generates Kiln's typings into `OUT_DIR` with `kiln-codegen` (see codegen/src/lib.rs): the
//! `.d.ts` files, and `api.rs`, which the tests compare with the committed copies in `ts/` and
//! with what the runtime registers. Build scripts write only to `OUT_DIR`; `./x typings`
//! refreshes the committed copies.

use std::path::{Path, PathBuf};

fn main() {
  let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
  let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
  for input in kiln_codegen::inputs() {
    println!("cargo:rerun-if-changed={input}");
  }
  println!("cargo:rerun-if-changed=build.rs");

  let generated = match kiln_codegen::generate(&root) {
    Ok(generated) => generated,
    Err(e) => {
      eprintln!("error: the typings generator failed: {e}");
      std::process::exit(1);
    }
  };
  for file in &generated.files {
    write(&out.join(&file.path), &file.contents);
  }
  write(&out.join("api.rs"), &generated.api_rs);
}

fn write(path: &Path, contents: &str) {
  if let Some(dir) = path.parent() {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
  }
  std::fs::write(path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
