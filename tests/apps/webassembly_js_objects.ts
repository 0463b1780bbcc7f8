// A WebAssembly.Memory and a WebAssembly.Global made in JS, imported by a module: the guest and
// JS share them.
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;
type Exports = Record<string, Fn>;

/** Runs one half, printing what it threw instead of its remaining lines. */
async function part(label: string, steps: () => Promise<void>): Promise<void> {
  try {
    await steps();
  } catch (e) {
    console.log(`${label}: threw ${String(e)}`);
  }
}

// First, before any module is compiled: a Global can be the first WebAssembly object an app makes.
await part("global", async () => {
  const g = new WebAssembly.Global({ value: "i32", mutable: true }, 3);
  const globalModule = new WebAssembly.Module(await readBytes("./global.wasm"));
  const onGlobal = new WebAssembly.Instance(globalModule, { js: { g } }).exports as unknown as Exports;
  console.log(`guest reads JS's global: ${onGlobal.get()}`);
  g.value = 4;
  console.log(`JS sets 4, guest reads: ${onGlobal.get()}`);
  onGlobal.set(11);
  console.log(`guest sets 11, JS reads: ${g.value}`);
});

await part("memory", async () => {
  const mem = new WebAssembly.Memory({ initial: 1 });
  const memoryModule = new WebAssembly.Module(await readBytes("./memory.wasm"));
  const onMemory = new WebAssembly.Instance(memoryModule, { js: { mem } }).exports as unknown as Exports;
  onMemory.store8(16, 42);
  console.log(`guest's store through JS's memory: ${new Uint8Array(mem.buffer)[16]}`);
  new Uint8Array(mem.buffer)[100] = 7;
  console.log(`guest reads JS's write: ${onMemory.load8(100)}`);
});
