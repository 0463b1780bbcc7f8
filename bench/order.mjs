#!/usr/bin/env node
// Writes runtime/hot-functions.txt, the order in which the linker lays out the functions of the
// `kiln` binary's call paths (runtime/build.rs turns it into a linker script for lld).
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
// The file names each function by a pattern of its mangled name (`?` and `*` as in a linker
// script) without what the build's settings rather than the code decide: a Rust symbol's hash
// (from cargo's metadata for its crate: the profile, CARGO_INCREMENTAL, the dependencies'
// versions), LLVM's `.llvm.<n>` suffix, a v0 name's crate hashes. Only where the pattern would
// match more than the one function in this build (the instances of a generic function, which
// differ in the hash alone) does it keep the hash, and such a function is ordered only in builds
// made like this one. A function that no longer exists after a change is skipped by the linker, so
// the file ages gracefully; tests/link_order.rs fails when a tenth of the hashless ones find
// nothing. Regenerate it when the call paths change.

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

/** The binary's function symbols: each one's size, and the names at each address (a function
 * LLVM found identical to another is an alias of it, at its address, in its section). */
function symbols() {
  const size = new Map();
  const at = new Map();
  for (const line of run("nm", ["-S", "--defined-only", opt.kiln]).split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4) continue;
    const [address, bytes, type, name] = fields;
    if (!/^[tTwW]$/.test(type)) continue;
    size.set(name, Math.max(size.get(name) ?? 0, parseInt(bytes, 16)));
    at.set(address, [...(at.get(address) ?? []), name]);
  }
  const aliases = new Map();
  for (const names of at.values()) for (const name of names) aliases.set(name, names);
  return { size, aliases };
}

/** `name` without the parts a build's settings decide: the hash of a legacy-mangled Rust name
 * (`17h` and 16 hex digits before the final `E`), LLVM's `.llvm.<n>` suffix on a local function it
 * made global, the crate hashes of a v0-mangled one (`Cs<base 62>_`). */
function hashless(name) {
  const bare = name.replace(/\.llvm\.\d+$/, "");
  if (bare.startsWith("_ZN")) return bare.replace(/17h[0-9a-f]{16}E$/, `17h${"?".repeat(16)}E*`);
  if (bare.startsWith("_R")) return `${bare.replace(/Cs[0-9A-Za-z]+_/g, "Cs*_")}*`;
  return name;
}

/** The linker-script patterns for `names`, in their order: each function's name with its
 * aliases' (callgrind names one of them; the section is named after the function the others were
 * merged into), hashless where that is the build's only function of the name, else with its hash
 * (the instances of a generic function). */
function patterns(names, aliases) {
  const count = new Map();
  for (const symbol of aliases.keys()) count.set(hashless(symbol), (count.get(hashless(symbol)) ?? 0) + 1);
  const pattern = (name) => {
    const bare = hashless(name);
    return count.get(bare) === 1 || bare === name ? bare : `${name.replace(/\.llvm\.\d+$/, "")}*`;
  };
  const all = names.flatMap((name) => [name, ...aliases.get(name).filter((alias) => alias !== name).sort()]);
  return [...new Set(all.map(pattern))];
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
  const { size, aliases } = symbols();
  const growth = new Map([...twice].map(([name, ir]) => [name, ir - (once.get(name) ?? 0)]));
  const hot = [...growth].filter(([name, ir]) => size.get(name) > 0 && ir >= N).map(([name]) => name);
  // Densest first: instructions run per byte of code.
  const density = (name) => growth.get(name) / size.get(name);
  hot.sort((a, b) => density(b) - density(a) || a.localeCompare(b));
  const bytes = hot.reduce((sum, name) => sum + size.get(name), 0);
  const lines = patterns(hot, aliases);
  const exact = lines.filter((line) => /17h[0-9a-f]{16}E/.test(line)).length;
  const header = [
    "# The hot functions of kiln's call paths, in the order the linker lays them out first",
    "# (runtime/build.rs). Written by `./x order` (bench/order.mjs), which says how; do not edit.",
    "# Each is a pattern of a mangled name (`?`, `*`), without the hash but where it tells apart",
    "# a generic function's instances.",
    `# ${hot.length} functions, ${bytes} bytes; ${lines.length} names with their aliases, ${exact} with their hash.`,
  ];
  fs.writeFileSync(OUT, [...header, ...lines, ""].join("\n"));
  console.log(`${path.relative(REPO, OUT)}: ${hot.length} functions, ${bytes} bytes, ${lines.length} names, ${exact} with their hash`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
