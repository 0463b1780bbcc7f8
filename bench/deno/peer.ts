// P2's and P5's Deno peer (V8's WebAssembly in Deno), run by bench/run.mjs on the same wasm bytes
// as Kiln, the way node/peer.mjs runs them on Node: the C kernels' run(n), and hash-wasm's sha256
// and blake3 fed in 16 KiB chunks through a Uint8Array view of the module's memory.buffer; and
// P5's 16 MiB round trip, written and read through a view of memory.wasm's memory.buffer.
//
//   deno run --allow-read=<wasm dir> peer.ts '<json spec>'
//     spec: {"jobs": [{"name", "kind": "kernel" | "hash", "path", "size", "repeats"}],
//            "memory"?: path of memory.wasm, "bytes"?: bytes per round trip, "repeats"?: R}
// Prints one JSON line: {"engine": "deno", "jobs": [...], "memoryRoundTrip"?, "memoryWrite"?,
// "memoryRead"? (seconds per run)}.
import { block, CHUNK, HASHES, hex, measure, now, timeChecked } from "../shared.mjs";

interface Job {
  name: string;
  kind: "kernel" | "hash";
  path: string;
  size: number;
  repeats: number;
}

interface Spec {
  jobs: Job[];
  memory?: string;
  bytes?: number;
  repeats?: number;
}

// deno-lint-ignore no-explicit-any
type Exports = Record<string, any>;

async function instance(path: string): Promise<Exports> {
  const { instance } = await WebAssembly.instantiate(Deno.readFileSync(path), {});
  return instance.exports as Exports;
}

async function kernel(job: Job) {
  const { run } = await instance(job.path);
  return { name: job.name, api: "deno", ...await timeChecked(job.name, job.repeats, () => run(job.size)) };
}

async function hash(job: Job) {
  const { init, final } = (HASHES as Record<string, { init: number; final: number[] }>)[job.name];
  const ex = await instance(job.path);
  const data = block();
  const ptr: number = ex.Hash_GetBuffer();
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
  const { times, checksum: digest } = await timeChecked(job.name, job.repeats, once);
  return { name: job.name, api: "deno", times, digest };
}

/** P5's round trip, as kiln/calls.ts does it with memory.write/read: the read is a copy. */
async function memory(path: string, bytes: number, repeats: number) {
  const ex = await instance(path);
  const mem = ex.memory as WebAssembly.Memory;
  const data = new Uint8Array(bytes);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >>> 12) & 255;
  const write: number[] = [];
  const read: number[] = [];
  const roundTrip = await measure(repeats, () => {
    const t0 = now();
    new Uint8Array(mem.buffer, 0, bytes).set(data);
    const t1 = now();
    const back = new Uint8Array(mem.buffer, 0, bytes).slice();
    const t2 = now();
    if (back.length !== data.length || back[data.length - 4096] !== data[data.length - 4096]) {
      throw new Error("the view read back other bytes than were written");
    }
    write.push(t1 - t0);
    read.push(t2 - t1);
    return t2 - t0;
  });
  // The first entry of each was the warm-up.
  return { memoryRoundTrip: roundTrip, memoryWrite: write.slice(1), memoryRead: read.slice(1) };
}

const spec: Spec = JSON.parse(Deno.args[0]);
const jobs = [];
for (const job of spec.jobs) jobs.push(job.kind === "kernel" ? await kernel(job) : await hash(job));
const mem = spec.memory ? await memory(spec.memory, spec.bytes ?? 16 << 20, spec.repeats ?? 1) : {};
console.log(JSON.stringify({ engine: "deno", jobs, ...mem }));
