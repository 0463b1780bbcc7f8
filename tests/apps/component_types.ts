// Every WIT value type of tests/fixtures/components/types.wat (staged as ./types.wat; the same app
// runs on types-wit.wat, which imports its named types instead of exporting them), both ways:
// through `instance.exports` (synchronous) and through `await instance.call("echo-x", ...)`,
// which resolves to the array of results. Each line shows the argument, the synchronous result
// and the `call` result.
import { compileFile, instantiate, type WasmArg, type WasmInstance } from "runtime:wasm";

interface Item { id: number; name: string; tags: string[] }
interface Order { orderId: bigint; items: Item[]; note?: string | undefined }
type Shape = { tag: "circle"; val: number } | { tag: "rect"; val: [number, number] } | { tag: "none" };
type Color = "red" | "green" | "blue-green";
interface Perms { read?: boolean; write?: boolean; exec?: boolean }
type Nested = { tag: "some"; val: number } | { tag: "none" } | undefined;
type Res = { tag: "ok"; val: number } | { tag: "err"; val: string };

interface Types {
  add(a: number, b: number): number;
  echoBool(v: boolean): boolean;
  echoS8(v: number): number;
  echoU8(v: number): number;
  echoS16(v: number): number;
  echoU16(v: number): number;
  echoS32(v: number): number;
  echoU32(v: number): number;
  echoS64(v: bigint): bigint;
  echoU64(v: bigint): bigint;
  echoF32(v: number): number;
  echoF64(v: number): number;
  echoChar(v: string): string;
  echoString(v: string): string;
  echoBytes(v: Uint8Array): Uint8Array;
  echoU32s(v: number[]): number[];
  echoStrings(v: string[]): string[];
  echoOrder(o: Order): Order;
  echoTuple(t: [number, string, number]): [number, string, number];
  echoShape(s: Shape): Shape;
  echoColor(c: Color): Color;
  echoPerms(p: Perms): Required<Perms>;
  echoOption(v: number | undefined): number | undefined;
  echoNested(v: Nested): Nested;
  echoResult(v: Res): Res | undefined;
  blobLen(b: { name: string; data: Uint8Array }): number;
  sumBytes(v: Uint8Array): bigint;
}

/** A value as text: bigints with `n`, -0, NaN, byte arrays and `undefined` told apart. */
function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (v instanceof Uint8Array) return `Uint8Array[${Array.from(v).join(",")}]`;
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${show(x)}`).join(", ")}}`;
  }
  return String(v);
}

const inst: WasmInstance<Types> = await instantiate<Types>(await compileFile("./types.wat"));
const x = inst.exports;
/** `call` with WIT values (its parameter type only names core WebAssembly values). */
const call = (name: string, ...args: unknown[]) => inst.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;

/** Calls `name` both ways with `args`; prints the argument, both results. */
async function both(name: string, sync: (...a: never[]) => unknown, ...args: unknown[]): Promise<void> {
  const a = (sync as (...a: unknown[]) => unknown)(...args);
  const b = await call(name, ...args);
  console.log(`${name}(${args.map(show).join(", ")}) -> ${show(a)} | call: ${show(b)}`);
}

await both("add", x.add, 2, 40);
await both("add", x.add, 2 ** 32 - 1, 1);
await both("echo-bool", x.echoBool, true);
await both("echo-bool", x.echoBool, false);
for (const v of [-128, 127]) await both("echo-s8", x.echoS8, v);
for (const v of [0, 255]) await both("echo-u8", x.echoU8, v);
for (const v of [-32768, 32767]) await both("echo-s16", x.echoS16, v);
for (const v of [0, 65535]) await both("echo-u16", x.echoU16, v);
for (const v of [-(2 ** 31), 2 ** 31 - 1]) await both("echo-s32", x.echoS32, v);
for (const v of [0, 2 ** 32 - 1]) await both("echo-u32", x.echoU32, v);
for (const v of [-(2n ** 63n), 2n ** 63n - 1n, 0n]) await both("echo-s64", x.echoS64, v);
for (const v of [0n, 2n ** 64n - 1n, 2n ** 53n + 1n]) await both("echo-u64", x.echoU64, v);
for (const v of [1.5, 0.1, -0, NaN, Infinity, 1e40, 2 ** -149]) await both("echo-f32", x.echoF32, v);
for (const v of [0.1, -0, NaN, -Infinity, Number.MAX_VALUE, 5e-324]) await both("echo-f64", x.echoF64, v);
for (const v of ["a", "é", "世", "😀", "\u{10FFFF}", "\0"]) await both("echo-char", x.echoChar, v);
for (const v of ["", "grüße, 世界 😀", "a\0b"]) await both("echo-string", x.echoString, v);
for (const v of [[], [1, 2 ** 32 - 1]]) await both("echo-u32s", x.echoU32s, v);
for (const v of [[], ["", "ü", "x y"]]) await both("echo-strings", x.echoStrings, v);
await both("echo-order", x.echoOrder, {
  orderId: 2n ** 64n - 1n,
  items: [{ id: 1, name: "a", tags: ["x", "y"] }, { id: 2 ** 32 - 1, name: "", tags: [] }],
  note: "rush",
});
await both("echo-order", x.echoOrder, { orderId: 0n, items: [], note: undefined });
// An option field may be left out: it is `none`; the result has every field.
await both("echo-order", x.echoOrder, { orderId: 7n, items: [] });
await both("echo-tuple", x.echoTuple, [255, "t", -2.25]);
await both("echo-shape", x.echoShape, { tag: "circle", val: 2.5 });
await both("echo-shape", x.echoShape, { tag: "rect", val: [1, 2] });
await both("echo-shape", x.echoShape, { tag: "none" });
for (const v of ["red", "green", "blue-green"]) await both("echo-color", x.echoColor, v);
// Missing flags are false on input; the result has every flag.
await both("echo-perms", x.echoPerms, {});
await both("echo-perms", x.echoPerms, { exec: true });
await both("echo-perms", x.echoPerms, { read: true, write: false, exec: true });
for (const v of [undefined, 0, 4000000000]) await both("echo-option", x.echoOption, v);
// An option directly inside an option is tagged.
for (const v of [undefined, { tag: "none" }, { tag: "some", val: 0 }, { tag: "some", val: 9 }]) {
  await both("echo-nested", x.echoNested, v);
}
// A result inside an option is not thrown: it comes back tagged.
await both("echo-result", x.echoResult, { tag: "ok", val: 5 });
await both("echo-result", x.echoResult, { tag: "err", val: "bad" });
await both("blob-len", x.blobLen, { name: "abc", data: new Uint8Array([1, 2, 3, 4]) });
await both("blob-len", x.blobLen, { name: "", data: new Uint8Array(0) });
await both("sum-bytes", x.sumBytes, new Uint8Array([255, 255, 1]));
await both("sum-bytes", x.sumBytes, new Uint8Array(0));

// list<u8> is a Uint8Array both ways, and a result is a copy of its own.
const input = new Uint8Array([0, 1, 255]);
await both("echo-bytes", x.echoBytes, input);
await both("echo-bytes", x.echoBytes, new Uint8Array(0));
const out = x.echoBytes(input);
const [outCall] = (await call("echo-bytes", input)) as [Uint8Array];
console.log(`bytes result: ${out instanceof Uint8Array} ${outCall instanceof Uint8Array}, not the input: ${out !== input && outCall !== input}, own buffers: ${out.buffer !== outCall.buffer && out.byteOffset === 0 && out.buffer.byteLength === 3}`);
out[0] = 99;
outCall[1] = 98;
console.log(`after writing to the results: input ${show(input)}, again ${show(x.echoBytes(input))}`);
// A view passes just its own bytes.
const big = new Uint8Array([9, 9, 7, 8, 9, 9]);
await both("echo-bytes", x.echoBytes, big.subarray(2, 4));
