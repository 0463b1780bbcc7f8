// caller.memory.buffer: a host function's view of its caller's memory, with no copy. Prints one
// line per check.
import { compile, instantiate, isWasmError } from "runtime:wasm";
import type { WasmCaller } from "runtime:wasm";

const wat = (text: string) => compile(new TextEncoder().encode(text));
const moduleId = await wat(`(module
  (import "env" "show" (func $show (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (func (export "run") (call $show (i32.const 16) (i32.const 5)))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0))))`);

const views: ArrayBuffer[] = [];
const show = (ptr: number, len: number, caller: WasmCaller) => {
  const buffer = caller.memory.buffer;
  views.push(buffer);
  console.log(`sees: ${new TextDecoder().decode(new Uint8Array(buffer, ptr, len))} ${buffer.byteLength}`);
  new Uint8Array(buffer)[100] = 77;
};
const instance = await instantiate(moduleId, { imports: { env: { show } } });
const exports = instance.exports as unknown as { run(): void; load(at: number): number };
exports.run();
await instance.call("run");
console.log(`guest reads the host's write: ${exports.load(100)}`);
console.log(`same buffer on both calls: ${views[0] === views[1]}`);
new Uint8Array(views[0])[101] = 5;
console.log(`usable after the call: ${exports.load(101)}`);
const transfer = (views[0] as unknown as { transfer?: () => ArrayBuffer }).transfer;
try {
  transfer?.call(views[0]);
  console.log("transfer: allowed");
} catch (e) {
  console.log(`transfer: ${(e as Error).name}`);
}

// In a start function the store is not an instance's yet.
const starter = await wat(`(module
  (import "env" "peek" (func $peek))
  (memory (export "memory") 1)
  (func $start (call $peek))
  (start $start))`);
const peek = (caller: WasmCaller) => {
  try {
    void caller.memory.buffer;
    console.log("start: buffer given");
  } catch (e) {
    console.log(`start: ${isWasmError(e) ? `${e.code} ${e.name}` : String(e)}; read works: ${caller.memory.read(0, 1).length}`);
  }
};
await instantiate(starter, { imports: { env: { peek } } });

await instance.drop();
console.log(`after drop: ${views[0].byteLength}`);
