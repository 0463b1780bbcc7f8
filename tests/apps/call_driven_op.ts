// `await instance.call` of an export of the common shape in a store with JS host functions: once
// warm, the instance's own `call` op begins the call and polls it once, calling the host functions
// of numbers itself (ext_wasm/src/call_driven.rs); a call it does not end it hands to the JS
// driver at the step it reached (a promise or a value to settle, a throw, a host function Rust does
// not call, a guest that yields). Each case runs as the first call of a fresh instance (the JS
// driver's whole way) and again on a warm one: both must answer the same.
import { compileFile, instantiate, type WasmCaller, type WasmInstance } from "runtime:wasm";
import { show } from "./first_and_warm.ts";

let kept: WasmCaller | null = null;
let detached = "";
const imports = {
  env: {
    num: (x: number) => x + 1,
    wide: (x: bigint) => x * 2n,
    later: async (x: number) => {
      await null;
      return x + 100;
    },
    odd: (x: number) => String(x + 1),
    throws: (x: number) => {
      throw new RangeError(`no ${x}`);
    },
    peek: (x: number, caller: WasmCaller) => {
      kept = caller;
      return caller.memory.read(x, 1)[0];
    },
    // Its memory's methods are called on it, as a Map's are: taken off it, one says so.
    detached: (x: number, caller: WasmCaller) => {
      const { read } = caller.memory;
      try {
        read(x, 1);
      } catch (e) {
        detached = `${(e as { code?: number }).code} ${(e as Error).name}: ${(e as Error).message}`;
      }
      return caller.memory.read(x, 1)[0];
    },
  },
};
const module = await compileFile("./host_driven_shape.wasm");
const make = () => instantiate(module, { imports });

/** A call's outcome as one line: its results, or its error's code, name, message and cause. */
const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    (r) => `ok [${(r as unknown[]).map(show).join(", ")}]`,
    (e) => {
      const { code, name, message, cause } = e as { code?: number; name: string; message: string; cause?: unknown };
      return `${code} ${name}: ${message}${cause === undefined ? "" : `; cause ${String(cause)}`}`;
    },
  );

const n = (v: unknown) => v as number;
const cases: [string, (i: WasmInstance) => Promise<unknown>][] = [
  ["once", (i) => i.call("once", 41)],
  ["once i32 upper half", (i) => i.call("once", 2 ** 32 - 1)],
  ["mixed", (i) => i.call("mixed", 1, 0.5)],
  ["none", (i) => i.call("none", 1)],
  ["wide", (i) => i.call("wide", 21)],
  ["later", (i) => i.call("later", 1)],
  ["later then num", (i) => i.call("later_then_num", 1)],
  ["odd", (i) => i.call("odd", 1)],
  ["throws", (i) => i.call("throws", 3)],
  ["peek", (i) => i.call("peek", 16)],
  ["peek out of bounds", (i) => i.call("peek", 70000)],
  ["trap after", (i) => i.call("trap_after", 1)],
  ["string argument", (i) => i.call("once", n("7"))],
  ["fraction", (i) => i.call("once", 1.5)],
  ["out of range", (i) => i.call("once", 2 ** 32)],
  ["missing", (i) => i.call("once")],
  ["extra", (i) => i.call("once", 1, 2)],
  ["bigint", (i) => i.call("mixed", 1, n(2n))],
];
const warmUp = async (i: WasmInstance) => {
  for (const name of ["once", "mixed", "none", "wide", "later", "later_then_num", "odd", "throws", "peek", "trap_after"]) {
    await i.call(name, ...(name === "mixed" ? [1, 1] : [16])).catch(() => {});
  }
  await i.call("spin_then", 1);
};
for (const [label, run] of cases) {
  const fresh = await make();
  const first = await outcome(run(fresh));
  const warm = await make();
  await warmUp(warm);
  const later = await outcome(run(warm));
  console.log(first === later ? `${label}: ${first}` : `${label}: first ${first} / later ${later}`);
  await fresh.drop();
  await warm.drop();
}

const instance = await make();
await warmUp(instance);
console.log(`own call: ${Object.hasOwn(instance, "call")}`);

// The caller of a host function Rust called works while it runs, and not after.
await instance.call("peek", 16);
try {
  kept!.memory.read(16, 1);
  console.log("kept caller: read");
} catch (e) {
  console.log(`kept caller: ${(e as { code?: number }).code} ${(e as Error).name}`);
}

console.log(`detached: [${await instance.call("detached", 16)}] ${detached}`);

// A guest that yields before its host call: the op hands the call over unfinished, and the event
// loop turns meanwhile (a timer set before the call fires before it ends).
let fired = false;
setTimeout(() => (fired = true), 0);
const spins = 300_000_000;
const [spun] = await instance.call<[number]>("spin_then", spins);
console.log(`yielded: ${spun === spins + 1} timer fired during the call: ${fired}`);

// A store busy with that call: the op leaves the next one to the JS driver, which waits for the
// store and ends it after.
const order: string[] = [];
const long = instance.call("spin_then", spins).then((r) => order.push(`spin ${r}`));
const short = instance.call("once", 2).then((r) => order.push(`once ${r}`));
await Promise.all([long, short]);
console.log(`busy: ${order.join(", ")}`);

// Calls started in one loop, some answered by promises: each gets its own results.
const many = await Promise.all(
  Array.from({ length: 40 }, (_, k) => instance.call<[number]>(k % 3 === 0 ? "later" : "once", k).then(([r]) => r)),
);
const right = many.filter((r, k) => r === (k % 3 === 0 ? k + 100 : k + 1)).length;
console.log(`many: ${right} of 40 right`);

await instance.drop();
console.log(`after drop: ${await outcome(instance.call("once", 1))}`);
