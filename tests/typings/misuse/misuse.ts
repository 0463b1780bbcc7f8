// Misuses of runtime:wasm that the typings must reject. tests/typings.rs checks that tsc reports an
// error on the line after every `@ts-expect-error`, and that tsc passes with the directives in place.
import { ComponentError, compileFile, createPool, dropModule, instantiate, spawn, types } from "runtime:wasm";
import type { ExportInfo, WasiConfig } from "runtime:wasm";
import { readBytes } from "runtime:fs";

// @ts-expect-error compileFile takes a path string, not a number.
await compileFile(42);

// @ts-expect-error types.i64 takes a bigint, not a number.
types.i64(1.5);

// @ts-expect-error types.i32 takes a number, not a string.
types.i32("1");

const moduleId = await compileFile("./math.wasm");
const instance = await instantiate(moduleId);

// @ts-expect-error memory.read resolves to a Uint8Array, not a string.
const text: string = await instance.memory.read(0, 4);

// @ts-expect-error a Uint8Array has no string methods.
(await instance.memory.read(0, 4)).toUpperCase();

// @ts-expect-error instantiate returns a Promise: without await there is no instance to call.
instantiate(moduleId).call("add", 1, 2);

// @ts-expect-error an unknown WasiConfig key.
const config: WasiConfig = { inheritStdio: true };

await instantiate(moduleId, {
  // @ts-expect-error an unknown key in an inline config (the key is `preopens`).
  preopen: { "/data": "./data" },
});

// @ts-expect-error a WasiConfig value of the wrong type.
await instantiate(moduleId, { env: { HOME: 1 } });

// @ts-expect-error hostCaller is true or false.
await instantiate(moduleId, { hostCaller: "no" });

for (const exp of await instance.getExports()) {
  // @ts-expect-error "func" is not an ExportInfo kind.
  if (exp.kind === "func") console.log(exp.name);
}

// @ts-expect-error an ExportInfo with a kind that does not exist.
const info: ExportInfo = { name: "f", kind: "fn" };

// @ts-expect-error call arguments are numbers, bigints or typed values, not strings.
await instance.call("add", "1", 2);

// @ts-expect-error memory.write takes bytes, not a string.
await instance.memory.write(0, "text");

// @ts-expect-error module ids are strings.
await dropModule(1);

// @ts-expect-error readBytes resolves to bytes, not text.
const source: string = await readBytes("./data.txt");

// @ts-expect-error an i64 result may be a bigint: it is not a number without a check.
const [sum] = await instance.call("add", 1, 2); const doubled: number = sum * 2;

console.log(text, config, info, source, doubled);

// @ts-expect-error timer arguments must fit the callback's parameters.
setTimeout((n: number) => console.log(n), 10, "not a number");

// @ts-expect-error "capture" is for instantiate; a process pipes output.
spawn(moduleId, { stdout: "capture" });

// @ts-expect-error a process's status is a promise: await it.
spawn(moduleId).status.code;

// @ts-expect-error a process cannot take JS host functions.
spawn(moduleId, { imports: { env: { log: () => {} } } });

// @ts-expect-error createPool needs a size.
await createPool(moduleId, { timeoutMs: 10 });

// @ts-expect-error a pool member's output cannot be piped.
await createPool(moduleId, { size: 2, stdout: "piped" });

// A component's exports, typed as `kiln types` writes them.
interface Calc {
  safeDiv(a: number, b: number): number;
  "kiln:test/counters": { live(): number };
}
const calc = await instantiate<Calc>(moduleId);

// @ts-expect-error a WIT s32 is a number: a string does not fit.
calc.exports.safeDiv("7", 2);

// @ts-expect-error the component exports no such function.
calc.exports.safeDivide(7, 2);

// @ts-expect-error an interface's functions are under its name, not at the top level.
calc.exports.live();

// @ts-expect-error the `wasi` option lists "filesystem", "sockets" or "http".
await instantiate(moduleId, { wasi: ["network"] });

try {
  calc.exports.safeDiv(1, 0);
} catch (e) {
  // @ts-expect-error a ComponentError's code is a number.
  if (e instanceof ComponentError) { const code: string = e.code; console.log(code); }
}

// @ts-expect-error WebAssembly.Suspending wraps a function.
new WebAssembly.Suspending(5);

// @ts-expect-error a promising function returns a promise of the result, not the result.
const notYet: number = WebAssembly.promising((x: number) => x + 1)(1);
console.log(notYet);

// @ts-expect-error a promising function takes the export's parameters.
await WebAssembly.promising((x: number) => x)("1");

// @ts-expect-error a tag's parameters are value types Kiln passes to JS.
new WebAssembly.Tag({ parameters: ["v128"] });

// @ts-expect-error getArg takes the tag first.
new WebAssembly.Exception(new WebAssembly.Tag({ parameters: [] }), []).getArg(0, 0);

// @ts-expect-error an exception is made of a tag, not of its type.
new WebAssembly.Exception({ parameters: ["i32"] }, [1]);
