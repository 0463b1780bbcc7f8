// Kiln makes no caller for a host function that could not read one (runtime:wasm/host-table,
// `readsCaller`): an arrow function with plain parameters, no more than its import's. Every other
// shape of function gets its caller, as the last argument, on every path a host call takes: Rust's
// own call of a function of numbers (`two`, i32s) and the JS drivers' (`wide`, i64s), through
// `instance.exports` and through `await instance.call`. Each function answers with what it saw:
// the number of memory pages its caller reports (2), or its own sum when it has none to read.
import { compileFile, instantiate, type WasmCaller } from "runtime:wasm";
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
