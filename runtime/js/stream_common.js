// What runtime/js/streams.js's modules (and blob.js) share: promises made inside out, queuing
// strategies, joining chunks of bytes, and the key of the constructors only the streams
// themselves call.
import { codedError } from "ext:ext_wasm/errors.js";

/** Guards the constructors that only the streams themselves may call. */
export const CONSTRUCT = Symbol("construct");

export const typeError = (message) => codedError("TypeError", message);

export function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A promise that is already settled but whose rejection nobody has to handle. */
export function quietRejection(reason) {
  const promise = Promise.reject(reason);
  promise.catch(() => {});
  return promise;
}

/** The high-water mark and size function of a queuing strategy. */
export function strategyOf(strategy, fallback, what) {
  const hwm = strategy?.highWaterMark === undefined ? fallback : Number(strategy.highWaterMark);
  if (Number.isNaN(hwm) || hwm < 0) throw codedError("RangeError", `${what}: highWaterMark must be a number of at least 0`);
  const size = strategy?.size;
  if (size !== undefined && typeof size !== "function") throw typeError(`${what}: the strategy's size must be a function`);
  return { hwm, size: size === undefined ? () => 1 : (chunk) => Number(size(chunk)) };
}

export function method(object, name, what) {
  const f = object?.[name];
  if (f === undefined) return undefined;
  if (typeof f !== "function") throw typeError(`${what}: ${name} must be a function`);
  return (...args) => Reflect.apply(f, object, args);
}

export class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) {
    this.#hwm = Number(init?.highWaterMark);
  }
  get highWaterMark() {
    return this.#hwm;
  }
  get size() {
    return (chunk) => chunk.byteLength;
  }
}

export class CountQueuingStrategy {
  #hwm;
  constructor(init) {
    this.#hwm = Number(init?.highWaterMark);
  }
  get highWaterMark() {
    return this.#hwm;
  }
  get size() {
    return () => 1;
  }
}

/** `chunks` (Uint8Arrays) joined into one; a single chunk is returned as it is. */
export function concatBytes(chunks) {
  if (chunks.length === 1) return chunks[0];
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
