//! Lays out the `kiln` binary's hot code first, in the order of `hot-functions.txt` (written by
//! `./x order`, bench/order.mjs, which says why: the call paths' code packed together misses the
//! instruction cache less than scattered over the whole binary).
//!
//! The order goes to lld as a linker script, written here from the file: it gathers the hot
//! functions' sections (one per function, as rustc and the cc crate compile them: `.text.<name>`,
//! or `.text.unlikely.<name>` for a Rust one LLVM takes for cold) at the start of `.text`, the rest
//! after them in lld's default order, and leaves the rest of the layout as lld makes it (in an
//! output section of their own, valgrind showed no source lines for them). The file's names are patterns (`?` and `*` as in a linker script) that leave out what the build's
//! settings decide rather than the code: a Rust symbol's hash, which comes from cargo's metadata
//! for its crate (the profile, `CARGO_INCREMENTAL`, the dependencies' versions), and LLVM's
//! `.llvm.<n>` suffix. So a build made otherwise than the one `./x order` measured, or after a
//! dependency's update, still finds its hot functions, but for the instances of a generic function
//! (which share all of the name but the hash): those are named with their hash.
//! A line `@0x<n>` pins the next function at <n> modulo 4 KiB, which decides the instruction
//! cache's sets its lines fall on (bench/order.mjs chooses it so that each call path's hot lines
//! spread evenly over them), with padding before it, unless that would take 1 KiB or more: a build
//! whose functions differ in size from the measured one pads only where it is cheap.
//!
//! It is passed only where the linker is lld: on x86_64 Linux, rustc links with its own lld from
//! 1.90 on, unless the build names a linker of its own in its flags or environment. Anywhere else
//! the binary is linked in the default order, which changes how fast it is, not what it does.
//! `KILN_LINK_ORDER=0` turns it off (for a linker chosen in a `.cargo/config.toml`, which a build
//! script cannot see).

use std::env;
use std::fmt::Write as _;
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
  let order = std::fs::read_to_string(dir.join("hot-functions.txt")).expect("runtime/hot-functions.txt");
  let script = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("hot-functions.ld");
  std::fs::write(&script, linker_script(&order)).expect("writing the hot functions' linker script");
  let Some(script) = script.to_str().filter(|path| !path.contains(',')) else {
    // `-Wl,` splits its argument at commas.
    return;
  };
  // `OVERWRITE_SECTIONS` describes `.text` alone; the rest of the layout stays lld's default.
  println!("cargo:rustc-link-arg-bin=kiln=-Wl,--script={script}");
}

/// The linker script that puts the sections of the functions `order` names (one pattern a line,
/// `@0x<n>` pins, `#` comments) first, in its order.
fn linker_script(order: &str) -> String {
  let mut script = String::from(
    "/* Written by runtime/build.rs from runtime/hot-functions.txt. */\nOVERWRITE_SECTIONS\n{\n  .text :\n  {\n",
  );
  for name in order.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')) {
    if let Some(at) = name.strip_prefix("@0x").and_then(|at| u64::from_str_radix(at, 16).ok()).filter(|&at| at < 4096) {
      // The next function at `at` modulo 4 KiB (where bench/order.mjs put it so that its hot lines
      // fall on emptier sets of the instruction cache), if that takes less than 1 KiB of padding:
      // a build whose functions differ in size from the one measured pads only where it is cheap.
      let _ = writeln!(
        script,
        "    . = . + ((((0x{at:x} - ABSOLUTE(.)) & 0xfff) < 0x400) ? ((0x{at:x} - ABSOLUTE(.)) & 0xfff) : 0);"
      );
      continue;
    }
    // A mangled name's characters; anything else (a hand edit) would need the script's quoting,
    // which turns the wildcards off.
    if name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.$?*".contains(&b)) {
      // A Rust function LLVM takes for cold (`#[cold]`, or reached only on paths it takes for
      // rare) is in `.text.unlikely.<name>`; a C function's is the cold part GCC split off it,
      // which stays out.
      if name.starts_with("_ZN") || name.starts_with("_R") {
        let _ = writeln!(script, "    *(.text.{name} .text.unlikely.{name})");
      } else {
        let _ = writeln!(script, "    *(.text.{name})");
      }
    } else {
      println!("cargo:warning=runtime/hot-functions.txt: skipping {name:?}, not a symbol name; run ./x order");
    }
  }
  // Then the rest, as lld lays out `.text` without a script: every `.text` section in input order.
  let _ = writeln!(script, "    *(.text .text.*)\n  }}\n}}");
  script
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
