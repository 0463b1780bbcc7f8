// Values too big for the encoder's first buffer (256 bytes), each the first of its size in a
// fresh process: strings, byte arrays, lists and records whose encoding grows the buffer in the
// middle of a value, through `instance.exports` and through `call`.
import { compile, compileFile, instantiate, type WasmArg } from "runtime:wasm";

interface Item { id: number; name: string; tags: string[] }
interface Order { orderId: bigint; items: Item[]; note?: string | undefined }
interface Types {
  echoString(v: string): string;
  echoBytes(v: Uint8Array): Uint8Array;
  echoU32s(v: number[]): number[];
  echoStrings(v: string[]): string[];
  echoOrder(o: Order): Order;
  sumBytes(v: Uint8Array): bigint;
}

const inst = await instantiate<Types>(await compileFile("./types.wat"));
const x = inst.exports;
const call = (name: string, ...args: unknown[]) => inst.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;

function attempt(what: string, f: () => string): void {
  try {
    console.log(`${what}: ${f()}`);
  } catch (e) {
    console.log(`${what}: threw ${String(e)}`);
  }
}

// 4 + 252 bytes of string: the bool is the first byte past the buffer.
const flagWat = `(component
  (core module $m
    (memory (export "memory") 1)
    (global $heap (mut i32) (i32.const 1024))
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (global.get $heap))
      (global.set $heap (i32.add (global.get $heap) (local.get 3)))
      (local.get $p))
    (func (export "flag") (param i32 i32 i32) (result i32) (local.get 2)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "flag") (param "s" string) (param "b" bool) (result bool)
    (canon lift (core func $i "flag") (memory $mem) (realloc $realloc) string-encoding=utf8)))`;
const flag = await instantiate<{ flag(s: string, b: boolean): boolean }>(await compile(new TextEncoder().encode(flagWat)));
attempt("a bool after a 252-byte string", () => String(flag.exports.flag("b".repeat(252), true)));
// 8 (order-id) + 4 (items) + 4 (id) + 4 + 232 (name) + 4 (tags) = 256 bytes: the option's tag of
// `note` is the first byte past the buffer.
attempt("an order whose note starts at byte 256", () => {
  const o = x.echoOrder({ orderId: 2n, items: [{ id: 3, name: "n".repeat(232), tags: [] }], note: "x" });
  return `name of ${o.items[0].name.length}, note ${o.note}`;
});
// Each size is larger than any before it, so each grows the encoder's buffer.
attempt("string of 300 bytes", () => String(x.echoString("s".repeat(300)) === "s".repeat(300)));
attempt("bytes of 1000", () => String(x.sumBytes(new Uint8Array(1000).fill(2))));
const bytes = new Uint8Array(5000).map((_, i) => i & 255);
attempt("bytes of 5000 back", () => String(x.echoBytes(bytes).every((b, i) => b === (i & 255))));
const nums = Array.from({ length: 3000 }, (_, i) => i * 1000);
attempt("3000 u32s", () => String(x.echoU32s(nums).every((n, i) => n === i * 1000)));
const strings = Array.from({ length: 2000 }, (_, i) => `s${i}`);
attempt("2000 strings", () => String(x.echoStrings(strings).join() === strings.join()));
const items = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ["t"] }));
attempt("an order of 1000 items with a note", () => {
  const o = x.echoOrder({ orderId: 1n, items, note: "rush" });
  return `${o.items.length} items, last ${o.items[999].name}, note ${o.note}`;
});
const huge = new Uint8Array(100000).fill(255);
const [sum] = await call("sum-bytes", huge).catch((e) => [`threw ${String(e)}`]);
console.log(`call sum-bytes of 100000 x 255: ${String(sum)}`);
const long = "ü".repeat(150000);
const [back] = await call("echo-string", long).catch((e) => [`threw ${String(e)}`]);
console.log(`call echo-string of 300000 bytes: ${back === long}`);
