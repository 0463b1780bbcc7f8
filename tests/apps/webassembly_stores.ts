// What Kiln's WebAssembly does where wasmtime's one-store linking draws a line: a JS-made memory
// belongs to the first instance that imports it; a memory written before that is refused. (Tables:
// webassembly_tables.ts.) Prints "label: value".
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;

async function attempt(label: string, action: () => unknown): Promise<void> {
  try {
    console.log(`${label}: ${String(await action())}`);
  } catch (e) {
    const error = e as { name?: string; code?: number; message?: string };
    const named = error.message?.includes("runtime:wasm") ? " (names runtime:wasm)" : "";
    console.log(`${label}: ${error.name} ${error.code}${named}`);
  }
}

const importer = new WebAssembly.Module(await readBytes("./memory.wasm"));
const mem = new WebAssembly.Memory({ initial: 1 });
await attempt("first importer", () => {
  (new WebAssembly.Instance(importer, { js: { mem } }).exports as { store8: Fn }).store8(0, 9);
  return new Uint8Array(mem.buffer)[0];
});
await attempt("second importer", () => new WebAssembly.Instance(importer, { js: { mem } }));

const early = new WebAssembly.Memory({ initial: 1 });
new Uint8Array(early.buffer)[5] = 1;
await attempt("written before import", () => new WebAssembly.Instance(importer, { js: { mem: early } }));
const untouched = new WebAssembly.Memory({ initial: 1 });
void untouched.buffer;
await attempt("read before import, still empty", async () => {
  const exports = (await WebAssembly.instantiate(importer, { js: { mem: untouched } })).exports as { load8: Fn };
  return exports.load8(5);
});
