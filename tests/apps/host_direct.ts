// Host functions of synchronous export calls that run on the JS thread's stack
// (ext_wasm/src/host_direct.rs), beside a store that imports WASI, whose calls take the fiber.
import { readBytes } from "runtime:fs";
import { compileFile, instantiate, isWasmError, type WasmCaller } from "runtime:wasm";

let held: ArrayBuffer | null = null;
let deepest = 0;
const seen: string[] = [];

// A second store, with host functions of its own, that the first store's `other` calls into.
const inner = await instantiate(await compileFile("./host_direct.wasm"), {
  imports: {
    env: {
      before: () => {},
      after: () => {},
      other: (i: number) => i,
      f: (x: number) => x + 0.5,
      deeper: (n: number) => n,
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
      // Guest -> JS -> guest without end, through the caller: the JS thread's stack, which the
      // guest's frames and the host functions' JS share, runs out, and the call fails cleanly.
      deeper: (n: number, caller: WasmCaller) => {
        deepest = n;
        return (caller.exports.rec as (n: number) => number)(n);
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
try {
  ex.rec(0);
  console.log("unbounded recursion returned");
} catch (e) {
  console.log("unbounded recursion:", isWasmError(e) ? `${e.code} ${e.name}` : String(e), deepest >= 90 ? "90 levels or more" : deepest >= 40 ? "40 levels or more" : `only ${deepest} levels`);
}
console.log("usable after it:", ex.twice(2));
// 100,000 host calls in one export call, and the values they carry.
let calls = 0;
const counted = await instantiate(await compileFile("./host_direct.wasm"), {
  imports: {
    env: { before: () => {}, after: () => {}, other: (i: number) => (calls++, i & 7), f: (x: number) => x, deeper: (n: number) => n },
  },
});
console.log("many:", (counted.exports.sum_via as (n: number) => number)(100_000), calls);

// `caller.memory`'s read, write and size, which the ops carry out themselves for a guest on the
// JS thread's stack (ext_wasm/src/caller_memory.rs): bytes written before a growth read back
// after it, across the old end, and past the new end the errors name the memory's size.
const memorySeen: string[] = [];
const attempt = (f: () => unknown): string => {
  try {
    return `no error ${String(f())}`;
  } catch (e) {
    return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : String(e);
  }
};
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const grower = await instantiate(await compileFile("./host_direct.wasm"), {
  imports: {
    env: {
      before: (caller: WasmCaller) => {
        caller.memory.write(65530, new TextEncoder().encode("kiln!!"));
        memorySeen.push(`before: ${caller.memory.size()} page, ${text(caller.memory.read(65530, 6))}`);
      },
      after: (old: number, caller: WasmCaller) => {
        caller.memory.write(65536, new TextEncoder().encode("??"));
        memorySeen.push(
          `after: ${caller.memory.size()} pages (grew from ${old}), ${text(caller.memory.read(65530, 8))}`,
          `read past the end: ${attempt(() => caller.memory.read(131070, 4))}`,
          `write past the end: ${attempt(() => caller.memory.write(131071, new Uint8Array(2)))}`,
        );
      },
      other: (i: number) => i,
      f: (x: number) => x,
      deeper: (n: number) => n,
    },
  },
});
(grower.exports.grow_between as () => void)();
console.log(memorySeen.join("\n"));

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
      // Read before anything else runs: the old buffer was detached before this JS began.
      const was = globalHeld!.byteLength;
      const now = (global.exports.memory as WebAssembly.Memory).buffer.byteLength;
      globalSeen.push(`global after: grew from ${old} page, old buffer ${was}, new ${now}`);
    },
    other: (i: number) => i,
    f: (x: number) => x,
    deeper: (n: number) => (global.exports.rec as (n: number) => number)(n),
  },
});
(global.exports.grow_between as () => void)();
console.log(globalSeen.join("\n"));

// A store whose guest imports WASI: the same host function behind the fiber driver.
const wasi = await instantiate(await compileFile("./host_direct_wasi.wasm"), {
  imports: { env: { g: (x: number) => x * 10 } },
});
console.log("wasi store:", (wasi.exports.via_g as (x: number) => number)(4), (await wasi.call("via_g", 5))[0]);

// The same host functions and returned values through `instance.exports` (the guest on the JS
// thread's stack) and through `await instance.call` (the guest on a fiber, its host calls made by
// the async driver's first poll): both call the function's direct entry from Rust, which takes a
// returned number itself and hands any other value to the driver's JS, each its own. Each pair
// must give the same result or the same error, and the functions must see the same arguments.
const candidates: unknown[] = [
  0, -0, 1, -1, 7.5, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 32 - 1, 2 ** 32, -(2 ** 31) - 1, 1 / 3, 1e300, -1e-300,
  5e-324, NaN, Infinity, -Infinity, undefined, null, true, "5", 5n, {}, [1], { valueOf: () => 3 },
];
let returning: unknown = 0;
const received: string[] = [];
const note = (...xs: unknown[]) => {
  received.push(xs.map((x) => Object.is(x, -0) ? "-0" : String(x)).join(","));
  return returning;
};
const values = await instantiate(await compileFile("./host_direct_values.wasm"), {
  imports: {
    env: {
      r_i32: (x: number) => note(x),
      r_f32: (x: number) => note(x),
      r_f64: (x: number) => note(x),
      r_void: (a: number, b: number, c: number) => note(a, b, c),
      r_five: (a: number, b: number, c: number, d: number, e: number) => note(a, b, c, d, e),
    },
  },
});
const show = (f: () => unknown): string => {
  try {
    const r = f();
    return Object.is(r, -0) ? "-0" : String(r);
  } catch (e) {
    return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `threw ${String(e)}`;
  }
};
const showAsync = async (f: () => Promise<unknown[]>): Promise<string> => {
  try {
    const r = (await f())[0];
    return Object.is(r, -0) ? "-0" : String(r);
  } catch (e) {
    return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `threw ${String(e)}`;
  }
};
const args: Record<string, number[]> = { t_i32: [-5], t_f32: [0.1], t_f64: [-0], t_void: [3, 0.25, 1.5] };
let compared = 0;
let differ = 0;
let accepted = 0;
for (const name of ["t_i32", "t_f32", "t_f64", "t_void"]) {
  for (const value of candidates) {
    returning = value;
    received.length = 0;
    const sync = show(() => (values.exports[name] as (...a: number[]) => unknown)(...args[name]));
    const viaCall = await showAsync(() => values.call(name, ...args[name]));
    compared++;
    if (sync !== viaCall || received[0] !== received[1]) {
      differ++;
      console.log("differ:", name, String(value), "|", sync, "|", viaCall, "|", received.join(" / "));
    } else if (!sync.startsWith("50")) {
      accepted++;
    }
  }
}
console.log(`values compared: ${compared}, differ: ${differ}, accepted: ${accepted}`);
const ti = values.exports.t_i32 as (x: number) => number;
returning = 2 ** 32 - 1;
const wrapped = ti(1);
returning = 2 ** 31;
console.log("i32 edges:", wrapped, ti(1), (returning = -(2 ** 31), ti(1)));
returning = 1 / 3;
console.log("f32 rounding:", (values.exports.t_f32 as (x: number) => number)(1) === Math.fround(1 / 3), "argument seen:", received.at(-1) === String(Math.fround(1)));

// The caller Rust makes for a host function it calls with numbers (ext_wasm/src/host_entry.rs),
// through both paths: passed after the arguments, `this` undefined; live while the function runs
// (and, under `await call`, until a promise it returned settles); ended once it returns a number,
// throws, or returns a value the driver's JS settles. A store made with `hostCaller: false` gets
// the arguments only.
let mode = "number";
let holding: WasmCaller | null = null;
let during = "";
const callerProbe = function (this: unknown, ...a: unknown[]): unknown {
  const caller = a.at(-1) as WasmCaller;
  holding = caller;
  during = `${a.length} args, this ${String(this)}, ${caller.memory.size()} page`;
  if (mode === "throw") throw new RangeError("probe");
  if (mode === "string") return "seven";
  if (mode === "promise") return (async () => (await null, caller.memory.size() + 40))();
  return 41;
};
const probed = await instantiate(await compileFile("./host_direct_values.wasm"), {
  imports: { env: { r_i32: callerProbe, r_f32: callerProbe, r_f64: callerProbe, r_void: callerProbe, r_five: callerProbe } },
});
const heldAfter = () => {
  try {
    return `still works (${holding!.memory.size()} page)`;
  } catch (e) {
    return isWasmError(e) ? `${e.code} ${e.name}` : String(e);
  }
};
for (const m of ["number", "throw", "string", "promise"]) {
  mode = m;
  during = "";
  const sync = show(() => (probed.exports.t_i32 as (x: number) => number)(1)).split(":")[0];
  const syncSeen = `${during}; after: ${heldAfter()}`;
  during = "";
  const viaCall = (await showAsync(() => probed.call("t_i32", 1))).split(":")[0];
  console.log(`caller, ${m}: exports ${sync}, ${syncSeen} | call ${viaCall}, ${during}; after: ${heldAfter()}`);
}
const counts: number[] = [];
const countArgs = (...a: unknown[]) => (counts.push(a.length), 1);
const bare = await instantiate(await compileFile("./host_direct_values.wasm"), {
  imports: { env: { r_i32: countArgs, r_f32: countArgs, r_f64: countArgs, r_void: countArgs, r_five: countArgs } },
  hostCaller: false,
});
(bare.exports.t_i32 as (x: number) => number)(1);
(bare.exports.t_void as (a: number, b: number, c: number) => void)(1, 2, 3);
await bare.call("t_i32", 1);
await bare.call("t_void", 1, 2, 3);
(bare.exports.t_five as (...a: number[]) => number)(1, 2, 3, 4, 5);
await bare.call("t_five", 1, 2, 3, 4, 5);
console.log("hostCaller false, arguments:", counts.join(" "));
// Five arguments and a caller: Rust calls the function itself under `exports` (up to eight
// arguments, `MOST_ARGS`), the JS driver under `await call` (more than three).
mode = "number";
const five = (probed.exports.t_five as (...a: number[]) => number)(-7, 2 ** 31 + 1, 0.5, 1.25, 9);
const fiveSync = during;
const [fiveCall] = await probed.call("t_five", -7, 2 ** 31 + 1, 0.5, 1.25, 9);
console.log(`five arguments and a caller: exports ${five}, ${fiveSync}; after: ${heldAfter()} | call ${fiveCall}, ${during}`);
returning = 6.5;
received.length = 0;
const fiveValues = [(values.exports.t_five as (...a: number[]) => number)(1, -2, 3.5, 0.25, -0), (await values.call("t_five", 1, -2, 3.5, 0.25, -0))[0]];
console.log("five arguments seen:", received.join(" / "), "returned:", fiveValues.join(" "));
