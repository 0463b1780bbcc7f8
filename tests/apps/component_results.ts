// A top-level `result<T, E>`: `ok` is the value itself, `err` is a thrown ComponentError (5012)
// carrying the error value as `payload`; `call` rejects with the same. A result nested in another
// value is not thrown. The instance stays usable after an error.
import { ComponentError, compileFile, errorCodes, instantiate, isWasmError, type WasmArg } from "runtime:wasm";

interface Types {
  safeDiv(a: number, b: number): number;
  fallible(fail: boolean): void;
  echoResult(v: { tag: "ok"; val: number } | { tag: "err"; val: string }): unknown;
}

const inst = await instantiate<Types>(await compileFile("./types.wat"));
const x = inst.exports;
const call = (name: string, ...args: unknown[]) => inst.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;

function describeError(e: unknown): string {
  if (e instanceof ComponentError) {
    const fields = `instanceof ComponentError: true, instanceof Error: ${e instanceof Error}, isWasmError: ${isWasmError(e)}`;
    return `${e.name} ${e.code} payload ${JSON.stringify(e.payload)} (${fields}); message: ${e.message}`;
  }
  if (isWasmError(e)) return `${e.name} ${e.code}: ${e.message}`;
  return `unexpected ${String(e)}`;
}

console.log(`safeDiv(7, 2): ${x.safeDiv(7, 2)}`);
console.log(`safeDiv(-7, 2): ${x.safeDiv(-7, 2)}`);
console.log(`safeDiv(-2147483648, -1): ${x.safeDiv(-2147483648, -1)}`);
console.log(`call safe-div 9, 3: ${JSON.stringify(await call("safe-div", 9, 3))}`);
try {
  console.log(`safeDiv(1, 0): no error ${x.safeDiv(1, 0)}`);
} catch (e) {
  console.log(`safeDiv(1, 0): ${describeError(e)}`);
}
console.log(`call safe-div 1, 0: ${await call("safe-div", 1, 0).then((r) => `resolved ${JSON.stringify(r)}`, describeError)}`);
console.log(`errorCodes.ComponentError: ${errorCodes.ComponentError}`);

// result<_, string>: ok is undefined; `call` resolves to [undefined].
console.log(`fallible(false): ${String(x.fallible(false))}`);
const okResults = await call("fallible", false);
console.log(`call fallible false: ${okResults.length} result, ${String(okResults[0])}`);
try {
  x.fallible(true);
  console.log("fallible(true): no error");
} catch (e) {
  console.log(`fallible(true): ${describeError(e)}`);
}
console.log(`call fallible true: ${await call("fallible", true).then(() => "resolved", describeError)}`);

// Nested in an option: not thrown, whichever case.
console.log(`echoResult(err): ${JSON.stringify(x.echoResult({ tag: "err", val: "nested" }))}`);
console.log(`call echo-result err: ${JSON.stringify(await call("echo-result", { tag: "err", val: "nested" }))}`);

// Still usable.
console.log(`after the errors: ${x.safeDiv(100, 7)}`);
