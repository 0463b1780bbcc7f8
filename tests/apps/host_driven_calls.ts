// `await instance.call` through the host driver (a store with JS host functions): each call has a
// record of its own (its state, its slot buffer, its token) from its first op to its end, though
// a call that ends on its first op leaves that record for the store's next call, and the store's
// one `settle` answers into the call whose op is running. Calls started inside a host function,
// failed calls and calls that wait on a promise must not take another call's record, answer, or
// token.
import { compile, instantiate } from "runtime:wasm";

const wat = `(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (import "env" "wide" (func $wide (param i32) (result i32 i64)))
  (func (export "g") (param i32) (result i32) (call $f (local.get 0)))
  (func (export "twice") (param i32) (result i32) (i32.add (call $f (local.get 0)) (call $f (local.get 0))))
  (func (export "w") (param i32) (result i32 i64) (call $wide (local.get 0)))
  (func (export "boom") (param i32) (result i32) (drop (call $f (local.get 0))) unreachable))`;
const module = await compile(new TextEncoder().encode(wat));

let inner: Promise<unknown> | null = null;
/** The resolvers of the promises `f(2)` returned, not yet used. */
const waitingFor: ((n: number) => void)[] = [];
/** Answers the next `f(2)` with `n`, once the guest has called it. */
async function answerNext(n: number): Promise<void> {
  while (waitingFor.length === 0) await new Promise((r) => setTimeout(r, 1));
  waitingFor.shift()!(n);
}
const instance = await instantiate(module, {
  imports: {
    env: {
      f: (x: number): number | Promise<number> => {
        // Inside the outer call's host function: a call of the same store (it waits for the store)
        // begun, then a throw, which `settle` answers into the outer call, not the inner one.
        if (x === 1) {
          inner = instance.call("g", 10);
          throw new RangeError("outer threw");
        }
        // An answer that comes later: the call keeps its record while it waits.
        if (x === 2) return new Promise<number>((resolve) => waitingFor.push(resolve));
        // Every third call answers with a promise that is already settled.
        if (x % 3 === 0) return Promise.resolve(x + 1);
        return x + 1;
      },
      wide: (x: number) => [x * 2, BigInt(x) << 40n],
    },
  },
});
const show = (p: Promise<unknown>) =>
  p.then(
    (r) => JSON.stringify(r, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
    (e) => `${e.code} ${e.name}: ${e.message}; cause ${e.cause?.name}: ${e.cause?.message}`,
  );

// 1. A warm call, so that a spare record exists; then the nested throw.
console.log("warm:", await show(instance.call("g", 4)));
const outer = await show(instance.call("g", 1));
console.log("outer:", outer);
console.log("inner, begun inside the outer call's host function:", await show(inner!));

// 2. A call that waits on a promise holds the store; calls meanwhile with bad arguments fail at
// once, naming the argument, and cancel nothing; calls with good ones, and one that traps, wait
// their turn.
const waiting = show(instance.call("twice", 2));
const bad = await Promise.all([
  show(instance.call("g")),
  show(instance.call("g", "7" as unknown as number)),
  show(instance.call("g", 1.5)),
]);
console.log("bad arguments:", bad.join(" | "));
const trapped = show(instance.call("boom", 4));
const queued = show(instance.call("g", 7));
await answerNext(40);
await answerNext(50);
console.log("waited:", await waiting, "trapped:", await trapped, "queued:", await queued);

// 3. Many calls at once, some answered by promises (they go on past their first op), the rest at
// once (they end on it and pass their record on), and some of another signature (a larger slot
// buffer): each gets its own answer.
const calls: Promise<unknown>[] = [];
const expected: string[] = [];
for (let i = 3; i < 63; i++) {
  if (i % 5 === 0) {
    calls.push(instance.call("w", i));
    expected.push(JSON.stringify([i * 2, `${BigInt(i) << 40n}n`]));
  } else {
    calls.push(instance.call("twice", i));
    expected.push(JSON.stringify([2 * (i + 1)]));
  }
}
const got = await Promise.all(calls.map(show));
const wrong = got.filter((g, k) => g !== expected[k]);
console.log(`mixed: ${got.length - wrong.length} of ${got.length} right`, wrong.slice(0, 3).join(" "));
console.log("after:", await show(instance.call("g", 4)), await show(instance.call("w", 1)));

// 4. An export whose index is too large to pack into one number with the instance's (65,536 and
// more exports) takes two ops, begin and first poll: the same answers and errors.
const many = Array.from({ length: 65_600 }, (_, i) => `(export "e${i}" (func $g))`).join("\n");
const wide = await instantiate(
  await compile(new TextEncoder().encode(`(module
    (import "env" "f" (func $f (param i32) (result i32)))
    (func $g (param i32) (result i32) (call $f (local.get 0)))
    ${many})`)),
  { imports: { env: { f: (x: number) => (x === 13 ? Promise.resolve(x * 2) : x + 1) } } },
);
console.log(
  "65,600 exports:",
  await show(wide.call("e0", 4)),
  await show(wide.call("e65599", 4)),
  await show(wide.call("e65599", 13)),
  await show(wide.call("e65599")),
  await show(wide.call("e65599", 5)),
);
