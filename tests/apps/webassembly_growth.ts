// The JS API's rule for a memory's buffer, on wasmtime: growth detaches the old buffer (views
// over it have length 0) and `buffer` is a new one; between growths it is the same object. Growth
// by the guest counts, whether the call then returns or calls a JS import, and so does growth
// from JS. runtime:wasm's `instance.memory.buffer` keeps its own rule: the old buffer stays valid
// at its old length. Prints "label: value".
import { readBytes } from "runtime:fs";
import { compileFile, instantiate } from "runtime:wasm";

type Grower = {
  memory: WebAssembly.Memory;
  grow(pages: number): number;
  store8(at: number, value: number): void;
  growThenCall(): void;
};

const plain = (await WebAssembly.instantiate(await readBytes("./grow.wasm"))).instance.exports as unknown as Grower;
const first = plain.memory.buffer;
const view = new Uint8Array(first);
console.log(`the same buffer until growth: ${plain.memory.buffer === first}`);
console.log(`the guest grows: ${plain.grow(1)}, old view ${view.byteLength}, old buffer ${first.byteLength}`);
const second = plain.memory.buffer;
plain.store8(65536, 7);
console.log(`the new buffer: ${second.byteLength} bytes, the guest's write ${new Uint8Array(second)[65536]}`);
console.log(`a refused growth detaches nothing: ${plain.grow(100000)} ${second.byteLength}`);
console.log(`JS grows: ${plain.memory.grow(1)}, old buffer ${second.byteLength}, new ${plain.memory.buffer.byteLength}`);
// `grow(0)` refreshes the buffer too, as the JS API says (and V8 does).
const third = plain.memory.buffer;
console.log(`JS grows by 0: ${plain.memory.grow(0)}, old buffer ${third.byteLength}, new ${plain.memory.buffer.byteLength}`);

// Growth inside a call that then calls JS: the import already sees the old view detached, as
// wasm-bindgen's glue checks (`byteLength === 0`) before it writes through a cached view.
let cached = new Uint8Array(0);
const imports = {
  js: {
    seen(before: number) {
      const stale = cached.byteLength;
      if (stale === 0) cached = new Uint8Array(calling.memory.buffer);
      console.log(`inside the import: grew from ${before} pages, old view ${stale}, new view ${cached.byteLength}`);
    },
  },
};
const calling = (await WebAssembly.instantiate(await readBytes("./grow_calls.wasm"), imports)).instance
  .exports as unknown as Grower;
cached = new Uint8Array(calling.memory.buffer);
calling.growThenCall();
console.log(`after the call: ${cached.byteLength === calling.memory.buffer.byteLength}`);

// A DataView over a detached buffer throws, as on any engine.
const data = new DataView(calling.memory.buffer);
calling.grow(1);
try {
  data.getUint8(0);
  console.log("DataView after growth: read");
} catch (e) {
  console.log(`DataView after growth: ${(e as Error).name}`);
}

// runtime:wasm's rule is unchanged.
const instance = await instantiate(await compileFile("./grow.wasm"));
const kept = instance.memory.buffer;
(instance.exports as unknown as Grower).grow(1);
console.log(`runtime:wasm keeps the old buffer: ${kept.byteLength} ${instance.memory.buffer.byteLength}`);
await instance.drop();
