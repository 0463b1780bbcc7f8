// instance.memory.buffer: an ArrayBuffer over the guest's memory, with no copy (memory_view.rs).
import { compile, instantiate, isWasmError } from "runtime:wasm";
import type { WasmInstance, WasmMemory } from "runtime:wasm";

const wat = (text: string) => compile(new TextEncoder().encode(text));
const outcome = (f: () => unknown): string => {
  try {
    return `ok ${f()}`;
  } catch (e) {
    return isWasmError(e) ? `${e.code} ${e.name}` : e instanceof TypeError ? "TypeError" : `uncoded ${e}`;
  }
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
type Numbers = Record<string, (...args: number[]) => number>;
const exportsOf = (instance: WasmInstance) => instance.exports as unknown as Numbers;

const moduleId = await wat(`(module
  (memory (export "memory") 1 1000)
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ;; Spins until the byte at the address is non-zero; returns it.
  (func (export "wait_flag") (param i32) (result i32)
    (loop $spin (br_if $spin (i32.eqz (i32.load8_u (local.get 0)))))
    (i32.load8_u (local.get 0))))`);

// Both ways through one view, and through the contract's read.
const instance = await instantiate(moduleId);
const memory = instance.memory;
const { load, store, grow } = exportsOf(instance);
const first = memory.buffer;
const view = new Uint8Array(first);
console.log("buffer:", first instanceof ArrayBuffer, first.byteLength, memory.buffer === memory.buffer);
view[100] = 42;
console.log("guest reads JS's write:", load(100), (await instance.call("load", 100))[0], (await memory.read(100, 1))[0]);
store(200, 7);
await instance.call("store", 201, 8);
await memory.write(202, new Uint8Array([9]));
console.log("JS reads the guest's writes:", view[200], view[201], view[202]);

// Growth from JS: a new buffer; the old one stays valid at its old length, at the same address.
console.log("grow from JS:", await memory.grow(1), memory.buffer !== first, memory.buffer === memory.buffer);
const second = memory.buffer;
console.log("lengths:", first.byteLength, view.length, second.byteLength, new Uint8Array(second)[100]);
view[300] = 11;
new Uint8Array(second)[65536 + 5] = 12;
console.log("old view writes after growth:", load(300), load(65541), (await memory.read(300, 1))[0]);

// Growth from the guest.
console.log("grow from guest:", grow(2), memory.buffer.byteLength, memory.buffer !== second);
view[301] = 13;
new Uint8Array(second)[65536 + 6] = 14;
console.log("held views after guest growth:", load(301), load(65542), new Uint8Array(memory.buffer)[65541]);
console.log("grow from JS again:", await memory.grow(1), memory.buffer.byteLength, new Uint8Array(memory.buffer)[301]);

// A buffer over the guest's memory cannot be transferred (QuickJS would resize it as its own).
// (ES2024's transfer is not in the ES2022 lib apps are checked with.)
type Movable = ArrayBuffer & { transfer(length?: number): ArrayBuffer; transferToFixedLength(): ArrayBuffer };
const current = memory.buffer as Movable;
console.log(
  "transfer:",
  outcome(() => current.transfer()),
  outcome(() => current.transfer(10)),
  outcome(() => current.transferToFixedLength()),
  current.byteLength,
  load(100),
  (new ArrayBuffer(8) as Movable).transfer(4).byteLength,
);

// While a call is in flight the store is lent out: `buffer` fails, a buffer taken before works,
// and what JS writes through it the spinning guest sees.
const waiter = await instantiate(moduleId, { timeoutMs: 10_000 });
const flags = new Uint8Array(waiter.memory.buffer);
const waiting = waiter.call("wait_flag", 64);
await sleep(20);
console.log("during a call:", outcome(() => waiter.memory.buffer.byteLength));
flags[64] = 5;
console.log("the guest saw the flag:", (await waiting)[0], outcome(() => waiter.memory.buffer.byteLength));

// Dropping the instance detaches every buffer it handed out.
const dropped = await instantiate(moduleId);
const before = dropped.memory.buffer;
const held = new Uint8Array(before);
await dropped.memory.grow(1);
const after = new Uint8Array(dropped.memory.buffer);
held[0] = 1;
await dropped.drop();
held[1] = 2;
console.log(
  "after drop:",
  before.byteLength,
  held.length,
  after.length,
  held[0],
  outcome(() => new DataView(before).getUint8(0)),
  outcome(() => dropped.memory.buffer),
);

// An op that borrowed a view keeps the bytes alive past the drop: the write below waits for the
// call on `waiter`, and reads the dropped instance's bytes when it runs.
const source = await instantiate(moduleId);
new Uint8Array(source.memory.buffer).set([1, 2, 3, 4], 0);
const sourceView = new Uint8Array(source.memory.buffer, 0, 4);
flags[64] = 0;
const spinning = waiter.call("wait_flag", 64);
const writing = waiter.memory.write(16, sourceView);
await source.drop();
await sleep(10);
flags[64] = 1;
await spinning;
await writing;
console.log("borrowed past the drop:", sourceView.length, Array.from(await waiter.memory.read(16, 4)).join(","));

// `read` and `write` run at once on a free store and wait their turn on a busy one: issued while
// a call spins, the write lands after the call (the byte JS zeroed through its view meanwhile
// stays 0 until then) and before the read issued after it. An out-of-bounds write that waits is
// still a rejection, not a throw.
flags[40] = 1;
flags[65] = 0;
const spinning2 = waiter.call("wait_flag", 65);
flags[40] = 0;
const written = waiter.memory.write(40, new Uint8Array([7]));
const reading = waiter.memory.read(40, 1);
const late = waiter.memory.write(65535, new Uint8Array(2)).then(() => "resolved", (e) => `rejected ${e.code}`);
await sleep(10);
const during = flags[40];
flags[65] = 1;
await spinning2;
await written;
console.log("in turn:", during, (await reading)[0], await late, (await waiter.memory.read(40, 1))[0]);

// A write from a view of the same memory, overlapping its destination, copies as memmove does.
const own = new Uint8Array(waiter.memory.buffer, 200, 300);
for (let i = 0; i < 300; i++) own[i] = i & 0xff;
await waiter.memory.write(202, own.subarray(0, 260));
const moved = await waiter.memory.read(200, 8);
const tail = await waiter.memory.read(460, 2);
console.log("overlapping write:", Array.from(moved).join(","), Array.from(tail).join(","));

// Many instances, grown while views are held, dropped or forgotten: a use after free would crash.
// (In a function of its own, so no frame of the app still holds the last forgotten instance.)
async function churn(i: number): Promise<Uint8Array[]> {
  const made = await instantiate(moduleId);
  const early = new Uint8Array(made.memory.buffer);
  early[10] = i & 0xff;
  // (Through call, not exports: a held export function would keep a forgotten instance alive.)
  await made.call("grow", 1);
  await made.memory.grow(1);
  const late = new Uint8Array(made.memory.buffer);
  if (late.length !== 3 * 65536 || late[10] !== (i & 0xff)) throw new Error(`instance ${i}: ${late.length}`);
  if (i % 2 === 0) await made.drop();
  return [early, late];
}
const kept: Uint8Array[] = [];
for (let i = 0; i < 300; i++) kept.push(...await churn(i));
// The odd ones were forgotten: the FinalizationRegistry drops them, which detaches their buffers.
await sleep(50);
// Element writes to a detached view are no-ops (fill would throw): none may reach freed memory.
for (const v of kept) for (let at = 0; at < 3 * 65536; at += 4096) v[at] = 0xee;
console.log("many:", kept.filter((v) => v.length === 0).length, "of", kept.length, "detached");

// An instance forgotten while the app still holds its memory: the memory keeps the store, and
// the store goes once the memory is forgotten too (its buffers are then detached).
async function memoryOnly(): Promise<WasmMemory> {
  const made = await instantiate(moduleId);
  await made.memory.write(0, new Uint8Array([21, 22, 23]));
  return made.memory;
}
let orphan: WasmMemory | null = await memoryOnly();
await sleep(50);
const orphanView = new Uint8Array(orphan.buffer);
console.log("memory outlives its instance:", Array.from(await orphan.read(0, 3)).join(","), orphanView[2]);
orphan = null;
await sleep(50);
console.log("then goes with it:", orphanView.length);

// What has no buffer: an instance without a memory, a component, a dropped instance.
const plain = await instantiate(await wat(`(module (func (export "f")))`));
console.log("no memory:", outcome(() => plain.memory.buffer));
const component = await instantiate(await wat(`(component)`));
console.log("component:", outcome(() => component.memory.buffer));
try {
  component.memory.buffer;
} catch (e) {
  console.log("message names the alternative:", String((e as Error).message).includes("list<u8>"));
}
