// WebAssembly.Suspending and WebAssembly.promising (JS Promise Integration), line for line as
// Deno 2.9 (V8) runs them. The modules are built from WAT by tests/jspi.rs.
const bytes = await (await fetch(new URL("./m.wasm", import.meta.url))).arrayBuffer();
const startBytes = await (await fetch(new URL("./start.wasm", import.meta.url))).arrayBuffer();
const log = (x: number) => console.log("log", x);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const show = (e: unknown) => `${(e as Error).constructor.name}: ${e instanceof WebAssembly.SuspendError}`;
type Fn = (...args: (number | bigint)[]) => unknown;
let inner: () => unknown = () => 0;
const aPromise = Promise.resolve("held");
async function make(get: unknown, wide: unknown = (x: bigint) => x) {
  const env = { get, log, inner: () => inner(), wide, ref: () => aPromise };
  return (await WebAssembly.instantiate(bytes, { env } as WebAssembly.Imports)).instance.exports as Record<string, Fn>;
}

console.log(typeof WebAssembly.Suspending, typeof WebAssembly.promising, typeof WebAssembly.SuspendError);
console.log(Object.getPrototypeOf(WebAssembly.SuspendError.prototype) === Error.prototype);
const s = new WebAssembly.Suspending(async (x: number) => x);
console.log(String(s), Object.getOwnPropertyNames(WebAssembly.Suspending.prototype).join());

// A promising call runs at once until it suspends; the rest runs when the promise settles.
const a = await make(new WebAssembly.Suspending(async (x: number) => {
  console.log("get", x);
  await sleep(1);
  return x * 2;
}));
const run = WebAssembly.promising(a.run as (x: number) => number);
console.log(run.length, typeof run);
const p = run(20);
console.log("after the call", p instanceof Promise);
console.log("result", await p);

// Without promising, the import is not called: a SuspendError.
try {
  a.run(3);
} catch (e) {
  console.log("direct", show(e));
}

// A value that is no promise suspends too; a thenable is awaited.
const b = await make(new WebAssembly.Suspending((x: number) => x + 100));
const pb = WebAssembly.promising(b.run)(2);
console.log("after the plain value");
console.log(await pb);
const t = await make(new WebAssembly.Suspending(() => ({ then(r: (v: number) => void) { r(9); } })));
console.log("thenable", await WebAssembly.promising(t.run)(0));

// A rejection, and a throw before any await, reject the promise with the value thrown.
const r = await make(new WebAssembly.Suspending(async () => { await sleep(1); throw new Error("boom"); }));
await WebAssembly.promising(r.run)(1).catch((e) => console.log("rejected", (e as Error).message));
const r2 = await make(new WebAssembly.Suspending(() => { throw new Error("sync boom"); }));
const pr2 = WebAssembly.promising(r2.run)(1);
console.log("rejects later", pr2 instanceof Promise);
await pr2.catch((e) => console.log("rejected", (e as Error).message));
// A trap after the suspension rejects with a RuntimeError.
await WebAssembly.promising(a.trapAfter)(5).catch((e) => console.log("trap", e instanceof WebAssembly.RuntimeError));

// A plain import that returns a promise is a value (coerced: 0), not awaited.
const c = await make(async () => 5);
console.log("plain import", await WebAssembly.promising(c.run)(1));
console.log("a promise as an externref", c.getRef() === aPromise);

// The result is coerced to the import's type: a bigint for an i64.
const w = await make(new WebAssembly.Suspending(async (x: number) => x), new WebAssembly.Suspending(async (x: bigint) => x * 2n));
console.log("i64", await WebAssembly.promising(w.wide)(21n));

// While a call is suspended, the memory can be read and the instance called.
const m = await make(new WebAssembly.Suspending(async (x: number) => { await sleep(5); return x + 1; }));
const filling = WebAssembly.promising(m.fill)(41);
const view = new Int32Array((m.memory as unknown as WebAssembly.Memory).buffer);
console.log("while suspended", view[0], view[1], m.plain());
await filling;
console.log("after", view[0], view[1]);

// Two calls of one instance, the second made while the first is suspended.
const d = await make(new WebAssembly.Suspending(async (x: number) => { await sleep(x); return x; }));
const runD = WebAssembly.promising(d.run);
console.log("two", (await Promise.all([runD(30), runD(10)])).join());

// promising of a call made inside a JS import cannot suspend.
inner = () => {
  WebAssembly.promising(d.run)(1).then(
    (v) => console.log("inner resolved", v),
    (e) => console.log("inner", show(e)),
  );
  return 0;
};
d.viaInner();
await sleep(5);

// A start function that calls a Suspending import.
try {
  new WebAssembly.Instance(new WebAssembly.Module(startBytes), { env: { get: new WebAssembly.Suspending(async () => 1) } });
} catch (e) {
  console.log("start", show(e));
}

// A start function's failures, as the JS API has them: the exception its import threw, or a
// RuntimeError for a trap; synchronous and async alike.
const trapBytes = await (await fetch(new URL("./trap_start.wasm", import.meta.url))).arrayBuffer();
const thrower = { env: { get: () => { throw new Error("thrown in start"); } } };
try {
  new WebAssembly.Instance(new WebAssembly.Module(startBytes), thrower);
} catch (e) {
  console.log("start throws", (e as Error).constructor.name, (e as Error).message);
}
await WebAssembly.instantiate(startBytes, thrower).catch((e) => console.log("start throws", (e as Error).message));
try {
  new WebAssembly.Instance(new WebAssembly.Module(trapBytes));
} catch (e) {
  console.log("start traps", e instanceof WebAssembly.RuntimeError);
}
await WebAssembly.instantiate(trapBytes).catch((e) => console.log("start traps", e instanceof WebAssembly.RuntimeError));

// What promising and Suspending refuse.
for (const f of [() => 1, 5]) {
  try {
    WebAssembly.promising(f as Fn);
  } catch (e) {
    console.log("promising", (e as Error).constructor.name);
  }
}
try {
  new WebAssembly.Suspending(5 as unknown as Fn);
} catch (e) {
  console.log("Suspending", (e as Error).constructor.name);
}
try {
  (WebAssembly.Suspending as unknown as (f: Fn) => unknown)(() => 1);
} catch (e) {
  console.log("Suspending without new", (e as Error).constructor.name);
}
// An instance without JS imports cannot suspend: its promise holds the outcome.
const plainBytes = await (await fetch(new URL("./plain.wasm", import.meta.url))).arrayBuffer();
const plain = (await WebAssembly.instantiate(plainBytes)).instance.exports as Record<string, Fn>;
const seven = WebAssembly.promising(plain.seven);
console.log("no imports", seven() instanceof Promise, await seven());
await WebAssembly.promising(plain.trap)().catch((e) => console.log("no imports, trap", e instanceof WebAssembly.RuntimeError));

// A function taken from a table, not exported itself.
const tabled = await (await fetch(new URL("./tabled.wasm", import.meta.url))).arrayBuffer();
const { instance: withTable } = await WebAssembly.instantiate(tabled, {
  env: { get: new WebAssembly.Suspending(async (x: number) => x * 10) },
});
const table = withTable.exports.t as WebAssembly.Table;
const fromTable = WebAssembly.promising(table.get(0) as (x: number) => number);
console.log("from a table", await fromTable(4), await WebAssembly.promising(table.get(1) as () => number)());
