// Run with no manifest: every capability is denied with code 5009 and a message naming the key.
import { compile, compileFile, instantiate } from "runtime:wasm";
import { readTextFile } from "runtime:fs";

for (const [label, action] of [
  ["compileFile", () => compileFile("./loop.wasm")],
  ["compile", () => compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))],
  ["readTextFile", () => readTextFile("./main.ts")],
  ["raw op", () => (globalThis as any).Deno.core.ops.op_wasm_module_compile_file("./loop.wasm")],
] as const) {
  try {
    await action();
    console.log(`${label}: allowed`);
  } catch (e: any) {
    console.log(`${label}: ${e.code} ${e.name}: ${e.message}`);
  }
}

import { readBytes } from "runtime:fs";
try {
  await readBytes(42 as any);
} catch (e: any) {
  console.log(`non-string path: ${e.code} ${e.name}`);
}
