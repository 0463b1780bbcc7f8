#!/usr/bin/env node
// Writes runtime/hot-functions.txt, the order in which the linker lays out the functions of the
// `kiln` binary's call paths (runtime/build.rs turns it into a linker script for lld).
// `./x order` runs it after building kiln and the benchmark's modules.
//
//   node bench/order.mjs
//
// What it measures: bench/kiln/calls.ts (P1a, P1b, P1c: synchronous and awaited calls, no-op ops,
// host calls) runs under callgrind once with N passes of each loop, and once for each of the loops
// in PATHS with twice its passes. A function whose instruction count grows by at least one per
// added pass runs in those loops: it is hot. The hot functions go first in the binary's code,
// densest first (instructions run per byte of code): a function's cold code stays inside it, so
// the small, mostly hot ones come first and the interpreter's own loop, big and sparsely hot,
// last. Then each is moved on by up to MAX_PAD bytes where that puts the lines its loops run on
// every pass (or every other) on emptier sets of the instruction cache (`layout`); a line `@0x<n>`
// before its names pins it at <n> modulo 4 KiB.
//
// Why: the CPU's instruction cache maps an address to one of a few places (the 32 KiB 8-way L1i of
// this machine kind's Zen 5 VMs, as of Intel's cores, has 64 sets of 8 lines; the Zen 1 VMs' 64 KiB
// 4-way one 256 of 4). Scattered over 33 MiB of code by the linker's default order, an awaited
// call's 465 hot lines fell unevenly on the sets, and a set that cycles through more lines than
// it has ways misses on each of them on every call (BENCHMARKS.md, the fifty-first and
// fifty-second passes).
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
/** The binary as callgrind names it. */
const KILN = fs.realpathSync(opt.kiln);
/** The instruction cache the layout spreads the hot lines over: 32 KiB, 8-way, 64-byte lines (Zen
 * 2 to 5, Intel's cores since Sandy Bridge): 64 sets, one for each line of a 4 KiB stretch. */
const LINE = 64;
const SETS = 64;
const WAYS = 8;
/** How far a function may be moved on to put its hot lines on emptier sets. */
const MAX_PAD = 512;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 << 20, ...options });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(" ")} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  return r.stdout;
}

/** The loops of calls.ts whose code is laid out, by their figures: the synchronous call (P1a) and
 * no-op op, the awaited call (P1b) with and without a fiber and the awaited no-op op, a host call
 * through `exports` and through `call` (P1c). Each is measured alone (calls.ts's `passes`): they
 * run one after another, so each must fit the instruction cache by itself. */
const PATHS = ["exportsAdd", "noop", "callAdd", "callAddLooped", "noopAsync", "hostSync", "hostAsync"];

/** One callgrind run of calls.ts with N passes of each loop, and 2N of `figure`'s if given:
 * exclusive instruction counts per function (mangled name), and per address of the binary. */
function profile(dir, figure) {
  const spec = {
    add: path.join(WASM, "add.wasm"),
    memory: path.join(WASM, "memory.wasm"),
    hostcallWat: path.join(BENCH, "wat/hostcall.wat"),
    hostcallWasm: path.join(WASM, "hostcall.wasm"),
    calls: N,
    asyncCalls: N,
    hostCalls: N,
    passes: figure ? { [figure]: 2 * N } : {},
    // Instantiations and memory round trips stay the same in both runs: they are long enough for
    // their code's layout not to matter, and would otherwise fill the hot part with their code.
    instances: 10,
    bytes: 1 << 20,
    repeats: 1,
  };
  const out = path.join(dir, `callgrind.${figure ?? "all"}`);
  // calls.ts's `WebAssembly` peer runs on Kiln's default global (wasmtime), a user's path too.
  const env = { ...process.env, KILN_EXPOSE_INTERNALS: "1", KILN_CACHE_DIR: path.join(dir, "cache") };
  // A first run fills the compile cache and the start-up snapshot, as a user's runs find them.
  run(opt.kiln, ["run", path.join(BENCH, "kiln/calls.ts"), JSON.stringify({ ...spec, calls: 10, asyncCalls: 10, hostCalls: 10, instances: 1, passes: {} })], { cwd: BENCH, env });
  run("valgrind", ["--tool=callgrind", "--demangle=no", "--dump-instr=yes", "--compress-pos=no", "--compress-strings=no",
    `--callgrind-out-file=${out}`, opt.kiln, "run", path.join(BENCH, "kiln/calls.ts"), JSON.stringify(spec)], { cwd: BENCH, env });
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
  return { counts, instructions: instructions(out) };
}

/** Instructions run at each address of the kiln binary, from a callgrind output file written with
 * `--dump-instr=yes --compress-pos=no --compress-strings=no`: cost lines are `<address> <line>
 * <Ir>`, and the one after a `calls=` line is that call's inclusive cost, not the address's own. */
function instructions(file) {
  const ir = new Map();
  let kiln = false;
  let call = false;
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.startsWith("ob=")) kiln = line.slice(3) === KILN;
    if (line.startsWith("calls=")) {
      call = true;
      continue;
    }
    if (line.startsWith("0x") && kiln && !call) {
      const [address, , cost] = line.split(" ");
      const at = parseInt(address, 16);
      ir.set(at, (ir.get(at) ?? 0) + Number(cost ?? 0));
    }
    call = false;
  }
  return ir;
}

/** The binary's function symbols: each one's size, and the names at each address (a function
 * LLVM found identical to another is an alias of it, at its address, in its section). */
function symbols() {
  const size = new Map();
  const sizeAt = new Map();
  const at = new Map();
  for (const line of run("nm", ["-S", "--defined-only", opt.kiln]).split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length !== 4) continue;
    const [address, bytes, type, name] = fields;
    if (!/^[tTwW]$/.test(type)) continue;
    size.set(name, Math.max(size.get(name) ?? 0, parseInt(bytes, 16)));
    sizeAt.set(parseInt(address, 16), Math.max(sizeAt.get(parseInt(address, 16)) ?? 0, parseInt(bytes, 16)));
    at.set(address, [...(at.get(address) ?? []), name]);
  }
  const aliases = new Map();
  const address = new Map();
  // A local function can be in the binary more than once, a copy in each codegen unit that made
  // it, under one name or with LLVM's `.llvm.<n>` suffixes: its pattern takes every copy.
  const copies = new Map();
  for (const [where, names] of at) {
    for (const name of names) {
      aliases.set(name, names);
      address.set(name, parseInt(where, 16));
      copies.set(unsuffixed(name), [...(copies.get(unsuffixed(name)) ?? []), parseInt(where, 16)]);
    }
  }
  return { size, sizeAt, aliases, address, copies };
}

/** `name` without LLVM's `.llvm.<n>` suffix, which it gives a local function it made global (the
 * number differs from build to build, and between copies of one function). */
function unsuffixed(name) {
  return name.replace(/\.llvm\.\d+$/, "");
}

/** `name` without the parts a build's settings decide: the hash of a legacy-mangled Rust name
 * (`17h` and 16 hex digits before the final `E`), LLVM's `.llvm.<n>` suffix on a local function it
 * made global, the crate hashes of a v0-mangled one (`Cs<base 62>_`). */
function hashless(name) {
  const bare = unsuffixed(name);
  if (bare.startsWith("_ZN")) return bare.replace(/17h[0-9a-f]{16}E$/, `17h${"?".repeat(16)}E*`);
  if (bare.startsWith("_R")) return `${bare.replace(/Cs[0-9A-Za-z]+_/g, "Cs*_")}*`;
  return name;
}

/** The linker-script patterns of function `name`: its own and its aliases' (callgrind names one
 * of them; the section is named after the function the others were merged into), each hashless
 * where that is the build's only function of the name, else with its hash (the instances of a
 * generic function). `count` counts the build's functions by hashless name. */
function patterns(name, aliases, count) {
  const pattern = (name) => {
    const bare = hashless(name);
    return count.get(bare) === 1 || bare === name ? bare : `${unsuffixed(name)}*`;
  };
  return [name, ...aliases.get(name).filter((alias) => alias !== name).sort()].map(pattern);
}

/** Where each of the `hot` functions goes: in their order from `start` (the address of `.text`),
 * each moved on by up to `maxPad` bytes where that puts its hot lines on sets of the cache that
 * hold fewer of the hot lines placed so far. `lines` has, for each of calls.ts's paths, each
 * function's hot instructions on it (offsets from its start): the paths run one after another,
 * so each must fit the cache by itself. A set that cycles through more lines than it has ways
 * loses each of them on every pass, so a line on a set that is full costs much more than one on a
 * set that is not. Returns each function's address modulo 4 KiB where it was moved on (to pin it
 * there), the hot lines of each path, and how many of those end up on sets holding more than WAYS. */
function layout(hot, start, size, lines, maxPad = MAX_PAD) {
  const held = lines.map(() => new Array(SETS).fill(0));
  const taken = lines.map(() => new Set());
  const pinned = new Map();
  let at = start;
  for (const name of hot) {
    at = Math.ceil(at / 16) * 16;
    let best = null;
    for (let pad = 0; pad <= maxPad; pad += 16) {
      let cost = pad / LINE;
      const placed = lines.map((path, p) => {
        const own = [...new Set((path.get(name) ?? []).map((offset) => Math.floor((at + pad + offset) / LINE)))];
        const fresh = own.filter((line) => !taken[p].has(line));
        const count = new Array(SETS).fill(0);
        for (const line of fresh) {
          const set = line % SETS;
          const before = held[p][set] + count[set]++;
          cost += before >= WAYS ? 1000 : before;
        }
        return fresh;
      });
      if (!best || cost < best.cost) best = { cost, pad, placed };
    }
    best.placed.forEach((fresh, p) => {
      for (const line of fresh) {
        taken[p].add(line);
        held[p][line % SETS]++;
      }
    });
    if (best.pad > 0) pinned.set(name, (at + best.pad) % 4096);
    at += best.pad + size.get(name);
  }
  const over = held.map((sets) => sets.reduce((sum, n) => sum + (n > WAYS ? n : 0), 0));
  return { pinned, over, lines: taken.map((path) => path.size) };
}

/** The address of the binary's `.text`. */
function textStart() {
  const line = run("readelf", ["-SW", opt.kiln]).split("\n").find((line) => /\s\.text\s/.test(line));
  return parseInt(line.trim().split(/\s+/)[3], 16);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-order-"));
try {
  // calls.ts's modules, from the benchmark's WAT sources, where bench/run.mjs builds them (the
  // benchmark's manifest grants bench/build/; wat2wasm: ./x setup installs wabt).
  fs.mkdirSync(WASM, { recursive: true });
  for (const name of ["add", "memory", "hostcall"]) {
    run("wat2wasm", [path.join(BENCH, "wat", `${name}.wat`), "-o", path.join(WASM, `${name}.wasm`)]);
  }
  // One run with N passes of each loop, and one for each path with 2N passes of its loop: what
  // grows by at least one instruction a pass runs on that path.
  const once = profile(dir);
  const runs = PATHS.map((figure) => profile(dir, figure));
  const { size, sizeAt, aliases, address, copies } = symbols();
  const growth = new Map();
  for (const profiled of runs) {
    for (const [name, ir] of profiled.counts) growth.set(name, (growth.get(name) ?? 0) + ir - (once.counts.get(name) ?? 0));
  }
  const hot = [...growth].filter(([name, ir]) => size.get(name) > 0 && ir >= N).map(([name]) => name);
  // Densest first: instructions run per byte of code.
  const density = (name) => growth.get(name) / size.get(name);
  hot.sort((a, b) => density(b) - density(a) || a.localeCompare(b));
  const bytes = hot.reduce((sum, name) => sum + size.get(name), 0);
  // Each path's hot instructions (run at least every other pass) in each hot function, as offsets
  // by the function's address.
  const byAddress = new Map(hot.flatMap((name) => copies.get(unsuffixed(name)).map((at) => [at, name])));
  const starts = [...byAddress.keys()].sort((a, b) => a - b);
  const lines = runs.map((profiled) => {
    const own = new Map();
    for (const [at, ir] of profiled.instructions) {
      if (ir - (once.instructions.get(at) ?? 0) < N / 2) continue;
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= at) lo = mid;
        else hi = mid - 1;
      }
      if (starts[lo] <= at && at < starts[lo] + sizeAt.get(starts[lo])) own.set(starts[lo], [...(own.get(starts[lo]) ?? []), at - starts[lo]]);
    }
    return own;
  });
  // The sections in the order the script names them: one per address (a function and its
  // aliases share a section), each with the patterns not named before it.
  const count = new Map();
  for (const symbol of aliases.keys()) count.set(hashless(symbol), (count.get(hashless(symbol)) ?? 0) + 1);
  const written = new Set();
  const seen = new Set();
  const sections = [];
  for (const name of hot) {
    const own = patterns(name, aliases, count).filter((pattern) => !written.has(pattern));
    if (own.length === 0 || seen.has(address.get(name))) continue;
    seen.add(address.get(name));
    for (const pattern of own) written.add(pattern);
    sections.push({ name, own });
  }
  const placed = sections.map(({ name }) => name);
  const start = textStart();
  // Each section block the script places for a function: every copy of it and its aliases, in
  // the order they are in now, each 16-byte aligned; its hot lines are offsets into the block.
  const blockSize = new Map();
  const blockLines = lines.map(() => new Map());
  for (const name of placed) {
    const at = [...new Set(aliases.get(name).flatMap((alias) => copies.get(unsuffixed(alias))))].sort((a, b) => a - b);
    let offset = 0;
    for (const where of at) {
      lines.forEach((own, p) => {
        const moved = (own.get(where) ?? []).map((o) => offset + o);
        blockLines[p].set(name, [...(blockLines[p].get(name) ?? []), ...moved]);
      });
      offset = Math.ceil((offset + sizeAt.get(where)) / 16) * 16;
    }
    blockSize.set(name, offset);
  }
  const before = layout(placed, start, blockSize, blockLines, 0).over;
  const { pinned, over, lines: hotLines } = layout(placed, start, blockSize, blockLines);
  const perPath = (values) => PATHS.map((key, p) => `${key} ${values[p]}`).join(", ");
  const out = [];
  for (const { name, own } of sections) {
    if (pinned.has(name)) out.push(`@0x${pinned.get(name).toString(16)}`);
    out.push(...own);
  }
  const exact = [...written].filter((line) => /17h[0-9a-f]{16}E/.test(line)).length;
  const header = [
    "# The hot functions of kiln's call paths, in the order the linker lays them out first",
    "# (runtime/build.rs). Written by `./x order` (bench/order.mjs), which says how; do not edit.",
    "# Each is a pattern of a mangled name (`?`, `*`), without the hash but where it tells apart",
    "# a generic function's instances; `@0x<n>` puts the next function at <n> modulo 4 KiB.",
    `# ${hot.length} functions, ${bytes} bytes; ${written.size} names with their aliases, ${exact} with their hash.`,
    `# Hot lines by path: ${perPath(hotLines)}; on cache sets that hold more than ${WAYS}: ${perPath(over)}`,
    `# (${perPath(before)} without moving any); ${pinned.size} functions moved on.`,
  ];
  fs.writeFileSync(OUT, [...header, ...out, ""].join("\n"));
  console.log(
    `${path.relative(REPO, OUT)}: ${hot.length} functions, ${bytes} bytes, ${written.size} names, ${exact} with their hash; ` +
      `hot lines ${perPath(hotLines)}; on full sets ${perPath(over)} (unmoved: ${perPath(before)}); ${pinned.size} moved on`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
