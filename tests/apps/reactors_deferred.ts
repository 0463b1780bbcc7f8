// `initialize: false`: the app runs a reactor's `_initialize` itself, as node:wasi's and browser
// WASI shims' `initialize()` do, and the standard WebAssembly API never runs it. reactor.c's
// constructor counts its runs, so a host that runs it too soon shows 1 before the app's call, and
// one that runs it twice shows 2. Prints one line per step.
import { readBytes } from "runtime:fs";
import { compileFile, createPool, instantiate, isWasmError, spawn } from "runtime:wasm";

const id = await compileFile("./reactor.wasm");
const config = { env: { GREETING: "hello" }, inheritStdout: true, initialize: false };
const deferred = await instantiate(id, config);
console.log(`runs before _initialize: ${(await deferred.call("runs"))[0]}`);
await deferred.call("_initialize");
console.log(`runs after: ${(await deferred.call("runs"))[0]}, greeting length: ${(await deferred.call("greeting_length"))[0]}`);

for (const [label, make] of [
  ["createPool", () => createPool(id, { size: 1, initialize: false })],
  ["spawn", () => spawn(id, { initialize: false })],
] as const) {
  try {
    await make();
    console.log(`${label}: accepted`);
  } catch (e) {
    console.log(`${label}: ${isWasmError(e) ? `${e.code} ${e.message.includes("leave initialize out")}` : String(e)}`);
  }
}

// The JS API: instantiating runs the start section only; the glue calls `_initialize`.
// A WASI written in JS, enough for the constructor: no environment, and stdout collected.
let memory: WebAssembly.Memory | null = null;
const view = () => new DataView(memory!.buffer);
const written: string[] = [];
const wasi = {
  environ_sizes_get(count: number, size: number): number {
    view().setUint32(count, 0, true);
    view().setUint32(size, 0, true);
    return 0;
  },
  environ_get: () => 0,
  fd_fdstat_get(_fd: number, stat: number): number {
    new Uint8Array(memory!.buffer, stat, 24).fill(0);
    return 0;
  },
  fd_write(_fd: number, iovs: number, count: number, out: number): number {
    let total = 0;
    for (let i = 0; i < count; i++) {
      const [ptr, len] = [view().getUint32(iovs + i * 8, true), view().getUint32(iovs + i * 8 + 4, true)];
      written.push(new TextDecoder().decode(new Uint8Array(memory!.buffer, ptr, len)));
      total += len;
    }
    view().setUint32(out, total, true);
    return 0;
  },
  fd_seek: () => 70, // ESPIPE
  fd_close: () => 0,
  proc_exit(status: number): never {
    throw new Error(`exit ${status}`);
  },
};
const bytes = await readBytes("./reactor.wasm");
const { instance } = await WebAssembly.instantiate(bytes, { wasi_snapshot_preview1: wasi });
const exports = instance.exports as { memory: WebAssembly.Memory; _initialize: () => void; runs: () => number };
memory = exports.memory;
console.log(`WebAssembly: runs before _initialize: ${exports.runs()}`);
exports._initialize();
console.log(`WebAssembly: runs after: ${exports.runs()}, the guest wrote ${JSON.stringify(written.join(""))}`);
