// The Node.js peer (V8's WebAssembly), run by bench/run.mjs on the same wasm bytes as Kiln.
//   node peer.mjs '<json spec>'   spec: {"jobs": [{"name", "kind": "kernel" | "hash", "path",
//                                   "size", "repeats"}]}, as bench/kiln/compute.ts
//   node peer.mjs compile <path>   WebAssembly.compile of a file: {"compileMs"}
// Prints one JSON line.
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

const now = () => performance.now() / 1000;

async function measure(repeats, run) {
  await run();
  const out = [];
  for (let i = 0; i < repeats; i++) out.push(await run());
  return out;
}

// The same 1 MiB block as bench/kiln/common.ts and bench/kernels/native_hash.c.
function block() {
  const words = new Uint32Array(1 << 18);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer);
}

const CHUNK = 16 * 1024;
const HASHES = { sha256: { init: 256, final: [] }, blake3: { init: 0, final: [32] } };
const hex = (bytes) => Buffer.from(bytes).toString("hex");

async function instance(path) {
  const { instance } = await WebAssembly.instantiate(readFileSync(path), {});
  return instance.exports;
}

async function kernel(job) {
  const { run } = await instance(job.path);
  const checksum = run(job.size);
  const times = await measure(job.repeats, () => {
    const t0 = now();
    const c = run(job.size);
    const t = now() - t0;
    if (c !== checksum) throw new Error(`${job.name}: checksum changed`);
    return t;
  });
  return { name: job.name, api: "node", times, checksum };
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
    return hex(new Uint8Array(ex.memory.buffer, ptr, 32));
  };
  const digest = once();
  const times = await measure(job.repeats, () => {
    const t0 = now();
    const d = once();
    const t = now() - t0;
    if (d !== digest) throw new Error(`${job.name}: digest changed`);
    return t;
  });
  return { name: job.name, api: "node", times, digest };
}

if (process.argv[2] === "compile") {
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
