//! The benchmark harness (bench/, `./x bench`) in its smoke mode: every figure can be measured on
//! this build, with every peer, and the peers compute the same checksums.

use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use kiln_test_support::{kiln_bin, repo, tsc};

/// The figures `bench/run.mjs` must report, with how many rows each has.
const FIGURES: &[(&str, usize)] = &[
  ("P1a", 2),
  ("P1b", 1),
  ("P1c", 2),
  ("P2", 29),
  ("P3", 1),
  ("P4", 1),
  ("P5", 1),
  ("P6", 1),
  ("P7", 3),
  ("P8", 2),
  ("P9", 2),
];

#[test]
fn bench_smoke_measures_every_figure() {
  let modules = repo().join("bench/node_modules/hash-wasm/package.json");
  assert!(modules.exists(), "bench/node_modules is missing: run `npm ci --prefix bench` (./x test does it)");
  let cache = tempfile::Builder::new().prefix("bench-cache").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
  let started = Instant::now();
  let out = Command::new("node")
    .arg(repo().join("bench/run.mjs"))
    .args(["--smoke", "--no-build", "--kiln"])
    .arg(kiln_bin())
    .env("KILN_CACHE_DIR", cache.path())
    .env_remove("RUST_BACKTRACE")
    .current_dir(repo())
    .output()
    .expect("running node (is Node.js installed? ./x test installs it)");
  // Reported, not asserted: a smoke run takes about 12 s with warm caches, and took 63 s and 161 s
  // in CI runs from a clean clone (cold caches, a first pip install of the wasmtime CLI, a loaded
  // VM). A bound on it would test the machine; smoke_sizes_stay_small guards the sizes instead.
  eprintln!("the smoke run took {:?}", started.elapsed());
  let stdout = String::from_utf8_lossy(&out.stdout);
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert_eq!(out.status.code(), Some(0), "bench/run.mjs --smoke failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
  let record: Value = serde_json::from_slice(&std::fs::read(repo().join("bench/results/smoke.json")).unwrap()).unwrap();
  assert_eq!(record["meta"]["mode"], "smoke", "bench/results/smoke.json is not a smoke run's record");
  smoke_sizes_stay_small(&record["meta"]["sizes"], &full_sizes(), "sizes");

  // Figure rows: | Fig | Measure | Kiln | Peer | Ratio | Target | Met |
  let rows: Vec<Vec<&str>> = stdout
    .lines()
    .filter(|l| l.starts_with("| P"))
    .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
    .collect();
  for (id, count) in FIGURES {
    // Context rows (no target) may say n/a; every row with a target must have a measured ratio.
    let with_target: Vec<_> = rows.iter().filter(|r| r[0] == *id && r[5] != "—").collect();
    assert_eq!(with_target.len(), *count, "{id}: expected {count} rows with a target\n{stdout}");
    for row in with_target {
      assert_eq!(row.len(), 7, "malformed row {row:?}");
      let ratio = row[4];
      assert!(ratio.starts_with(|c: char| c.is_ascii_digit()), "{id} {}: no number ({ratio})\n{stdout}", row[1]);
      assert!(row[2].starts_with(|c: char| c.is_ascii_digit() || c == 'w'), "{id} {}: kiln value {}", row[1], row[2]);
      assert!(["yes", "NO"].contains(&row[6]), "{id} {}: met = {}", row[1], row[6]);
    }
  }
  // P1c's context rows (`hostCaller: false`, a host function that reads its caller's memory, an
  // export call with one host call through `exports` and through `call`, the `WebAssembly`
  // global's import round trip and re-entry against Deno's, and against the built-in
  // WebAssembly's and Node's import calls) have no target, but must be measured too.
  let p1c_context: Vec<_> = rows.iter().filter(|r| r[0] == "P1c" && r[5] == "—").collect();
  assert_eq!(p1c_context.len(), 8, "P1c: expected 8 context rows\n{stdout}");
  for row in p1c_context {
    assert!(row[4].starts_with(|c: char| c.is_ascii_digit()), "P1c {}: no number ({})\n{stdout}", row[1], row[4]);
  }
  // P1b's context row: an export with a loop, which `call` runs on a fiber.
  let p1b_context: Vec<_> = rows.iter().filter(|r| r[0] == "P1b" && r[5] == "—").collect();
  assert_eq!(p1b_context.len(), 1, "P1b: expected 1 context row\n{stdout}");
  assert!(p1b_context[0][4].starts_with(|c: char| c.is_ascii_digit()), "P1b context: no number\n{stdout}");
  // Deno (npm's @deno/linux-x64-glibc, pinned in bench/package.json) is a peer of P1a (context), P2,
  // P5 (context) and P9: its sync call, an exception and a trap out of the guest, a JS import's
  // throw through the guest, a JS throw of a plain object, an Error's stack read and an Error
  // rejected through two async functions must be measured too.
  let deno_p1a: Vec<_> = rows.iter().filter(|r| r[0] == "P1a" && r[5] == "—" && r[1].contains("Deno")).collect();
  assert_eq!(deno_p1a.len(), 7, "P1a: expected Deno's 7 context rows\n{stdout}");
  for row in deno_p1a {
    assert!(row[4].starts_with(|c: char| c.is_ascii_digit()), "P1a Deno {}: no number ({})\n{stdout}", row[1], row[4]);
  }
  // Deno is a peer of P2 too (deno/peer.ts, the same kernels and hash-wasm modules on its own
  // WebAssembly): one row per hash, and per kernel with and without interruption checks, each with
  // the Node rows' target.
  let deno_p2: Vec<_> = rows.iter().filter(|r| r[0] == "P2" && r[5] != "—" && r[1].contains("Deno")).collect();
  assert_eq!(
    deno_p2.len(),
    8,
    "P2: expected Deno's 2 hash rows and 3 kernel rows with and 3 without interruption checks\n{stdout}"
  );
  // and of P5 (context): 16 MiB through a Uint8Array view of memory.buffer.
  let deno_p5: Vec<_> = rows.iter().filter(|r| r[0] == "P5" && r[5] == "—" && r[1].contains("Deno")).collect();
  assert_eq!(deno_p5.len(), 1, "P5: expected Deno's context row\n{stdout}");
  let ratio = deno_p5[0][4];
  assert!(ratio.starts_with(|c: char| c.is_ascii_digit()), "P5 Deno: no number ({ratio})\n{stdout}");
  // Deno's checksums are in the cross-check at kiln's sizes (3 kernels, 2 hashes), and its
  // tree-sitter syntax nodes.
  let deno_agreed = stdout.lines().filter(|l| l.starts_with("- agree: ") && l.contains(", deno=")).count();
  assert_eq!(deno_agreed, 6, "Deno's checksums are missing from the cross-check\n{stdout}");
  assert!(stdout.contains("Checksums: all agree"), "the peers' checksums disagree:\n{stdout}");
  // Every workload was checked at two sizes (kiln's, and the interpreter's on Node.js), and
  // tree-sitter's parses found the same syntax nodes on every peer.
  let agreed = stdout.lines().filter(|l| l.starts_with("- agree: ")).count();
  assert_eq!(agreed, 11, "{stdout}");
  let nodes = stdout.lines().find(|l| l.starts_with("- agree: tree-sitter syntax nodes: "));
  assert!(
    nodes.is_some_and(|l| l.contains("kiln=") && l.contains("node=") && l.contains("deno=")),
    "tree-sitter's cross-check is missing a peer\n{stdout}"
  );
  // tree-sitter's rows (npm, context): measured against Node.js and Deno, three rows each.
  let tree_sitter: Vec<Vec<&str>> = stdout
    .lines()
    .filter(|l| l.starts_with("| npm") && l.contains("tree-sitter"))
    .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
    .collect();
  assert_eq!(tree_sitter.len(), 6, "expected 6 tree-sitter rows\n{stdout}");
  for row in tree_sitter {
    assert!(
      row[4].starts_with(|c: char| c.is_ascii_digit()),
      "tree-sitter {}: no number ({})\n{stdout}",
      row[1],
      row[4]
    );
  }
}

/// The full run's sizes (bench/config.mjs's `FULL_SIZES`), as Node reads them.
fn full_sizes() -> Value {
  let out = Command::new("node")
    .args(["--input-type=module", "-e"])
    .arg("import { FULL_SIZES } from './bench/config.mjs'; console.log(JSON.stringify(FULL_SIZES));")
    .current_dir(repo())
    .output()
    .expect("running node");
  assert!(out.status.success(), "reading FULL_SIZES: {}", String::from_utf8_lossy(&out.stderr));
  serde_json::from_slice(&out.stdout).expect("FULL_SIZES as JSON")
}

/// A guard against smoke mode drifting toward full sizes (a full run takes minutes): every size the
/// smoke run used is below the full run's, a byte size of one buffer (`...Bytes`) at most equal to it.
/// Sizes, unlike the run's time, do not depend on the machine.
fn smoke_sizes_stay_small(smoke: &Value, full: &Value, path: &str) {
  let Value::Object(full) = full else { panic!("{path}: FULL_SIZES is not an object") };
  let Value::Object(smoke) = smoke else { panic!("{path}: the smoke record has no sizes ({smoke})") };
  let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<std::collections::BTreeSet<_>>();
  assert_eq!(keys(smoke), keys(full), "{path}: the smoke and full runs have different sizes");
  for (key, full_value) in full {
    let (at, smoke_value) = (format!("{path}.{key}"), &smoke[key]);
    if full_value.is_object() {
      smoke_sizes_stay_small(smoke_value, full_value, &at);
      continue;
    }
    let (Some(s), Some(f)) = (smoke_value.as_f64(), full_value.as_f64()) else { panic!("{at}: not a number") };
    if key.ends_with("Bytes") {
      assert!(s <= f, "{at}: the smoke run's {s} is above the full run's {f}");
    } else {
      assert!(s < f, "{at}: the smoke run's {s} is not below the full run's {f}; keep smoke sizes tiny");
    }
  }
}

#[test]
fn bench_apps_type_check() {
  let run = tsc(&["-p", "bench/tsconfig.json"]);
  assert_eq!(run.status, Some(0), "tsc -p bench/tsconfig.json reported errors:\n{}{}", run.stdout, run.stderr);
}
