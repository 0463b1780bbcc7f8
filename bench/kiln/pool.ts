// P6 and the pool call overhead, in one kiln process.
//
// P6: throughput of a compute kernel on a pool of 1 and a pool of 2 (`createPool`, each member an
// instance on its own thread): `calls` calls of `run(n)` queued at once with Promise.all, as calls
// completed per second. The two pools alternate, so drift hits both alike. Every result must equal
// what a direct `instance.call("run", n)` returns (the app reports the distinct values it saw;
// bench/run.mjs checks them).
//
// Pool call overhead: ns per `await pool.call("add", a, b)` on a pool of 1, each call awaited
// before the next, against `await instance.call("add", a, b)` on an ordinary instance, alternating.
//
// Kiln.args[0] is a JSON spec: {"kernel": path of a kernel (exports `double run(int n)`), "n",
// "calls": calls queued at once, "add": path of add.wasm, "poolCalls": awaited calls per run,
// "repeats"}. Prints one JSON line; a figure that cannot be measured (no createPool in this Kiln,
// or a failure) is a string saying why.
import * as wasm from "runtime:wasm";
import { compileFile, instantiate } from "runtime:wasm";
import { emit, measure, now } from "./common.ts";

interface Spec {
  kernel: string;
  n: number;
  calls: number;
  add: string;
  poolCalls: number;
  repeats: number;
}

/** The pool API (ts/wasm_pool.ts), typed here so that this app type-checks on a Kiln without it. */
interface Pool {
  call<R extends unknown[] = unknown[]>(name: string, ...args: number[]): Promise<R>;
  drop(): Promise<void>;
}
type CreatePool = (moduleId: string, options: { size: number }) => Promise<Pool>;

const spec: Spec = JSON.parse(Kiln.args[0]);
const R = spec.repeats;
const out: Record<string, unknown> = {};
const createPool = (wasm as unknown as { createPool?: CreatePool }).createPool;
const why = (e: unknown) => `failed: ${e instanceof Error ? e.message : String(e)}`.split("\n")[0];

// ---- P6 ----

const kernel = await compileFile(spec.kernel);
{
  // The reference: a direct call on an ordinary instance (also timed, for context).
  const direct = await instantiate(kernel);
  const [checksum] = await direct.call<[number]>("run", spec.n);
  out.checksum = checksum;
  out.directTimes = await measure(R, async () => {
    const t0 = now();
    const [c] = await direct.call<[number]>("run", spec.n);
    const t = now() - t0;
    if (c !== checksum) throw new Error(`instance.call("run", ${spec.n}) changed its result: ${c} != ${checksum}`);
    return t;
  });
  await direct.drop();
}
if (typeof createPool !== "function") {
  out.pool1 = out.pool2 = "missing: createPool";
} else {
  const pools: Pool[] = [];
  try {
    pools.push(await createPool(kernel, { size: 1 }), await createPool(kernel, { size: 2 }));
    const seen = [new Set<number>(), new Set<number>()];
    /** One batch: `calls` calls queued at once; calls completed per second. */
    const batch = async (which: number) => {
      const t0 = now();
      const results = await Promise.all(
        Array.from({ length: spec.calls }, () => pools[which].call<[number]>("run", spec.n)),
      );
      const t = now() - t0;
      for (const [c] of results) seen[which].add(c);
      return spec.calls / t;
    };
    const pool1: number[] = [];
    const pool2: number[] = [];
    // A warm-up batch each (every member's first call), then the pools alternate.
    await batch(0);
    await batch(1);
    for (let i = 0; i < R; i++) {
      pool1.push(await batch(0));
      pool2.push(await batch(1));
    }
    out.pool1 = pool1;
    out.pool2 = pool2;
    out.pool1Checksums = [...seen[0]];
    out.pool2Checksums = [...seen[1]];
  } catch (e) {
    out.pool1 = out.pool2 = why(e);
  } finally {
    for (const p of pools) await p.drop().catch(() => {});
  }
}

// ---- pool call overhead ----

const add = await compileFile(spec.add);
const instance = await instantiate(add);
{
  const [five] = await instance.call<[number]>("add", 2, 3);
  if (five !== 5) throw new Error(`instance.call("add", 2, 3) = ${five}`);
}
const sequential = async (call: (i: number) => Promise<unknown>) => {
  const n = spec.poolCalls;
  const t0 = now();
  for (let i = 0; i < n; i++) await call(i);
  return ((now() - t0) * 1e9) / n;
};
const instanceCall = () => sequential((i) => instance.call("add", i, 1));
let pool: Pool | null = null;
if (typeof createPool !== "function") {
  out.poolCall = "missing: createPool";
} else {
  try {
    pool = await createPool(add, { size: 1 });
    const [five] = await pool.call<[number]>("add", 2, 3);
    if (five !== 5) throw new Error(`pool.call("add", 2, 3) = ${five}`);
  } catch (e) {
    out.poolCall = why(e);
    pool = null;
  }
}
if (pool) {
  const p = pool;
  const poolCall = () => sequential((i) => p.call("add", i, 1));
  const poolNs: number[] = [];
  const instanceNs: number[] = [];
  await poolCall();
  await instanceCall();
  for (let i = 0; i < R; i++) {
    poolNs.push(await poolCall());
    instanceNs.push(await instanceCall());
  }
  out.poolCall = poolNs;
  out.instanceCall = instanceNs;
  await p.drop();
} else {
  out.instanceCall = await measure(R, instanceCall);
}
await instance.drop();

emit(out);
