// runtime:wasm/exports — internal to runtime:wasm (see wasm_values.ts): the synchronous functions
// of `instance.exports`. Each export becomes a closure that calls a synchronous op. The common
// shape (up to three i32/f32/f64 parameters, at most one such result) passes the arguments as they
// are and the op checks them (converted and retried here only when it refuses them); any other
// shape is checked here and goes through 8-byte slots. The closures are written out per
// arity on purpose: QuickJS interprets them, and each branch or loop removed from a call shows in
// the benchmarks (BENCHMARKS.md, P1a).

import type { WasmArg, WasmFunction, WasmResult, WasmReturn } from "runtime:wasm";
import {
  arityError,
  decode,
  encode,
  EXPORT_INDEX_LIMIT,
  isNumberType,
  isPlainNumber,
  numberArg,
  ops,
} from "runtime:wasm/values";

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
    // The common shape goes as plain numbers, with no buffer and no checks here: the op checks
    // the arguments against the signature before the guest runs, and refuses anything but a plain
    // number of the right kind (5007). Only then does `again` convert them the slow way (a tagged
    // value) or throw the error that names the bad one (numberArg), and call once more. In
    // QuickJS a `typeof` check per argument cost more than the op's own check (BENCHMARKS.md, P1a).
    // One op per arity: every argument an op takes costs the QuickJS shim an allocation.
    const call0 = ops.op_wasm_instance_call_numbers0;
    const call1 = ops.op_wasm_instance_call_numbers1;
    const call2 = ops.op_wasm_instance_call_numbers2;
    const call3 = ops.op_wasm_instance_call_numbers;
    const again = (error: unknown, a?: WasmArg, b?: WasmArg, c?: WasmArg): number => {
      const args = [a, b, c];
      let converted = false;
      for (let i = 0; i < arity; i++) {
        if (!isPlainNumber(params[i], args[i])) {
          args[i] = checked(i, args[i]);
          converted = true;
        }
      }
      // Every argument was already a plain number: the refusal came from the call itself.
      if (!converted) throw error;
      const [x, y, z] = args as number[];
      return arity === 0 ? call0(packed) : arity === 1 ? call1(packed, x) : arity === 2 ? call2(packed, x, y) : call3(packed, x, y, z);
    };
    // One closure per arity and per result count, with fixed parameters: the interpreter runs
    // these far faster than a rest parameter, a loop or a branch. A missing argument arrives as
    // undefined and is refused by the op; one past the last is caught by the next parameter.
    if (results.length === 0) {
      switch (arity) {
        case 0:
          fn = (a?: WasmArg): undefined => {
            if (a !== undefined) throw tooMany();
            call0(packed);
          };
          break;
        case 1:
          fn = (a?: WasmArg, b?: WasmArg): undefined => {
            if (b !== undefined) throw tooMany();
            try {
              call1(packed, a);
            } catch (e) {
              again(e, a);
            }
          };
          break;
        case 2:
          fn = (a?: WasmArg, b?: WasmArg, c?: WasmArg): undefined => {
            if (c !== undefined) throw tooMany();
            try {
              call2(packed, a, b);
            } catch (e) {
              again(e, a, b);
            }
          };
          break;
        default:
          fn = (a?: WasmArg, b?: WasmArg, c?: WasmArg, d?: WasmArg): undefined => {
            if (d !== undefined) throw tooMany();
            try {
              call3(packed, a, b, c);
            } catch (e) {
              again(e, a, b, c);
            }
          };
      }
    } else {
      switch (arity) {
        case 0:
          fn = (a?: WasmArg): number => {
            if (a !== undefined) throw tooMany();
            return call0(packed);
          };
          break;
        case 1:
          fn = (a?: WasmArg, b?: WasmArg): number => {
            if (b !== undefined) throw tooMany();
            try {
              return call1(packed, a);
            } catch (e) {
              return again(e, a);
            }
          };
          break;
        case 2:
          fn = (a?: WasmArg, b?: WasmArg, c?: WasmArg): number => {
            if (c !== undefined) throw tooMany();
            try {
              return call2(packed, a, b);
            } catch (e) {
              return again(e, a, b);
            }
          };
          break;
        default:
          fn = (a?: WasmArg, b?: WasmArg, c?: WasmArg, d?: WasmArg): number => {
            if (d !== undefined) throw tooMany();
            try {
              return call3(packed, a, b, c);
            } catch (e) {
              return again(e, a, b, c);
            }
          };
      }
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
