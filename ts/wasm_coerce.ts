// runtime:wasm/coerce — internal to the runtime (see wasm_values.ts): the JS API's value
// coercions (ToWebAssemblyValue) and its coded errors, which the `WebAssembly` global's objects
// (runtime:wasm/objects), its exceptions (runtime:wasm/exception) and its JS imports (`jsImport`)
// take.

import { UNWRAPPED, type Unwrapped } from "runtime:wasm/host-table";
import { JS_REF } from "runtime:wasm/values";

/** `error` with Kiln's numeric `code` (not enumerable, as the JS API's own errors have none). */
export function coded<T extends Error>(error: T, code: number): T {
  Object.defineProperty(error, "code", { value: code, writable: true, configurable: true, enumerable: false });
  return error;
}

/** ToBigInt64 of the JS API: a Number is a TypeError, a string or boolean converts. */
function toBigInt64(value: unknown): bigint {
  if (typeof value === "number") {
    throw new TypeError(`cannot convert ${value} to a BigInt for an i64; pass a bigint (e.g. ${value}n)`);
  }
  return BigInt.asIntN(64, BigInt(value as bigint | string | boolean));
}

/** ToWebAssemblyValue: i32 by ToInt32, i64 by ToBigInt64, f32 and f64 by ToNumber; an
 * `externref` (JS_REF) is the value itself. */
export function toWasm(type: string, value: unknown): unknown {
  return type === JS_REF ? value : toNumber(type, value);
}

/** A JS value as a number type's value (a Global's: they are numbers only on wasmtime). */
export function toNumber(type: string, value: unknown): number | bigint {
  switch (type) {
    case "i32":
      return (value as number) | 0;
    case "i64":
      return toBigInt64(value);
    case "f32":
      return Math.fround(value as number);
    case "f64":
      return +(value as number);
    default:
      throw new TypeError(`Kiln's WebAssembly does not pass ${type} values to or from JS`);
  }
}

/** A JS import's return value, coerced to the import's result types (an iterable for several). */
export function toResults(results: readonly string[], value: unknown): unknown {
  if (results.length === 0) return undefined;
  if (results.length === 1) return toWasm(results[0], value);
  if (value === null || typeof value !== "object" || !(Symbol.iterator in value)) {
    throw new TypeError(`an import with ${results.length} results must return an iterable of them`);
  }
  const list = [...(value as Iterable<unknown>)];
  if (list.length !== results.length) {
    throw new TypeError(`an import with ${results.length} results returned ${list.length} values`);
  }
  return list.map((v, i) => toWasm(results[i], v));
}

/**
 * A JS function as a host function of runtime:wasm: called with its `count` parameters only
 * (runtime:wasm adds a caller, which the JS API does not), its return value coerced to `results`.
 * The common arities are written out: this runs on every call of an import. The wrapper holds
 * `fn` and the coercion (`UNWRAPPED`, runtime:wasm/host-table), for Rust to call `fn` itself.
 */
export function jsImport(fn: (...args: unknown[]) => unknown, count: number, results: readonly string[]): (...args: unknown[]) => unknown {
  const coerce = coercion(results);
  const wrapper = wrap(fn, count, coerce);
  const unwrapped: Unwrapped = { fn, coerce };
  Object.defineProperty(wrapper, UNWRAPPED, { value: unwrapped });
  return wrapper;
}

/** The JS API's coercion of an import's return value to its `results`. */
function coercion(results: readonly string[]): (value: unknown) => unknown {
  const only = results[0];
  return results.length === 0
    ? () => undefined
    : results.length === 1
    ? (value: unknown) => toWasm(only, value)
    : (value: unknown) => toResults(results, value);
}

/** `fn` called with its `count` parameters, its value coerced by `coerce`. */
function wrap(fn: (...args: unknown[]) => unknown, count: number, coerce: (value: unknown) => unknown): (...args: unknown[]) => unknown {
  switch (count) {
    case 0:
      return () => coerce(fn());
    case 1:
      return (a: unknown) => coerce(fn(a));
    case 2:
      return (a: unknown, b: unknown) => coerce(fn(a, b));
    case 3:
      return (a: unknown, b: unknown, c: unknown) => coerce(fn(a, b, c));
    default:
      return (...args: unknown[]) => coerce(Reflect.apply(fn, undefined, args.slice(0, count)));
  }
}
