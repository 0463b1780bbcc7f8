// An exported memory and exported globals: WebAssembly.Memory and WebAssembly.Global objects that
// read and write the guest's own memory and globals.
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;
type MemoryExports = {
  memory: WebAssembly.Memory;
  store8: Fn;
  load8: Fn;
  pages: Fn;
  answer: WebAssembly.Global;
  big: WebAssembly.Global;
  counter: WebAssembly.Global;
  getCounter: Fn;
  setCounter: Fn;
  OFFSET: WebAssembly.Global;
};

const module = new WebAssembly.Module(await readBytes("./values.wasm"));
const exports = new WebAssembly.Instance(module).exports as unknown as MemoryExports;
const { memory, store8, load8, pages, answer, big, counter } = exports;

const isBuffer = memory.buffer instanceof ArrayBuffer;
console.log(`memory: ${memory instanceof WebAssembly.Memory} ${isBuffer} ${memory.buffer.byteLength}`);
store8(16, 42);
console.log(`guest's write: ${new Uint8Array(memory.buffer)[16]}`);
new Uint8Array(memory.buffer)[100] = 7;
console.log(`guest reads JS's write: ${load8(100)}`);
const old = memory.grow(1);
console.log(`grow(1): ${old} ${memory.buffer.byteLength} ${pages()}`);
store8(70_000, 9);
console.log(`guest's write in the new page: ${new Uint8Array(memory.buffer)[70_000]}`);

console.log(`global: ${answer instanceof WebAssembly.Global} ${answer.value} ${answer.valueOf()}`);
console.log(`i64 global: ${typeof big.value === "bigint" ? `${big.value}n` : `not a BigInt: ${big.value}`}`);
// What hash-wasm does: a Global as a DataView offset, through valueOf.
const word = new DataView(memory.buffer).getUint32(exports.OFFSET as unknown as number, true);
console.log(`DataView at OFFSET: ${word.toString(16)}`);
counter.value = 9;
console.log(`counter.value = 9, guest reads: ${exports.getCounter()}`);
exports.setCounter(100);
console.log(`guest sets 100, counter.value: ${counter.value}`);
try {
  answer.value = 1;
  console.log(`immutable set: no error ${answer.value}`);
} catch (e) {
  console.log(`immutable set: ${e instanceof TypeError ? "TypeError" : String(e)} ${answer.value}`);
}
