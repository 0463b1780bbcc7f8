// P2 and P7: compute throughput of the kernels (bench/kernels/*.c) and of hash-wasm's sha256 and
// blake3, on Kiln's runtime:wasm (engine "runtime") or on the JS engine's built-in WebAssembly
// (engine "builtin"), in one kiln process.
//
// Kiln.args[0] is a JSON spec: {"engine": "runtime" | "builtin", "jobs": [{"name", "kind":
// "kernel" | "hash", "path", "size", "repeats", "timeout"?}]}. A kernel job calls run(size); a
// hash job hashes `size` MiB. With "timeout", a second instance made with {timeoutMs: 60000} runs
// the same kernel, alternating with the first (P7). Prints one JSON line: {"engine", "jobs": [...]}.
import { compileFile, instantiate } from "runtime:wasm";
import type { WasmInstance } from "runtime:wasm";
import { readBytes } from "runtime:fs";
import { block, CHUNK, emit, HASHES, hex, measure, now, timeChecked } from "./common.ts";

interface Job {
  name: string;
  kind: "kernel" | "hash";
  path: string;
  size: number;
  repeats: number;
  timeout?: boolean;
}

interface Spec {
  engine: "runtime" | "builtin";
  jobs: Job[];
}

type Fn = (...args: number[]) => unknown;
type Exports = Record<string, Fn>;

/** `instance.exports`, the synchronous fast path, where this Kiln has it. */
function syncExports(instance: WasmInstance): Exports | null {
  const exports = (instance as unknown as { exports?: unknown }).exports;
  return exports !== null && typeof exports === "object" ? exports as Exports : null;
}

interface BuiltinWebAssembly {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const spec: Spec = JSON.parse(Kiln.args[0]);
const data = block();
const results: unknown[] = [];

// ---- runtime:wasm ----

async function runtimeKernel(job: Job): Promise<unknown> {
  const moduleId = await compileFile(job.path);
  const runner = (instance: WasmInstance): [string, () => Promise<number> | number] => {
    const exports = syncExports(instance);
    if (exports && typeof exports.run === "function") return ["exports", () => exports.run(job.size) as number];
    return ["call", async () => (await instance.call<[number]>("run", job.size))[0]];
  };
  const [api, run] = runner(await instantiate(moduleId));
  let checksum = await run();
  const time = async (f: () => Promise<number> | number) => {
    const t0 = now();
    const c = await f();
    const t = now() - t0;
    if (c !== checksum) throw new Error(`${job.name}: checksum changed: ${c} != ${checksum}`);
    return t;
  };
  if (!job.timeout) return { name: job.name, api, times: await measure(job.repeats, () => time(run)), checksum };
  // P7: the same kernel on an instance with a deadline, alternating so drift hits both alike.
  const [, guarded] = runner(await instantiate(moduleId, { timeoutMs: 60_000 }));
  await time(guarded);
  // And on an instance without interruption checks (interruptible: false), where Kiln has it.
  let unchecked: (() => Promise<number> | number) | null = null;
  try {
    [, unchecked] = runner(await instantiate(moduleId, { interruptible: false }));
    await time(unchecked);
  } catch {
    unchecked = null;
  }
  const times: number[] = [];
  const timeoutTimes: number[] = [];
  const uncheckedTimes: number[] = [];
  for (let i = 0; i < job.repeats; i++) {
    times.push(await time(run));
    timeoutTimes.push(await time(guarded));
    if (unchecked) uncheckedTimes.push(await time(unchecked));
  }
  return { name: job.name, api, times, timeoutTimes, uncheckedTimes, checksum };
}

async function runtimeHash(job: Job): Promise<unknown> {
  const { init, final } = HASHES[job.name];
  const instance = await instantiate(await compileFile(job.path));
  const memory = instance.memory;
  const exports = syncExports(instance);
  let hash: () => Promise<string>;
  let api: string;
  if (exports && typeof exports.Hash_Update === "function") {
    api = "exports";
    const ptr = exports.Hash_GetBuffer() as number;
    const update = exports.Hash_Update;
    hash = async () => {
      exports.Hash_Init(init);
      for (let m = 0; m < job.size; m++) {
        for (let off = 0; off < data.length; off += CHUNK) {
          await memory.write(ptr, data.subarray(off, off + CHUNK));
          update(CHUNK);
        }
      }
      exports.Hash_Final(...final);
      return hex(await memory.read(ptr, 32));
    };
  } else {
    api = "call";
    const [ptr] = await instance.call<[number]>("Hash_GetBuffer");
    hash = async () => {
      await instance.call("Hash_Init", init);
      for (let m = 0; m < job.size; m++) {
        for (let off = 0; off < data.length; off += CHUNK) {
          await memory.write(ptr, data.subarray(off, off + CHUNK));
          await instance.call("Hash_Update", CHUNK);
        }
      }
      await instance.call("Hash_Final", ...final);
      return hex(await memory.read(ptr, 32));
    };
  }
  const measured = await timeHash(job, hash);
  // The same hash through a view of memory.buffer (no copy, no await per chunk), where this Kiln
  // has it: as Deno's peer and the built-in WebAssembly do it.
  const buffered = bufferHash(job, instance, exports);
  if (buffered === null) return { name: job.name, api, ...measured };
  const { times: bufferTimes, digest: bufferDigest } = await timeHash(job, buffered);
  if (bufferDigest !== measured.digest) throw new Error(`${job.name}: memory.buffer digest ${bufferDigest} != ${measured.digest}`);
  return { name: job.name, api, ...measured, bufferTimes };
}

/** A hash through `instance.memory.buffer` and `instance.exports`, or null without them. */
function bufferHash(job: Job, instance: WasmInstance, exports: Exports | null): (() => string) | null {
  const { init, final } = HASHES[job.name];
  const memory = instance.memory as unknown as { buffer?: ArrayBuffer };
  if (!exports || typeof exports.Hash_Update !== "function" || !("buffer" in memory)) return null;
  const ptr = exports.Hash_GetBuffer() as number;
  const update = exports.Hash_Update;
  return () => {
    exports.Hash_Init(init);
    for (let m = 0; m < job.size; m++) {
      for (let off = 0; off < data.length; off += CHUNK) {
        new Uint8Array(memory.buffer!, ptr, CHUNK).set(data.subarray(off, off + CHUNK));
        update(CHUNK);
      }
    }
    exports.Hash_Final(...final);
    return hex(new Uint8Array(memory.buffer!, ptr, 32));
  };
}

async function timeHash(job: Job, hash: () => Promise<string> | string): Promise<{ times: number[]; digest: string }> {
  const { times, checksum: digest } = await timeChecked(job.name, job.repeats, hash);
  return { times, digest };
}

// ---- the JS engine's built-in WebAssembly ----

async function builtinInstance(path: string): Promise<Record<string, unknown>> {
  const W = (globalThis as unknown as { WebAssembly: BuiltinWebAssembly }).WebAssembly;
  return new W.Instance(new W.Module(await readBytes(path)), {}).exports;
}

async function builtinKernel(job: Job): Promise<unknown> {
  const run = (await builtinInstance(job.path)).run as Fn;
  return { name: job.name, api: "builtin", ...await timeChecked(job.name, job.repeats, () => run(job.size)) };
}

async function builtinHash(job: Job): Promise<unknown> {
  const { init, final } = HASHES[job.name];
  const exports = await builtinInstance(job.path);
  const fn = (name: string) => exports[name] as Fn;
  const ptr = fn("Hash_GetBuffer")() as number;
  const memory = exports.memory as { buffer: ArrayBuffer };
  const hash = () => {
    fn("Hash_Init")(init);
    const update = fn("Hash_Update");
    for (let m = 0; m < job.size; m++) {
      for (let off = 0; off < data.length; off += CHUNK) {
        new Uint8Array(memory.buffer, ptr, CHUNK).set(data.subarray(off, off + CHUNK));
        update(CHUNK);
      }
    }
    fn("Hash_Final")(...final);
    return hex(new Uint8Array(memory.buffer, ptr, 32));
  };
  return { name: job.name, api: "builtin", ...await timeHash(job, hash) };
}

for (const job of spec.jobs) {
  if (spec.engine === "runtime") {
    results.push(job.kind === "kernel" ? await runtimeKernel(job) : await runtimeHash(job));
  } else {
    results.push(job.kind === "kernel" ? await builtinKernel(job) : await builtinHash(job));
  }
}
emit({ engine: spec.engine, jobs: results });
