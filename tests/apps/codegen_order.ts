// Driven by tests/codegen.rs: calls every export of exprs.wasm (random expressions over i32, i64
// and f64) with the arguments spec.json gives, through `instance.exports` of runtime:wasm and
// then through the `WebAssembly` global, and prints one line per call, `<export> <n> <result>`
// (an integer in decimal, a float as its bits, any NaN as `NaN`), with `--` between the two.
import { compileFile, instantiate } from "runtime:wasm";
import { readBytes, readTextFile } from "runtime:fs";

type Call = { name: string; result: "i32" | "i64" | "f64"; calls: string[][] };
const spec: Call[] = JSON.parse(await readTextFile("spec.json"));
const bits = new DataView(new ArrayBuffer(8));

function f64Of(hex: string): number {
  bits.setBigUint64(0, BigInt(`0x${hex}`));
  return bits.getFloat64(0);
}

// The parameters are (i32 i32 i64 i64 f64 f64).
function argsOf(texts: string[]): (number | bigint)[] {
  return [Number(texts[0]), Number(texts[1]), BigInt(texts[2]), BigInt(texts[3]), f64Of(texts[4]), f64Of(texts[5])];
}

function show(value: unknown, type: Call["result"]): string {
  if (type === "i64") return BigInt.asIntN(64, value as bigint).toString();
  if (type === "i32") return String(value);
  const n = value as number;
  if (Number.isNaN(n)) return "NaN";
  bits.setFloat64(0, n);
  return bits.getBigUint64(0).toString(16).padStart(16, "0");
}

type Fn = (...args: (number | bigint)[]) => unknown;
function print(exports: Record<string, unknown>): void {
  const lines: string[] = [];
  for (const { name, result, calls } of spec) {
    const fn = exports[name] as Fn;
    calls.forEach((texts, n) => lines.push(`${name} ${n} ${show(fn(...argsOf(texts)), result)}`));
  }
  console.log(lines.join("\n"));
}

const instance = await instantiate(await compileFile("./exprs.wasm"));
print(instance.exports as Record<string, unknown>);
console.log("--");
const { instance: global } = await WebAssembly.instantiate(await readBytes("./exprs.wasm"));
print(global.exports as Record<string, unknown>);
