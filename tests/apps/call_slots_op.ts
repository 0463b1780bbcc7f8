// `call` of an export outside the common shape (i64s, more than three parameters, several
// results): after its first call, the export is called by its index (op_wasm_instance_call_slots)
// with arguments written into a slot buffer the export reuses (ts/wasm_instance.ts, slotsCall).
// Each case runs as the first call of a fresh instance and again on a warm one (every export
// called once, one call failed): both must answer the same.
import { compileFile, instantiate, types, type WasmInstance } from "runtime:wasm";
import { firstAndWarm, outcome, show } from "./first_and_warm.ts";

const module = await compileFile("./slots_shape.wasm");
const n = (v: unknown) => v as number;
const cases: [string, (i: WasmInstance) => Promise<unknown>][] = [
  ["add64", (i) => i.call("add64", 1n, 2n)],
  ["add64 numbers", (i) => i.call("add64", 1, -2)],
  ["add64 unsigned", (i) => i.call("add64", 2n ** 64n - 1n, 2n)],
  ["add64 high", (i) => i.call("add64", 2n ** 63n, 0n)],
  ["add64 lowest", (i) => i.call("add64", -(2n ** 63n), 0n)],
  ["add64 values", (i) => i.call("add64", types.i64(5n), types.i64(6n))],
  ["add64 too big", (i) => i.call("add64", 2n ** 64n, 0n)],
  ["add64 unsafe number", (i) => i.call("add64", 2 ** 53, 0n)],
  ["add64 string", (i) => i.call("add64", n("1"), 0n)],
  ["add64 wrong value", (i) => i.call("add64", types.i32(1), 0n)],
  ["add64 one", (i) => i.call("add64", 1n)],
  ["sum4", (i) => i.call("sum4", 1, 2, 3, 2 ** 32 - 1)],
  ["sum4 values", (i) => i.call("sum4", types.i32(1), 2, 3, 4)],
  ["sum4 fraction", (i) => i.call("sum4", 1, 2, 3, 4.5)],
  ["sum4 bigint", (i) => i.call("sum4", 1, 2, n(3n), 4)],
  ["divmod64", (i) => i.call("divmod64", -17n, 5n)],
  ["divmod64 by zero", (i) => i.call("divmod64", 1n, 0n)],
  ["mixed", (i) => i.call("mixed", 1n, 0.5, -2, 0.25)],
  ["mixed f32 null", (i) => i.call("mixed", 1n, n(null), -2, 0.25)],
  ["fpair", (i) => i.call("fpair", 1.1, -0)],
  ["vec", (i) => i.call("vec", 0)],
  ["boom64", (i) => i.call("boom64", 1n)],
  ["none4", (i) => i.call("none4", 1, 2, 3, 4)],
  ["memory", (i) => i.call("memory")],
  ["global", (i) => i.call("g", 1)],
  ["missing", (i) => i.call("nope")],
];
const warmUp = async (i: WasmInstance) => {
  for (const [name, args] of [["add64", [0n, 0n]], ["sum4", [0, 0, 0, 0]], ["divmod64", [1n, 1n]], ["mixed", [0n, 0, 0, 0]], ["fpair", [0, 0]], ["spin64", [1n]], ["none4", [0, 0, 0, 0]]] as const) {
    await i.call(name, ...args);
  }
  await i.call("boom64", 0n).catch(() => {});
  await i.call("add64", 0n).catch(() => {});
};
await firstAndWarm(module, cases, warmUp);

const instance = await instantiate(module);
await warmUp(instance);

// A call that does not end on its first poll keeps its slot buffer until it ends; calls made
// meanwhile get buffers of their own, wait for the store, and each reads its own results.
let fired = false;
setTimeout(() => (fired = true), 0);
const spins = 300_000_000n;
const order: string[] = [];
const long = instance.call("spin64", spins).then((r) => order.push(`spin64 ${show(r[0])}`));
const short = instance.call("spin64", 7n).then((r) => order.push(`spin64 ${show(r[0])}`));
const other = instance.call("add64", 40n, 2n).then((r) => order.push(`add64 ${show(r[0])}`));
await Promise.all([long, short, other]);
console.log(`unfinished: ${order.join(", ")}; timer fired during the call: ${fired}`);
console.log(`after: ${await outcome(instance.call("spin64", 3n))} ${await outcome(instance.call("divmod64", 9n, 4n))}`);

await instance.drop();
console.log(`after drop: ${await outcome(instance.call("add64", 1n, 1n))}`);
