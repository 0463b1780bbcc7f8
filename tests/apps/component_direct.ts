// The direct path of `instance.exports` (ext_wasm/src/component/direct.rs): the op reads the JS
// arguments and makes the result itself. What only it could get wrong: a getter or proxy trap
// that throws (its exception, once, not a TypeError and not a second read), the order of a
// record's reads (its keys, then its fields in the type's order), a getter that calls the same
// instance, a byte order mark at the start of a string (kept both ways, through `call` too),
// a large `list<u8>` both ways, arity and misfits named by the JS path, and `timeoutMs`.
import { compile, compileFile, instantiate, isWasmError, type ComponentExports } from "runtime:wasm";

const types = await instantiate<ComponentExports>(await compileFile("./types.wat"));
const x = types.exports as Record<string, (...args: unknown[]) => unknown>;

function attempt(label: string, f: () => unknown): void {
  try {
    console.log(`${label}: ${JSON.stringify(f())}`);
  } catch (e) {
    const what = isWasmError(e) ? `${e.code} ${e.name}` : e instanceof Error ? e.name : `thrown ${JSON.stringify(e)}`;
    console.log(e instanceof Error ? `${label}: ${what}: ${e.message}` : `${label}: ${what}`);
  }
}

// A getter that throws: its own value comes out, and it ran once.
const boom = { boom: true };
let reads = 0;
attempt("a getter that throws", () => x.blobLen({ name: "n", get data() { reads++; throw boom; } }));
console.log(`getter reads: ${reads}`);
try {
  x.echoString({ toString: () => "no" });
} catch (e) {
  console.log(`a misfit: ${(e as Error).name}: ${(e as Error).message}`);
}

// A proxy's traps, in order: the keys, then each field in the type's order.
const trail: string[] = [];
const proxy = new Proxy({ data: new Uint8Array([1, 2, 3]), name: "héllo" }, {
  ownKeys(t) {
    trail.push("ownKeys");
    return Reflect.ownKeys(t);
  },
  getOwnPropertyDescriptor(t, k) {
    trail.push(`describe ${String(k)}`);
    return Reflect.getOwnPropertyDescriptor(t, k);
  },
  get(t, k, r) {
    trail.push(`get ${String(k)}`);
    return Reflect.get(t, k, r);
  },
});
console.log(`blobLen(proxy): ${x.blobLen(proxy)}; ${trail.join(", ")}`);

// A getter that calls the same instance while the outer call's arguments are being read.
const reentrant = { get name() { return String(x.blobLen({ name: "abc", data: new Uint8Array(4) })); }, data: new Uint8Array(2) };
console.log(`a getter that calls the instance: ${x.blobLen(reentrant)}`);

// A byte order mark at the start of a string stays, through exports and through call.
const bom = "\ufeffmark";
const echoed = x.echoString(bom) as string;
const [called] = (await types.call("echo-string", bom)) as [string];
console.log(`BOM kept: exports ${echoed === bom} (${echoed.length}), call ${called === bom} (${called.length})`);
console.log(`lone surrogate: ${JSON.stringify(x.echoString("a\ud800b"))}`);

// A large list<u8> both ways, and results of each shape.
const big = new Uint8Array(100_000).map((_, i) => (i * 7) & 255);
const back = x.echoBytes(big) as Uint8Array;
console.log(`100000 bytes back: ${back instanceof Uint8Array} ${back.length} ${back.every((b, i) => b === big[i])} ${back.buffer !== big.buffer}`);
attempt("echoShape rect", () => x.echoShape({ tag: "rect", val: [1.5, -2] }));
attempt("echoShape none", () => x.echoShape({ tag: "none" }));
attempt("echoTuple", () => x.echoTuple([255, "t", 0.25]));
attempt("echoColor", () => x.echoColor("blue-green"));
attempt("echoResult err", () => x.echoResult({ tag: "err", val: "e" }));
attempt("echoOption", () => [x.echoOption(undefined), x.echoOption(7)]);
attempt("echoStrings", () => x.echoStrings(["a", "", "ü"]));
attempt("safeDiv(7, 0)", () => x.safeDiv(7, 0));
attempt("fallible(true)", () => x.fallible(true));

// A lent list<u8> whose buffer a later getter detaches: the op sees it is gone and hands the
// call to the JS path, which fails on the detached array as it always has (before it reaches
// the getter again; the direct path would have returned a result); one that stays is passed
// whole, its getter read once.
const lists = await instantiate<ComponentExports>(await compile(new TextEncoder().encode(`(component
  (core module $m
    (memory (export "memory") 4)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (local.get $p) (local.get 3)))
      (local.get $p))
    ;; first(t: tuple<list<u8>, string>) -> u32: the list's length, plus its first byte << 24.
    (func (export "first") (param $ptr i32) (param $len i32) (param i32 i32) (result i32)
      (global.set $heap (i32.const 1024))
      (i32.add (local.get $len)
        (i32.shl
          (if (result i32) (local.get $len) (then (i32.load8_u (local.get $ptr))) (else (i32.const 0)))
          (i32.const 24)))))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "first") (param "t" (tuple (list u8) string)) (result u32)
    (canon lift (core func $i "first") (memory $mem) (realloc $realloc) string-encoding=utf8)))`)));
const first = (lists.exports as Record<string, (t: unknown) => number>).first;
for (const detach of [false, true]) {
  const bytes = new Uint8Array(10_000).fill(7);
  let gets = 0;
  const t: unknown[] = [bytes];
  Object.defineProperty(t, 1, {
    enumerable: true,
    get() {
      if (gets++ === 0 && detach) (bytes.buffer as ArrayBuffer & { transfer(): ArrayBuffer }).transfer();
      return "s";
    },
  });
  let got: string;
  try {
    const r = first(t);
    got = `length ${r & 0xffffff}, first byte ${r >>> 24}`;
  } catch (e) {
    got = `${(e as Error).name}: ${(e as Error).message}`; // The JS path's, for a detached array.
  }
  console.log(`${detach ? "detached" : "kept"} by a later getter: ${got}, getter ran ${gets}x`);
}

// What the op refuses, the JS path names.
attempt("arity", () => x.blobLen());
attempt("one too many", () => x.echoString("a", "b"));
attempt("an unknown field", () => x.blobLen({ name: "n", data: new Uint8Array(1), extra: 1 }));
attempt("a number array as list<u8>", () => x.echoBytes([1, 2, 300]));
attempt("a tuple too short", () => x.echoTuple([1, "s"]));
attempt("an unknown case", () => x.echoShape({ tag: "square", val: 1 }));

// timeoutMs stops a direct call that spins.
const spin = await instantiate<ComponentExports>(await compile(new TextEncoder().encode(`(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64))
    (func (export "spin") (param i32 i32) (loop $l (br $l))))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "spin") (param "s" string)
    (canon lift (core func $i "spin") (memory $mem) (realloc $realloc) string-encoding=utf8)))`)), { timeoutMs: 200 });
const started = Date.now();
attempt("spin(string) under timeoutMs", () => (spin.exports as Record<string, (s: string) => void>).spin("go"));
console.log(`stopped within 5 s: ${Date.now() - started < 5000}`);

// exports (the direct path, or the numbers path) against call (the JS glue), for 21,000 values
// made by a fixed pseudo-random generator, mostly misfits: the same value back, or the same
// error, every time. (A numbers function's `f(undefined)` is `f()`, whose message is the
// arity's; `call` names the undefined argument.)
let seed = 12345;
const rand = (n: number) => { seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5; return (seed >>> 0) % n; };
const atoms: unknown[] = [0, -0, 1, -1, 0.5, 127, 128, -129, 255, 256, 65535, 65536, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, NaN, Infinity, -Infinity,
  "", "a", "ab", "😀", "\ud800", "é", "red", "blue-green", "circle", "rect", "none", "ok", "err", "some",
  true, false, null, undefined, 1n, -1n, new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint16Array(2), {}, []];
const atom = () => atoms[rand(atoms.length)];
const num = () => [0, 1, 7, 200, 3.5, -2, 70000][rand(7)];
function value(depth: number): unknown {
  const k = rand(depth > 1 ? 1 : 11);
  if (k < 1 || depth > 1) return atom();
  if (k === 6) return [num(), ["s", "", "é"][rand(3)], num()];
  if (k === 7) return { tag: ["circle", "rect", "none"][rand(3)], val: rand(2) ? num() : [num(), num()] };
  if (k === 8) return { tag: ["ok", "err"][rand(2)], val: rand(2) ? num() : "e" };
  if (k === 9) return Array.from({ length: rand(5) }, () => (rand(4) ? num() : atom()));
  if (k === 10) return { name: ["blob", "é", ""][rand(3)], data: rand(4) ? new Uint8Array(rand(20000)) : atom() };
  if (k === 1) return Array.from({ length: rand(4) }, () => value(depth + 1));
  if (k === 2) return { tag: value(depth + 1), val: value(depth + 1) };
  if (k === 3) return { name: value(depth + 1), data: value(depth + 1) };
  if (k === 4) return { tag: atoms[rand(atoms.length)] };
  return { name: "n", data: new Uint8Array(2), extra: value(depth + 1) };
}
function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "undefined";
  if (v instanceof Uint8Array) return `U8[${v.join(",")}]`;
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (typeof v === "object" && v !== null) return `{ ${Object.entries(v).map(([k, y]) => `${k}: ${show(y)}`).join(", ")} }`;
  return String(v);
}
const names = ["echo-bool", "echo-s8", "echo-u8", "echo-s16", "echo-u16", "echo-s32", "echo-u32", "echo-f32", "echo-f64", "echo-char",
  "echo-string", "echo-bytes", "echo-u32s", "echo-strings", "echo-tuple", "echo-shape", "echo-color", "echo-option", "echo-result", "blob-len", "fallible"];
const camel = (n: string) => n.replace(/-(\w)/g, (_, c) => c.toUpperCase());
let cases = 0, same = 0, accepted = 0;
const diffs: string[] = [];
for (const name of names) {
  for (let i = 0; i < 1000; i++) {
    const v = i < atoms.length ? atoms[i] : value(0);
    let a: string, b: string;
    try { a = "ok " + show(x[camel(name)](v)); } catch (e) { a = `${(e as Error).name}: ${(e as Error).message}`; }
    try { b = "ok " + show(((await types.call(name, v)) as unknown[])[0]); } catch (e) { b = `${(e as Error).name}: ${(e as Error).message}`; }
    cases++;
    if (a === b || (v === undefined && a.includes("got 0"))) same++; else diffs.push(`${name}(${show(v)}): exports ${a} | call ${b}`);
    if (a.startsWith("ok")) accepted++;
  }
}
console.log(`${cases} cases, ${accepted} accepted, ${cases - same} differ`);
for (const d of diffs.slice(0, 20)) console.log(d);
