// What fails, and how: the JS API's error classes, each with Kiln's code (5000 compile, 5001
// link, 5002 trap), and TypeError for an argument that is not bytes.
import { readBytes } from "runtime:fs";

type AddExports = { add(a: number, b: number): number; boom(): void };

/** The error's class (the first of the JS API's that it is an instance of) and its `code`. */
function describe(e: unknown): string {
  const code = (e as { code?: number }).code;
  if (e instanceof WebAssembly.CompileError) return `CompileError ${code}`;
  if (e instanceof WebAssembly.LinkError) return `LinkError ${code}`;
  if (e instanceof WebAssembly.RuntimeError) return `RuntimeError ${code}`;
  if (e instanceof TypeError) return "TypeError";
  return `other ${String(e)} ${code}`;
}

async function attempt(label: string, action: () => unknown): Promise<void> {
  try {
    await action();
    console.log(`${label}: no error`);
  } catch (e) {
    console.log(`${label}: ${describe(e)}`);
  }
}

const garbage = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 255, 1, 2, 3]);
await attempt("new Module(garbage)", () => new WebAssembly.Module(garbage));
await attempt("compile(garbage)", () => WebAssembly.compile(garbage));
// The namespace is there, its function is not: a LinkError (no namespace would be a TypeError).
const needsImports = new WebAssembly.Module(await readBytes("./imports.wasm"));
await attempt("new Instance without an import", () => new WebAssembly.Instance(needsImports, { env: {}, math: {} }));
await attempt("instantiate without an import", () => WebAssembly.instantiate(needsImports, { env: {}, math: {} }));
const boom = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./boom.wasm")));
const exports = boom.exports as unknown as AddExports;
await attempt("unreachable", () => exports.boom());
// The trap's RuntimeError is made in Rust's op for a store without JS host functions
// (ext_wasm/src/raise.rs), as the global's JS made it of Kiln's error before: the same error.
try {
  exports.boom();
} catch (e) {
  const error = e as Error & { code?: number };
  console.log(
    `trap detail: ${error.name} ${error.code} ${error.message} ${error instanceof Error} ${Object.keys(error).join(",")} ` +
      `${Object.getPrototypeOf(error) === WebAssembly.RuntimeError.prototype} ${typeof error.stack}`,
  );
}
console.log(`after the trap: ${exports.add(2, 3)}`);
await attempt('new Module("bytes")', () => new WebAssembly.Module("bytes" as unknown as BufferSource));
