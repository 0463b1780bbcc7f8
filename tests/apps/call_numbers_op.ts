// After an export's first `call`, a call of the common shape goes straight to one op (the
// instance's own `call`, op_wasm_instance_call_bound, or op_wasm_instance_call_args_first from
// the method), which checks the arguments itself and refuses what does not fit as it is; the
// checked path (ts/wasm_instance.ts, numbersCall) then converts or names it.
// Each case runs as the first call of a fresh instance and again on a warm one (every export
// called once): both must answer the same.
import { compileFile, instantiate, type WasmInstance } from "runtime:wasm";
import { firstAndWarm, outcome } from "./first_and_warm.ts";

const module = await compileFile("./numbers_shape.wasm");
const n = (v: unknown) => v as number;
const cases: [string, (i: WasmInstance) => Promise<unknown>][] = [
  ["add -0", (i) => i.call("add", -0, 0)],
  ["add lowest", (i) => i.call("add", -(2 ** 31), 0)],
  ["add below", (i) => i.call("add", -(2 ** 31) - 1, 0)],
  ["add Number object", (i) => i.call("add", n(new Number(2)), 3)],
  ["add trailing undefined", (i) => i.call("add", 1, 2, n(undefined))],
  ["add four", (i) => i.call("add", 1, 2, 3, 4)],
  ["add Infinity", (i) => i.call("add", Infinity, 1)],
  ["half", (i) => i.call("half", 1.1)],
  ["half NaN", (i) => i.call("half", NaN)],
  ["half -0", (i) => i.call("half", -0)],
  ["half null", (i) => i.call("half", n(null))],
  ["mix", (i) => i.call("mix", 1, 0.1, 0.2)],
  ["mix fraction i32", (i) => i.call("mix", 1.5, 0.1, 0.2)],
  ["mix bigint f64", (i) => i.call("mix", 1, 2, n(3n))],
  ["remember", (i) => i.call("remember", 7).then((r) => i.call("last").then((l) => [...(r as unknown[]), ...(l as unknown[])]))],
  ["last", (i) => i.call("last")],
  ["last extra", (i) => i.call("last", 1)],
  ["boom", (i) => i.call("boom")],
  ["sum3", (i) => i.call("sum3", 1, -2, 2 ** 32 - 1)],
  ["sum3 fraction", (i) => i.call("sum3", 1, 2, 3.5)],
  ["fsum3", (i) => i.call("fsum3", 0.1, 0.2, -0)],
  ["pi", (i) => i.call("pi")],
  ["tick", (i) => i.call("tick").then((r) => i.call("tick").then(() => i.call("last").then((l) => [...(r as unknown[]), ...(l as unknown[])])))],
  ["pair", (i) => i.call("pair", 6, 7).then((r) => i.call("last").then((l) => [...(r as unknown[]), ...(l as unknown[])]))],
  ["name not a string", (i) => i.call(n(7) as unknown as string, 1, 2)],
  ["no such export", (i) => i.call("nope", 1, 2)],
];
const warmUp = async (i: WasmInstance) => {
  for (const [name, args] of [["add", [1, 1]], ["half", [1]], ["mix", [1, 1, 1]], ["remember", [0]], ["last", []], ["spin", [1]], ["sum3", [0, 0, 0]], ["fsum3", [0, 0, 0]], ["pi", []], ["tick", []], ["pair", [0, 0]]] as const) {
    await i.call(name, ...args);
  }
  await i.call("boom").catch(() => {});
};
await firstAndWarm(module, cases, warmUp);

const instance = await instantiate(module);
await warmUp(instance);

// Once warm, `call` is the instance's own op (ext_wasm/src/call_op.rs), which the cases above
// went through on their warm instances, and which the calls below go through.
// Its promise is made and settled by the op (a v8::PromiseResolver: patches/v8x.patch, change 23),
// with no keys of its own, and runs its reactions in the order an already fulfilled one does.
const settled: string[] = [];
const made = instance.call("add", 1, 2);
const reactions = [made.then(() => settled.push("call")), Promise.resolve().then(() => settled.push("resolved"))];
console.log(`own call: ${Object.hasOwn(instance, "call")}, a promise: ${made instanceof Promise}, own keys: [${Reflect.ownKeys(made).map(String).join(", ")}]`);
await Promise.all(reactions);
console.log(`reactions: ${settled.join(", ")}`);

// A call that does not end on its first poll: the op leaves it to op_wasm_call_unfinished, and the
// event loop turns meanwhile (a timer set before the call fires before it ends).
let fired = false;
setTimeout(() => (fired = true), 0);
const spins = 300_000_000;
const [spun] = await instance.call<[number]>("spin", spins);
console.log(`unfinished: ${spun === spins} timer fired during the call: ${fired}`);

// A store busy with that kind of call: the op refuses the next one, which waits for the store on
// the checked path and ends after it.
const order: string[] = [];
const long = instance.call("spin", spins).then((r) => order.push(`spin ${r}`));
const short = instance.call("add", 2, 3).then((r) => order.push(`add ${r}`));
await Promise.all([long, short]);
console.log(`busy: ${order.join(", ")}`);

// An instance the app froze keeps the method, and so does one whose `call` the app replaced.
const frozen = Object.freeze(await instantiate(module));
const frozenSums = [await frozen.call("add", 1, 2), await frozen.call("add", 3, 4)];
console.log(`frozen: ${frozenSums.join(" ")} own call: ${Object.hasOwn(frozen, "call")}`);
const wrapped = await instantiate(module);
let seen = 0;
const method = wrapped.call;
wrapped.call = function (this: WasmInstance, ...args: Parameters<WasmInstance["call"]>) {
  seen++;
  return method.apply(this, args);
} as WasmInstance["call"];
const wrappedSums = [await wrapped.call("add", 1, 2), await wrapped.call("add", 3, 4)];
console.log(`wrapped: ${wrappedSums.join(" ")} calls seen: ${seen} still the app's: ${wrapped.call !== method}`);
await frozen.drop();
await wrapped.drop();

await instance.drop();
console.log(`after drop: ${await outcome(instance.call("add", 1, 1))}`);
