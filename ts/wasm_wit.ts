// runtime:wasm/wit — internal to runtime:wasm: component values by their WIT types.
//
// Every value is checked against its WIT type before anything is encoded, and a wrong one is a
// TypeError (5007) naming its path (`args[0].items[3].id`). Values cross to Rust in one byte buffer
// per call, in the layout ext_wasm/src/component/wire.rs reads and writes; the type descriptions
// come from Rust once per instance (component/make.rs). Component instances (./wasm_component.ts)
// own the resources values refer to.

import { core, describe, wasmError } from "runtime:wasm/values";
import { giveWriter, type Reader, takeWriter, type Writer } from "runtime:wasm/wit-bytes";

/** What resource values refer to: the instance whose classes they are objects of. */
export interface ResourceOwner {
  /** The JS class name of the resource type `key`. */
  className(key: string): string;
  /** An object of resource type `key` for handle `id` of the owner's resource table. */
  wrap(key: string, id: number): object;
}

// ---- type descriptions (component/types.rs) ----

export type Desc = string | DescNode;
export interface DescNode {
  k: string;
  t?: Desc | Desc[];
  n?: string | null;
  f?: [string, string, Desc][];
  c?: unknown[];
  ok?: Desc | null;
  err?: Desc | null;
  r?: string;
  what?: string;
}

export interface FuncDesc {
  i: number;
  name: string;
  iface: string | null;
  local: string;
  js: string;
  kind: "func" | "constructor" | "method" | "static";
  res: string | null;
  params: [string, Desc][];
  results: Desc[];
  wit: string;
  numbers: boolean;
  /** Every type has a direct form: the op reads its arguments and makes its result (ext_wasm/src/component/direct.rs). */
  direct: boolean;
  /** Its parameters' encoders and its result's decoder, made on its first call (./wasm_wit_codec.ts). */
  codec?: { params: Encoder[]; result: ((r: Reader) => unknown) | null };
}

export interface ResourceDesc {
  key: string;
  name: string;
  iface: string | null;
  cls: string;
}

/** A function a component imports that JS may provide (component/host.rs). */
export interface ImportDesc {
  iface: string;
  name: string;
  js: string;
  params: [string, Desc][];
  results: Desc[];
  wit: string;
}

// ---- errors with paths ----

/** A value that does not fit its type; the path is built as the error unwinds. */
export class Misfit {
  path: string[] = [];
  constructor(readonly message: string) {}
}

export function misfit(want: string, value: unknown): never {
  throw new Misfit(`${describe(value)} is not ${want.replace(/ {2,}/g, " ").replace(/ \(/, " (")}`);
}

/** "a" or "an" before a WIT type name, as it is read ("an s8", "a u8"). */
function article(type: string): string {
  return /^[aefhilmnorsx]/.test(type) && !/^(u|eu)/.test(type) ? `an ${type}` : `a ${type}`;
}

export function within<T>(segment: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Misfit) e.path.unshift(segment);
    throw e;
  }
}

/**
 * `encode` of a member: an argument, a record field, a list or tuple element. A misfit gets
 * `${before}${key}${after}` in front of its path; unlike `within`, nothing (no closure, no
 * segment string) is made for a member that fits, which is every member of a call that goes
 * ahead.
 */
function encodeMember(w: Writer, d: Desc, v: unknown, owner: ResourceOwner, before: string, key: string | number, after: string): void {
  try {
    encode(w, d, v, owner);
  } catch (e) {
    if (e instanceof Misfit) e.path.unshift(`${before}${key}${after}`);
    throw e;
  }
}

/** Whether `key` names one of a record's fields (its JS name). */
function isField(fields: [string, string, Desc][], key: string): boolean {
  for (let i = 0; i < fields.length; i++) if (fields[i][1] === key) return true;
  return false;
}

export function typeError(what: string, e: unknown): unknown {
  if (!(e instanceof Misfit)) return e;
  return wasmError("TypeError", `${what}: ${e.path.join("")}: ${e.message}`);
}

// ---- encoding ----

/** The s64 and u64 ranges, computed once: QuickJS does not fold `2n ** 63n`. */
const S64_MIN = -(2n ** 63n);
const S64_END = 2n ** 63n;
const U64_END = 2n ** 64n;

export const INT_RANGES: Record<string, [number, number, number]> = {
  s8: [-128, 127, 1],
  u8: [0, 255, 1],
  s16: [-32768, 32767, 2],
  u16: [0, 65535, 2],
  s32: [-(2 ** 31), 2 ** 31 - 1, 4],
  u32: [0, 2 ** 32 - 1, 4],
};

/** Whether `v` is a number, and an integer in `range` if the type has one (INT_RANGES). */
function fits(range: [number, number, number] | undefined, v: unknown): v is number {
  return typeof v === "number" && (range === undefined || (Number.isInteger(v) && v >= range[0] && v <= range[1]));
}

export function checkNumber(type: string, v: unknown): number {
  const range = INT_RANGES[type];
  if (!fits(range, v)) misfit(`${article(type)} ${range ? `(an integer in [${range[0]}, ${range[1]}])` : "(a number)"}`, v);
  return v;
}

/**
 * Lists of one number type are written and read in one loop, each element by its DataView
 * method, instead of through `encode`/`decode` and their switch on the type's name per element
 * (which compares strings in QuickJS): the size of an element, and its setter and getter.
 */
export type NumberList = [number, (v: DataView, at: number, x: number) => void, (v: DataView, at: number) => number];
export const NUMBER_LISTS: Record<string, NumberList> = {
  s8: [1, (v, at, x) => v.setInt8(at, x), (v, at) => v.getInt8(at)],
  u8: [1, (v, at, x) => v.setUint8(at, x), (v, at) => v.getUint8(at)],
  s16: [2, (v, at, x) => v.setInt16(at, x, true), (v, at) => v.getInt16(at, true)],
  u16: [2, (v, at, x) => v.setUint16(at, x, true), (v, at) => v.getUint16(at, true)],
  s32: [4, (v, at, x) => v.setInt32(at, x, true), (v, at) => v.getInt32(at, true)],
  u32: [4, (v, at, x) => v.setUint32(at, x, true), (v, at) => v.getUint32(at, true)],
  f32: [4, (v, at, x) => v.setFloat32(at, x, true), (v, at) => v.getFloat32(at, true)],
  f64: [8, (v, at, x) => v.setFloat64(at, x, true), (v, at) => v.getFloat64(at, true)],
};

/** Writes `v`, a list of `type`, a key of NUMBER_LISTS (its length is written already). */
export function encodeNumbers(w: Writer, type: string, list: NumberList, v: unknown[]): void {
  const [size, set] = list;
  const range = INT_RANGES[type];
  const at = w.room(v.length * size);
  const view = w.view;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!fits(range, x)) within(`[${i}]`, () => checkNumber(type, x)); // Throws the element's misfit.
    set(view, at + i * size, x as number);
  }
}

/** The brand of a resource object: its handle and the instance it belongs to. */
export const HANDLE = Symbol("kiln.resource");
export interface Handle {
  id: number;
  owner: ResourceOwner;
  cls: string;
}

export function handleOf(v: unknown): Handle | undefined {
  return typeof v === "object" && v !== null ? (v as { [HANDLE]?: Handle })[HANDLE] : undefined;
}

export function encode(w: Writer, d: Desc, v: unknown, owner: ResourceOwner): void {
  if (typeof d === "string") {
    switch (d) {
      case "bool":
        if (typeof v !== "boolean") misfit("a bool (true or false)", v);
        w.u8(v ? 1 : 0);
        return;
      case "s8":
        w.i8(checkNumber(d, v));
        return;
      case "u8":
        w.u8(checkNumber(d, v));
        return;
      case "s16":
        w.i16(checkNumber(d, v));
        return;
      case "u16":
        w.u16(checkNumber(d, v));
        return;
      case "s32":
        w.i32(checkNumber(d, v));
        return;
      case "u32":
        w.u32(checkNumber(d, v));
        return;
      case "s64":
        if (typeof v !== "bigint" || v < S64_MIN || v >= S64_END) misfit("an s64 (a bigint in [-2^63, 2^63))", v);
        w.i64(v);
        return;
      case "u64":
        if (typeof v !== "bigint" || v < 0n || v >= U64_END) misfit("a u64 (a bigint in [0, 2^64))", v);
        w.u64(v);
        return;
      case "f32":
        w.f32(checkNumber(d, v));
        return;
      case "f64":
        w.f64(checkNumber(d, v));
        return;
      case "char": {
        const cp = typeof v === "string" ? v.codePointAt(0) : undefined;
        if (cp === undefined || String.fromCodePoint(cp) !== v || (cp >= 0xd800 && cp < 0xe000)) {
          misfit("a char (a string of one Unicode scalar value)", v);
        }
        w.u32(cp);
        return;
      }
      case "string":
        if (typeof v !== "string") misfit("a string", v);
        w.raw(core.encode(v));
        return;
      case "bytes":
        if (!(v instanceof Uint8Array)) misfit("a list<u8> (a Uint8Array)", v);
        w.raw(v);
        return;
    }
    throw new Misfit(`Kiln cannot pass the WIT type ${d}`);
  }
  switch (d.k) {
    case "list": {
      if (!Array.isArray(v)) misfit("a list (an array)", v);
      w.u32(v.length);
      const t = d.t as Desc;
      const numbers = typeof t === "string" ? NUMBER_LISTS[t] : undefined;
      if (numbers !== undefined) return encodeNumbers(w, t as string, numbers, v);
      for (let i = 0; i < v.length; i++) encodeMember(w, t, v[i], owner, "[", i, "]");
      return;
    }
    case "record": {
      if (typeof v !== "object" || v === null || Array.isArray(v)) misfit(`a record ${d.n ?? ""} (an object)`.replace("  ", " "), v);
      const obj = v as Record<string, unknown>;
      const fields = d.f as [string, string, Desc][];
      const keys = Object.keys(obj);
      for (let i = 0; i < keys.length; i++) {
        if (!isField(fields, keys[i])) {
          throw new Misfit(`unknown field \`${keys[i]}\`; the record's fields are ${fields.map((f) => f[1]).join(", ")}`);
        }
      }
      for (let i = 0; i < fields.length; i++) {
        const js = fields[i][1];
        const t = fields[i][2];
        if (!(js in obj) && !(typeof t === "object" && t.k === "option")) {
          within(`.${js}`, () => {
            throw new Misfit(`the field is missing: a record ${d.n ?? ""} needs every field (${fields.map((f) => f[1]).join(", ")})`.replace("  ", " "));
          });
        }
        encodeMember(w, t, obj[js], owner, ".", js, "");
      }
      return;
    }
    case "tuple": {
      const types = d.t as Desc[];
      if (!Array.isArray(v) || v.length !== types.length) misfit(`a tuple of ${types.length} (an array)`, v);
      for (let i = 0; i < types.length; i++) encodeMember(w, types[i], v[i], owner, "[", i, "]");
      return;
    }
    case "variant": {
      const cases = d.c as [string, Desc | null][];
      const tag = typeof v === "object" && v !== null ? (v as { tag?: unknown }).tag : undefined;
      const index = cases.findIndex((c) => c[0] === tag);
      if (index < 0) {
        const given = tag === undefined ? describe(v) : `the tag ${describe(tag)}`;
        throw new Misfit(
          `${given} is not a case of the variant ${d.n ?? ""} ({ tag, val } with tag one of ${cases.map((c) => JSON.stringify(c[0])).join(", ")})`.replace("  ", " "),
        );
      }
      w.u32(index);
      const payload = cases[index][1];
      if (payload !== null) within(".val", () => encode(w, payload, (v as { val?: unknown }).val, owner));
      return;
    }
    case "enum": {
      const names = d.c as string[];
      const index = typeof v === "string" ? names.indexOf(v) : -1;
      if (index < 0) misfit(`an enum ${d.n ?? ""} (one of ${names.map((n) => JSON.stringify(n)).join(", ")})`, v);
      w.u32(index);
      return;
    }
    case "flags": {
      const names = d.c as [string, string][];
      if (typeof v !== "object" || v === null || Array.isArray(v)) misfit(`flags ${d.n ?? ""} (an object of booleans)`, v);
      const obj = v as Record<string, unknown>;
      const words = new Array<number>(Math.ceil(names.length / 32)).fill(0);
      for (const key of Object.keys(obj)) {
        const index = names.findIndex((n) => n[1] === key);
        if (index < 0) throw new Misfit(`unknown flag \`${key}\`; the flags are ${names.map((n) => n[1]).join(", ")}`);
        const set = obj[key];
        if (typeof set !== "boolean") within(`.${key}`, () => misfit("a boolean", set));
        if (set) words[index >> 5] |= 1 << (index & 31);
      }
      for (const word of words) w.u32(word >>> 0);
      return;
    }
    case "option": {
      const t = d.t as Desc;
      if (v === undefined) return w.u8(0);
      w.u8(1);
      if (typeof t === "object" && t.k === "option") return encodeTagged(w, t, v, owner);
      return encode(w, t, v, owner);
    }
    case "result": {
      const tag = typeof v === "object" && v !== null ? (v as { tag?: unknown }).tag : undefined;
      if (tag !== "ok" && tag !== "err") misfit('a result ({ tag: "ok" | "err", val })', v);
      w.u8(tag === "ok" ? 0 : 1);
      const t = tag === "ok" ? d.ok : d.err;
      if (t !== null && t !== undefined) within(".val", () => encode(w, t, (v as { val?: unknown }).val, owner));
      return;
    }
    case "own":
    case "borrow": {
      const handle = handleOf(v);
      const cls = owner.className(d.r as string);
      if (handle === undefined || handle.cls !== d.r) misfit(`a ${cls} (a resource of this instance)`, v);
      if (handle.owner !== owner) throw new Misfit(`this ${cls} belongs to another instance`);
      if (handle.id === 0) throw new Misfit(`this ${cls} was dropped, or moved into the guest by an earlier call`);
      const id = handle.id;
      w.f64(id);
      if (d.k === "own") w.moving.push(handle); // It moves into the guest, if the call goes ahead.
      return;
    }
  }
  throw new Misfit(`Kiln cannot pass values of the WIT type ${d.what ?? d.k}`);
}

/** An option directly inside an option: `{ tag: "some", val } | { tag: "none" }`. */
function encodeTagged(w: Writer, d: DescNode, v: unknown, owner: ResourceOwner): void {
  const tag = typeof v === "object" && v !== null ? (v as { tag?: unknown }).tag : undefined;
  if (tag === "none") return w.u8(0);
  if (tag !== "some") misfit('an option inside an option ({ tag: "some", val } or { tag: "none" })', v);
  w.u8(1);
  within(".val", () => encode(w, d.t as Desc, (v as { val?: unknown }).val, owner));
}

// ---- decoding ----

/**
 * A component string's UTF-8 bytes as a JS string. `core.decode` drops a leading byte order mark,
 * as `TextDecoder` does; a WIT string keeps every character it holds.
 */
export function utf8(bytes: Uint8Array): string {
  const s = core.decode(bytes);
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? "\ufeff" + s : s;
}

export function decode(r: Reader, d: Desc, owner: ResourceOwner): unknown {
  if (typeof d === "string") {
    const v = r.view;
    switch (d) {
      case "bool":
        return v.getUint8(r.skip(1)) !== 0;
      case "s8":
        return v.getInt8(r.skip(1));
      case "u8":
        return v.getUint8(r.skip(1));
      case "s16":
        return v.getInt16(r.skip(2), true);
      case "u16":
        return v.getUint16(r.skip(2), true);
      case "s32":
        return v.getInt32(r.skip(4), true);
      case "u32":
        return v.getUint32(r.skip(4), true);
      case "s64":
        return v.getBigInt64(r.skip(8), true);
      case "u64":
        return v.getBigUint64(r.skip(8), true);
      case "f32":
        return v.getFloat32(r.skip(4), true);
      case "f64":
        return v.getFloat64(r.skip(8), true);
      case "char":
        return String.fromCodePoint(r.u32());
      case "string": {
        const n = r.u32();
        return utf8(r.bytes.subarray(r.skip(n), r.at));
      }
      case "bytes": {
        const n = r.u32();
        return r.bytes.slice(r.skip(n), r.at);
      }
    }
  } else {
    switch (d.k) {
      case "list": {
        const n = r.u32();
        const out = new Array<unknown>(n);
        const t = d.t as Desc;
        const numbers = typeof t === "string" ? NUMBER_LISTS[t] : undefined;
        if (numbers !== undefined) {
          const [size, , get] = numbers;
          const at = r.skip(n * size);
          for (let i = 0; i < n; i++) out[i] = get(r.view, at + i * size);
          return out;
        }
        for (let i = 0; i < n; i++) out[i] = decode(r, t, owner);
        return out;
      }
      case "record": {
        const out: Record<string, unknown> = {};
        const fields = d.f as [string, string, Desc][];
        for (let i = 0; i < fields.length; i++) out[fields[i][1]] = decode(r, fields[i][2], owner);
        return out;
      }
      case "tuple":
        return (d.t as Desc[]).map((t) => decode(r, t, owner));
      case "variant": {
        const [tag, t] = (d.c as [string, Desc | null][])[r.u32()];
        return t === null ? { tag } : { tag, val: decode(r, t, owner) };
      }
      case "enum":
        return (d.c as string[])[r.u32()];
      case "flags": {
        const names = d.c as [string, string][];
        const words: number[] = [];
        for (let i = 0; i < Math.ceil(names.length / 32); i++) words.push(r.u32());
        const out: Record<string, boolean> = {};
        names.forEach(([, js], i) => (out[js] = (words[i >> 5] & (1 << (i & 31))) !== 0));
        return out;
      }
      case "option": {
        if (r.bytes[r.skip(1)] === 0) return undefined;
        const t = d.t as Desc;
        if (typeof t === "object" && t.k === "option") {
          return r.bytes[r.skip(1)] === 0 ? { tag: "none" } : { tag: "some", val: decode(r, t.t as Desc, owner) };
        }
        return decode(r, t, owner);
      }
      case "result": {
        const ok = r.bytes[r.skip(1)] === 0;
        const t = ok ? d.ok : d.err;
        const val = t === null || t === undefined ? undefined : decode(r, t, owner);
        return { tag: ok ? "ok" : "err", val };
      }
      case "own":
      case "borrow":
        return owner.wrap(d.r as string, r.view.getFloat64(r.skip(8), true));
    }
  }
  throw wasmError("TypeError", `Kiln cannot read values of this WIT type (${JSON.stringify(d)})`);
}

// ---- calls ----

/**
 * An encoder made once for one type (./wasm_wit_codec.ts). It names nothing: for a value it does
 * not take, it throws REFUSED (or a Misfit from a part it leaves to `encode`), and `encodeArgs`
 * encodes the arguments again with `encode`, which names the misfit.
 */
export type Encoder = (w: Writer, v: unknown) => void;
export const REFUSED: unique symbol = Symbol("kiln.refused");

/**
 * Encodes the arguments of `f` by its parameter types, with `fast`, the parameters' encoders, if
 * given; a misfit is a TypeError with its path. The bytes are in the writer from `takeWriter`
 * (its `at` is their length): give it back with `giveWriter` once they are used, or throw.
 */
export function encodeArgs(f: FuncDesc, args: unknown[], owner: ResourceOwner, fast?: Encoder[], lends = false): Writer {
  if (args.length !== f.params.length) {
    const names = f.params.map((p) => p[0]).join(", ");
    throw wasmError("TypeError", `\`${f.name}\` takes ${f.params.length} argument(s) (${names}), got ${args.length}; its type is ${f.wit}`);
  }
  const w = takeWriter();
  try {
    if (fast !== undefined) {
      w.lends = lends;
      try {
        for (let i = 0; i < args.length; i++) fast[i](w, args[i]);
        return w.moving.length === 0 ? w : moveOwned(w);
      } catch (e) {
        if (e !== REFUSED && !(e instanceof Misfit)) throw e;
        w.at = 0; // The general path names the misfit, or takes what the encoders left to it.
        w.moving.length = 0;
        w.lends = false;
        w.lent = null;
      }
    }
    try {
      for (let i = 0; i < args.length; i++) encodeMember(w, f.params[i][1], args[i], owner, "args[", i, "]");
    } catch (e) {
      throw typeError(`\`${f.name}\``, e);
    }
    return moveOwned(w);
  } catch (e) {
    giveWriter(w);
    throw e;
  }
}

/** Every argument fits: the resources passed as `own` move into the guest. */
function moveOwned(w: Writer): Writer {
  for (let i = 0; i < w.moving.length; i++) w.moving[i].id = 0;
  w.moving.length = 0;
  return w;
}

/**
 * Encodes one value (a host function's result), with `fast`, its type's encoder, if given; a
 * misfit throws as in `encodeArgs`, under `segment`.
 */
export function encodeValue(d: Desc, value: unknown, owner: ResourceOwner, segment: string, fast?: Encoder): Uint8Array {
  const w = takeWriter();
  try {
    if (fast !== undefined) {
      try {
        fast(w, value);
        return w.bytes.slice(0, w.at);
      } catch (e) {
        if (e !== REFUSED && !(e instanceof Misfit)) throw e;
        w.at = 0;
        w.moving.length = 0;
      }
    }
    within(segment, () => encode(w, d, value, owner));
    return w.bytes.slice(0, w.at);
  } finally {
    giveWriter(w);
  }
}
