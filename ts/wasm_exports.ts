// runtime:wasm/exports — internal to runtime:wasm (see wasm_values.ts): the synchronous functions
// of `instance.exports`. Each export becomes a closure that checks its arguments and calls a
// synchronous op. The common shape (up to three i32/f32/f64 parameters, at most one such result)
// passes plain numbers; any other goes through 8-byte slots. The closures are written out per
// arity on purpose: QuickJS interprets them, and each branch or loop removed from a call shows in
// the benchmarks (BENCHMARKS.md, P1a).

import type { WasmArg, WasmFunction, WasmResult, WasmReturn } from "runtime:wasm";
import { arityError, decode, encode, EXPORT_INDEX_LIMIT, isNumberType, numberArg, ops } from "runtime:wasm/values";

/** Where an `exports` function holds its instance. */
const INSTANCE = Symbol("kiln.instance");

/**
 * The synchronous function for export number `index` (its position in getExports()) of the
 * instance `raw`; the function keeps `owner`, the WasmInstance, reachable while it is held.
 */
export function exportFunction(
  owner: object,
  raw: number,
  index: number,
  name: string,
  params: readonly string[],
  results: readonly string[],
): WasmFunction {
  const arity = params.length;
  const where = params.map((_, i) => `argument ${i + 1} of \`${name}\``);
  const tooMany = (): Error => arityError(name, params, "more");
  // The slow path of an argument: a missing one is an arity error ("expects 2 arguments, got 1"),
  // anything else is checked and converted by numberArg.
  const checked = (i: number, value: WasmArg | undefined): number => {
    if (value === undefined) throw arityError(name, params, i);
    return numberArg(params[i], value, where[i]);
  };
  let fn: (...args: WasmArg[]) => WasmReturn;
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  if (arity <= 3 && params.every(isNumberType) && results.length <= 1 && results.every(isNumberType) &&
    Number.isSafeInteger(packed) && index < EXPORT_INDEX_LIMIT) {
    // The common shape goes as plain numbers, with no buffer, and the usual argument is checked
    // inline; anything else (a tagged value, a bad one) takes numberArg.
    // One op per arity: every argument an op takes costs the QuickJS shim an allocation.
    const call0 = ops.op_wasm_instance_call_numbers0;
    const call1 = ops.op_wasm_instance_call_numbers1;
    const call2 = ops.op_wasm_instance_call_numbers2;
    const call3 = ops.op_wasm_instance_call_numbers;
    const none = results.length === 0;
    const [t0, t1, t2] = params;
    const [w0, w1, w2] = where;
    const i0 = t0 === "i32", i1 = t1 === "i32", i2 = t2 === "i32";
    // One closure per arity, with fixed parameters: the interpreter runs these far faster than
    // a rest parameter or a loop. A missing argument arrives as undefined and fails its check;
    // one past the last is caught by the next parameter.
    switch (arity) {
      case 0:
        fn = (a?: WasmArg): WasmReturn => {
          if (a !== undefined) throw tooMany();
          const r = call0(packed);
          return none ? undefined : r;
        };
        break;
      case 1:
        fn = (a?: WasmArg, b?: WasmArg): WasmReturn => {
          if (b !== undefined) throw tooMany();
          if (typeof a !== "number" || (i0 && (a | 0) !== a && a >>> 0 !== a)) a = checked(0, a);
          const r = call1(packed, a);
          return none ? undefined : r;
        };
        break;
      case 2:
        fn = (a?: WasmArg, b?: WasmArg, c?: WasmArg): WasmReturn => {
          if (c !== undefined) throw tooMany();
          if (typeof a !== "number" || (i0 && (a | 0) !== a && a >>> 0 !== a)) a = checked(0, a);
          if (typeof b !== "number" || (i1 && (b | 0) !== b && b >>> 0 !== b)) b = checked(1, b);
          const r = call2(packed, a, b);
          return none ? undefined : r;
        };
        break;
      default:
        fn = (a?: WasmArg, b?: WasmArg, c?: WasmArg, d?: WasmArg): WasmReturn => {
          if (d !== undefined) throw tooMany();
          if (typeof a !== "number" || (i0 && (a | 0) !== a && a >>> 0 !== a)) a = checked(0, a);
          if (typeof b !== "number" || (i1 && (b | 0) !== b && b >>> 0 !== b)) b = checked(1, b);
          if (typeof c !== "number" || (i2 && (c | 0) !== c && c >>> 0 !== c)) c = checked(2, c);
          const r = call3(packed, a, b, c);
          return none ? undefined : r;
        };
    }
  } else {
    const bytes = new Uint8Array(Math.max(params.length, results.length) * 8);
    const view = new DataView(bytes.buffer);
    const callSync = ops.op_wasm_instance_call_sync;
    fn = (...args: WasmArg[]): WasmReturn => {
      if (args.length !== arity) throw arityError(name, params, args.length);
      for (let i = 0; i < arity; i++) encode(view, i, params[i], args[i], where[i]);
      callSync(raw, index, bytes);
      if (results.length === 0) return undefined;
      if (results.length === 1) return decode(view, 0, results[0]);
      const out: WasmResult[] = new Array(results.length);
      for (let i = 0; i < out.length; i++) out[i] = decode(view, i, results[i]);
      return out;
    };
  }
  Object.defineProperty(fn, "name", { value: name });
  // The function keeps its instance reachable, so that it is not reclaimed while held.
  Object.defineProperty(fn, INSTANCE, { value: owner });
  return fn as WasmFunction;
}
