// `await instance.call` in a store with JS host functions ends on its first poll when its host
// functions answer at once: no turn of the event loop, however many calls an app makes in one
// (tokio's cooperative budget once sent every call after the 128th of a turn through an async op).
// 300 calls are started in one synchronous loop; all have settled after the microtasks alone. The
// same for a store without host functions, whose export has a loop (so it runs on a fiber).
import { compile, instantiate } from "runtime:wasm";

const wat = `(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "g") (param i32) (result i32) (call $f (local.get 0)))
  (func (export "h") (param i32 i64) (result i64) (drop (call $f (local.get 0))) (local.get 1)))`;
const instance = await instantiate(await compile(new TextEncoder().encode(wat)), {
  imports: { env: { f: (x: number) => x + 1 } },
});
const plain = await instantiate(await compile(new TextEncoder().encode(`(module
  (func (export "looped") (param i32) (result i32) (loop (result i32) (i32.add (local.get 0) (i32.const 1)))))`)));
const cases = [
  [instance, "g", (i: number) => [i]],
  [instance, "h", (i: number) => [i, BigInt(i)]],
  [plain, "looped", (i: number) => [i]],
] as const;
for (const [instance, name, args] of cases) {
  let settled = 0;
  let sum = 0n;
  const calls = [];
  for (let i = 0; i < 300; i++) {
    calls.push(instance.call(name, ...(args(i) as never[])).then(([r]) => (settled++, sum += BigInt(r as number | bigint))));
  }
  for (let k = 0; k < 10; k++) await null;
  const early = settled;
  await Promise.all(calls);
  console.log(`${name}: settled within the microtasks ${early} of 300, sum ${sum}`);
}
