// The Node.js peer (V8's WebAssembly), run by bench/run.mjs on the same wasm bytes as Kiln.
//   node peer.mjs '<json spec>'   spec: {"jobs": [{"name", "kind": "kernel" | "hash", "path",
//                                   "size", "repeats"}]}, as bench/kiln/compute.ts
//   node peer.mjs compile <path>   WebAssembly.compile of a file: {"compileMs"}
//   node peer.mjs hostcall <path> <n> <repeats>   P1c: hostcall.wasm's loop(n), which calls the JS
//                                  import env.f n times: {"ns": [ns per round trip, per run]}
//   node peer.mjs ruby <path> <repeats>   P4 context: CRuby's start-up through the package's own
//                                  glue (@ruby/wasm-wasi's RubyVM on node:wasi), as
//                                  bench/kiln/ruby.ts does it in Kiln: {"ms": [per run]}
// Prints one JSON line.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { block, CHUNK, HASHES, measure, now, timeChecked } from "../shared.mjs";

const hexOf = (bytes) => Buffer.from(bytes).toString("hex");

async function instance(path) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
  return instance.exports;
}

async function kernel(job) {
  const { run } = await instance(job.path);
  return { name: job.name, api: "node", ...await timeChecked(job.name, job.repeats, () => run(job.size)) };
}

async function hash(job) {
  const { init, final } = HASHES[job.name];
  const ex = await instance(job.path);
  const data = block();
  const ptr = ex.Hash_GetBuffer();
  const once = () => {
    ex.Hash_Init(init);
    for (let m = 0; m < job.size; m++) {
      for (let off = 0; off < data.length; off += CHUNK) {
        new Uint8Array(ex.memory.buffer, ptr, CHUNK).set(data.subarray(off, off + CHUNK));
        ex.Hash_Update(CHUNK);
      }
    }
    ex.Hash_Final(...final);
    return hexOf(new Uint8Array(ex.memory.buffer, ptr, 32));
  };
  const { times, checksum: digest } = await timeChecked(job.name, job.repeats, once);
  return { name: job.name, api: "node", times, digest };
}

/** P1c: ns per guest -> JS -> guest round trip, as bench/kiln/calls.ts measures it. */
async function hostcall(path, n, repeats) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), { env: { f: (x) => x + 1 } });
  const expected = ((n * (n + 1)) / 2) | 0;
  const ns = await measure(repeats, () => {
    const t0 = now();
    const r = instance.exports.loop(n);
    const t = now() - t0;
    if (r !== expected) throw new Error(`loop(${n}) = ${r}, expected ${expected}`);
    return (t * 1e9) / n;
  });
  return { ns };
}

/**
 * Each run: a node:wasi WASI and RubyVM.instantiateModule, which instantiates ruby.wasm, runs
 * `_initialize` and `ruby-init` with the package's default arguments, and evaluates its Bundler
 * check; then `puts 1` (flushing $stdout). The module is compiled once, before the first (untimed)
 * run, so V8's lazy compiles of the functions Ruby reaches land in that run and its tier-ups in
 * the ones after, as they would in a long-lived app. What Ruby prints goes to a file, checked.
 */
async function rubyStartup(path, repeats) {
  // Loaded only here: the other modes need no npm package.
  const { WASI } = await import("node:wasi");
  const { RubyVM } = await import("@ruby/wasm-wasi");
  const module = await WebAssembly.compile(readFileSync(path));
  const dir = mkdtempSync(join(tmpdir(), "kiln-bench-ruby-"));
  try {
    const ms = await measure(repeats, async () => {
      const out = join(dir, "stdout");
      const stdout = openSync(out, "w");
      const stderr = openSync(join(dir, "stderr"), "w");
      const t0 = performance.now();
      const wasip1 = new WASI({ version: "preview1", returnOnExit: true, stdout, stderr });
      const { vm } = await RubyVM.instantiateModule({ module, wasip1 });
      vm.eval("puts 1; $stdout.flush");
      const t = performance.now() - t0;
      closeSync(stdout);
      closeSync(stderr);
      const printed = readFileSync(out, "utf8");
      if (printed !== "1\n") throw new Error(`ruby printed ${JSON.stringify(printed)}`);
      return t;
    });
    return { ms };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "hostcall") {
  console.log(JSON.stringify(await hostcall(process.argv[3], Number(process.argv[4]), Number(process.argv[5]))));
} else if (process.argv[2] === "ruby") {
  console.log(JSON.stringify(await rubyStartup(process.argv[3], Number(process.argv[4]))));
} else if (process.argv[2] === "compile") {
  const bytes = readFileSync(process.argv[3]);
  const t0 = performance.now();
  await WebAssembly.compile(bytes);
  console.log(JSON.stringify({ compileMs: performance.now() - t0 }));
} else {
  const spec = JSON.parse(process.argv[2]);
  const jobs = [];
  for (const job of spec.jobs) jobs.push(job.kind === "kernel" ? await kernel(job) : await hash(job));
  console.log(JSON.stringify({ engine: "node", jobs }));
}
