//! Lays out the `kiln` binary's hot code first, in the order of `hot-functions.txt` (written by
//! `./x order`, bench/order.mjs, which says why: the call paths' code packed together misses the
//! instruction cache less than scattered over the whole binary).
//!
//! The order is lld's `--symbol-ordering-file`. It is passed only where the linker is lld: on
//! x86_64 Linux, rustc links with its own lld from 1.90 on, unless the build names a linker of its
//! own in its flags or environment. Anywhere else the binary is linked in the default order, which
//! changes how fast it is, not what it does. `KILN_LINK_ORDER=0` turns it off (for a linker
//! chosen in a `.cargo/config.toml`, which a build script cannot see).

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
  println!("cargo:rerun-if-changed=build.rs");
  println!("cargo:rerun-if-changed=hot-functions.txt");
  println!("cargo:rerun-if-env-changed=KILN_LINK_ORDER");
  println!("cargo:rerun-if-env-changed=CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER");
  if env::var("KILN_LINK_ORDER").as_deref() == Ok("0") || !links_with_lld() {
    return;
  }
  let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
  let order = dir.join("hot-functions.txt");
  let Some(order) = order.to_str().filter(|path| !path.contains(',')) else {
    // `-Wl,` splits its argument at commas.
    return;
  };
  println!("cargo:rustc-link-arg-bin=kiln=-Wl,--symbol-ordering-file={order}");
  // A symbol the file names that a change removed is skipped without a word.
  println!("cargo:rustc-link-arg-bin=kiln=-Wl,--no-warn-symbol-ordering");
}

/// Whether rustc links this build with lld: x86_64 Linux (GNU), rustc 1.90 or later, and no
/// linker or linker flavour chosen in the build's flags or cargo's linker variable.
fn links_with_lld() -> bool {
  let target = env::var("TARGET").unwrap_or_default();
  let flags = env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
  let linker_set = env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some();
  if target != "x86_64-unknown-linux-gnu"
    || linker_set
    || flags.contains("linker")
    || flags.contains("link-self-contained")
  {
    return false;
  }
  let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
  let Ok(output) = Command::new(rustc).arg("--version").output() else { return false };
  // "rustc 1.95.0 (59807616e 2026-04-14)"
  let version = String::from_utf8_lossy(&output.stdout);
  let minor = version.split_whitespace().nth(1).and_then(|v| v.split('.').nth(1)).and_then(|m| m.parse::<u32>().ok());
  minor.is_some_and(|minor| minor >= 90)
}
