// In a store with JS host functions, `call` of an export that ends in bounded time (no loop, no
// call: ext_wasm/src/bounded.rs) takes the common shape's ops, as in any other store; an export
// that may call a host function keeps the host driver. Both kinds, interleaved, in one store.
import { compile, instantiate } from "runtime:wasm";

const wat = `(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "later" (func $later (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "half") (param f64) (result f64) local.get 0 f64.const 0.5 f64.mul)
  (func (export "count") (result i32) (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "via_f") (param i32) (result i32) (call $f (local.get 0)))
  (func (export "via_later") (param i32) (result i32) (call $later (local.get 0)))
  (func (export "spin") (param i32) (result i32)
    (loop $l (br_if $l (i32.gt_s (local.tee 0 (i32.sub (local.get 0) (i32.const 1))) (i32.const 0))))
    (call $f (local.get 0)))
  (func (export "wide") (param i64 i64) (result i64) (i64.mul (local.get 0) (local.get 1)))
  (func (export "pair") (param i32) (result i32 f64) (local.get 0) (f64.convert_i32_s (local.get 0)))
  (func (export "via_f64") (param i64) (result i64) (i64.extend_i32_s (call $f (i32.wrap_i64 (local.get 0))))))`;
const module = await compile(new TextEncoder().encode(wat));
let fCalls = 0;
let release = (_: number) => {};
const instance = await instantiate(module, {
  imports: {
    env: {
      f: (x: number) => (fCalls++, x + 100),
      later: (x: number) => new Promise<number>((resolve) => (release = (y) => resolve(x + y))),
    },
  },
});
const show = (p: Promise<unknown>) =>
  p.then(
    (r) => JSON.stringify(r, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
    (e) => `${e.code} ${e.name}: ${e.message}`,
  );

// Each twice: the export's first call, then a warm one.
for (let k = 0; k < 2; k++) {
  console.log(
    `add ${await show(instance.call("add", 2, 3))} half ${await show(instance.call("half", 3))}`,
    `count ${await show(instance.call("count"))} via_f ${await show(instance.call("via_f", 1))}`,
    `div ${await show(instance.call("div", 1, 0))} add "1" ${await show(instance.call("add", "1" as never, 2))}`,
  );
}
// Outside the common shape (i64s, two results): the slot path, as in any other store, and the
// host driver for an export that calls a host function.
console.log(
  `wide ${await show(instance.call("wide", 3n as never, -4n as never))} pair ${await show(instance.call("pair", 7))}`,
  `via_f64 ${await show(instance.call("via_f64", 41n as never))} wide 1.5 ${await show(instance.call("wide", 1.5, 2n as never))}`,
);
console.log(`host calls: ${fCalls}`);

// While a call waits for an async host function, the store is busy: a bounded export's call waits
// its turn and ends after it, with its own result.
const order: string[] = [];
const waiting = instance.call("via_later", 1).then((r) => order.push(`via_later ${r}`));
const bounded = instance.call("add", 40, 2).then((r) => order.push(`add ${r}`));
const counted = instance.call("count").then((r) => order.push(`count ${r}`));
await new Promise((resolve) => setTimeout(resolve, 20));
order.push("released");
release(10);
await Promise.all([waiting, bounded, counted]);
console.log(order.join(", "));

// A long export with a loop still yields to the event loop (the host driver's fiber).
let ticks = 0;
const timer = setInterval(() => ticks++, 1);
const spun = await show(instance.call("spin", 200_000_000));
clearInterval(timer);
console.log(`spin ${spun} ticks meanwhile: ${ticks > 0}`);
// With Kiln's internals exposed (KILN_EXPOSE_INTERNALS, as the benchmarks run), the ops `call`
// sends bounded exports to refuse one that may call a host function, which only the driver may run.
const ops = (globalThis as { Deno?: { core: { ops: Record<string, (...args: unknown[]) => unknown> } } }).Deno?.core.ops;
if (ops !== undefined) {
  const viaF = Number(instance.id) * 2 ** 16 + 5;
  const refused = (f: () => unknown) => {
    try {
      return `returned ${String(f())}`;
    } catch (e) {
      return `${(e as { code?: number }).code} ${(e as Error).message}`;
    }
  };
  console.log(`ops refuse via_f: ${refused(() => ops.op_wasm_instance_call_args_first(viaF, [1]))}`);
  console.log(`ops refuse via_f (checked): ${refused(() => ops.op_wasm_instance_call_numbers_first(viaF, 1, 0, 0))}`);
  console.log(`ops refuse via_f (slots): ${refused(() => ops.op_wasm_instance_call_slots(viaF, new Uint8Array(8)))}`);
  console.log(`ops refuse via_f (by name): ${refused(() => ops.op_wasm_instance_call(Number(instance.id), "via_f", new Uint8Array(8)))}`);
  console.log(`host calls after: ${fCalls}`);
}
await instance.drop();
console.log(`after drop: ${(await show(instance.call("add", 1, 2))).split(":")[0]}`);
