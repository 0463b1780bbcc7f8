// `structuredClone`, as the HTML Standard's structured serialization has it: a deep copy of data
// (primitives, plain objects, arrays, `Map`, `Set`, `Date`, `RegExp`, the wrapper objects,
// `ArrayBuffer`s and their views, errors), keeping cycles and shared references; anything else
// (a function, a symbol, a promise, a `WeakMap`, an instance of a platform class such as `URL`)
// is a `DataCloneError`. A `Blob` or `File` is copied with its bytes shared (they never change),
// an `ImageData` with a copy of its pixels.
// deno_core's `core.structuredClone` is not used: on the QuickJS shim it throws TypeErrors for a
// `DataView` or an `Error` and does not detach transferred buffers.
//
// Serialization and deserialization are one pass here (nothing crosses a realm or a thread), so
// a clone never observes a half-made value; the order of property reads is the standard's. Loaded
// on an app's first use (bootstrap.js).
import { codedError } from "ext:ext_wasm/errors.js";

const { toString, hasOwnProperty } = Object.prototype;
const { getPrototypeOf, getOwnPropertyDescriptor, defineProperty, keys } = Object;
const call = (f, self, ...args) => Reflect.apply(f, self, args);
const getter = (proto, name) => getOwnPropertyDescriptor(proto, name).get;

const TypedArray = getPrototypeOf(Uint8Array);
const typedArrayName = getter(TypedArray.prototype, Symbol.toStringTag);
const typedArrayBuffer = getter(TypedArray.prototype, "buffer");
const typedArrayOffset = getter(TypedArray.prototype, "byteOffset");
const typedArrayLength = getter(TypedArray.prototype, "length");
const bufferLength = getter(ArrayBuffer.prototype, "byteLength");
const bufferDetached = getter(ArrayBuffer.prototype, "detached");
const bufferResizable = getter(ArrayBuffer.prototype, "resizable");
const bufferMaxLength = getter(ArrayBuffer.prototype, "maxByteLength");
const bufferTransfer = ArrayBuffer.prototype.transfer;
const sharedLength = typeof SharedArrayBuffer === "function" ? getter(SharedArrayBuffer.prototype, "byteLength") : null;
const viewBuffer = getter(DataView.prototype, "buffer");
const viewOffset = getter(DataView.prototype, "byteOffset");
const viewLength = getter(DataView.prototype, "byteLength");
const mapSize = getter(Map.prototype, "size");
const mapEntries = Map.prototype.entries;
const setSize = getter(Set.prototype, "size");
const setValues = Set.prototype.values;
const dateTime = Date.prototype.getTime;
const regExpSource = getter(RegExp.prototype, "source");
const regExpFlags = getter(RegExp.prototype, "flags");

const typedArrays = new Map(
  [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    globalThis.Float16Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ].filter((c) => typeof c === "function").map((c) => [c.name, c]),
);

/** The error classes whose name a clone keeps; any other error is cloned as an `Error`. */
const errors = new Map(
  [Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map((c) => [c.name, c]),
);

/** Objects the standard cannot serialize although JS sees them as objects: their state is in
 * internal slots (or, for a platform class, in private fields) that a copy of their properties
 * would silently lose. Matched by `Object.prototype.toString`'s tag. */
const uncloneable = new Set([
  "Arguments",
  "Promise",
  "WeakMap",
  "WeakSet",
  "WeakRef",
  "FinalizationRegistry",
  "Symbol",
  "Generator",
  "AsyncGenerator",
  "Module",
  "DisposableStack",
  "AsyncDisposableStack",
  "AbortController",
  "AbortSignal",
  "Event",
  "CustomEvent",
  "EventTarget",
  "Request",
  "Response",
  "Headers",
  "URL",
  "URLSearchParams",
  "ReadableStream",
  "ReadableStreamDefaultReader",
  "ReadableStreamDefaultController",
  "WritableStream",
  "WritableStreamDefaultWriter",
  "WritableStreamDefaultController",
  "TransformStream",
  "TransformStreamDefaultController",
  "CompressionStream",
  "DecompressionStream",
  "TextEncoderStream",
  "TextDecoderStream",
  "TextEncoder",
  "TextDecoder",
]);

/** Whether calling `f` on `value` works, i.e. `value` has the internal slot `f` checks. */
function has(f, value) {
  try {
    call(f, value);
    return true;
  } catch {
    return false;
  }
}

const DETACHED = "its bytes are gone (it was transferred); clone it before transferring it";
const ONLY_DATA = "only data can be (primitives, plain objects, arrays, Map, Set, Date, RegExp, ArrayBuffer, " +
  "typed arrays, DataView, errors); copy what you need into a plain object first";

/** The standard's `DataCloneError` (a DOMException, code 25), naming what could not be cloned. */
function dataCloneError(what, hint = ONLY_DATA) {
  return new DOMException(`structuredClone: ${what} could not be cloned: ${hint}`, "DataCloneError");
}

function transferError(why) {
  return new DOMException(`structuredClone: options.transfer ${why}`, "DataCloneError");
}

/** "a Map", "an Array Iterator", "a URL". */
const article = (name) => (/^[AEIO]/.test(name) ? `an ${name}` : `a ${name}`);

/** A copy of an ArrayBuffer, resizable to the same maximum if the original is. */
function copyBuffer(buffer) {
  if (call(bufferDetached, buffer)) throw dataCloneError("a detached ArrayBuffer", DETACHED);
  const length = call(bufferLength, buffer);
  const copy = call(bufferResizable, buffer)
    ? new ArrayBuffer(length, { maxByteLength: call(bufferMaxLength, buffer) })
    : new ArrayBuffer(length);
  new Uint8Array(copy).set(new Uint8Array(buffer));
  return copy;
}

/** Stores `value` under `key` as a data property (an own `__proto__` stays a property). */
function put(target, key, value) {
  if (key === "__proto__") {
    defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** The enumerable own string-keyed properties of `source`, cloned into `target`. */
function copyProperties(source, target, memory) {
  for (const key of keys(source)) {
    // A getter may have deleted a later property: the standard skips it then.
    if (call(hasOwnProperty, source, key)) put(target, key, clone(source[key], memory));
  }
  return target;
}

function clone(value, memory) {
  if (typeof value === "function") throw dataCloneError(`the function ${value.name || "(anonymous)"}`);
  if (typeof value === "symbol") throw dataCloneError("a symbol");
  if (typeof value !== "object" || value === null) return value;
  const seen = memory.get(value);
  if (seen !== undefined) return seen;

  const tag = call(toString, value).slice(8, -1);
  let made;
  switch (tag) {
    case "Array":
      made = new Array(value.length);
      memory.set(value, made);
      return copyProperties(value, made, memory);
    case "Boolean":
      if (has(Boolean.prototype.valueOf, value)) made = new Boolean(call(Boolean.prototype.valueOf, value));
      break;
    case "Number":
      if (has(Number.prototype.valueOf, value)) made = new Number(call(Number.prototype.valueOf, value));
      break;
    case "String":
      if (has(String.prototype.valueOf, value)) made = new String(call(String.prototype.valueOf, value));
      break;
    case "BigInt":
      if (has(BigInt.prototype.valueOf, value)) made = Object(call(BigInt.prototype.valueOf, value));
      break;
    case "Date":
      if (has(dateTime, value)) made = new Date(call(dateTime, value));
      break;
    case "RegExp":
      if (value !== RegExp.prototype && has(regExpSource, value)) {
        made = new RegExp(call(regExpSource, value), call(regExpFlags, value));
      }
      break;
    case "ArrayBuffer":
      if (has(bufferLength, value)) made = copyBuffer(value);
      break;
    case "SharedArrayBuffer":
      // The same memory, as the standard's clone of a shared buffer is.
      if (sharedLength !== null && has(sharedLength, value)) made = value;
      break;
    case "DataView":
      if (has(viewBuffer, value)) {
        const buffer = call(viewBuffer, value);
        if (!has(viewLength, value)) throw dataCloneError("a DataView of a detached ArrayBuffer", DETACHED);
        const [offset, length] = [call(viewOffset, value), call(viewLength, value)];
        made = new DataView(clone(buffer, memory), offset, length);
      }
      break;
    case "Map":
      if (has(mapSize, value)) {
        made = new Map();
        memory.set(value, made);
        // The entries are listed first: cloning one may change the map.
        for (const [k, v] of [...call(mapEntries, value)]) made.set(clone(k, memory), clone(v, memory));
        return made;
      }
      break;
    case "Set":
      if (has(setSize, value)) {
        made = new Set();
        memory.set(value, made);
        for (const v of [...call(setValues, value)]) made.add(clone(v, memory));
        return made;
      }
      break;
    case "Error":
      made = cloneError(value);
      break;
    case "Blob":
    case "File":
      made = modules.loaded.blob()?.cloneBlob(value);
      break;
    case "ImageData": {
      const ImageData = modules.loaded.imageData();
      if (ImageData !== undefined && value instanceof ImageData) {
        made = new ImageData(clone(value.data, memory), value.width, value.height, { colorSpace: value.colorSpace });
      }
      break;
    }
    case "DOMException":
      if (value instanceof DOMException) made = new DOMException(value.message, value.name);
      break;
    default: {
      const name = call(typedArrayName, value);
      if (name !== undefined) {
        const buffer = call(typedArrayBuffer, value);
        if (call(bufferDetached, buffer)) throw dataCloneError(`${article(name)} of a detached ArrayBuffer`, DETACHED);
        // A view that tracks a resizable buffer's length is cloned with its length now.
        const [offset, length] = [call(typedArrayOffset, value), call(typedArrayLength, value)];
        made = new (typedArrays.get(name))(clone(buffer, memory), offset, length);
      } else if (uncloneable.has(tag) || tag.startsWith("Temporal.") || tag.startsWith("WebAssembly.") || tag.endsWith("Iterator")) {
        throw dataCloneError(article(tag));
      }
    }
  }
  if (made !== undefined) {
    memory.set(value, made);
    return made;
  }
  // Any other object (including a class instance, whose prototype and private fields are not
  // kept): a plain object with its enumerable own properties.
  made = {};
  memory.set(value, made);
  return copyProperties(value, made, memory);
}

/** An error's standard name (or "Error"), message, `cause` and stack. */
function cloneError(value) {
  const name = value.name;
  const Class = errors.get(typeof name === "string" ? name : "") ?? Error;
  const message = getOwnPropertyDescriptor(value, "message");
  const made = message !== undefined && "value" in message ? new Class(String(message.value)) : new Class();
  const cause = getOwnPropertyDescriptor(value, "cause");
  if (cause !== undefined && "value" in cause) {
    defineProperty(made, "cause", { value: cause.value, writable: true, enumerable: false, configurable: true });
  }
  const stack = getOwnPropertyDescriptor(value, "stack");
  if (stack !== undefined && typeof stack.value === "string") {
    defineProperty(made, "stack", { value: stack.value, writable: true, enumerable: false, configurable: true });
  }
  return made;
}

/** bootstrap.js's lazy modules: a Blob is cloned by blob.js (none exists before it is loaded). */
let modules;

/** `structuredClone`, given bootstrap.js's lazy modules. */
export function structuredCloneWith(lazy) {
  modules = lazy;
  return structuredClone;
}

/**
 * `structuredClone(value, { transfer })`. Transferred buffers are detached once the clone is
 * made (not if cloning throws); the clone holds a copy of their bytes, which JS cannot tell from
 * a move.
 */
function structuredClone(value, options = undefined) {
  if (arguments.length === 0) {
    throw codedError("TypeError", "structuredClone: 1 argument required (the value to clone), but only 0 present");
  }
  let transfer = [];
  if (options !== undefined && options !== null) {
    if (typeof options !== "object" && typeof options !== "function") {
      throw codedError("TypeError", "structuredClone: options must be an object, e.g. { transfer: [buffer] }");
    }
    const list = options.transfer;
    if (list !== undefined) {
      if (list === null || typeof list[Symbol.iterator] !== "function") {
        throw codedError("TypeError", "structuredClone: options.transfer must be an array of ArrayBuffers");
      }
      transfer = [...list];
    }
  }
  const moved = new Set();
  for (const buffer of transfer) {
    if (typeof buffer !== "object" || buffer === null || !has(bufferLength, buffer)) {
      throw transferError("may list only ArrayBuffers (for a view, list `view.buffer`)");
    }
    if (moved.has(buffer)) throw transferError("lists one ArrayBuffer twice; list each once");
    if (call(bufferDetached, buffer)) throw dataCloneError("a detached ArrayBuffer in options.transfer", DETACHED);
    moved.add(buffer);
  }
  const made = clone(value, new Map());
  for (const buffer of transfer) call(bufferTransfer, buffer);
  return made;
}
