// runtime:wasm/values — internal to runtime:wasm, which imports it; Kiln's loader refuses it to
// apps, and embedders serve it beside runtime:wasm (ext_wasm::INTERNAL_MODULES).
//
// The ops, coded errors, and the checks and conversions between JS values and WebAssembly values
// that runtime:wasm applies before every op call: what an i32, i64, f32 or f64 argument may be,
// the 8-byte slot layout of ext_wasm/src/value.rs, and ids and memory indexes. Nothing here is
// public, so none of it appears in the generated typings.

import type { ErrorCodes, ExtWasmOps } from "kiln:internal";
import type { WasmResult, WasmValue } from "runtime:wasm";
import { core } from "runtime:wasm/core";

export { core };

// The ops without the argument-error wrappers of ext_wasm/js/errors.js: runtime:wasm checks its
// arguments (with the functions below) before every op call, so it skips that layer.
export const ops: ExtWasmOps =
  (core.ops as unknown as Record<symbol, ExtWasmOps | undefined>)[Symbol.for("kiln.uncheckedOps")] ?? core.ops;

/** Each error name with its code, from the Rust table (ext_wasm/src/error.rs). */
export const codes: ErrorCodes = Object.freeze(
  Object.fromEntries(ops.op_wasm_error_codes()),
) as unknown as ErrorCodes;

/** Builds the same error an op would raise: `name` and numeric `code` as in the contract. */
export function wasmError(name: keyof ErrorCodes, message: string): Error {
  return core.buildCustomError(`Wasm.${name}`, message, [["code", codes[name]]]);
}

/**
 * Makes instances with `make`, an op that reserves them under `[capabilities.wasm]
 * max_instances` as it starts (ext_wasm/src/recipe.rs, `reserve`), and, if it was refused over
 * that limit, makes them again once the instances the app forgot are dropped: the JS engine's
 * collector runs in full and their stores are dropped (op_wasm_collect_garbage,
 * ext_wasm/src/reclaim.rs). An instance whose host functions refer back to it (emscripten's glue
 * does, and `let instance; const imports = { f: () => instance... }`) is a cycle, which only that
 * collector frees, and it runs as the app allocates, not as it makes instances. Returns what
 * `make` returned; a promise of it only on an engine that does not report what it frees, where
 * the stores are dropped by their FinalizationRegistry callbacks, jobs that run before the retry.
 */
export function reserving<T>(make: () => T): T | Promise<T> {
  try {
    return make();
  } catch (error) {
    if (!overMaxInstances(error)) throw error;
  }
  return ops.op_wasm_collect_garbage() ? make() : Promise.resolve().then(make);
}

/** `reserving` for an op that reserves its instances in a promise (`createPool`, a component's
 * `instantiate` without host functions). */
export async function reservingAsync<T>(make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (error) {
    if (!overMaxInstances(error)) throw error;
  }
  // Without the drop at once, this await lets the FinalizationRegistry callbacks run first.
  if (!ops.op_wasm_collect_garbage()) await null;
  return await make();
}

/** `reserving` for a synchronous instantiation (`new WebAssembly.Instance`, `spawn`), which cannot
 * wait: on an engine that does not report what it frees, the refusal stands. */
export function reservingNow<T>(make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (!overMaxInstances(error) || !ops.op_wasm_collect_garbage()) throw error;
  }
  return make();
}

/** Whether `error` is an instantiation's 5001 over `max_instances` (ext_wasm/src/recipe.rs,
 * `reserve`, whose message names the limit). */
function overMaxInstances(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === codes.InstantiateError && typeof message === "string" &&
    message.includes("[capabilities.wasm] max_instances allows");
}

const INT32_MIN = -(2 ** 31);
const UINT32_END = 2 ** 32;
const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;

/** A short description of any value for an error message; never throws (detached views, symbols). */
export function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (typeof value === "symbol") return "a symbol";
  if (typeof value === "function") return "a function";
  if (value === null || typeof value !== "object") return String(value);
  if (isWasmValue(value)) return `types.${value.type}(${describe(value.value)})`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (value instanceof ArrayBuffer) return "an ArrayBuffer";
  return Array.isArray(value) ? "an array" : "an object";
}

export function isWasmValue(value: unknown): value is WasmValue {
  return typeof value === "object" && value !== null && "type" in value && "value" in value;
}

export function checkInt32(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value >= UINT32_END) {
    throw wasmError(
      "TypeError",
      `${where}: ${describe(value)} is not an i32; pass an integer number in [-2^31, 2^32)`,
    );
  }
  return value;
}

export function checkInt64(value: unknown, where: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "bigint" && value >= INT64_MIN && value < UINT64_END) return value;
  throw wasmError(
    "TypeError",
    `${where}: ${describe(value)} is not an i64; pass a bigint in [-2^63, 2^64) or a safe integer number`,
  );
}

export function checkFloat(value: unknown, where: string): number {
  if (typeof value !== "number") {
    throw wasmError("TypeError", `${where}: ${describe(value)} is not a number`);
  }
  return value;
}

/** Writes one argument into its 8-byte slot (layout: ext_wasm/src/value.rs); an `externref`
 * (JS_REF) as its number in `refs`, the values of the store it goes into. */
export function encode(view: DataView, slot: number, type: string, arg: unknown, where: string, refs: Refs | null): void {
  if (type === JS_REF) {
    // Any JS value, a WasmValue included, as it is (its number in the low half of the slot).
    view.setUint32(slot * 8, refId(refs, arg), true);
    view.setUint32(slot * 8 + 4, 0, true);
    return;
  }
  let value = arg;
  if (isWasmValue(arg)) {
    if (arg.type !== type) {
      throw wasmError("TypeError", `${where} is ${describe(arg)} but the signature says ${type}`);
    }
    value = arg.value;
  }
  const at = slot * 8;
  switch (type) {
    // setInt32 and setBigInt64 wrap a value past the signed range (ToInt32, ToBigInt64), so an
    // unsigned one is written with the same bits; no branch, and no `2 ** 31` per call (QuickJS
    // does not fold constants).
    case "i32":
      view.setInt32(at, checkInt32(value, where), true);
      return;
    case "i64":
      view.setBigInt64(at, checkInt64(value, where), true);
      return;
    case "f32":
      view.setFloat32(at, checkFloat(value, where), true);
      return;
    case "f64":
      view.setFloat64(at, checkFloat(value, where), true);
      return;
    default:
      throw wasmError("TypeError", `${where}: Kiln cannot pass a ${type} value`);
  }
}

/** Value types as numbers: the slot paths test a number rather than compare a type's name (the
 * signatures' strings are not interned, so the engine compares their bytes). */
const I32 = 0, I64 = 1, F32 = 2, F64 = 3, OTHER = 4;

/** Each of `types` as one of the numbers above. */
export function kindsOf(types: readonly string[]): number[] {
  return types.map((t) => t === "i32" ? I32 : t === "i64" ? I64 : t === "f32" ? F32 : t === "f64" ? F64 : OTHER);
}

/**
 * Writes `args` into their slots, one per parameter (`kinds` of `params`, `where` naming each):
 * the usual argument (a number; an integer for an i32; a bigint in range for an i64) inline,
 * anything else converted or named by `encode`. The caller has checked the count.
 */
export function writeSlots(
  view: DataView,
  kinds: readonly number[],
  params: readonly string[],
  where: readonly string[],
  args: readonly unknown[],
  refs: Refs | null = null,
): void {
  for (let i = 0; i < kinds.length; i++) {
    const a = args[i];
    const k = kinds[i];
    if (k === I32 && typeof a === "number" && ((a | 0) === a || a >>> 0 === a)) view.setInt32(i * 8, a, true);
    else if (k === I64 && typeof a === "bigint" && a >= INT64_MIN && a < UINT64_END) view.setBigInt64(i * 8, a, true);
    else if (k === F64 && typeof a === "number") view.setFloat64(i * 8, a, true);
    else if (k === F32 && typeof a === "number") view.setFloat32(i * 8, a, true);
    else encode(view, i, params[i], a, where[i], refs);
  }
}

/** The results in the slots `view` covers (`kinds` of `types`), as `call` resolves to them. */
export function readSlots(view: DataView, kinds: readonly number[], types: readonly string[]): WasmResult[] {
  if (types.length === 1) return [readSlot(view, 0, kinds[0], types[0])];
  const out: WasmResult[] = new Array(types.length);
  for (let i = 0; i < out.length; i++) out[i] = readSlot(view, i, kinds[i], types[i]);
  return out;
}

/** Result `slot`, of type `type` (`kind` of it), as `decode` reads it (an `externref` from
 * `refs`). */
export function readSlot(view: DataView, slot: number, kind: number, type: string, refs: Refs | null = null): WasmResult {
  return kind === I32
    ? view.getInt32(slot * 8, true)
    : kind === I64
    ? view.getBigInt64(slot * 8, true)
    : kind === F64
    ? view.getFloat64(slot * 8, true)
    : kind === F32
    ? view.getFloat32(slot * 8, true)
    : decode(view, slot, type, refs);
}

/** How an argument is named in the messages of a call of `name`: "argument 2 of `add`". */
export function argumentLabel(name: string, index: number): string {
  return `argument ${index + 1} of \`${name}\``;
}

/** [`argumentLabel`] of each of `params`, made once per function. */
export function argumentLabels(name: string, params: readonly string[]): string[] {
  return params.map((_, i) => argumentLabel(name, i));
}

export function arityError(name: string, params: readonly string[], got: number | string): Error {
  const count = params.length === 1 ? "1 argument" : `${params.length} arguments`;
  const types = params.length === 0 ? "" : ` (${params.join(", ")})`;
  return wasmError("TypeError", `\`${name}\` expects ${count}${types}, got ${got}`);
}

/**
 * How many arguments an `exports` function was given: trailing `undefined`s are not counted, so
 * `f(1, undefined)` is `f(1)` (as the bound op of a module's common shape counts them:
 * call_sync.rs). A component's functions count them so too (wasm_component.ts).
 */
export function argumentCount(args: readonly unknown[]): number {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--;
  return n;
}

/** Export indexes below this are packed with the instance id (ext_wasm/src/exports.rs). */
export const EXPORT_INDEX_LIMIT = 65536;

export function isNumberType(type: string): boolean {
  return type === "i32" || type === "f32" || type === "f64";
}

/** An i32, i64, f32 or f64: what Kiln passes as a number or a bigint. */
export function isNumericType(type: string): boolean {
  return type === "i64" || isNumberType(type);
}

/**
 * Whether `arg` is a plain number of `type` (i32, f32 or f64) as op_wasm_instance_call_numbers
 * takes it without conversion: an i32 is an integer in [-2^31, 2^32). The op applies the same rule
 * (ext_wasm/src/shape.rs, `Num::to_raw`).
 */
export function isPlainNumber(type: string, arg: unknown): boolean {
  return typeof arg === "number" && (type !== "i32" || (Number.isInteger(arg) && arg >= INT32_MIN && arg < UINT32_END));
}

/** An i32, f32 or f64 argument as the number op_wasm_instance_call_numbers takes. */
export function numberArg(type: string, arg: unknown, where: string): number {
  let value = arg;
  if (typeof value === "object" && isWasmValue(value)) {
    if (value.type !== type) {
      throw wasmError("TypeError", `${where} is ${describe(value)} but the signature says ${type}`);
    }
    value = value.value;
  }
  return type === "i32" ? checkInt32(value, where) : checkFloat(value, where);
}

/** Reads one result from its 8-byte slot; an `externref` (JS_REF) as the value its number stands
 * for in `refs`, the values of the store it came out of. */
export function decode(view: DataView, slot: number, type: string, refs: Refs | null): WasmResult {
  const at = slot * 8;
  switch (type) {
    case "i32":
      return view.getInt32(at, true);
    case "i64":
      return view.getBigInt64(at, true);
    case "f32":
      return view.getFloat32(at, true);
    case JS_REF: {
      // Written out, not `refs.value(id)`: a call costs more than the rest on this path.
      const id = view.getUint32(at, true);
      return (id === 0 || refs === null ? null : refs.values[id]) as WasmResult;
    }
    default:
      return view.getFloat64(at, true);
  }
}

export function rawId(id: unknown, kind: "module" | "instance"): number {
  const text = typeof id === "number" ? String(id) : id;
  if (typeof text === "string" && isDecimalId(text)) return Number(text);
  throw wasmError(
    kind === "module" ? "InvalidModuleHandle" : "InvalidInstanceHandle",
    `${describe(id)} is not a ${kind} id; pass the id ${kind === "module" ? "compile/compileFile" : "instantiate"} returned`,
  );
}

/** Whether `text` is an id as Kiln writes them: 1 to 16 decimal digits, the first not 0 (what
 * `/^[1-9][0-9]{0,15}$/` matches, checked by hand: QuickJS's regex engine took a third of a
 * microsecond on every instantiate). */
function isDecimalId(text: string): boolean {
  const n = text.length;
  if (n === 0 || n > 16) return false;
  let c = text.charCodeAt(0);
  if (c < 49 || c > 57) return false;
  for (let i = 1; i < n; i++) {
    c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function toBytes(data: unknown, where: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw wasmError("TypeError", `${where}: expected a Uint8Array, got ${describe(data)}`);
}

/** A memory offset or length: a non-negative safe integer, given as a number or a bigint. */
export function toIndex(value: unknown, where: string): number {
  // The common case first: a whole number below 2^32, with no call (Number.isSafeInteger is one).
  if (typeof value === "number" && value >>> 0 === value) return value;
  const n = typeof value === "bigint" && value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
  if (typeof n === "number" && Number.isSafeInteger(n) && n >= 0) return n;
  throw wasmError("MemoryError", `${where}: ${describe(value)} is not a non-negative integer`);
}

/** What a call's slots are laid out from: the export's parameter and result types. */
export interface SlotSignature {
  params: readonly string[];
  results: readonly string[];
  /** max(params, results): the slots the buffer holds. */
  slots: number;
  /** "argument N of `name`", for each parameter's error messages. */
  where: string[];
}

/** An export's signature as `call` keeps it: its slot layout and what picks its path. */
export interface Signature extends SlotSignature {
  params: string[];
  results: string[];
  /** The export's position in getExports(), which the ops take instead of its name. */
  index: number;
  /** Takes up to three i32/f32/f64 numbers and returns at most one: no buffer needed. */
  numbers: boolean;
  /** Every parameter and result is an i32, i64, f32 or f64, and the export's index packs. */
  numeric: boolean;
  /** Bit i is set when parameter i is an i32 (`call` tests it instead of comparing strings). */
  i32s: number;
  /** In a store with JS host functions, whether the export ends in bounded time (so `call` needs
   * no host driver: ext_wasm/src/bounded.rs); null until `call` asks. */
  bounded: boolean | null;
}

/** Checks and encodes `args` into a fresh slot buffer for a call of `name` (ext_wasm/src/value.rs). */
export function encodeArgs(name: string, sig: SlotSignature, args: readonly unknown[]): Uint8Array {
  if (args.length !== sig.params.length) throw arityError(name, sig.params, args.length);
  const bytes = new Uint8Array(sig.slots * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < args.length; i++) encode(view, i, sig.params[i], args[i], sig.where[i], null);
  return bytes;
}

/** The results in a slot buffer, as `call` resolves to them. */
export function decodeResults(bytes: Uint8Array, types: readonly string[]): WasmResult[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (types.length === 1) return [decode(view, 0, types[0], null)];
  const results: WasmResult[] = new Array(types.length);
  for (let i = 0; i < results.length; i++) results[i] = decode(view, i, types[i], null);
  return results;
}

/**
 * The WASI config as the ops read it (JSON; "" for none). `api` names the function for messages.
 * stdin's bytes travel as an array of numbers (Rust reads them back into bytes), and bigints as
 * numbers when they are exact.
 */
export function configJson(config: unknown, api = "instantiate"): string {
  if (config === undefined || config === null) return "";
  if (typeof config !== "object" || Array.isArray(config)) {
    throw wasmError("WasiError", `${api}: the config must be an object, got ${describe(config)}`);
  }
  return JSON.stringify(config, (key, value) => {
    if (key === "stdin" && value instanceof Uint8Array) {
      try {
        return Array.from(value);
      } catch {
        throw wasmError("WasiError", `${api}: \`stdin\` is ${describe(value)} that cannot be read (detached?)`);
      }
    }
    if (typeof value !== "bigint") return value;
    if (value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
    throw wasmError("WasiError", `${api}: \`${key}\` is ${value}n; pass a number up to 2^53 - 1`);
  });
}

/**
 * The ArrayBuffers a memory's `buffer` handed out (runtime:wasm's and the WebAssembly API's). They
 * alias a guest's memory, so `ArrayBuffer.prototype.transfer` must not move them: QuickJS would
 * hand the guest's memory to its own allocator to resize. They refuse it with a TypeError, as a
 * `WebAssembly.Memory`'s buffer does.
 */
const aliases = new WeakSet<ArrayBuffer>();
const transferGuards = new Map<string, unknown>();

/**
 * Records `buffer` as aliasing a guest's memory, and makes `transfer` and `transferToFixedLength`
 * refuse such buffers. The guards are checked each time rather than installed once when this
 * module is evaluated: a start-up snapshot keeps this module's state but not a change to a
 * built-in prototype.
 */
export function guardAlias(buffer: ArrayBuffer): void {
  aliases.add(buffer);
  const prototype = ArrayBuffer.prototype as unknown as Record<string, unknown>;
  for (const name of ["transfer", "transferToFixedLength"]) {
    const original = prototype[name];
    if (typeof original !== "function" || original === transferGuards.get(name)) continue;
    const guarded = {
      [name](this: ArrayBuffer, ...args: unknown[]): unknown {
        if (aliases.has(this)) {
          throw new TypeError(
            `ArrayBuffer.prototype.${name}: the buffer of a WebAssembly memory cannot be transferred; ` +
              "copy the bytes out instead (buffer.slice(begin, end))",
          );
        }
        return Reflect.apply(original, this, args);
      },
    }[name];
    Object.defineProperty(ArrayBuffer.prototype, name, { value: guarded, writable: true, configurable: true });
    transferGuards.set(name, guarded);
  }
}

// ---- JS values as `externref`s ----------------------------------------------------------------
// Kiln's `WebAssembly` global passes any JS value where a signature says `externref` (wasm-bindgen
// built with reference types does so for every JS value it hands the guest). A value crosses as
// the number it is kept under in its store's `Refs`; wasmtime holds the number in an `externref`,
// and says when it has freed that (`op_wasm_refs_freed`, ext_wasm/src/js_ref.rs), and only then is
// the value forgotten and its number used again. Only the store's keepers (runtime:wasm/webassembly)
// hold its `Refs`, so a value that refers back to the instance (a closure over its exports, as
// wasm-bindgen's glue hands the guest) is garbage together with them, and the store is dropped.
// So nothing finds a store's values by its key: `encode`, `decode` and the rest are given them by
// the object they work for (its keeper's, `refsOf`, or its store's host table's). A table of them
// by key would keep every store (a `WeakRef`'s target is kept until the job ends, as the spec
// asks: a loop of `new WebAssembly.Instance` would keep them all). The `WebAssembly` global names
// the type JS_REF in the signatures it builds functions from (`jsTypes`); runtime:wasm's own API
// never does, and refuses `externref` as before.

/** The type name of an `externref` in the `WebAssembly` global's signatures. */
export const JS_REF = "jsref";

/** The JS values one store holds as `externref`s, by number; 0 is null, which crosses as the null
 * reference. Made before the store, whose op is given its key (`newRefs`), and kept by the
 * store's record. */
export class Refs {
  readonly values: unknown[] = [null];
  readonly free: number[] = [];

  constructor(readonly key: number) {}

  /** The value under number `id` (0: null). */
  value(id: number): unknown {
    return id === 0 ? null : this.values[id];
  }
}

let lastKey = 0;
/** Values added since the freed numbers of a store were last collected, across stores: a count
 * of the runtime's, not a field of each store's, which would cost a property's get and set on
 * every value. */
let refsMade = 0;

/** The values of a new store of the `WebAssembly` global: its key names them to Rust. */
export function newRefs(): Refs {
  return new Refs(++lastKey);
}

/** The property of a store's keeper (runtime:wasm/webassembly) that gives its store's `Refs`. */
export const REFS: unique symbol = Symbol("refs");

/** The values of the store that `owner`, a keeper, keeps; null for anything else (the
 * interpreter's objects). */
export function refsOf(owner: object | null): Refs | null {
  return owner === null ? null : (owner as { [REFS]?: Refs | null })[REFS] ?? null;
}

/** The number `value` crosses into the store of `refs` under: a new one each time (each becomes
 * one reference). With no `refs` (a store of runtime:wasm's, which passes no JS values, so that
 * the op refuses the type before it reads the number), 0. */
export function refId(refs: Refs | null, value: unknown): number {
  if (value === null || refs === null) return 0;
  const { values, free } = refs;
  // Collect the store's freed numbers when none is left, at most once per 256 values made.
  if (free.length === 0 && refsMade >= 256) collectRefs(refs);
  refsMade++;
  const id = free.length > 0 ? free.pop() as number : values.length;
  values[id] = value;
  return id;
}

function collectRefs(refs: Refs): void {
  refsMade = 0;
  // Indexed, not `for...of`: the engine's iterator protocol cost more than the rest of the loop.
  const freed = ops.op_wasm_refs_freed(refs.key);
  for (let i = 0; i < freed.length; i++) {
    const id = freed[i];
    // Only numbers given out here come back (the raw ops could be handed others).
    if (id <= 0 || id >= refs.values.length) continue;
    refs.values[id] = undefined;
    refs.free.push(id);
  }
}

/** A signature's type names as the `WebAssembly` global passes them: `externref` as JS_REF. */
export function jsTypes(types: readonly string[]): readonly string[] {
  return types.includes("externref") ? types.map((t) => t === "externref" ? JS_REF : t) : types;
}
