// The bound export calls of a store with JS host functions (ext_wasm/src/bound_call.rs): what
// the op runs itself, what it hands to the JS path, and the `cause` of a failed call.
import { readBytes } from "runtime:fs";
import { compileFile, instantiate, isWasmError, type WasmCaller } from "runtime:wasm";

const module = await compileFile("./host_bound.wasm");
type Exports = Record<string, (...a: unknown[]) => number>;
const describe = (e: unknown): string => {
  if (!isWasmError(e)) return `threw ${String(e)}`;
  const cause = e.cause instanceof Error ? e.cause.message : String(e.cause);
  return `${e.code} ${e.name}: ${e.message} (cause: ${cause})`;
};
const attempt = (label: string, f: () => unknown): void => {
  try {
    console.log(`${label}:`, f());
  } catch (e) {
    console.log(`${label}:`, describe(e));
  }
};

let mode = "";
let nested = "";
// Another store of the same module, whose `g` throws: the first store's host function calls it.
const other = await instantiate(module, {
  imports: {
    env: {
      g: (x: number) => {
        throw new RangeError(`other store refuses ${x}`);
      },
      wide: () => 0,
      h: () => 0,
    },
  },
});
const otherEx = other.exports as unknown as Exports;

const store = await instantiate(module, {
  imports: {
    env: {
      g: (x: number) => {
        if (mode === "throw") throw new RangeError(`g refuses ${x}`);
        if (mode === "busy") {
          // The store is held by the call this runs in: a call of its own export is busy.
          try {
            return ex.seven();
          } catch (e) {
            console.log("inside g, the same store:", describe(e));
            return -1;
          }
        }
        if (mode === "other") {
          // Another store's bound call fails with its own cause; this call goes on.
          try {
            return otherEx.via_g(x);
          } catch (e) {
            console.log("inside g, another store:", describe(e));
            return -2;
          }
        }
        return x * 2;
      },
      // An i64 parameter: the slots and `serve`, with the call's token in the last slot.
      wide: (x: bigint, caller: WasmCaller) => {
        const text = new TextDecoder().decode(caller.memory.read(16, 5));
        return Number(x) + text.length;
      },
      // Back into the store through the caller; its nested host function's throw is the nested
      // call's cause, and what this throws is the outer call's.
      h: (x: number, caller: WasmCaller) => {
        try {
          return (caller.exports.inner as (x: number) => number)(x);
        } catch (e) {
          nested = describe(e);
          throw new TypeError(`h saw the nested call fail`);
        }
      },
    },
  },
});
const ex = store.exports as unknown as Exports;

console.log("seven:", ex.seven());
console.log("via_g:", ex.via_g(5));
console.log("via_wide:", ex.via_wide(3));
// Arguments the op refuses go to the JS path, which converts them or names the bad one.
attempt("a string", () => ex.via_g("5"));
attempt("none", () => ex.via_g());
attempt("one too many", () => ex.via_g(1, 2));
attempt("2^32", () => ex.via_g(2 ** 32));
attempt("a bigint", () => ex.via_g(5n));
mode = "throw";
attempt("g throws", () => ex.via_g(4));
attempt("nested", () => ex.via_h(6));
console.log("the nested call:", nested);
mode = "";
attempt("a trap after them", () => ex.trap());
// After a host function that returned: no cause left over from the throws before.
attempt("a trap after a host call", () => ex.g_then_trap(1));
mode = "busy";
attempt("busy", () => ex.via_g(1));
mode = "other";
attempt("another store", () => ex.via_g(9));
mode = "";
attempt("a trap after that", () => ex.trap());
console.log("usable:", ex.via_g(21), ex.via_wide(0), ex.seven());

// `hostCaller: false`: exactly the import's arguments, on each path (numbers from Rust, values
// through the slots, the async driver); by default a WasmCaller comes last.
const counted = async (hostCaller?: boolean): Promise<string> => {
  const counts: number[] = [];
  const count = function (this: unknown, x: number | bigint) {
    counts.push(arguments.length);
    return Number(x) + 1;
  };
  const made = await instantiate(module, { imports: { env: { g: count, wide: count, h: count } }, hostCaller });
  const e = made.exports as unknown as Exports;
  const got = [e.via_g(1), e.via_wide(2), (await made.call("via_g", 3))[0], (await made.call("via_wide", 4))[0]];
  return `${got.join(" ")}, arguments ${counts.join(",")}`;
};
console.log("hostCaller false:", await counted(false));
console.log("hostCaller default:", await counted());
try {
  await instantiate(module, { imports: { env: { g: () => 0, wide: () => 0, h: () => 0 } }, hostCaller: "no" as unknown as boolean });
} catch (e) {
  console.log("hostCaller \"no\":", describe(e));
}

// The same module through the `WebAssembly` global, whose exports of the common shape are bound
// the same way, with the JS API's conversions, errors and re-entry on the JS path.
const thrown = { reason: "a plain object" };
let waMode = "";
const wa = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./host_bound.wasm")), {
  env: {
    g: (x: number) => {
      if (waMode === "throw") throw thrown;
      // Re-entry: an export of the same instance, called from its import, goes in through it.
      if (waMode === "reenter") return (waEx.seven() as number) + x;
      if (waMode === "deep") {
        // Re-entered recursively (each level's call back has buffers of its own), and an
        // import's own value thrown inside a re-entry, caught by the import outside it.
        if (x === 100) throw thrown;
        if (x === 50) {
          try {
            return waEx.via_g(100);
          } catch (e) {
            return e === thrown ? -1 : -2;
          }
        }
        return x <= 0 ? 0 : waEx.via_g(x - 1) * 2 + 1;
      }
      if (waMode === "mixed") {
        // Re-entry with the JS API's conversions: f64, an i64 (a number for it is a TypeError),
        // f32, and a valueOf that itself re-enters the export being called.
        let typeError = false;
        try {
          waEx.mix(5, 0, 0);
        } catch (e) {
          typeError = e instanceof TypeError;
        }
        const inner = waEx.via_g({ valueOf: () => (waMode = "", waEx.via_g(3)) });
        return waEx.half(x) + waEx.half("3") + Number(waEx.mix(5n, 1.5, 2.5)) + inner + (typeError ? 1000 : 0);
      }
      return x * 2;
    },
    wide: (x: bigint) => Number(x) * 10,
    h: (x: number) => x,
  },
});
const waEx = wa.exports as unknown as Exports;
const show = (f: () => unknown): string => {
  try {
    return String(f());
  } catch (e) {
    if (e === thrown) return "threw the import's own value";
    return e instanceof WebAssembly.RuntimeError ? `RuntimeError: ${(e as Error).message}` : `threw ${String(e)}`;
  }
};
console.log("global:", show(() => waEx.seven()), show(() => waEx.via_g(5)), show(() => waEx.via_wide(3)));
// ToInt32 and ToNumber: a string, a value past 2^32, a fraction, nothing, one too many.
console.log("global, converted:", show(() => waEx.via_g("5")), show(() => waEx.via_g(2 ** 32 + 3)), show(() => waEx.via_g(2.9)), show(() => waEx.via_g()), show(() => waEx.via_g(4, 99)));
waMode = "throw";
console.log("global, an import throws:", show(() => waEx.via_g(1)));
waMode = "reenter";
console.log("global, re-entered:", show(() => waEx.via_g(1)));
waMode = "deep";
console.log("global, re-entered recursively:", show(() => waEx.via_g(10)), show(() => waEx.via_g(51)), show(() => waEx.via_g(3)));
waMode = "mixed";
console.log("global, re-entered with conversions:", show(() => waEx.via_g(8)), waMode === "" ? "(valueOf ran)" : "");
waMode = "";
console.log("global, a trap:", show(() => waEx.trap()), "| after:", show(() => waEx.via_g(21)));

// A module that joins a store whose exports are bound, with a JS import of more values than the
// store's bound calls had room for: their buffer is remade, and both instances' calls work.
const joinA = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./host_bound_join_a.wasm")), {
  env: { f: (x: number) => x + 1 },
});
const callf = joinA.exports.callf as (x: number) => number;
const before = callf(1);
const joinB = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./host_bound_join_b.wasm")), {
  a: { memory: joinA.exports.memory },
  env: { g: (...xs: bigint[]) => xs.reduce((sum, x) => sum + x, 0n) },
});
console.log("joined:", before, show(() => (joinB.exports.callg as (x: number) => number)(1)), show(() => callf(2)));

// timeoutMs stops a bound call of a store with host functions that spins, before or after a host
// call (the guest runs on the JS thread's stack, so only its deadline stops it), and the store
// takes calls after that.
let gCalls = 0;
const limited = await instantiate(module, {
  imports: { env: { g: (x: number) => (gCalls++, x + 1), wide: () => 0, h: () => 0 } },
  timeoutMs: 200,
});
const limitedEx = limited.exports as unknown as Exports;
attempt("spin under timeoutMs", () => limitedEx.spin());
attempt("g_then_spin under timeoutMs", () => limitedEx.g_then_spin(1));
console.log("after the deadlines:", limitedEx.via_g(41), "g called", gCalls, "times");
