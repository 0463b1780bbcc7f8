// WASI written in JS, as a browser shim gives it: the JS API takes every import from the import
// object, so these functions, not Kiln's own WASI, are what the module's fd_write and proc_exit
// call. The manifest sets `timeout_ms`, which the engine's interpreter cannot enforce and so
// refuses: this runs on wasmtime. runtime:wasm's `instantiate` takes such functions the same way.
// Prints "label: value".
import { readBytes } from "runtime:fs";
import { compile, instantiate } from "runtime:wasm";

class ProcExit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/** fd_write and proc_exit over the memory `memory()` returns; what is written goes to `out`. */
function shim(memory: () => ArrayBuffer, out: string[]) {
  return {
    fd_write(fd: number, iovs: number, count: number, written: number): number {
      const view = new DataView(memory());
      let total = 0;
      for (let i = 0; i < count; i++) {
        const [ptr, len] = [view.getUint32(iovs + i * 8, true), view.getUint32(iovs + i * 8 + 4, true)];
        out.push(`${fd}:${new TextDecoder().decode(new Uint8Array(memory(), ptr, len))}`);
        total += len;
      }
      view.setUint32(written, total, true);
      return 0;
    },
    proc_exit(status: number): never {
      throw new ProcExit(status);
    },
  };
}

const bytes = await readBytes("./hello.wasm");
const out: string[] = [];
let memory: WebAssembly.Memory | null = null;
const { instance } = await WebAssembly.instantiate(bytes, { wasi_snapshot_preview1: shim(() => memory!.buffer, out) });
const exports = instance.exports as { memory: WebAssembly.Memory; _start: () => void };
memory = exports.memory;
try {
  exports._start();
} catch (e) {
  console.log(`proc_exit from JS: ${e instanceof ProcExit} ${(e as ProcExit).status}`);
}
console.log(`the JS WASI got: ${JSON.stringify(out)}`);

// runtime:wasm: a function under wasi_snapshot_preview1 replaces Kiln's own.
const module = await compile(bytes);
const replaced: string[] = [];
let raw: { memory: { buffer: ArrayBuffer } } | null = null;
const wasi = await instantiate(module, { imports: { wasi_snapshot_preview1: shim(() => raw!.memory.buffer, replaced) } });
raw = wasi;
try {
  await wasi.call("_start");
} catch (e) {
  const error = e as { code?: number; cause?: unknown };
  console.log(`runtime:wasm call: ${error.code} ${error.cause instanceof ProcExit}`);
}
console.log(`runtime:wasm's JS WASI got: ${JSON.stringify(replaced)}`);

// A JS import that grows the memory and reads the new buffer while the guest waits in it, as
// emscripten's `emscripten_resize_heap` does; the guest then uses the new page.
type Grower = { memory: WebAssembly.Memory; run: () => number };
let grower: Grower | null = null;
const sizes: number[] = [];
const growing = await WebAssembly.instantiate(await readBytes("./grow.wasm"), {
  env: {
    resize_heap(pages: number): number {
      const before = grower!.memory.grow(pages);
      sizes.push(before, grower!.memory.buffer.byteLength / 65536);
      new Uint8Array(grower!.memory.buffer)[65536 + 7] = 42;
      return 1;
    },
  },
});
grower = growing.instance.exports as unknown as Grower;
console.log(`grown from a JS import: ${grower!.run()} ${sizes.join(" ")}`);

// An import that calls the instance's own export (as glue calls `malloc` from an import): the
// call goes back in through the import's caller, while the guest waits in the import.
type Reenter = { dbl: (x: number) => number; run: (x: number) => number };
let reenter: Reenter | null = null;
const reentering = await WebAssembly.instantiate(await readBytes("./reenter.wasm"), {
  env: { cb: (x: number) => reenter!.dbl(x) + 1 },
});
reenter = reentering.instance.exports as unknown as Reenter;
console.log(`an export called from its own import: ${reenter!.run(5)}`);
