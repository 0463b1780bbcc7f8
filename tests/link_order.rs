//! The `kiln` binary lays out the call paths' hot functions first, in runtime/hot-functions.txt's
//! order: runtime/build.rs turns the file into a linker script that puts their sections at the
//! start of `.text` (`./x order`, bench/order.mjs, writes the file).

use std::collections::HashSet;
use std::process::Command;

use kiln_test_support::{kiln_bin, repo};

/// The file's lines but its comments: patterns of mangled names, in its order, and `@0x<n>` pins,
/// which place the next function in the cache's sets.
fn order_lines() -> Vec<String> {
  let text = std::fs::read_to_string(repo().join("runtime/hot-functions.txt")).expect("runtime/hot-functions.txt");
  text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).map(str::to_string).collect()
}

/// The file's patterns, in its order.
fn hot_functions() -> Vec<String> {
  order_lines().into_iter().filter(|line| !line.starts_with('@')).collect()
}

/// Whether `name` matches `pattern`, where `?` stands for any one character and `*` for any run of
/// them, as in the linker script.
fn matches(pattern: &[u8], name: &[u8]) -> bool {
  let (mut p, mut n) = (0, 0);
  // The last `*` seen, and where in `name` its run would end if it took one more character.
  let mut star: Option<(usize, usize)> = None;
  while n < name.len() {
    match pattern.get(p) {
      Some(b'*') => {
        star = Some((p, n));
        p += 1;
      }
      Some(&c) if c == b'?' || c == name[n] => {
        p += 1;
        n += 1;
      }
      _ => match star {
        Some((at, from)) => {
          p = at + 1;
          n = from + 1;
          star = Some((at, from + 1));
        }
        None => return false,
      },
    }
  }
  pattern[p..].iter().all(|&c| c == b'*')
}

/// A pattern that carries a Rust symbol's hash (`17h` and 16 hex digits): it names one instance of
/// a generic function, in builds made like the one `./x order` measured.
fn has_hash(pattern: &str) -> bool {
  pattern.match_indices("17h").any(|(at, _)| {
    let hash = pattern.as_bytes().get(at + 3..at + 20);
    hash.is_some_and(|hash| hash[..16].iter().all(u8::is_ascii_hexdigit) && hash[16] == b'E')
  })
}

/// Every function symbol of the binary with its address (a function merged into another is an
/// alias at its address).
fn functions_of_kiln() -> Vec<(String, u64)> {
  let output = Command::new("nm").arg("--defined-only").arg(kiln_bin()).output().expect("running nm");
  assert!(output.status.success(), "nm failed: {}", String::from_utf8_lossy(&output.stderr));
  let mut functions = Vec::new();
  for line in String::from_utf8_lossy(&output.stdout).lines() {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if let [address, kind, name] = fields[..] {
      if matches!(kind, "t" | "T" | "w" | "W") {
        if let Ok(address) = u64::from_str_radix(address, 16) {
          functions.push((name.to_string(), address));
        }
      }
    }
  }
  functions
}

/// Where the binary's `.text` section starts.
fn text_start() -> u64 {
  let output = Command::new("readelf").arg("-SW").arg(kiln_bin()).output().expect("running readelf");
  assert!(output.status.success(), "readelf failed: {}", String::from_utf8_lossy(&output.stderr));
  // "  [19] .text             PROGBITS        0000000000d2d700 d2c700 1fe32ec 00  AX  0   0 64"
  let text = String::from_utf8_lossy(&output.stdout);
  let fields: Vec<&str> = text
    .lines()
    .map(|line| line.split_whitespace().collect::<Vec<_>>())
    .find(|fields| fields.contains(&".text"))
    .expect("the kiln binary has a .text section");
  let name = fields.iter().position(|&field| field == ".text").expect("found above");
  u64::from_str_radix(fields[name + 2], 16).expect("readelf prints the address in hex")
}

/// Whether build.rs passes the order: where rustc links with its own lld, unless told not to.
fn order_applied() -> bool {
  let turned_off = std::env::var("KILN_LINK_ORDER").as_deref() == Ok("0")
    || std::env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some();
  !turned_off && cfg!(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))
}

#[test]
fn glob_patterns_match_as_the_linker_script_does() {
  assert!(matches(b"_ZN4kiln3run17h????????????????E*", b"_ZN4kiln3run17h0123456789abcdefE"));
  assert!(matches(b"_ZN4kiln3run17h????????????????E*", b"_ZN4kiln3run17h0123456789abcdefE.llvm.42"));
  assert!(!matches(b"_ZN4kiln3run17h????????????????E*", b"_ZN4kiln3run17h0123456789abcdeE"));
  assert!(!matches(b"_ZN4kiln3run17h????????????????E*", b"_ZN4kiln4runs17h0123456789abcdefE"));
  assert!(matches(b"_RNvCs*_7___rustc12___rust_alloc*", b"_RNvCsfLfy6EI15iL_7___rustc12___rust_alloc"));
  assert!(matches(b"JS_Call", b"JS_Call") && !matches(b"JS_Call", b"JS_CallInternal"));
  assert!(has_hash("_ZN4kiln3run17h0123456789abcdefE*") && !has_hash("_ZN4kiln3run17h????????????????E*"));
}

#[test]
fn hot_functions_come_first_in_their_order() {
  let order = hot_functions();
  assert!(order.len() >= 100, "runtime/hot-functions.txt names {} functions; run ./x order", order.len());
  if !order_applied() {
    return;
  }
  let start = text_start();
  // Each function symbol the file's patterns match, with the first pattern that matches it.
  let functions = functions_of_kiln();
  let hot: Vec<(usize, &str, u64)> = functions
    .iter()
    .filter_map(|(name, address)| {
      let index = order.iter().position(|pattern| matches(pattern.as_bytes(), name.as_bytes()))?;
      Some((index, name.as_str(), *address))
    })
    .collect();
  // The patterns without a hash hold in any build of this code, but for the few functions another
  // build inlines everywhere (the file is measured on the release profile; an incremental build's
  // many codegen units keep more out of line); a change that renames or removes a function leaves
  // its pattern behind, but most must still find theirs.
  let found: HashSet<usize> = hot.iter().map(|&(index, ..)| index).collect();
  let hashless: Vec<usize> = (0..order.len()).filter(|&index| !has_hash(&order[index])).collect();
  let hashless_found = hashless.iter().filter(|index| found.contains(index)).count();
  assert!(
    hashless_found * 10 >= hashless.len() * 9,
    "only {hashless_found} of the {} hashless patterns in runtime/hot-functions.txt find a function in the kiln binary: run ./x order",
    hashless.len()
  );
  // They come first in `.text`: the functions from its start up to the first one the file does
  // not name (aliases count as the function they are merged into, at its address). A function LLVM
  // merged into another is an alias in that one's section; the file names the aliases `./x order`
  // found, but a build made otherwise may merge differently, so a few may lie elsewhere.
  let hot_addresses: HashSet<u64> = hot.iter().map(|&(_, _, address)| address).collect();
  let mut addresses: Vec<u64> = functions.iter().map(|&(_, address)| address).filter(|&a| a >= start).collect();
  addresses.sort_unstable();
  addresses.dedup();
  let first_other = addresses.iter().copied().find(|address| !hot_addresses.contains(address)).unwrap_or(u64::MAX);
  let outside: Vec<&str> =
    hot.iter().filter(|&&(_, _, address)| !(start..first_other).contains(&address)).map(|&(_, name, _)| name).collect();
  assert!(
    outside.len() * 20 <= hot.len(),
    "{} of the {} functions runtime/hot-functions.txt names are not among the first in .text (from {start:#x}, \
     where {first_other:#x} is the first function it does not name): the link order is not applied; {outside:?}",
    outside.len(),
    hot.len()
  );
  // In the file's order.
  let mut placed: Vec<(usize, &str, u64)> =
    hot.iter().copied().filter(|&(_, _, address)| (start..first_other).contains(&address)).collect();
  placed.sort_by_key(|&(index, _, address)| (address, index));
  // Names at one address are one function and its aliases.
  let inversions: Vec<String> = placed
    .windows(2)
    .filter(|pair| pair[0].0 > pair[1].0 && pair[0].2 != pair[1].2)
    .map(|pair| format!("{} before {}", pair[0].1, pair[1].1))
    .collect();
  assert!(
    inversions.len() * 20 <= placed.len(),
    "{} of the {} hot functions are laid out against the file's order: {inversions:?}",
    inversions.len(),
    placed.len()
  );
}

#[test]
fn pinned_functions_sit_where_the_file_puts_them() {
  if !order_applied() {
    return;
  }
  let lines = order_lines();
  let functions = functions_of_kiln();
  let first_of = |pattern: &str| {
    functions.iter().filter(|(name, _)| matches(pattern.as_bytes(), name.as_bytes())).map(|&(_, address)| address).min()
  };
  // The pins place functions by the sizes of the build `./x order` measured; a build made
  // otherwise (its generic instances' hashes differ) pads only where that is cheap, so the check
  // is for this one: every pattern with a hash finds its function.
  if lines.iter().filter(|line| has_hash(line)).any(|line| first_of(line).is_none()) {
    return;
  }
  let pins: Vec<(u64, &str)> = lines
    .windows(2)
    .filter_map(|pair| {
      let at = u64::from_str_radix(pair[0].strip_prefix("@0x")?, 16).ok()?;
      Some((at, pair[1].as_str()))
    })
    .collect();
  assert!(!pins.is_empty(), "runtime/hot-functions.txt pins no function: run ./x order");
  let off: Vec<String> = pins
    .iter()
    .filter_map(|&(at, pattern)| {
      let address = first_of(pattern)?;
      (address % 4096 != at).then(|| format!("{pattern} at {:#x} modulo 4 KiB, pinned at {at:#x}", address % 4096))
    })
    .collect();
  assert!(off.is_empty(), "{} of {} pinned functions are elsewhere: {off:?}", off.len(), pins.len());
}
