// JS host functions: values both ways, the caller's memory and exports, throws and their cause,
// async functions with the event loop running, a start function that calls JS, deep JS recursion.
import { compileFile, type HostFunction, instantiate, isWasmError, type WasmCaller } from "runtime:wasm";

const events: string[] = [];
let held: WasmCaller | null = null;
let rejectNext: unknown = null;
let heldAfterAwait: WasmCaller | null = null;
let pagesAfterAwait = -1;

/** `caller.memory.read` and `write` past their fast paths: bigint offsets and lengths, a
 * DataView, a method taken off `caller.memory`, a negative offset and a string for bytes. Leaves
 * the memory as it found it. */
function callerMemorySlowPaths(caller: WasmCaller, ptr: number): string {
  const memory = caller.memory;
  const kept = memory.read(ptr + 1, 1);
  memory.write(BigInt(ptr) + 1n, new DataView(new TextEncoder().encode("E").buffer) as unknown as Uint8Array);
  const read = new TextDecoder().decode(memory.read(BigInt(ptr), 2n));
  memory.write(ptr + 1, kept);
  const refused = [
    () => (0, memory.read)(0, 1),
    () => memory.read(-1, 1),
    () => memory.read(0, 1.5),
    () => memory.write(0, "x" as unknown as Uint8Array),
    () => (0, memory.write)(0, kept),
  ].map((f) => {
    try {
      f();
      return "no error";
    } catch (e) {
      return isWasmError(e) ? `${e.code} ${e.name}` : String(e);
    }
  });
  return `slow paths: ${read}, ${refused.join(", ")}`;
}

const instance = await instantiate(await compileFile("./host.wasm"), {
  imports: {
    env: {
      add_i32: (a: number, b: number) => a + b,
      add_i64: (a: bigint, b: bigint) => a + b,
      mul_f32: (a: number, b: number) => a * b,
      div_f64: (a: number, b: number) => a / b,
      pair: (n: number) => [n * 2, BigInt(n) * 3n],
      log: (ptr: number, len: number, caller: WasmCaller) => {
        held = caller;
        const text = new TextDecoder().decode(caller.memory.read(ptr, len));
        events.push(`log: ${text} (${caller.memory.size()} page); ${callerMemorySlowPaths(caller, ptr)}`);
        caller.memory.write(ptr, new TextEncoder().encode("J"));
      },
      fail: () => {
        throw rejectNext ?? new RangeError("nope");
      },
      // Its caller works until the promise it returned settles, after an await too.
      wait: async (ms: number, caller: WasmCaller) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        heldAfterAwait = caller;
        pagesAfterAwait = caller.memory.size();
        return ms + 1;
      },
      reenter: (n: number, caller: WasmCaller) => {
        const square = caller.exports.square as (n: number) => number;
        if (n < 0) {
          // Nested calls that fail (an import of theirs throws; a trap) are errors here, and the
          // host function and its guest go on.
          const failing = [() => (caller.exports.fail as () => void)(), () => (caller.exports.peek as (p: number) => number)(1 << 20)];
          nestedErrors = failing.map((f) => {
            try {
              f();
              return "none";
            } catch (e) {
              return isWasmError(e) ? `${e.code}${e.cause === undefined ? "" : ` cause ${(e.cause as Error).name}`}` : String(e);
            }
          });
          return square(-n);
        }
        if (n === 3) {
          // The instance's own `exports` from inside its host function: the store is busy with the
          // call that is running, which goes on with its own slots.
          try {
            (instance.exports.reenter as (n: number) => number)(1);
            busyInside = "none";
          } catch (e) {
            busyInside = isWasmError(e) ? `${e.code} ${e.message.includes("busy")}` : String(e);
          }
        }
        insideDepth = maxDepth();
        return square(n);
      },
      started: () => events.push("start function called JS"),
      limit: 1000,
      big: 2n ** 40n,
    },
  },
});

function deep(n: number): number {
  return n === 0 ? 0 : 1 + deep(n - 1) - 1;
}

/** How deep plain JS recursion goes from here, to the nearest 50 frames. */
function maxDepth(): number {
  let depth = 0;
  for (;;) {
    try {
      deep(depth + 50);
      depth += 50;
    } catch {
      return depth;
    }
  }
}
let insideDepth = 0;
let nestedErrors: string[] = [];
let busyInside = "";

console.log(events.shift());
console.log("starts:", instance.exports.starts());
console.log("i32:", await instance.call("i32", 40, 2), instance.exports.i32(-5, 3));
console.log("i64:", await instance.call("i64", 2n ** 53n, 1n), instance.exports.i64(1n, 2n));
console.log("f32:", await instance.call("f32", 1.5, 2), "f64:", instance.exports.f64(1, 4));
console.log("pair:", await instance.call("pair", 7), instance.exports.pair(1));
await instance.call("greet");
console.log(events.shift());
console.log("memory written by the host:", String.fromCharCode(instance.exports.peek(16) as number));
try {
  (held as WasmCaller | null)?.memory.read(0, 1);
} catch (e) {
  console.log("caller after the call:", isWasmError(e) ? `${e.code} ${e.name}` : String(e));
}
console.log("globals:", instance.exports.limit(), instance.exports.big());

// A throw traps the guest: 5002, with the thrown value as cause; the instance stays usable.
for (const path of ["call", "exports"]) {
  try {
    if (path === "call") await instance.call("fail");
    else instance.exports.fail();
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    console.log(`throw (${path}):`, isWasmError(e) ? `${e.code} ${e.name}` : String(e), cause instanceof RangeError, (e as Error).message.includes("env.fail"));
  }
}
console.log("usable after a throw:", instance.exports.i32(1, 1));
// As without host functions: the export's name and parameter count, trailing undefineds not counted.
const i32 = instance.exports.i32;
console.log("name, length, trailing undefined:", i32.name, i32.length, i32(1, 2, undefined as unknown as number), (() => {
  try {
    return i32(1, 2, 3);
  } catch (e) {
    return (e as { code?: number }).code;
  }
})());

// An async host function: the guest waits, timers fire meanwhile.
let ticks = 0;
const timer = setInterval(() => ticks++, 5);
const [waited] = await instance.call("wait", 60);
clearInterval(timer);
console.log("async host function:", waited, "ticks while the guest waited:", ticks >= 3);
try {
  (heldAfterAwait as WasmCaller | null)?.memory.size();
  console.log("its caller after the call: still works");
} catch (e) {
  console.log(`its caller after an await: ${pagesAfterAwait} page; after the call:`, isWasmError(e) ? `${e.code} ${e.name}` : String(e));
}
try {
  instance.exports.wait(1);
} catch (e) {
  console.log("async host function under exports:", isWasmError(e) ? `${e.code} ${e.name}` : String(e), (e as Error).message.includes("await instance.call"));
}

// Re-entry into the caller's exports, with deep JS recursion inside the host function.
// Host functions run on the JS thread's own stack, never a wasmtime fiber's: JS recursion inside
// one goes (nearly) as deep as anywhere else.
const outsideDepth = maxDepth();
console.log("re-entry:", await instance.call("reenter", 9), instance.exports.reenter(5));
console.log("deep recursion inside a host function:", insideDepth > 500 && insideDepth >= outsideDepth * 0.8);
console.log("re-entry after nested calls failed:", instance.exports.reenter(-7), nestedErrors.join(", "));
console.log("exports inside a host function:", instance.exports.reenter(3), busyInside, instance.exports.reenter(4));

// A result that does not fit the import's type traps the guest: 5007, naming the host function.
const strict = await instantiate(await compileFile("./host.wasm"), {
  imports: {
    env: {
      // Deliberately wrong results: the typings would refuse them, so they are cast.
      add_i32: (() => "three") as unknown as HostFunction,
      add_i64: () => 1.5,
      mul_f32: () => 1,
      div_f64: () => 1,
      pair: () => [1],
      log: () => {},
      fail: () => {},
      wait: () => 0,
      reenter: () => 0,
      started: () => {},
      limit: 1,
      big: 1n,
    },
  },
});
for (const [name, args] of [["i32", [1, 2]], ["i64", [1n, 2n]], ["pair", [1]]] as const) {
  try {
    await strict.call(name, ...args);
    console.log(`bad result (${name}): returned`);
  } catch (e) {
    console.log(`bad result (${name}):`, isWasmError(e) ? `${e.code} ${e.name}` : String(e), (e as Error).message.match(/env\.\w+/)?.[0]);
  }
}
console.log("usable after a bad result:", strict.exports.f64(1, 1));

// Values of the wrong kind for an import fail instantiate with 5001; a number that does not fit
// its global is 5007.
const base = {
  add_i32: () => 0, add_i64: () => 0n, mul_f32: () => 0, div_f64: () => 0, pair: () => [0, 0n],
  log: () => {}, fail: () => {}, wait: () => 0, reenter: () => 0, started: () => {}, limit: 1, big: 1n,
};
for (const [label, env] of [
  ["a function for a global", { ...base, limit: () => 1 }],
  ["a number for a function", { ...base, add_i32: 5 }],
  ["a float for an i32 global", { ...base, limit: 1.5 }],
  ["a missing host function", { ...base, add_i32: undefined }],
] as const) {
  try {
    const imports = { env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) };
    await instantiate(await compileFile("./host.wasm"), { imports } as Parameters<typeof instantiate>[1]);
    console.log(`${label}: instantiated`);
  } catch (e) {
    console.log(`${label}:`, isWasmError(e) ? `${e.code} ${e.name}` : String(e), (e as Error).message.includes("env."));
  }
}
