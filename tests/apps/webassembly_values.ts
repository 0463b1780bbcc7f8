// An export function's arguments and results, converted as the JS API says: ToInt32 for i32,
// BigInt for i64 (a Number throws TypeError), Math.fround for f32, an array for several results.
import { readBytes } from "runtime:fs";

type Loose = (...args: unknown[]) => unknown;
type ValuesExports = { add: Loose; add64: Loose; toF32: Loose; pair: Loose };

/** A value as it would be written in TS: `5n` for a BigInt, `"5"` for a string. */
function show(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}

function check(label: string, action: () => unknown, format: (value: unknown) => string = show): void {
  let text: string;
  try {
    text = format(action());
  } catch (e) {
    text = e instanceof TypeError ? "TypeError" : `uncoded ${String(e)}`;
  }
  console.log(`${label}: ${text}`);
}

const module = new WebAssembly.Module(await readBytes("./values.wasm"));
const { add, add64, toF32, pair } = new WebAssembly.Instance(module).exports as unknown as ValuesExports;

check('add("7", 1)', () => add("7", 1));
check("add(null, 2)", () => add(null, 2));
check("add(2 ** 32 + 5, 0)", () => add(2 ** 32 + 5, 0));
check("add(1.9, 0.9)", () => add(1.9, 0.9));
check("add(1)", () => add(1));
check("add(1, 2, 3)", () => add(1, 2, 3));
check("add(2 ** 31 - 1, 1)", () => add(2 ** 31 - 1, 1));
check("add64(2n, 3n)", () => add64(2n, 3n));
check("add64(2n ** 63n - 1n, 1n)", () => add64(2n ** 63n - 1n, 1n));
check("add64(2, 3)", () => add64(2, 3));
check("toF32(0.1)", () => toF32(0.1), (result) => `${show(result)} ${result === Math.fround(0.1)}`);
check("pair(7)", () => pair(7), (result) => `${show(result)} ${Array.isArray(result)}`);
