// A component's plain-number functions through `instance.exports`: results, and every kind of
// argument the fast path refuses, named by the general path; a trap stays the call's own error.
import { compileFile, instantiate, isWasmError } from "runtime:wasm";

const inst = await instantiate(await compileFile("./numbers.wat"));
const { add, div, mix } = inst.exports as unknown as Record<string, (...args: unknown[]) => unknown>;
const show = (label: string, f: () => unknown) => {
  try {
    console.log(`${label}: ${f()}`);
  } catch (e) {
    console.log(`${label}: ${isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `uncoded ${e}`}`);
  }
};
show("add", () => add(2, 3));
show("add wraps", () => add(0xffffffff, 2));
show("div", () => div(-7, 2));
show("mix", () => mix(-128, 65535, 0.5));
show("add fraction", () => add(1.5, 2));
show("add negative", () => add(-1, 2));
show("add 2^32", () => add(2 ** 32, 0));
show("add string", () => add("1", 2));
show("add NaN", () => add(NaN, 2));
show("add one argument", () => add(1));
show("add three arguments", () => add(1, 2, 3));
show("mix s8 128", () => mix(128, 0, 0));
show("mix u16 65536", () => mix(0, 65536, 0));
show("mix f32 string", () => mix(0, 0, "x"));
show("div by zero", () => div(1, 0));
show("after the trap", () => add(20, 22));
