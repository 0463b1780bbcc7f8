// Component values through the encoders and decoders made once per type (ts/wasm_wit_codec.ts):
// every value at the edges of each check they make, through `instance.exports` and `call`, must
// give what the general path (ts/wasm_wit.ts) gives: the same value back, or the same TypeError.
// tests/components.rs holds the output of the build before them. Also: a getter that calls the
// component while its own call's arguments are being encoded, and results larger than the buffer
// their arguments were in.
import { compile, compileFile, instantiate, isWasmError, type ComponentExports, type WasmArg } from "runtime:wasm";

const TYPES = ["s8", "u8", "s16", "u16", "s32", "u32", "f32", "f64", "bool", "char"];
const core = { f32: "id-f32", f64: "id-f64" } as Record<string, string>;
// `tuple<T>` flattens to one core value, so each `tup-T` is the core identity of its type: the
// canonical ABI lifts back what was lowered. `big` returns a 100,000-byte string; `pick-second`
// and `pick-second-of` return their second `list<u8>` (a bump allocator, reset by each call).
const edgesWat = `(component
  (core module $m
    (memory (export "memory") 4)
    (data (i32.const 0) "\\10\\00\\00\\00\\a0\\86\\01\\00")
    (global $heap (mut i32) (i32.const 131072))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    (func (export "pick-second") (param i32 i32 i32 i32) (result i32)
      (i32.store (i32.const 100032) (local.get 2))
      (i32.store (i32.const 100036) (local.get 3))
      (global.set $heap (i32.const 131072))
      (i32.const 100032))
    (func (export "id-i32") (param i32) (result i32) (local.get 0))
    (func (export "id-f32") (param f32) (result f32) (local.get 0))
    (func (export "id-f64") (param f64) (result f64) (local.get 0))
    (func (export "big") (result i32) (i32.const 0)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  ${TYPES.map((t) => `(func (export "tup-${t}") (param "t" (tuple ${t})) (result (tuple ${t}))
    (canon lift (core func $i "${core[t] ?? "id-i32"}")))`).join("\n  ")}
  (func (export "big") (result string)
    (canon lift (core func $i "big") (memory $mem) (realloc $realloc) string-encoding=utf8))
  (func (export "pick-second") (param "a" (list u8)) (param "b" (list u8)) (result (list u8))
    (canon lift (core func $i "pick-second") (memory $mem) (realloc $realloc)))
  (func (export "pick-second-of") (param "t" (tuple (list u8) (list u8))) (result (list u8))
    (canon lift (core func $i "pick-second") (memory $mem) (realloc $realloc))))`;

const edges = await instantiate<ComponentExports>(await compile(new TextEncoder().encode(edgesWat)));
const types = await instantiate<ComponentExports>(await compileFile("./types.wat"));

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "undefined";
  if (v instanceof Uint8Array) return `Uint8Array[${v.join(",")}]`;
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (typeof v === "object" && v !== null) {
    return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(", ")} }`;
  }
  return String(v);
}

function outcome(f: () => unknown): string {
  try {
    return show(f());
  } catch (e) {
    return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `uncoded ${String(e)}`;
  }
}

/** Calls `name` both ways: prints what `exports` gave, and `call`'s outcome if it differs. */
async function both(inst: { exports: ComponentExports; call(name: string, ...args: WasmArg[]): Promise<unknown[]> }, label: string, name: string, ...args: unknown[]): Promise<void> {
  const js = name.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
  const sync = outcome(() => (inst.exports[js] as (...a: unknown[]) => unknown)(...args));
  let asynchronous: string;
  try {
    asynchronous = show((await inst.call(name, ...(args as WasmArg[])))[0]);
  } catch (e) {
    asynchronous = isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `uncoded ${String(e)}`;
  }
  console.log(`${label}: ${sync}${asynchronous === sync ? "" : `\n  call: ${asynchronous}`}`);
}

const INTS: Record<string, number[]> = {
  s8: [-128, 127, -129, 128],
  u8: [0, 255, -1, 256],
  s16: [-32768, 32767, -32769, 32768],
  u16: [0, 65535, -1, 65536],
  s32: [-(2 ** 31), 2 ** 31 - 1, -(2 ** 31) - 1, 2 ** 31],
  u32: [0, 2 ** 32 - 1, -1, 2 ** 32],
};
const ODD = [-0, 1.5, -1.5, NaN, Infinity, -Infinity, 2 ** 32 + 1, 2 ** 53, 1e300, "1", 1n, true, null, undefined];
for (const t of TYPES) {
  const values: unknown[] = t === "bool"
    ? [true, false, 0, 1, "true", null, undefined]
    : t === "char"
    ? ["a", "é", "\uFFFF", "\uE000", "\uD7FF", "\u{1F600}", "\uD800", "\uDFFF", "", "ab", 65, undefined]
    : [...(INTS[t] ?? [0.1, 3.4e38, 3.5e38, 1e-46, -1e-46]), ...ODD];
  for (const v of values) await both(edges, `tup-${t} ${show(v)}`, `tup-${t}`, [v]);
}
await both(edges, "tup-u8 not an array", "tup-u8", 1);
await both(edges, "tup-u8 of two", "tup-u8", [1, 2]);
await both(edges, "tup-u8 of none", "tup-u8", []);

const item = { id: 1, name: "n", tags: ["a", "b"] };
const order = (extra: Record<string, unknown>) => ({ orderId: 7n, items: [item], note: "rush", ...extra });
const cases: [string, string, ...unknown[]][] = [
  ["string empty", "echo-string", ""],
  ["string non-ASCII", "echo-string", "héllo wörld ✓ \u{1F600}"],
  ["string lone surrogate", "echo-string", "a\uD800b"],
  ["string object", "echo-string", new String("s")],
  ["strings", "echo-strings", ["a", "", "ü"]],
  ["strings with a number", "echo-strings", ["a", 1]],
  ["strings not an array", "echo-strings", "a"],
  ["bytes", "echo-bytes", new Uint8Array([0, 1, 255])],
  ["bytes of an array", "echo-bytes", [0, 1]],
  ["bytes of a Uint8ClampedArray", "echo-bytes", new Uint8ClampedArray([1])],
  ["bytes of a subarray", "echo-bytes", new Uint8Array([9, 8, 7, 6]).subarray(1, 3)],
  ["order", "echo-order", order({})],
  ["order without a note", "echo-order", { orderId: 7n, items: [] }],
  ["order with note undefined", "echo-order", order({ note: undefined })],
  ["order with note null", "echo-order", order({ note: null })],
  ["order with an unknown field", "echo-order", order({ extra: 1 })],
  ["order with four fields", "echo-order", order({ extra: 1, more: 2 })],
  ["order without items", "echo-order", { orderId: 7n, note: "x" }],
  ["order with inherited fields", "echo-order", Object.create({ orderId: 7n, items: [] })],
  ["order with a bad item id", "echo-order", order({ items: [item, { ...item, id: -1 }] })],
  ["order with a bad tag", "echo-order", order({ items: [{ ...item, tags: ["a", null] }] })],
  ["order as an array", "echo-order", [7n, [], "x"]],
  ["order null", "echo-order", null],
  ["tuple", "echo-tuple", [255, "s", -0]],
  ["tuple short", "echo-tuple", [255, "s"]],
  ["tuple with a bad u8", "echo-tuple", [256, "s", 1]],
  ["shape circle", "echo-shape", { tag: "circle", val: 1.5 }],
  ["shape rect", "echo-shape", { tag: "rect", val: [1, 2] }],
  ["shape none", "echo-shape", { tag: "none" }],
  ["shape none with a val", "echo-shape", { tag: "none", val: 1 }],
  ["shape circle without a val", "echo-shape", { tag: "circle" }],
  ["shape rect of one", "echo-shape", { tag: "rect", val: [1] }],
  ["shape toString", "echo-shape", { tag: "toString" }],
  ["shape __proto__", "echo-shape", { tag: "__proto__" }],
  ["shape inherited tag", "echo-shape", Object.create({ tag: "none" })],
  ["shape a string", "echo-shape", "none"],
  ["color", "echo-color", "blue-green"],
  ["color toString", "echo-color", "toString"],
  ["color __proto__", "echo-color", "__proto__"],
  ["color constructor", "echo-color", "constructor"],
  ["color number", "echo-color", 0],
  ["perms", "echo-perms", { read: true, exec: true }],
  ["perms unknown", "echo-perms", { admin: true }],
  ["option some", "echo-option", 4294967295],
  ["option none", "echo-option", undefined],
  ["option null", "echo-option", null],
  ["option -0", "echo-option", -0],
  ["option out of range", "echo-option", 2 ** 32],
  ["nested some some", "echo-nested", { tag: "some", val: 3 }],
  ["nested some none", "echo-nested", { tag: "none" }],
  ["nested none", "echo-nested", undefined],
  ["nested bare", "echo-nested", 3],
  ["result ok", "echo-result", { tag: "ok", val: 5 }],
  ["result err", "echo-result", { tag: "err", val: "no" }],
  ["result ok without a val", "echo-result", { tag: "ok" }],
  ["result OK", "echo-result", { tag: "OK", val: 5 }],
  ["result err of a number", "echo-result", { tag: "err", val: 5 }],
  ["result inherited", "echo-result", Object.create({ tag: "ok", val: 1 })],
  ["blob", "blob-len", { name: "héllo", data: new Uint8Array(3) }],
  ["blob of a Buffer-like subclass", "blob-len", { name: "", data: new (class extends Uint8Array {})(2) }],
  ["blob without data", "blob-len", { name: "x" }],
  ["fallible ok", "fallible", false],
  ["fallible err", "fallible", true],
];
for (const [label, name, ...args] of cases) await both(types, label, name, ...args);

// A getter of an argument being encoded calls the component: each call keeps its own arguments.
let inner = "";
const reentrant = {
  orderId: 1n,
  items: [],
  get note() {
    inner = (types.exports.echoString as (s: string) => string)("inner call");
    return "outer call";
  },
};
const outer = outcome(() => (types.exports.echoOrder as (o: unknown) => unknown)(reentrant));
console.log(`a getter that calls the component: ${outer}, inner ${show(inner)}`);

// Results larger than the buffer the arguments were in.
const big = outcome(() => {
  const s = (edges.exports.big as () => string)();
  return `${s.length} characters, all NUL: ${/^\0*$/.test(s)}`;
});
console.log(`a 100,000-byte result through exports: ${big}`);
const [viaCall] = (await edges.call("big")) as [string];
console.log(`a 100,000-byte result through call: ${viaCall.length}`);
const long = "x".repeat(251); // Its encoding is 256 bytes; its result, some(err(...)), 257.
console.log(`a result a byte larger than its arguments: ${outcome(() => {
  const r = (types.exports.echoResult as (v: unknown) => { tag: string; val: string })({ tag: "err", val: long });
  return r.tag === "err" && r.val === long;
})}`);

// A synchronous call lends the first `list<u8>` of 8 KiB or more to its op instead of copying it
// into the arguments' buffer (ts/wasm_wit_bytes.ts); the others are copied. Each must reach the
// guest whole and in its place, a refused call must lend nothing to the next, and `call` (which
// copies) must agree.
const pattern = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * seed + seed) & 255);
const same = (a: unknown, b: Uint8Array) => a instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
const pick = edges.exports.pickSecond as (a: unknown, b: unknown) => Uint8Array;
const pickOf = edges.exports.pickSecondOf as (t: unknown) => Uint8Array;
for (const [n, m] of [[8191, 8192], [8192, 8192], [20000, 30000], [30000, 20], [0, 20000]]) {
  const a = pattern(n, 3);
  const b = pattern(m, 7);
  const [viaCall] = (await edges.call("pick-second", a, b)) as [Uint8Array];
  console.log(`pick-second of ${n} and ${m} bytes: exports ${same(pick(a, b), b)}, tuple ${same(pickOf([a, b]), b)}, call ${same(viaCall, b)}`);
}
const lentFirst = pattern(20000, 5);
console.log(`pick-second of 20,000 bytes and a string: ${outcome(() => pick(lentFirst, "x"))}`);
const after = pattern(9000, 11);
console.log(`the next call: ${same(pick(pattern(10, 1), after), after)}`);
const view = new Uint8Array(pattern(40000, 13).buffer, 1000, 25000);
console.log(`a view into a larger buffer: ${same(pick(view, view), view)}`);
const data = pattern(20000, 9);
console.log(`blob-len of a 20,000-byte blob: ${outcome(() => (types.exports.blobLen as (b: unknown) => number)({ name: "héllo", data }))}`);
