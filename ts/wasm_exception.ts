// runtime:wasm/exception — internal to the runtime (see wasm_values.ts): exception handling's JS
// API for Kiln's `WebAssembly` global: `WebAssembly.Tag`, `WebAssembly.Exception` and
// `WebAssembly.JSTag`, on wasmtime (ext_wasm/src/exception.rs has the other half).
//
// A `Tag` made in JS is made in the store of the first instance that imports it, as a `Memory`
// made in JS is (runtime:wasm/objects); a tag an instance exports is bound to its store from the
// start. Rust numbers each tag Kiln-wide (`op_wasm_tag_number`): a tag an instance exports is the
// object of the import it came from, if it imported it (so a tag re-exported by another instance
// is the same object), else one made for the instance, which holds it. No table of every tag is
// kept (by `WeakRef`s, which the JS engine keeps alive until the job ends, as the spec asks: a loop
// of `await`s kept every instance whose tag it met). An exception out of the guest gets a `Tag`
// that stands for its tag by number, which is all `is` and `getArg` compare.
//
// What crosses: an exception the guest throws and does not catch reaches JS as a
// `WebAssembly.Exception` of its tag with its payload (`standard` makes it of what the synchronous
// ops throw, CARRIED, or of the error an async op rejects with: `thrownOf`); one of `JSTag`
// is the JS value it holds. A JS import that throws an `Exception` whose tag is in the store
// throws that exception into the guest, whose `catch` of the tag sees its payload; any other value
// is thrown as `JSTag`'s, which `catch_all` catches. Either comes out as the same JS value.

import { coded, toWasm } from "runtime:wasm/coerce";
import { RAISE } from "runtime:wasm/host-table";
import { HOST_OBJECT } from "runtime:wasm/import-object";
import { codes, decode, encode, JS_REF, jsTypes, ops, refId, type Refs } from "runtime:wasm/values";

function typeError(message: string): TypeError {
  return coded(new TypeError(message), codes.TypeError);
}

/** The value types a tag's payload may have: those Kiln's `WebAssembly` passes to and from JS. */
const PAYLOAD_TYPES = new Set(["i32", "i64", "f32", "f64", "externref"]);

/** JSTag's number in every store (exception.rs, `JS_TAG`). */
const JS_TAG = 1;

/** The `Tag` made last for an exception out of the guest (`Tag.thrown`): it holds no store. */
let lastThrown: Tag | null = null;

/** Set while a Tag is made here rather than by `new WebAssembly.Tag`. */
let internal: { params: readonly string[]; js: boolean } | null = null;

export class Tag {
  /** The parameter types, as the `WebAssembly` global names them (`externref` as JS_REF). */
  #params: readonly string[];
  /** Its wasmtime tag's number, once it has one (0: made in JS, not yet imported). */
  #number = 0;
  /** An Instance of the store that has it, and that instance's id. */
  #owner: object | null = null;
  #raw = 0;
  /** JSTag, which every store has its own of. */
  #js = false;

  constructor(type: unknown) {
    if (internal !== null) {
      this.#params = internal.params;
      this.#js = internal.js;
      internal = null;
      return;
    }
    if (new.target === undefined) throw typeError("WebAssembly.Tag must be called with new");
    const parameters = type !== null && typeof type === "object" ? (type as { parameters?: unknown }).parameters : undefined;
    if (parameters === null || typeof parameters !== "object" || !(Symbol.iterator in parameters)) {
      throw typeError("WebAssembly.Tag(): the argument must be a tag type, { parameters: [...value types] }");
    }
    const names = [...(parameters as Iterable<unknown>)].map(String);
    const refused = names.find((name) => !PAYLOAD_TYPES.has(name));
    if (refused !== undefined) {
      throw typeError(
        `WebAssembly.Tag(): ${JSON.stringify(refused)} is not a value type Kiln's WebAssembly passes to and from JS ` +
          `(${[...PAYLOAD_TYPES].join(", ")})`,
      );
    }
    this.#params = jsTypes(names);
  }

  /** What the import object's reader sends for it (runtime:wasm/import-object, `adopt`). */
  [HOST_OBJECT](): [string, unknown] {
    if (this.#js) return ["jstag", null];
    if (this.#number !== 0) return ["extern", [this.#raw, "tag", this.#number]];
    return ["tag", this.#params.map((t) => t === JS_REF ? "externref" : t)];
  }

  static params(tag: Tag): readonly string[] {
    return tag.#params;
  }

  /** Whether it is bound to a store (an import then joins that store). JSTag never is. */
  static bound(tag: Tag): boolean {
    return tag.#number !== 0 && !tag.#js;
  }

  /** The Instance of its store and that instance's id, for joining the store. */
  static owner(tag: Tag): [object | null, number] {
    return [tag.#owner, tag.#raw];
  }

  /** Now the tag made for host import number `index` of instance `raw` (whose keeper is `owner`). */
  static adopted(tag: Tag, owner: object, raw: number, index: number): void {
    if (tag.#js || tag.#number !== 0) return;
    const [number] = ops.op_wasm_tag_number(raw, "", index);
    tag.#number = number;
    tag.#owner = owner;
    tag.#raw = raw;
  }

  /** The Tag of instance `raw`'s export `name` (its keeper `owner`): the one of `known` (the tags
   * it imported, then those it exported so far) with its number, else a new one, added to `known`. */
  static exported(owner: object, raw: number, name: string, known: Tag[]): Tag {
    const [number, types] = ops.op_wasm_tag_number(raw, name, -1);
    if (number === JS_TAG) return JSTag;
    const found = known.find((tag) => tag.#number === number);
    if (found !== undefined) return found;
    const tag = Tag.#numbered(number, types);
    tag.#owner = owner;
    tag.#raw = raw;
    known.push(tag);
    return tag;
  }

  /** A Tag that stands for wasmtime tag number `number` (of parameter types `types`, as WAT names
   * them, joined by commas) in an exception out of the guest: no store's, so it keeps none. */
  static thrown(number: number, types: string): Tag {
    if (number === JS_TAG) return JSTag;
    if (lastThrown !== null && lastThrown.#number === number) return lastThrown;
    return lastThrown = Tag.#numbered(number, types);
  }

  /** A new Tag of wasmtime tag number `number`, its types as WAT names them. */
  static #numbered(number: number, types: readonly string[] | string): Tag {
    const names = typeof types !== "string" ? types : types === "" ? [] : types.split(",");
    internal = { params: jsTypes(names), js: false };
    const tag = new Tag(undefined);
    tag.#number = number;
    return tag;
  }

  static same(a: Tag, b: Tag): boolean {
    return a === b || (a.#number !== 0 && a.#number === b.#number);
  }

  static number(tag: Tag): number {
    return tag.#number;
  }
}

/** `WebAssembly.JSTag`: the tag of JS exceptions as the guest sees them, `(param externref)`. */
internal = { params: [JS_REF], js: true };
export const JSTag: Tag = new Tag(undefined);

/** Set while an Exception is made here from the guest's: its tag and payload. (Two variables, not
 * an object made for each exception.) */
let guestTag: Tag | null = null;
const NO_PAYLOAD: unknown[] = [];
let guestPayload: unknown[] = NO_PAYLOAD;

/** The trace of each Exception made with `traceStack: true`: kept beside it rather than in a field
 * of every exception, which QuickJS would add to each (most come from the guest, without one). */
const traces = new WeakMap<Exception, string>();

/**
 * `WebAssembly.Exception`: a plain object, not an error object, as in V8 (`instanceof Error` is
 * false, and so is `Error.isError`); its prototype chain is `Exception.prototype`,
 * `Object.prototype`, and `stack` is the JS API's (the trace with `traceStack: true`, else
 * `undefined`). It used to be made as one of the JS engine's error objects, with the engine's own
 * `stack` deleted, because the QuickJS shim built a source-mapped trace for every other value
 * thrown (0.33 ms; BENCHMARKS.md, the twentieth pass). Since v8x patch 1 (the twenty-first pass)
 * such a value gets no trace, and a plain object is made in about half the time.
 */
export class Exception {
  #tag: Tag;
  #payload: unknown[];

  constructor(tag: unknown, payload: unknown, options?: unknown) {
    if (guestTag !== null) {
      this.#tag = guestTag;
      this.#payload = guestPayload;
      guestTag = null;
      // Not kept here past this exception: its values may be JS objects.
      guestPayload = NO_PAYLOAD;
      return;
    }
    if (new.target === undefined) throw typeError("WebAssembly.Exception must be called with new");
    if (!(tag instanceof Tag)) throw typeError("WebAssembly.Exception(): argument 1 must be a WebAssembly.Tag");
    if (tag === JSTag) {
      throw typeError("WebAssembly.Exception(): JSTag's exceptions are JS values; throw the value itself");
    }
    if (payload === null || typeof payload !== "object" || !(Symbol.iterator in payload)) {
      throw typeError("WebAssembly.Exception(): argument 2 must be an iterable of the tag's parameter values");
    }
    const params = Tag.params(tag);
    const values = [...(payload as Iterable<unknown>)];
    if (values.length !== params.length) {
      throw typeError(`WebAssembly.Exception(): the tag takes ${params.length} values, and the payload has ${values.length}`);
    }
    this.#tag = tag;
    this.#payload = values.map((v, i) => toWasm(params[i], v));
    const trace = options !== null && typeof options === "object" && (options as { traceStack?: unknown }).traceStack;
    if (trace) traces.set(this, (new Error().stack ?? "").split("\n").slice(1).join("\n"));
  }

  is(tag: unknown): boolean {
    if (!(tag instanceof Tag)) throw typeError("WebAssembly.Exception.is(): the argument must be a WebAssembly.Tag");
    return Tag.same(this.#tag, tag);
  }

  getArg(tag: unknown, index: unknown): unknown {
    if (!(tag instanceof Tag)) throw typeError("WebAssembly.Exception.getArg(): argument 1 must be a WebAssembly.Tag");
    if (!Tag.same(this.#tag, tag)) {
      throw typeError("WebAssembly.Exception.getArg(): the tag is not this exception's; check with is(tag) first");
    }
    const i = Number(index);
    if (!Number.isInteger(i) || i < 0 || i >= this.#payload.length) {
      throw coded(
        new RangeError(`WebAssembly.Exception.getArg(): index ${String(index)} is out of range: the payload has ${this.#payload.length} values`),
        codes.TypeError,
      );
    }
    return this.#payload[i];
  }

  /** The stack where it was made, with `{ traceStack: true }`. */
  get stack(): string | undefined {
    return traces.get(this);
  }

  /** What a JS import that throws it answers (ext_wasm/src/exception.rs, `Raise::parse`): the
   * number it crosses under, its tag's number (0: not on wasmtime) and its payload, in hex slots;
   * it and the payload's JS values are kept in `refs`, the values of the import's store. */
  [RAISE](refs: Refs | null): string {
    const params = Tag.params(this.#tag);
    const bytes = new Uint8Array(params.length * 8);
    const view = new DataView(bytes.buffer);
    params.forEach((type, i) => encode(view, i, type, this.#payload[i], `value ${i + 1} of the exception`, refs));
    return `${refId(refs, this)} ${Tag.number(this.#tag)} ${toHex(bytes)}`;
  }
}

/** What `thrownOf` returns for an error that carries no exception. */
export const NOT_THROWN: unique symbol = Symbol("not thrown");

/**
 * The exception an op's error carries (its `exception`, ext_wasm/src/exception.rs `Thrown`): the
 * JS value a guest threw with JSTag (or a JS import threw through it), or a
 * `WebAssembly.Exception` of the guest's tag and payload. NOT_THROWN for any other error.
 *
 * The ops that run guest code synchronously make their errors in Rust (ext_wasm/src/raise.rs),
 * which carries it as an array: `[0, id]` for a JS value (its number), `[tag, types, ...payload]`
 * for a tag's exception (its number, its parameter types joined by commas, the values as JS gets
 * them, an `externref` as its number). Where deno_core makes the error (an async op's), it is text
 * (`Thrown::encoded`), read here to the same array. The numbers are of `refs`, the values of the
 * store the exception came out of (runtime:wasm/values).
 */
export function thrownOf(error: unknown, refs: Refs | null): unknown {
  let carried = error instanceof Error ? (error as { exception?: unknown }).exception : undefined;
  if (typeof carried === "string") carried = fromText(carried);
  if (!Array.isArray(carried)) return NOT_THROWN;
  return carriedValue(carried[0], carried[1], carried.slice(2), refs);
}

/** The value of an exception carried as `[tag, second, ...payload]` (see `thrownOf`), its JS
 * values those their numbers stand for in `refs`. */
function carriedValue(tag: number, second: unknown, payload: unknown[], refs: Refs | null): unknown {
  // `values[id]` written out, not `refs.value(id)`: a call costs more than the rest here.
  if (tag === 0) return second === 0 || refs === null ? null : refs.values[second as number];
  const made = Tag.thrown(tag, second as string);
  const params = Tag.params(made);
  for (let i = 0; i < payload.length; i++) {
    if (params[i] === JS_REF) {
      const id = payload[i] as number;
      payload[i] = id === 0 || refs === null ? null : refs.values[id];
    }
  }
  guestTag = made;
  guestPayload = payload;
  return new Exception(undefined, undefined);
}

/** No `RuntimeError` made for an op is waiting for `standard` (see `throwExceptionsAsThemselves`). */
const NONE: unique symbol = Symbol("none");

/** The `RuntimeError` made for an op last, until `standard` passes it on. */
let direct: unknown = NONE;

/**
 * What a synchronous op throws for an exception out of the guest (ext_wasm/src/raise.rs,
 * `op_wasm_exception_maker`, which calls `thrownByOp`): this one object, while the first two items
 * of the array `thrownOf` reads and a tag's payload wait here. `standard`, which every caller of
 * those ops passes what they throw through, at once, makes it the exception's value with the
 * values of the caller's store (`takeCarried`): the maker cannot, as nothing finds a store's values
 * but the objects that keep the store (runtime:wasm/values, `Refs`). An op used to throw an Error
 * that carried the exception (its stack captured, its properties set), which `standard`
 * unwrapped; then the value itself, made by the maker. An object made for each exception cost
 * more than the rest of the maker (its properties are defined one by one).
 */
export const CARRIED = Object.freeze({
  kiln: "an exception out of the guest that was not made into its value; this is a bug in Kiln",
});
let carriedTag = 0;
let carriedSecond: unknown = undefined;
let carriedPayload: unknown[] = NO_PAYLOAD;

function thrownByOp(tag: number, second: unknown, payload?: unknown[]): typeof CARRIED {
  carriedTag = tag;
  carriedSecond = second;
  carriedPayload = payload ?? NO_PAYLOAD;
  return CARRIED;
}

/** The value of the exception that an op threw CARRIED for, its JS values those in `refs`. */
export function takeCarried(refs: Refs | null): unknown {
  const payload = carriedPayload;
  // Not kept here past this exception: its values may be JS objects.
  carriedPayload = NO_PAYLOAD;
  const second = carriedSecond;
  carriedSecond = undefined;
  return carriedValue(carriedTag, second, payload, refs);
}

/** Whether `error` is the `RuntimeError` made for an op (`throwExceptionsAsThemselves`), which
 * `standard` and `withCause` pass on as it is. With `claim`, it is no longer remembered. */
export function passesAsThrown(error: unknown, claim: boolean): boolean {
  if (error !== direct || direct === NONE) return false;
  if (claim) direct = NONE;
  return true;
}

let registered = false;

/** Has the synchronous ops throw exceptions out of the guest as CARRIED (`thrownByOp`), which
 * `standard` makes the exception, and the failed calls of the `WebAssembly` global's instances
 * without JS host functions as the `WebAssembly.RuntimeError` `runtimeError` makes of the message
 * (ext_wasm/src/raise.rs), which `standard` passes on as it is: done at the first instantiation
 * through the `WebAssembly` global, as Rust keeps the functions in the isolate, which the start-up
 * snapshot does not keep. */
export function throwExceptionsAsThemselves(runtimeError: (message: string) => Error): void {
  if (registered) return;
  registered = true;
  ops.op_wasm_exception_maker(thrownByOp, (message: string): Error => {
    const error = runtimeError(message);
    direct = error;
    return error;
  });
}

/** The array `thrownOf` reads, from the text of an exception (`v <id>`, or `t <tag> <types> <hex>`:
 * the payload in 8-byte slots, in hex). */
function fromText(text: string): unknown[] {
  const [kind, number, types = "", hex = ""] = text.split(" ");
  if (kind === "v") return [0, Number(number)];
  const names = types === "" ? [] : types.split(",");
  const view = new DataView(fromHex(hex).buffer);
  // An externref stays its number, as in the array ext_wasm/src/raise.rs makes.
  const payload = names.map((type, i) =>
    type === "externref" ? view.getUint32(i * 8, true) : PAYLOAD_TYPES.has(type) ? decode(view, i, type, null) : undefined
  );
  return [Number(number), types, ...payload];
}

const HEX_DIGITS = "0123456789abcdef";

/** `bytes` in lowercase hex, two digits a byte, as ext_wasm/src/exception.rs's `to_hex` writes
 * them and `from_hex` reads them. */
function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < bytes.length; i++) hex += HEX_DIGITS[bytes[i] >> 4] + HEX_DIGITS[bytes[i] & 15];
  return hex;
}

/** The bytes of `hex` as `toHex` (or Rust's `to_hex`) writes them: from the digits' char codes,
 * with no substring or `parseInt` per byte (an exception out of the guest decodes its payload
 * on every throw). */
function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < bytes.length; i++) {
    const high = hex.charCodeAt(2 * i);
    const low = hex.charCodeAt(2 * i + 1);
    // '0'-'9' are 48-57; 'a'-'f' are 97-102 ('A'-'F' made lower case by `| 32`).
    bytes[i] = ((high <= 57 ? high - 48 : (high | 32) - 87) << 4) | (low <= 57 ? low - 48 : (low | 32) - 87);
  }
  return bytes;
}
