//! The `kiln` binary lays out the call paths' hot functions first, in runtime/hot-functions.txt's
//! order (runtime/build.rs passes it to the linker; `./x order`, bench/order.mjs, writes it).

use std::collections::{HashMap, HashSet};
use std::process::Command;

use kiln_test_support::{kiln_bin, repo};

/// The functions the file names, in its order.
fn hot_functions() -> Vec<String> {
  let text = std::fs::read_to_string(repo().join("runtime/hot-functions.txt")).expect("runtime/hot-functions.txt");
  text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).map(str::to_string).collect()
}

/// Every function symbol of the binary with its address.
fn functions_of_kiln() -> HashMap<String, u64> {
  let output = Command::new("nm").arg("--defined-only").arg(kiln_bin()).output().expect("running nm");
  assert!(output.status.success(), "nm failed: {}", String::from_utf8_lossy(&output.stderr));
  let mut functions = HashMap::new();
  for line in String::from_utf8_lossy(&output.stdout).lines() {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if let [address, kind, name] = fields[..] {
      if matches!(kind, "t" | "T" | "w" | "W") {
        if let Ok(address) = u64::from_str_radix(address, 16) {
          functions.insert(name.to_string(), address);
        }
      }
    }
  }
  functions
}

#[test]
fn hot_functions_come_first_in_their_order() {
  let order = hot_functions();
  assert!(order.len() >= 100, "runtime/hot-functions.txt names {} functions; run ./x order", order.len());
  let turned_off = std::env::var("KILN_LINK_ORDER").as_deref() == Ok("0")
    || std::env::var_os("CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_LINKER").is_some();
  if turned_off || !cfg!(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu")) {
    // build.rs passes the order only where rustc links with its own lld, unless told not to.
    return;
  }
  let functions = functions_of_kiln();
  let placed: Vec<(&str, u64)> =
    order.iter().filter_map(|name| functions.get(name).map(|&address| (name.as_str(), address))).collect();
  // A change that renames or removes a function leaves its name behind; most must still be there.
  // Only the C functions (the JS engine's) are named the same in every checkout: a Rust symbol's
  // name carries a hash of its crate's build, which differs from one checkout's path to another's,
  // so a fresh clone finds few of the Rust names `./x order` wrote in another checkout.
  let is_c = |name: &str| !name.starts_with("_ZN") && !name.starts_with("_R");
  let c_names = order.iter().filter(|name| is_c(name)).count();
  let c_placed = placed.iter().filter(|(name, _)| is_c(name)).count();
  assert!(
    c_placed * 10 >= c_names * 9,
    "only {c_placed} of the {c_names} C functions runtime/hot-functions.txt names are in the kiln binary: run ./x order",
  );
  for pair in placed.windows(2) {
    let [(a, at_a), (b, at_b)] = pair else { unreachable!() };
    assert!(at_a <= at_b, "{a} (at {at_a:#x}) is laid out after {b} (at {at_b:#x}): the link order is not applied");
  }
  // Before all the rest: of the binary's functions below the last hot one, (nearly) all are hot.
  let last = placed.last().map(|&(_, address)| address).unwrap_or_default();
  let hot: HashSet<&str> = order.iter().map(String::as_str).collect();
  let first = placed.first().map(|&(_, address)| address).unwrap_or_default();
  let others = functions
    .iter()
    .filter(|&(name, &address)| address >= first && address < last && !hot.contains(name.as_str()))
    .count();
  assert!(
    others * 10 <= placed.len(),
    "{others} other functions lie among the {} hot ones: the link order is not applied",
    placed.len()
  );
}
