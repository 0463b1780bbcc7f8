// Host functions of synchronous export calls that run on the JS thread's stack
// (ext_wasm/src/host_direct.rs), beside a store that imports WASI, whose calls take the fiber.
import { readBytes } from "runtime:fs";
import { compileFile, instantiate, isWasmError, type WasmCaller } from "runtime:wasm";

let held: ArrayBuffer | null = null;
const seen: string[] = [];

// A second store, with host functions of its own, that the first store's `other` calls into.
const inner = await instantiate(await compileFile("./host_direct.wasm"), {
  imports: {
    env: {
      before: () => {},
      after: () => {},
      other: (i: number) => i,
      f: (x: number) => x + 0.5,
    },
  },
});
const innerTwice = inner.exports.twice as (x: number) => number;

const outer = await instantiate(await compileFile("./host_direct.wasm"), {
  imports: {
    env: {
      before: (caller: WasmCaller) => {
        held = caller.memory.buffer;
        seen.push(`before: ${held.byteLength}`);
      },
      after: (old: number, caller: WasmCaller) => {
        // The guest grew its memory between the two host calls, in one export call: the buffer
        // taken before keeps its length (runtime:wasm's rule), and a new one has the new length.
        seen.push(`after: grew from ${old} page, old buffer ${held!.byteLength}, new ${caller.memory.buffer.byteLength}`);
      },
      // Into the other store, whose own host function runs nested.
      other: (i: number) => innerTwice(i),
      f: (x: number) => {
        if (x < 0) throw new RangeError(`negative: ${x}`);
        return x * 3;
      },
    },
  },
});
const ex = outer.exports as Record<string, (...a: number[]) => number>;

ex.grow_between();
console.log(seen.join("\n"));
// Sum over i < 10 of 2 * (i + 0.5): 100.
console.log("through another store:", ex.sum_via(10));
console.log("twice:", ex.twice(7));
try {
  ex.twice(-1);
} catch (e) {
  console.log("threw:", isWasmError(e) ? `${e.code} ${e.name} cause ${(e.cause as Error).message}` : String(e));
}
console.log("after a throw:", ex.twice(1));
// 100,000 host calls in one export call, and the values they carry.
let calls = 0;
const counted = await instantiate(await compileFile("./host_direct.wasm"), {
  imports: { env: { before: () => {}, after: () => {}, other: (i: number) => (calls++, i & 7), f: (x: number) => x } },
});
console.log("many:", (counted.exports.sum_via as (n: number) => number)(100_000), calls);

// The same through the `WebAssembly` global, whose rule detaches the old buffer: the detaching
// happens before the second host function's JS runs.
const bytes = await readBytes("./host_direct.wasm");
let globalHeld: ArrayBuffer | null = null;
const globalSeen: string[] = [];
const global = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
  env: {
    before: () => {
      globalHeld = (global.exports.memory as WebAssembly.Memory).buffer;
    },
    after: (old: number) => {
      const now = (global.exports.memory as WebAssembly.Memory).buffer.byteLength;
      globalSeen.push(`global after: grew from ${old} page, old buffer ${globalHeld!.byteLength}, new ${now}`);
    },
    other: (i: number) => i,
    f: (x: number) => x,
  },
});
(global.exports.grow_between as () => void)();
console.log(globalSeen.join("\n"));

// A store whose guest imports WASI: the same host function behind the fiber driver.
const wasi = await instantiate(await compileFile("./host_direct_wasi.wasm"), {
  imports: { env: { g: (x: number) => x * 10 } },
});
console.log("wasi store:", (wasi.exports.via_g as (x: number) => number)(4), (await wasi.call("via_g", 5))[0]);
