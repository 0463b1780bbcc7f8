// runtime:wasm/exports — internal to runtime:wasm (see wasm_values.ts): the synchronous functions
// of `instance.exports`. For the common shape (up to three i32/f32/f64 parameters, at most one
// such result) the function is a synchronous op bound to the export: it takes the arguments as they
// are and checks them, and only the arguments it refuses come back to JS here, to be converted or
// named in an error. Any other shape is a closure that checks its arguments here and passes them
// in 8-byte slots.

import type { WasmArg, WasmFunction, WasmResult, WasmReturn } from "runtime:wasm";
import {
  argumentCount,
  argumentLabels,
  arityError,
  EXPORT_INDEX_LIMIT,
  isNumberType,
  isPlainNumber,
  kindsOf,
  numberArg,
  ops,
  readSlot,
  writeSlots,
} from "runtime:wasm/values";

/** Where an `exports` function holds what keeps its instance's store. */
const INSTANCE = Symbol("kiln.instance");

/**
 * The synchronous function for export number `index` (its position in getExports()) of the
 * instance `raw`; the function keeps `owner` reachable while it is held: the instance's store
 * keeper (runtime:wasm/memory, `storeKeeper`), so that a function taken from `exports` keeps the
 * store after the app let go of the instance.
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
  const where = argumentLabels(name, params);
  let fn: (...args: WasmArg[]) => WasmReturn;
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  if (arity <= 3 && params.every(isNumberType) && results.length <= 1 && results.every(isNumberType) &&
    Number.isSafeInteger(packed) && index < EXPORT_INDEX_LIMIT) {
    // The common shape: the function is the op itself, bound to this export, so a call runs no
    // JS of Kiln's (in QuickJS a closure around the op was about 300 of a call's 5,400
    // instructions: BENCHMARKS.md, the ninth pass). The op checks the arguments against the
    // signature before the guest runs, and hands those it refuses (a tagged value, a missing
    // argument, one too many, an i32 out of range) to `again`, the function it is bound to:
    // `again` converts them (numberArg) or throws the error that names the bad one, and calls
    // once more through the per-arity ops.
    const call0 = ops.op_wasm_instance_call_numbers0;
    const call1 = ops.op_wasm_instance_call_numbers1;
    const call2 = ops.op_wasm_instance_call_numbers2;
    const call3 = ops.op_wasm_instance_call_numbers;
    const again = (...args: (WasmArg | undefined)[]): number => {
      // The count first, as `call` checks it ("expects 2 arguments, got 1"); then each argument,
      // converted or named by numberArg (an `undefined` before the last given one included).
      const given = argumentCount(args);
      if (given > arity) throw arityError(name, params, "more");
      if (given < arity) throw arityError(name, params, given);
      const xs: number[] = [];
      for (let i = 0; i < arity; i++) {
        xs[i] = isPlainNumber(params[i], args[i]) ? args[i] as number : numberArg(params[i], args[i], where[i]);
      }
      const [x, y, z] = xs;
      return arity === 0 ? call0(packed) : arity === 1 ? call1(packed, x) : arity === 2 ? call2(packed, x, y) : call3(packed, x, y, z);
    };
    const op = results.length === 0 ? ops.op_wasm_export_call_void : ops.op_wasm_export_call;
    fn = op.bind(again, packed) as (...args: WasmArg[]) => WasmReturn;
  } else {
    const bytes = new Uint8Array(Math.max(params.length, results.length) * 8);
    const view = new DataView(bytes.buffer);
    const callSync = ops.op_wasm_instance_call_sync;
    const kinds = kindsOf(params);
    const resultKinds = kindsOf(results);
    fn = (...args: WasmArg[]): WasmReturn => {
      const given = argumentCount(args);
      if (given !== arity) throw arityError(name, params, given);
      writeSlots(view, kinds, params, where, args);
      callSync(raw, index, bytes);
      if (results.length === 0) return undefined;
      if (results.length === 1) return readSlot(view, 0, resultKinds[0], results[0]);
      const out: WasmResult[] = new Array(results.length);
      for (let i = 0; i < out.length; i++) out[i] = readSlot(view, i, resultKinds[i], results[i]);
      return out;
    };
  }
  Object.defineProperty(fn, "name", { value: name });
  Object.defineProperty(fn, "length", { value: arity });
  // The function keeps its instance's store, so that it is not reclaimed while held.
  Object.defineProperty(fn, INSTANCE, { value: owner });
  return fn as WasmFunction;
}
