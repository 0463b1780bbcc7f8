// Kiln makes no caller for a host function that could not read one (runtime:wasm/host-table,
// `readsCaller`): an arrow function with plain parameters, no more than its import's, or such a
// function or method whose source names neither `arguments` nor `eval`. Every other shape of
// function gets its caller, as the last argument, on every path a host call takes: Rust's own
// call of a function of numbers (`two`, i32s) and the JS drivers' (`wide`, i64s), through
// `instance.exports` and through `await instance.call`. Each function answers with what it saw:
// the number of memory pages its caller reports (2), or its own sum when it has none to read.
import { compile, compileFile, instantiate, type WasmCaller } from "runtime:wasm";
// @ts-ignore: a JS module without typings, kept as written (see the file).
import { jsShapes } from "./caller_reach_shapes.js";

type Shape = [string, (...args: never[]) => unknown];

/** The caller among `args`, if one came: it reports the guest's 2 pages. */
const pages = (args: unknown[]): number => {
  const last = args[args.length - 1] as WasmCaller | undefined;
  return typeof last === "object" && last !== null ? Number(last.memory.size()) : -1;
};

const o = {
  method(a: number, b: number, c: WasmCaller) {
    return c.memory.size();
  },
};
class Static {
  static read(a: number, b: number, c: WasmCaller) {
    return c.memory.size();
  }
}

// i32 imports: what each shape returns for two(20, 22).
const shapes: Shape[] = [
  ["plain arrow, two names", (a: number, b: number) => a + b],
  ["plain arrow, one name", (a: number) => a],
  ["plain arrow, no parens", ((a: number) => a * 2) as never],
  ["plain arrow, trailing comma", (a: number, b: number,) => a - b],
  ["async arrow, two names", async (a: number, b: number) => a + b],
  ["arrow with a name for the caller", (a: number, b: number, c: WasmCaller) => c.memory.size()],
  ["arrow over several lines", (
    a: number,
    b: number,
    caller: WasmCaller,
  ) => caller.memory.size()],
  ["arrow with a comment among its names", (a: number, /* b */ b: number, c: WasmCaller) => c.memory.size()],
  ["arrow with rest", (...args: unknown[]) => pages(args)],
  ["arrow with a name and rest", (a: number, ...rest: unknown[]) => pages(rest)],
  ["arrow with a default", (a: number, b: number, c: WasmCaller | null = null) => c === null ? -1 : c.memory.size()],
  ["arrow with a destructured caller", (a: number, b: number, { memory }: WasmCaller) => memory.size()],
  ["function", function (a: number, b: number) {
    // deno-lint-ignore prefer-rest-params
    return pages(Array.from(arguments));
  }],
  ["async arrow with a name for the caller", async (a: number, b: number, c: WasmCaller) => c.memory.size()],
  ["bound arrow", ((a: number, b: number) => a + b).bind(null)],
  ["bound function", function (this: { k: number }, a: number, b: number, c: WasmCaller) {
    return this.k * c.memory.size();
  }.bind({ k: 10 })],
  ["method", o.method],
  ["static method", Static.read],
  ["function with plain names", function (a: number, b: number) {
    return a + b;
  }],
  ["method with plain names", { add(a: number, b: number) {
    return a + b;
  } }.add],
  ["async method with plain names", { async add(a: number, b: number) {
    return a + b;
  } }.add],
  ["method that reads its arguments", { count(a: number, b: number) {
    // deno-lint-ignore prefer-rest-params
    return arguments.length;
  } }.count],
  ["function that evaluates its arguments", function (a: number, b: number) {
    return (0, eval)("1") + eval("arguments").length;
  }],
  ["sloppy function from new Function", new Function("a", "b", "return a + b;") as (a: number, b: number) => number],
  ...(jsShapes(pages) as Shape[]),
];

const mod = await compileFile("./caller_reach.wasm");
for (const [what, fn] of shapes) {
  const wide = (a: bigint, b: bigint, ...rest: unknown[]) => BigInt(rest.length === 0 ? -1 : pages(rest));
  const instance = await instantiate(mod, { imports: { env: { two: fn, wide } } });
  const two = instance.exports.two as (a: number, b: number) => number;
  let sync: unknown;
  try {
    sync = two(20, 22);
  } catch (e) {
    sync = `${(e as { code?: number }).code}`;
  }
  const [viaCall] = await instance.call<[number]>("two", 20, 22);
  console.log(`${what}: ${sync} ${viaCall}`);
}

// i64 imports, which the JS drivers call: each shape again.
const wideShapes: Shape[] = [
  ["plain arrow", (a: bigint, b: bigint) => a + b],
  ["arrow with a name for the caller", (a: bigint, b: bigint, c: WasmCaller) => BigInt(c.memory.size())],
  ["arrow with rest", (...args: unknown[]) => BigInt(pages(args))],
  ["function", function (a: bigint, b: bigint) {
    // deno-lint-ignore prefer-rest-params
    return BigInt(pages(Array.from(arguments)));
  }],
];
for (const [what, fn] of wideShapes) {
  const instance = await instantiate(mod, { imports: { env: { two: (a: number) => a, wide: fn } } });
  const wide = instance.exports.wide as (a: bigint, b: bigint) => bigint;
  const [viaCall] = await instance.call<[bigint]>("wide", 20n, 22n);
  console.log(`wide, ${what}: ${wide(20n, 22n)} ${viaCall}`);
}

// With `hostCaller: false`, no function gets one, whatever its shape.
const none = await instantiate(mod, {
  imports: { env: { two: (...args: unknown[]) => args.length, wide: (...args: unknown[]) => BigInt(args.length) } },
  hostCaller: false,
});
console.log(`hostCaller false: ${(none.exports.two as (a: number, b: number) => number)(1, 2)} ${(await none.call<[bigint]>("wide", 1n, 2n))[0]}`);

// Many host functions in one export call, with and without callers: Rust keeps the last few it
// read and reads the rest again (ext_wasm/src/host_entry.rs, `Targets`), past its share in each
// host call's own scope. `all(n)` calls all 70 in turn, n times; `few(n)` calls four of them in a
// pattern, n times. Every third function takes its caller (2 pages) and adds its size.
const count = 70;
const declared = Array.from({ length: count }, (_, i) => `(import "env" "f${i}" (func $f${i} (param i32) (result i32)))`);
const add = (i: number) => `(local.set $acc (i32.add (local.get $acc) (call $f${i} (local.get $i))))`;
const loop = (name: string, body: string) => `(func (export "${name}") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      ${body}
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $acc))`;
const manyWat = `(module ${declared.join(" ")}
  (import "env" "nest" (func $nest (param i32) (result i32)))
  (memory (export "memory") 2)
  ${loop("all", Array.from({ length: count }, (_, i) => add(i)).join(" "))}
  ${loop("few", [0, 1, 2, 3, 1].map(add).join(" "))}
  ${loop("nested", `(local.set $acc (i32.add (local.get $acc) (call $nest (local.get $i)))) ${[0, 1, 2, 3].map(add).join(" ")}`)})`;
const env: Record<string, (x: number, c: WasmCaller) => number> = Object.fromEntries(Array.from({ length: count }, (_, i) =>
  [`f${i}`, i % 3 === 0 ? (x: number, c: WasmCaller) => x * i + c.memory.size() : (x: number) => x * i]
));
// Calls back into the guest, whose few(1) calls f0 to f3 inside this host call, before the outer
// call calls them itself: 4 + x.
env.nest = (x: number, c: WasmCaller) => (c.exports.few as (n: number) => number)(1) + x;
const many = await instantiate(await compile(new TextEncoder().encode(manyWat)), { imports: { env } });
const manyExports = many.exports as Record<string, (n: number) => number>;
// all(5): the sum over x < 5 and i < 70 of x * i, plus 2 for each of the 24 callers, 5 times.
// few(1000): the sum over x < 1000 of 7x + 4 (f0 and f3 take callers).
// nested(100): the sum over x < 100 of 4 + x from nest, and 6x + 4 from f0 to f3.
console.log(`many functions: all ${manyExports.all(5)} ${(await many.call<[number]>("all", 5))[0]}, ` +
  `few ${manyExports.few(1000)} ${(await many.call<[number]>("few", 1000))[0]}, ` +
  `nested ${manyExports.nested(100)} ${(await many.call<[number]>("nested", 100))[0]}; ` +
  `expected ${10 * 2415 + 10 * 24}, ${7 * 499500 + 4000}, ${7 * 4950 + 800}`);
