#!/usr/bin/env node
// Writes runtime/hot-functions.txt, the order in which the linker lays out the functions of the
// `kiln` binary's call paths (runtime/build.rs passes it as lld's --symbol-ordering-file).
// `./x order` runs it after building kiln and the benchmark's modules.
//
//   node bench/order.mjs
//
// What it measures: bench/kiln/calls.ts (P1a, P1b, P1c: synchronous and awaited calls, no-op ops,
// host calls) runs twice under callgrind, the second time with twice the calls. A function whose
// instruction count grows by at least one per added call runs in those loops: it is hot. The hot
// functions go first in the binary's code, densest first (instructions run per byte of code), so
// that the hot lines share as few cache sets and pages as they can: a function's cold code stays
// inside it, so the small, mostly hot ones come first and the interpreter's own loop, big and
// sparsely hot, last.
//
// Why: the CPU's instruction cache maps an address to one of a few places (a 64 KiB 4-way L1i on
// this machine kind has 256 sets of 4 lines). The hot code of an awaited call is about 500 lines,
// well within it, but scattered over 33 MiB of code by the linker's default order it falls
// unevenly on the sets, and a set with more hot lines than ways misses on each of them on every
// call (BENCHMARKS.md, the fifty-first pass).
//
// Symbol names are those the linker sees (mangled); a name that no longer exists after a change is
// skipped by the linker, so the file ages gracefully. Regenerate it when the call paths change.
// A Rust symbol's name carries a hash of its crate's build, which depends on the checkout's path:
// in another checkout only the C functions (the JS engine's, about 140) and the Rust names whose
// hash happens to match are ordered, until `./x order` is run there.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BENCH, REPO, WASM, opt } from "./config.mjs";

const OUT = path.join(REPO, "runtime/hot-functions.txt");
const N = 4_000;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20, ...options });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(" ")} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** Exclusive instruction counts per function (mangled name) of one callgrind run of calls.ts with
 * `n` iterations per loop. */
function profile(n, dir) {
  const spec = {
    add: path.join(WASM, "add.wasm"),
    memory: path.join(WASM, "memory.wasm"),
    calls: n,
    asyncCalls: n,
    hostcallWat: path.join(BENCH, "wat/hostcall.wat"),
    hostcallWasm: path.join(WASM, "hostcall.wasm"),
    hostCalls: n,
    // Instantiations and memory round trips stay the same in both runs: they are long enough for
    // their code's layout not to matter, and would otherwise fill the hot part with their code.
    instances: 10,
    bytes: 1 << 20,
    repeats: 1,
  };
  const out = path.join(dir, `callgrind.${n}`);
  // calls.ts's `WebAssembly` peer runs on Kiln's default global (wasmtime), a user's path too.
  const env = { ...process.env, KILN_EXPOSE_INTERNALS: "1", KILN_CACHE_DIR: path.join(dir, "cache") };
  // A first run fills the compile cache and the start-up snapshot, as a user's runs find them.
  run(opt.kiln, ["run", path.join(BENCH, "kiln/calls.ts"), JSON.stringify({ ...spec, calls: 10, asyncCalls: 10, hostCalls: 10, instances: 1 })], { cwd: BENCH, env });
  run("valgrind", ["--tool=callgrind", "--demangle=no", `--callgrind-out-file=${out}`, opt.kiln, "run",
    path.join(BENCH, "kiln/calls.ts"), JSON.stringify(spec)], { cwd: BENCH, env });
  const counts = new Map();
  let table = false;
  for (const line of run("callgrind_annotate", ["--auto=no", "--threshold=100", out]).split("\n")) {
    if (line.includes("file:function")) {
      table = true;
      continue;
    }
    const m = table && line.match(/^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/);
    if (!m) continue;
    // `file:function [object]`; a recursive function's inner frames are `function'2`.
    const name = m[2].replace(/ \[[^\]]*\]$/, "").split(":").pop().replace(/'\d+$/, "");
    counts.set(name, (counts.get(name) ?? 0) + Number(m[1].replaceAll(",", "")));
  }
  return counts;
}

/** Each function symbol's size in the binary. */
function sizes() {
  const out = new Map();
  for (const line of run("nm", ["-S", "--defined-only", opt.kiln]).split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4) continue;
    const [, size, type, name] = fields;
    if (/^[tTwW]$/.test(type)) out.set(name, Math.max(out.get(name) ?? 0, parseInt(size, 16)));
  }
  return out;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-order-"));
try {
  // calls.ts's modules, from the benchmark's WAT sources, where bench/run.mjs builds them (the
  // benchmark's manifest grants bench/build/; wat2wasm: ./x setup installs wabt).
  fs.mkdirSync(WASM, { recursive: true });
  for (const name of ["add", "memory", "hostcall"]) {
    run("wat2wasm", [path.join(BENCH, "wat", `${name}.wat`), "-o", path.join(WASM, `${name}.wasm`)]);
  }
  const once = profile(N, dir);
  const twice = profile(2 * N, dir);
  const size = sizes();
  const growth = new Map([...twice].map(([name, ir]) => [name, ir - (once.get(name) ?? 0)]));
  const hot = [...growth].filter(([name, ir]) => size.get(name) > 0 && ir >= N).map(([name]) => name);
  // Densest first: instructions run per byte of code.
  const density = (name) => growth.get(name) / size.get(name);
  hot.sort((a, b) => density(b) - density(a) || a.localeCompare(b));
  const bytes = hot.reduce((sum, name) => sum + size.get(name), 0);
  const header = [
    "# The hot functions of kiln's call paths, in the order the linker lays them out first",
    "# (runtime/build.rs). Written by `./x order` (bench/order.mjs), which says how; do not edit.",
    `# ${hot.length} functions, ${bytes} bytes.`,
  ];
  fs.writeFileSync(OUT, [...header, ...hot, ""].join("\n"));
  console.log(`${path.relative(REPO, OUT)}: ${hot.length} functions, ${bytes} bytes`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
