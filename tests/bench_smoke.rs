//! The benchmark harness (bench/, `./x bench`) in its smoke mode: every figure can be measured on
//! this build, with every peer, and the peers compute the same checksums.

use std::process::Command;
use std::time::{Duration, Instant};

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
  let elapsed = started.elapsed();
  let stdout = String::from_utf8_lossy(&out.stdout);
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert_eq!(out.status.code(), Some(0), "bench/run.mjs --smoke failed\nstdout:\n{stdout}\nstderr:\n{stderr}");
  // A guard against smoke mode drifting toward full sizes (a full run takes minutes), not a speed
  // claim: with a cold compile cache, on the first pip install of the wasmtime CLI and beside the
  // other tests on 2 cores it took 63 s once, against 5 s with warm caches.
  assert!(elapsed < Duration::from_secs(150), "the smoke run took {elapsed:?}; keep smoke sizes tiny");

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
  // P1c's context rows (against the built-in WebAssembly's and Node's import calls) have no target,
  // but must be measured too.
  let p1c_context: Vec<_> = rows.iter().filter(|r| r[0] == "P1c" && r[5] == "—").collect();
  assert_eq!(p1c_context.len(), 2, "P1c: expected 2 context rows\n{stdout}");
  for row in p1c_context {
    assert!(row[4].starts_with(|c: char| c.is_ascii_digit()), "P1c {}: no number ({})\n{stdout}", row[1], row[4]);
  }
  // Deno (npm's @deno/linux-x64-glibc, pinned in bench/package.json) is a peer of P1a (context), P2,
  // P5 (context) and P9: its sync call must be measured too.
  let deno_p1a: Vec<_> = rows.iter().filter(|r| r[0] == "P1a" && r[5] == "—" && r[1].contains("Deno")).collect();
  assert_eq!(deno_p1a.len(), 1, "P1a: expected Deno's context row\n{stdout}");
  let ratio = deno_p1a[0][4];
  assert!(ratio.starts_with(|c: char| c.is_ascii_digit()), "P1a Deno: no number ({ratio})\n{stdout}");
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
  // Deno's checksums are in the cross-check at kiln's sizes (3 kernels, 2 hashes).
  let deno_agreed = stdout.lines().filter(|l| l.starts_with("- agree: ") && l.contains(", deno=")).count();
  assert_eq!(deno_agreed, 5, "Deno's checksums are missing from the cross-check\n{stdout}");
  assert!(stdout.contains("Checksums: all agree"), "the peers' checksums disagree:\n{stdout}");
  // Every workload was checked at two sizes (kiln's, and the interpreter's on Node.js).
  let agreed = stdout.lines().filter(|l| l.starts_with("- agree: ")).count();
  assert_eq!(agreed, 10, "{stdout}");
  assert!(repo().join("bench/results/smoke.json").exists());
}

#[test]
fn bench_apps_type_check() {
  let run = tsc(&["-p", "bench/tsconfig.json"]);
  assert_eq!(run.status, Some(0), "tsc -p bench/tsconfig.json reported errors:\n{}{}", run.stdout, run.stderr);
}
