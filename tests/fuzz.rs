//! Robustness: random bytes, mutated fixtures and random valid modules (wasm-smith) are compiled,
//! instantiated, called and have their memory poked by tests/apps/fuzz.ts, and kiln must neither
//! crash nor hang, and must reject every bad input with a coded WasmError (5000-5011).
//!
//! `fuzz_random_wasm` runs in CI with a fixed seed. For a long soak run:
//!
//! ```sh
//! KILN_FUZZ_COUNT=1000000 KILN_FUZZ_SEED=7 cargo test --release --test fuzz -- --ignored --nocapture
//! ```
//!
//! (`KILN_FUZZ_COUNT` inputs of each of the three kinds, run in batches.) A failing batch keeps its
//! directory (printed), with the inputs, `list.txt` and the seed, so that it can be rerun with
//! `kiln run main.ts list.txt <seed>` from inside it.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use arbitrary::Unstructured;
use kiln_test_support::{kiln_bin, repo, wat_path, Rng};
use serde_json::Value;

/// Inputs of each kind in the CI run.
const CI_COUNT: usize = 1000;
/// Inputs of each kind per kiln process in a soak run.
const BATCH: usize = 2000;

const HEADER: &[u8] = b"\0asm\x01\0\0\0";

/// Random bytes, a third of them after a valid header (some with a plausible section header too).
fn random_input(rng: &mut Rng) -> Vec<u8> {
  let len = rng.below(2000);
  let mut out = Vec::with_capacity(len + 16);
  match rng.below(6) {
    0 | 1 => out.extend_from_slice(HEADER),
    2 => {
      out.extend_from_slice(HEADER);
      // A known section id and a small (often wrong) size.
      out.push(rng.below(14) as u8);
      out.push(rng.below(0x80) as u8);
    }
    _ => {}
  }
  out.extend(rng.bytes(len));
  out
}

/// One to four mutations of a valid module: bit flips, byte overwrites, inserts, deletes,
/// truncation, duplicated chunks and stretched LEB128s.
fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
  let mut out = base.to_vec();
  // Usually one mutation, so that a fair share still validates and runs.
  let mutations = if rng.chance(2) { 1 } else { 2 + rng.below(3) };
  for _ in 0..mutations {
    let len = out.len();
    match rng.below(7) {
      0 if len > 0 => {
        let i = rng.below(len);
        out[i] ^= 1 << rng.below(8);
      }
      1 if len > 0 => {
        let i = rng.below(len);
        const EDGES: [u8; 7] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x40, 0x41];
        out[i] = if rng.chance(2) { EDGES[rng.below(EDGES.len())] } else { rng.next_u64() as u8 };
      }
      2 => {
        let i = rng.below(len + 1);
        let n = 1 + rng.below(8);
        let bytes = rng.bytes(n);
        out.splice(i..i, bytes);
      }
      3 if len > 0 => {
        let i = rng.below(len);
        let n = 1 + rng.below(8.min(len - i));
        out.drain(i..i + n);
      }
      4 if len > 0 => out.truncate(rng.below(len)),
      5 if len > 1 => {
        let i = rng.below(len);
        let n = 1 + rng.below(32.min(len - i));
        let chunk = out[i..i + n].to_vec();
        let at = rng.below(len + 1);
        out.splice(at..at, chunk);
      }
      _ if len > 0 => {
        // A huge LEB128 (a count or a size) in place of a byte.
        let i = rng.below(len);
        out.splice(i..i + 1, [0xff, 0xff, 0xff, 0xff, 0x0f]);
      }
      _ => out.extend(rng.bytes(4)),
    }
  }
  out
}

/// wasm-smith settings: no imports, every item exported, small, and only features wasmtime 48
/// enables by default (wasm-smith's defaults already leave out the off-by-default proposals:
/// custom page sizes, wide arithmetic, shared-everything threads, custom descriptors). Generated
/// code may loop forever; the app's fuel and deadlines stop it. Wasmtime compiles shared memories
/// (threads) but kiln's engine does not enable them, so such a module fails to instantiate (5001):
/// only one module in four may have them, so that most instantiate and get called.
fn smith_config(threads: bool) -> wasm_smith::Config {
  wasm_smith::Config {
    max_imports: 0,
    export_everything: true,
    min_types: 3,
    min_funcs: 4,
    max_funcs: 12,
    max_instructions: 120,
    max_memories: 2,
    max_memory32_bytes: 4 * 65536,
    max_memory64_bytes: 4 * 65536,
    max_tables: 2,
    max_table_elements: 1000,
    max_elements: 50,
    max_element_segments: 8,
    max_data_segments: 8,
    max_globals: 8,
    max_tags: 4,
    max_types: 16,
    max_type_size: 100,
    max_exports: 64,
    generate_custom_sections: true,
    custom_page_sizes_enabled: false,
    wide_arithmetic_enabled: false,
    shared_everything_threads_enabled: false,
    custom_descriptors_enabled: false,
    threads_enabled: threads,
    ..Default::default()
  }
}

fn smith_module(rng: &mut Rng) -> Vec<u8> {
  loop {
    let len = 1024 + rng.below(8192);
    let threads = rng.chance(4);
    let data = rng.bytes(len);
    let mut u = Unstructured::new(&data);
    if let Ok(module) = wasm_smith::Module::new(smith_config(threads), &mut u) {
      return module.to_bytes();
    }
  }
}

/// Writes `app` (from tests/apps) into `dir` as `main.ts`, with the helper it imports, a manifest
/// that lets it load, run and read the inputs, and the empty `in/` they go into.
fn stage_app(dir: &Path, app: &str) {
  std::fs::create_dir_all(dir.join("in")).unwrap();
  let apps = repo().join("tests/apps");
  std::fs::write(dir.join("main.ts"), std::fs::read_to_string(apps.join(app)).unwrap()).unwrap();
  std::fs::write(dir.join("xorshift.ts"), std::fs::read_to_string(apps.join("xorshift.ts")).unwrap()).unwrap();
  std::fs::write(
    dir.join("manifest.app.toml"),
    "[capabilities.wasm]\nload = true\nexecute = true\n\n[capabilities.fs]\nread = true\n",
  )
  .unwrap();
}

/// Writes `count` inputs of each kind into `dir` (`in/r0000.wasm`, `in/m0000.wasm`,
/// `in/s0000.wasm`, ...), the app, its manifest and `list.txt`.
fn stage(dir: &Path, seed: u64, count: usize) {
  let mut rng = Rng::new(seed);
  stage_app(dir, "fuzz.ts");

  let mut fixtures: Vec<Vec<u8>> = std::fs::read_dir(repo().join("tests/fixtures"))
    .unwrap()
    .map(|e| e.unwrap().path())
    .filter(|p| p.extension().is_some_and(|e| e == "wat"))
    .map(|p| wat_path(&p))
    .collect();
  fixtures.sort();

  let mut names = Vec::with_capacity(3 * count);
  let mut write = |name: String, bytes: &[u8]| {
    std::fs::write(dir.join(&name), bytes).unwrap();
    names.push(name);
  };
  let mut smith = Vec::with_capacity(count);
  for i in 0..count {
    let module = smith_module(&mut rng);
    write(format!("in/s{i:04}.wasm"), &module);
    smith.push(module);
  }
  for i in 0..count {
    write(format!("in/r{i:04}.wasm"), &random_input(&mut rng));
  }
  for i in 0..count {
    // Half from the hand-written fixtures, half from the generated modules.
    let base = if rng.chance(2) { &fixtures[rng.below(fixtures.len())] } else { &smith[rng.below(smith.len())] };
    write(format!("in/m{i:04}.wasm"), &mutate(&mut rng, base));
  }
  // Interleave the kinds, so that a broken runtime state left by one input shows on the next.
  let mut order: Vec<usize> = (0..names.len()).collect();
  for i in (1..order.len()).rev() {
    order.swap(i, rng.below(i + 1));
  }
  let list: String = order.iter().map(|&i| format!("{}\n", names[i])).collect();
  std::fs::write(dir.join("list.txt"), list).unwrap();
}

struct Outcome {
  status: Option<i32>,
  stdout: String,
  stderr: String,
  elapsed: Duration,
  timed_out: bool,
}

/// Runs `kiln run main.ts list.txt <seed>` in `dir`, killing it after `limit`.
fn run(dir: &Path, seed: u64, limit: Duration) -> Outcome {
  let started = Instant::now();
  let mut child = Command::new(kiln_bin())
    .args(["run", "main.ts", "list.txt", &seed.to_string()])
    // Thousands of one-off modules: keep them out of any compilation cache.
    .env("KILN_CACHE_DIR", "off")
    .current_dir(dir)
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawning kiln");
  // Drain both pipes on threads, so that a chatty kiln cannot block on a full pipe.
  let mut out = child.stdout.take().unwrap();
  let mut err = child.stderr.take().unwrap();
  let out = std::thread::spawn(move || {
    let mut s = String::new();
    let _ = out.read_to_string(&mut s);
    s
  });
  let err = std::thread::spawn(move || {
    let mut s = String::new();
    let _ = err.read_to_string(&mut s);
    s
  });
  let mut timed_out = false;
  while child.try_wait().unwrap().is_none() {
    if started.elapsed() > limit {
      timed_out = true;
      let _ = child.kill();
      break;
    }
    std::thread::sleep(Duration::from_millis(20));
  }
  let status = child.wait().unwrap();
  Outcome {
    status: status.code(),
    stdout: out.join().unwrap(),
    stderr: err.join().unwrap(),
    elapsed: started.elapsed(),
    timed_out,
  }
}

fn num(v: &Value, path: &[&str]) -> u64 {
  let mut v = v;
  for key in path {
    v = &v[*key];
  }
  v.as_u64().unwrap_or(0)
}

/// Which error codes each stage may reject with.
fn allowed(stage: &str) -> &'static [u64] {
  match stage {
    "compile" => &[5000],
    // 5011: the start function ran out of fuel or time.
    "instantiate" => &[5001, 5011],
    // A trap, a signature Kiln cannot pass (or a bad argument), fuel or deadline, and a missing
    // export (a name that is not exported is called on purpose).
    "call" | "exports" => &[5002, 5003, 5007, 5011],
    "memory.size" | "memory.read" | "memory.write" => &[5006],
    "memory.grow" => &[5006, 5007],
    "afterDrop" => &[5004, 5005],
    _ => &[],
  }
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
  let lines: Vec<&str> = text.lines().collect();
  lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Checks one batch and returns its summary. `dir` is the batch's directory, for the messages.
fn check(dir: &Path, seed: u64, count: usize, out: &Outcome) -> Value {
  // The app prints `> <file>` before each input, so the last one names the input that was
  // running when kiln crashed or hung.
  let context = || {
    format!(
      "\ninputs kept in {} (rerun: cd there && kiln run main.ts list.txt {seed})\nstatus {:?} after {:.1?}\n\
       stderr (last lines):\n{}\nstdout (last lines):\n{}",
      dir.display(),
      out.status,
      out.elapsed,
      tail(&out.stderr, 40),
      tail(&out.stdout, 5),
    )
  };
  assert!(!out.timed_out, "kiln hung (killed after {:.1?}){}", out.elapsed, context());
  assert_eq!(out.status, Some(0), "kiln did not exit 0{}", context());
  for bad in ["panicked", "RUST_BACKTRACE", "fatal", "Uncaught"] {
    assert!(!out.stderr.to_lowercase().contains(&bad.to_lowercase()), "stderr mentions {bad:?}{}", context());
  }
  let line = out.stdout.lines().last().unwrap_or_default();
  let summary: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("summary is not JSON: {e}{}", context()));

  assert_eq!(summary["uncodedTotal"], 0, "uncoded errors: {}{}", summary["uncoded"], context());
  assert_eq!(summary["uncoded"].as_array().map(Vec::len), Some(0), "{}", context());
  let anomalies = &summary["anomalies"];
  assert_eq!(anomalies.as_array().map(Vec::len), Some(0), "contract violations: {anomalies}{}", context());
  assert_eq!(num(&summary, &["total"]), 3 * count as u64, "{}", context());
  for kind in ["r", "m", "s"] {
    assert_eq!(num(&summary, &["perCategory", kind, "inputs"]), count as u64, "{kind}{}", context());
  }
  let by_stage = summary["errorsByStage"].as_object().expect("errorsByStage");
  for (stage, codes) in by_stage {
    for code in codes.as_object().unwrap().keys() {
      let code: u64 = code.parse().unwrap();
      assert!(allowed(stage).contains(&code), "{stage} rejected with {code}{}", context());
    }
  }
  summary
}

/// Whether each kind of input reached what it is there to reach.
fn check_coverage(summary: &Value, count: usize) {
  let count = count as u64;
  let cat = |kind: &str, key: &str| num(summary, &["perCategory", kind, key]);
  // Random bytes: almost all fail to compile, with 5000.
  assert!(num(summary, &["errorsByStage", "compile", "5000"]) >= count / 2, "{summary}");
  assert!(cat("r", "compiled") < count / 10, "{summary}");
  // Mutated modules: a few still compile and run (about 4%), most do not.
  assert!(cat("m", "compiled") > count / 100, "{summary}");
  assert!(cat("m", "compiled") < count, "{summary}");
  assert!(cat("m", "calls") > 0, "{summary}");
  // wasm-smith modules are valid: every one compiles, nearly all instantiate, and they are called.
  assert_eq!(cat("s", "compiled"), count, "a valid wasm-smith module did not compile: {summary}");
  // (About a third trap in their start function or data/element segments, or run out of fuel there.)
  assert!(cat("s", "instantiated") > count / 2, "{summary}");
  assert!(cat("s", "calls") > count, "{summary}");
  assert!(cat("s", "callsOk") > count / 4, "{summary}");
  // Traps, runaway code, unpassable signatures and memory misuse all came up.
  for code in ["5002", "5006", "5007", "5011"] {
    assert!(num(summary, &["errors", code]) > 0, "no {code} error: {summary}");
  }
  for stage in ["exports", "memory.read", "memory.write", "memory.grow", "drop", "dropModule"] {
    assert!(num(summary, &["ok", stage]) > 0, "no successful {stage}: {summary}");
  }
}

fn batch_dir(seed: u64) -> tempfile::TempDir {
  tempfile::Builder::new().prefix(&format!("fuzz-{seed}-")).tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

/// Stages, runs and checks one batch; keeps its directory if a check fails.
fn batch(seed: u64, count: usize, limit: Duration) -> (Value, Duration) {
  let tmp = batch_dir(seed);
  let staged = Instant::now();
  stage(tmp.path(), seed, count);
  let staging = staged.elapsed();
  let out = run(tmp.path(), seed, limit);
  let dir: PathBuf = tmp.path().to_path_buf();
  let checked = std::panic::catch_unwind(|| check(&dir, seed, count, &out));
  match checked {
    Ok(summary) => {
      eprintln!("seed {seed}: {} inputs staged in {staging:.1?}, run in {:.1?}", 3 * count, out.elapsed);
      (summary, out.elapsed)
    }
    Err(panic) => {
      let _ = tmp.keep();
      std::panic::resume_unwind(panic)
    }
  }
}

#[test]
fn fuzz_random_wasm() {
  let (summary, _) = batch(1, CI_COUNT, Duration::from_secs(240));
  println!("{summary}");
  check_coverage(&summary, CI_COUNT);
}

/// `KILN_FUZZ_COUNT` inputs of each kind (default 100000), in batches of `BATCH`, from
/// `KILN_FUZZ_SEED` (default 1000) on.
#[test]
#[ignore = "soak run: KILN_FUZZ_COUNT=1000000 cargo test --release --test fuzz -- --ignored"]
fn fuzz_soak() {
  let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
  let total = env("KILN_FUZZ_COUNT", 100_000) as usize;
  let first_seed = env("KILN_FUZZ_SEED", 1000);
  let mut totals: BTreeMap<String, u64> = BTreeMap::new();
  let mut done = 0;
  let mut seed = first_seed;
  while done < total {
    let count = BATCH.min(total - done);
    let (summary, _) = batch(seed, count, Duration::from_secs(1800));
    for (code, n) in summary["errors"].as_object().unwrap() {
      *totals.entry(code.clone()).or_default() += n.as_u64().unwrap();
    }
    done += count;
    seed += 1;
    eprintln!("{done}/{total} of each kind; errors so far: {totals:?}");
  }
}

/// Modules in the engines' differential run; `KILN_AGREE_COUNT` and `KILN_AGREE_SEED` change the
/// count and the seed (77) for a longer run.
const AGREE_COUNT: usize = 150;

/// A random valid module that always ends: wasm-smith's `ensure_termination` counts loop
/// iterations and calls down from `fuel` in a global and traps at zero. No threads, so that each
/// one instantiates on Kiln's engines.
fn terminating_module(rng: &mut Rng, fuel: u32) -> Vec<u8> {
  loop {
    let len = 1024 + rng.below(8192);
    let data = rng.bytes(len);
    let mut u = Unstructured::new(&data);
    let Ok(mut module) = wasm_smith::Module::new(smith_config(false), &mut u) else { continue };
    if module.ensure_termination(fuel).is_ok() {
      return module.to_bytes();
    }
  }
}

/// Kiln's three engines compile a module three ways: with epoch checks (the default), without
/// (`interruptible: false`), and with epoch checks and fuel metering (`fuel`); the checks' calls
/// into the host go through patched code (patches/wasmtime-cranelift.patch). Random modules that
/// always end must give the same results, the same traps and the same memory on all three
/// (tests/apps/engines_agree.ts).
#[test]
fn the_three_engines_agree_on_random_modules() {
  let env = |name: &str, default: u64| std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default);
  let count = env("KILN_AGREE_COUNT", AGREE_COUNT as u64) as usize;
  let seed = env("KILN_AGREE_SEED", 77);
  let tmp = batch_dir(seed);
  let dir = tmp.path();
  let mut rng = Rng::new(seed);
  stage_app(dir, "engines_agree.ts");
  let mut list = String::new();
  for i in 0..count {
    // Little fuel for some, so that runaway loops end in a trap; more for others.
    let fuel = if rng.chance(2) { 100 } else { 5_000 };
    let name = format!("in/d{i:04}.wasm");
    std::fs::write(dir.join(&name), terminating_module(&mut rng, fuel)).unwrap();
    list.push_str(&name);
    list.push('\n');
  }
  std::fs::write(dir.join("list.txt"), list).unwrap();

  let limit = Duration::from_secs(300.max(2 * count as u64));
  let out = run(dir, seed, limit);
  match agreement(dir, &out, count) {
    Ok(summary) => println!("{summary}"),
    Err(message) => {
      let _ = tmp.keep();
      panic!("{message}");
    }
  }
}

/// The summary of a differential run, or what is wrong with it.
fn agreement(dir: &Path, out: &Outcome, count: usize) -> Result<Value, String> {
  let context = || {
    format!(
      "\ninputs in {} (rerun: cd there && kiln run main.ts list.txt)\nstatus {:?} after {:.1?}\nstderr:\n{}",
      dir.display(),
      out.status,
      out.elapsed,
      tail(&out.stderr, 40)
    )
  };
  if out.timed_out || out.status != Some(0) {
    return Err(format!("kiln did not finish{}", context()));
  }
  let line = out.stdout.lines().last().unwrap_or_default();
  let summary: Value = serde_json::from_str(line).map_err(|e| format!("summary is not JSON: {e}{}", context()))?;
  if num(&summary, &["differing"]) != 0 {
    return Err(format!("the engines differ: {:#}{}", summary["differ"], context()));
  }
  // The run reached what it is there for: modules that instantiate, calls that return and calls
  // that trap, among them runaway code that wasm-smith's fuel ended.
  let n = count as u64;
  for (key, least) in
    [("modules", n), ("instantiated", n / 2), ("calls", n), ("callsOk", n / 4), ("traps", 10), ("fuelTraps", 5)]
  {
    if num(&summary, &[key]) < least {
      return Err(format!("{key} below {least}: {summary}{}", context()));
    }
  }
  // Modules whose recursion ran out of stack (frame sizes differ by engine), or that ran out of
  // Kiln's fuel, are not compared.
  if num(&summary, &["deepRecursion"]) + num(&summary, &["outOfKilnFuel"]) > n / 10 {
    return Err(format!("too many modules left uncompared: {summary}{}", context()));
  }
  Ok(summary)
}
