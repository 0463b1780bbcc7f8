// WebAssembly's exception handling in JS (Tag, Exception, JSTag), line for line as Deno 2.9 (V8)
// runs it. The modules are built from WAT by tests/exceptions.rs.
const read = async (name: string) => await (await fetch(new URL(`./${name}`, import.meta.url))).arrayBuffer();
// deno-lint-ignore no-explicit-any
const W = WebAssembly as any;
const show = (e: unknown) =>
  e instanceof W.Exception ? "WebAssembly.Exception" : `${(e as Error)?.constructor?.name}: ${(e as Error)?.message === undefined ? e : "…"}`;
type Fn = (...args: unknown[]) => unknown;
const attempt = (label: string, f: () => unknown) => {
  try {
    console.log(label, "returned", f());
  } catch (e) {
    console.log(label, "threw", show(e));
    return e;
  }
};

console.log(typeof W.Tag, typeof W.Exception, typeof W.JSTag, W.JSTag instanceof W.Tag);
console.log(Object.prototype.toString.call(W.JSTag), Object.getOwnPropertyNames(W.Exception.prototype).sort().join());

// Tags and exceptions made in JS.
const t = new W.Tag({ parameters: ["i32", "i64"] });
console.log(Object.prototype.toString.call(t), t instanceof W.Tag);
attempt("Tag()", () => W.Tag({ parameters: [] }));
attempt("Tag no type", () => new W.Tag());
attempt("Tag bad type", () => new W.Tag({ parameters: ["i33"] }));
const x = new W.Exception(t, [3.7, 5n]);
console.log(Object.prototype.toString.call(x), x instanceof Error, x.is(t), x.getArg(t, 0), x.getArg(t, 1), "stack" in x);
// Not an Error, with no own properties, and not an error object either (as in V8).
const isError = (Error as unknown as { isError(v: unknown): boolean }).isError;
console.log("shape", Object.getPrototypeOf(W.Exception.prototype) === Object.prototype, Object.getOwnPropertyNames(x).length, x.stack, isError(x));
const traced = new W.Exception(t, [1, 1n], { traceStack: true });
console.log("traced", typeof traced.stack);
attempt("payload length", () => new W.Exception(t, [1]));
attempt("payload i64 number", () => new W.Exception(t, [1, 2]));
attempt("payload not iterable", () => new W.Exception(t, 5));
attempt("getArg other tag", () => x.getArg(new W.Tag({ parameters: ["i32", "i64"] }), 0));
attempt("getArg index", () => x.getArg(t, 2));
attempt("is not a tag", () => x.is({}));
attempt("Exception no tag", () => new W.Exception({}, []));
attempt("Exception()", () => W.Exception(t, [1, 1n]));
attempt("JSTag exception", () => new W.Exception(W.JSTag, [1]).getArg(W.JSTag, 0));

// A module's own tags, and JS's imported into it.
let behaviour: (n: number) => void = () => {};
const js = W.JSTag;
const { instance } = await W.instantiate(await read("a.wasm"), { env: { t, js, call: (n: number) => behaviour(n) } });
const ex = instance.exports as Record<string, Fn & object>;
console.log("exports", Object.keys(ex).join(), Object.prototype.toString.call(ex.e), ex.t === t, ex.e === instance.exports.e);
const kinds = W.Module.exports(new W.Module(await read("a.wasm"))).map((d: { name: string; kind: string }) => `${d.name}:${d.kind}`);
console.log("Module.exports", kinds.join(), W.Module.imports(new W.Module(await read("a.wasm"))).map((d: { kind: string }) => d.kind).join());
console.log("safe", ex.safe(7));
const boom = attempt("boom", () => ex.boom(5)) as { is(t: unknown): boolean; getArg(t: unknown, i: number): unknown };
console.log("boom is e", boom.is(ex.e), boom.getArg(ex.e, 0), boom.is(t), boom instanceof Error);
const thrownT = attempt("throwT", () => ex.throwT(-1, 2n ** 63n - 1n)) as typeof boom;
console.log("throwT is t", thrownT.is(t), thrownT.getArg(t, 0), thrownT.getArg(t, 1));
const held = { held: true };
const r = attempt("throwRef", () => ex.throwRef(held, 0.5)) as typeof boom;
console.log("throwRef", r.getArg(ex.r, 0) === held, r.getArg(ex.r, 1));
const marker = { marker: 1 };
try {
  ex.throwJs(marker);
} catch (e) {
  console.log("throwJs gives the value itself", e === marker);
}
try {
  ex.throwJs(null);
} catch (e) {
  console.log("throwJs null", e);
}

// What JS imports throw, through the module's handlers.
const err = new Error("from JS");
const exn = new W.Exception(t, [40, 2n]);
behaviour = (n) => {
  if (n === 0) return;
  if (n === 1) throw exn;
  if (n === 2) throw err;
  if (n === 3) throw "a string";
  if (n === 4) throw new W.Exception(ex.e, [9]);
  if (n === 5) throw undefined;
  if (n === 6) {
    try {
      ex.boom(6);
    } catch (e) {
      seen = e;
      throw e;
    }
  }
  // The API's own error, a trap's class, comes out as itself too, without a `cause`.
  if (n === 7) throw trapLike;
};
let seen: unknown = null;
const trapLike = new W.RuntimeError("from JS");
for (let n = 0; n <= 7; n++) console.log("guard", n, ex.guard(n));
for (let n = 1; n <= 7; n++) {
  try {
    ex.pass(n);
    console.log("pass", n, "returned");
  } catch (e) {
    console.log("pass", n, "same value out:", e === [0, exn, err, "a string", null, undefined, seen, trapLike][n] || show(e));
  }
}
try {
  ex.pass(7);
} catch (e) {
  console.log("a RuntimeError through the guest", e === trapLike, (e as Error).cause, (e as Error).message);
}
for (let n = 0; n <= 4; n++) console.log("swallow", n, ex.swallow(n));
console.log("jsValue", ex.jsValue(3), ex.jsValue(2) === err, ex.jsValue(5), ex.jsValue(0));
try {
  ex.guard(1);
  behaviour = () => {
    throw exn;
  };
  ex.boom(1);
} catch (e) {
  console.log("wasm's own exception", e !== exn, (e as typeof boom).is(ex.e));
}

// The same tag exported by another instance is the same object; another instance's is another.
const b = (await W.instantiate(await read("b.wasm"), { a: { e: ex.e } })).instance.exports as Record<string, Fn>;
console.log("re-exported", b.e2 === ex.e, b.e3 === ex.e, b.o1 === b.o2, b.o1 !== ex.e);
try {
  b.boom(8);
} catch (e) {
  console.log("b.boom", (e as typeof boom).is(ex.e), (e as typeof boom).getArg(ex.e, 0));
}
const again = (await W.instantiate(await read("a.wasm"), { env: { t, js, call: () => {} } })).instance.exports as Record<string, Fn>;
console.log("another instance's tag", again.e === ex.e, again.t === t);
try {
  again.boom(1);
} catch (e) {
  console.log("other instance's exception is e", (e as typeof boom).is(ex.e), (e as typeof boom).is(again.e));
}
await W.instantiate(await read("b.wasm"), { a: { e: t } }).catch((e: Error) => console.log("tag of another type:", e.constructor.name));
await W.instantiate(await read("b.wasm"), { a: { e: 5 } }).catch((e: Error) => console.log("not a tag:", e.constructor.name));

// A start function that throws.
for (const sync of [false, true]) {
  try {
    if (sync) new W.Instance(new W.Module(await read("s.wasm")), {});
    else await W.instantiate(await read("s.wasm"), {});
  } catch (e) {
    console.log("start throws", sync, show(e));
  }
}

// One JS object given for two imports is one tag, global, memory or table in the module, whichever
// of the two it imports first (the import object lists them the other way round).
const one = { tag: new W.Tag({ parameters: ["i32"] }), global: new W.Global({ value: "i32", mutable: true }, 0) };
const memory = new W.Memory({ initial: 1 });
const table = new W.Table({ initial: 1, element: "externref" });
const d = (await W.instantiate(await read("d.wasm"), {
  m: { t2: one.tag, t1: one.tag, g2: one.global, g1: one.global, m2: memory, m1: memory, tb2: table, tb1: table },
})).instance.exports as Record<string, Fn>;
const value = { in: "table" };
console.log(
  "one object, two imports:",
  d.catchOther(),
  d.globals(),
  one.global.value,
  d.memories(),
  new Uint8Array(memory.buffer)[0],
  d.tables(value) === value,
  table.get(0) === value,
);
