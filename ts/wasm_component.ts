// runtime:wasm/component — internal to runtime:wasm: component instances.
//
// A component's functions take and return JS values by their WIT types, mapped as jco maps them
// but strictly: every value is checked against its type before anything is encoded, and a wrong
// one is a TypeError (5007) naming its path (`args[0].items[3].id`). Values cross to Rust in one
// byte buffer per call, in the layout ext_wasm/src/component/wire.rs reads and writes; the types
// come from Rust once per instance (component/make.rs describes them).

import { codes, core, describe, ops, wasmError } from "runtime:wasm/values";

/**
 * What a component function throws when it returns the `err` case of its top-level
 * `result<T, E>`: `payload` is the error value, mapped like any value (a string, a record, a
 * variant...). Its `code` is 5012 and its `name` `"ComponentError"`. A `result` nested in another
 * value is not thrown: it arrives as `{ tag: "ok" | "err", val }`.
 *
 * @example
 * ```ts
 * try {
 *   instance.exports.safeDiv(1, 0);
 * } catch (e) {
 *   if (e instanceof ComponentError) console.log("failed:", e.payload); // "division by zero"
 * }
 * ```
 */
export class ComponentError extends Error {
  /** 5012 (`errorCodes.ComponentError`). */
  readonly code: number;
  /** The `err` value the function returned. */
  readonly payload: unknown;

  /**
   * A JS host function throws `new ComponentError(message, payload)` to return the `err` case
   * of its import's top-level `result`, with `payload` as the err value.
   *
   * @param message What failed.
   * @param payload The `err` value.
   * @example
   * ```ts
   * const lookup = (key: string): number => {
   *   if (key === "") throw new ComponentError("empty key", "empty key");
   *   return key.length;
   * };
   * ```
   */
  public constructor(message: string, payload: unknown) {
    super(message);
    Object.defineProperty(this, "name", { value: "ComponentError", writable: true, configurable: true });
    this.code = codes.ComponentError;
    this.payload = payload;
  }
}

// ---- type descriptions (component/types.rs) ----

type Desc = string | DescNode;
interface DescNode {
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

interface FuncDesc {
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
}

interface ResourceDesc {
  key: string;
  name: string;
  iface: string | null;
  cls: string;
}

/** A function a component imports that JS may provide (component/host.rs). */
interface ImportDesc {
  iface: string;
  name: string;
  js: string;
  params: [string, Desc][];
  results: Desc[];
  wit: string;
}

// ---- Symbol.dispose (QuickJS-ng has it; an engine without explicit resource management gets one) ----

const symbols = Symbol as unknown as { dispose?: symbol };
if (symbols.dispose === undefined) {
  Object.defineProperty(Symbol, "dispose", { value: Symbol("Symbol.dispose") });
}
const DISPOSE = symbols.dispose as symbol;

// ---- errors with paths ----

/** A value that does not fit its type; the path is built as the error unwinds. */
class Misfit {
  path: string[] = [];
  constructor(readonly message: string) {}
}

function misfit(want: string, value: unknown): never {
  throw new Misfit(`${describe(value)} is not ${want.replace(/ {2,}/g, " ").replace(/ \(/, " (")}`);
}

/** "a" or "an" before a WIT type name, as it is read ("an s8", "a u8"). */
function article(type: string): string {
  return /^[aefhilmnorsx]/.test(type) && !/^(u|eu)/.test(type) ? `an ${type}` : `a ${type}`;
}

function within<T>(segment: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Misfit) e.path.unshift(segment);
    throw e;
  }
}

function typeError(what: string, e: unknown): unknown {
  if (!(e instanceof Misfit)) return e;
  return wasmError("TypeError", `${what}: ${e.path.join("")}: ${e.message}`);
}

// ---- encoding ----

class Writer {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  at = 0;

  room(n: number): number {
    const at = this.at;
    if (at + n > this.bytes.length) {
      const bigger = new Uint8Array(Math.max(this.bytes.length * 2, at + n));
      bigger.set(this.bytes.subarray(0, at));
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    }
    this.at = at + n;
    return at;
  }

  // Each writer takes its offset first: room() may replace `bytes` and `view`.
  u8(v: number): void {
    const at = this.room(1);
    this.bytes[at] = v;
  }

  u32(v: number): void {
    const at = this.room(4);
    this.view.setUint32(at, v, true);
  }

  i8(v: number): void {
    const at = this.room(1);
    this.view.setInt8(at, v);
  }

  i16(v: number): void {
    const at = this.room(2);
    this.view.setInt16(at, v, true);
  }

  u16(v: number): void {
    const at = this.room(2);
    this.view.setUint16(at, v, true);
  }

  i32(v: number): void {
    const at = this.room(4);
    this.view.setInt32(at, v, true);
  }

  f32(v: number): void {
    const at = this.room(4);
    this.view.setFloat32(at, v, true);
  }

  f64(v: number): void {
    const at = this.room(8);
    this.view.setFloat64(at, v, true);
  }

  i64(v: bigint): void {
    const at = this.room(8);
    this.view.setBigInt64(at, v, true);
  }

  u64(v: bigint): void {
    const at = this.room(8);
    this.view.setBigUint64(at, v, true);
  }

  raw(b: Uint8Array): void {
    this.u32(b.length);
    const at = this.room(b.length); // May replace `bytes`: take it after.
    this.bytes.set(b, at);
  }
}

const INT_RANGES: Record<string, [number, number, number]> = {
  s8: [-128, 127, 1],
  u8: [0, 255, 1],
  s16: [-32768, 32767, 2],
  u16: [0, 65535, 2],
  s32: [-(2 ** 31), 2 ** 31 - 1, 4],
  u32: [0, 2 ** 32 - 1, 4],
};

function checkNumber(type: string, v: unknown): number {
  const range = INT_RANGES[type];
  if (range !== undefined) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < range[0] || v > range[1]) {
      misfit(`${article(type)} (an integer in [${range[0]}, ${range[1]}])`, v);
    }
    return v;
  }
  if (typeof v !== "number") misfit(`${article(type)} (a number)`, v);
  return v;
}

/** The brand of a resource object: its handle and the instance it belongs to. */
const HANDLE = Symbol("kiln.resource");
interface Handle {
  id: number;
  owner: ComponentInstance;
  cls: string;
}

function handleOf(v: unknown): Handle | undefined {
  return typeof v === "object" && v !== null ? (v as { [HANDLE]?: Handle })[HANDLE] : undefined;
}

function encode(w: Writer, d: Desc, v: unknown, owner: ComponentInstance): void {
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
        if (typeof v !== "bigint" || v < -(2n ** 63n) || v >= 2n ** 63n) misfit("an s64 (a bigint in [-2^63, 2^63))", v);
        w.i64(v);
        return;
      case "u64":
        if (typeof v !== "bigint" || v < 0n || v >= 2n ** 64n) misfit("a u64 (a bigint in [0, 2^64))", v);
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
      for (let i = 0; i < v.length; i++) within(`[${i}]`, () => encode(w, t, v[i], owner));
      return;
    }
    case "record": {
      if (typeof v !== "object" || v === null || Array.isArray(v)) misfit(`a record ${d.n ?? ""} (an object)`.replace("  ", " "), v);
      const obj = v as Record<string, unknown>;
      const fields = d.f as [string, string, Desc][];
      for (const key of Object.keys(obj)) {
        if (!fields.some((f) => f[1] === key)) {
          throw new Misfit(`unknown field \`${key}\`; the record's fields are ${fields.map((f) => f[1]).join(", ")}`);
        }
      }
      for (const [, js, t] of fields) {
        if (!(js in obj) && !(typeof t === "object" && t.k === "option")) {
          within(`.${js}`, () => {
            throw new Misfit(`the field is missing: a record ${d.n ?? ""} needs every field (${fields.map((f) => f[1]).join(", ")})`.replace("  ", " "));
          });
        }
        within(`.${js}`, () => encode(w, t, obj[js], owner));
      }
      return;
    }
    case "tuple": {
      const types = d.t as Desc[];
      if (!Array.isArray(v) || v.length !== types.length) misfit(`a tuple of ${types.length} (an array)`, v);
      for (let i = 0; i < types.length; i++) within(`[${i}]`, () => encode(w, types[i], v[i], owner));
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
      if (d.k === "own") moving.push(handle); // It moves into the guest, if the call goes ahead.
      return;
    }
  }
  throw new Misfit(`Kiln cannot pass values of the WIT type ${d.what ?? d.k}`);
}

/** An option directly inside an option: `{ tag: "some", val } | { tag: "none" }`. */
function encodeTagged(w: Writer, d: DescNode, v: unknown, owner: ComponentInstance): void {
  const tag = typeof v === "object" && v !== null ? (v as { tag?: unknown }).tag : undefined;
  if (tag === "none") return w.u8(0);
  if (tag !== "some") misfit('an option inside an option ({ tag: "some", val } or { tag: "none" })', v);
  w.u8(1);
  within(".val", () => encode(w, d.t as Desc, (v as { val?: unknown }).val, owner));
}

// ---- decoding ----

class Reader {
  view: DataView;
  at = 0;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  skip(n: number): number {
    const at = this.at;
    this.at += n;
    return at;
  }

  u32(): number {
    return this.view.getUint32(this.skip(4), true);
  }
}

function decode(r: Reader, d: Desc, owner: ComponentInstance): unknown {
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
        return core.decode(r.bytes.subarray(r.skip(n), r.at));
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
        for (let i = 0; i < n; i++) out[i] = decode(r, d.t as Desc, owner);
        return out;
      }
      case "record": {
        const out: Record<string, unknown> = {};
        for (const [, js, t] of d.f as [string, string, Desc][]) out[js] = decode(r, t, owner);
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

// ---- instances ----

const writer = new Writer();
/** The handles of `own` arguments being encoded: they move into the guest once all arguments fit. */
const moving: Handle[] = [];

/** Encodes arguments by a function's parameter types; a misfit is a TypeError with its path. */
function encodeArgs(f: FuncDesc | ImportDesc, args: unknown[], owner: ComponentInstance, what: string): Uint8Array {
  if (args.length !== f.params.length) {
    const names = f.params.map((p) => p[0]).join(", ");
    throw wasmError("TypeError", `${what} takes ${f.params.length} argument(s) (${names}), got ${args.length}; its type is ${f.wit}`);
  }
  writer.at = 0;
  moving.length = 0;
  try {
    for (let i = 0; i < args.length; i++) within(`args[${i}]`, () => encode(writer, f.params[i][1], args[i], owner));
  } catch (e) {
    moving.length = 0;
    throw typeError(what, e);
  }
  for (const handle of moving) handle.id = 0;
  moving.length = 0;
  return writer.bytes.slice(0, writer.at);
}

function payloadText(payload: unknown): string {
  if (typeof payload === "string") return JSON.stringify(payload);
  try {
    return JSON.stringify(payload, (_, x) => (typeof x === "bigint" ? `${x}n` : x)) ?? String(payload);
  } catch {
    return describe(payload);
  }
}

/** The JS value of a function's result: a top-level `result` is its ok value, or a thrown ComponentError. */
function resultOf(f: FuncDesc, bytes: Uint8Array, owner: ComponentInstance): unknown {
  if (f.results.length === 0) return undefined;
  const d = f.results[0];
  const value = decode(new Reader(bytes), d, owner);
  if (typeof d === "object" && d.k === "result") {
    const { tag, val } = value as { tag: string; val: unknown };
    if (tag === "err") throw new ComponentError(`\`${f.name}\` returned an error: ${payloadText(val)}`, val);
    return val;
  }
  return value;
}

/** A JS host function the component imports, by the index Rust calls it by. */
interface HostFn {
  desc: ImportDesc;
  fn: (...args: unknown[]) => unknown;
  what: string;
}

/** Finalization: a forgotten instance frees its store. */
const forgotten = new FinalizationRegistry<number>((id) => {
  try {
    ops.op_wasm_component_drop(id);
  } catch {
    // Already dropped.
  }
});

/** A component instance's JS side: its functions, resource classes and host functions. */
export class ComponentInstance {
  readonly id: number;
  readonly funcs: FuncDesc[];
  readonly resources: ResourceDesc[];
  readonly host: HostFn[] | null;
  #classes = new Map<string, new (...args: unknown[]) => object>();
  #exports: Record<string, unknown> | null = null;

  constructor(id: number, host: HostFn[] | null) {
    this.id = id;
    this.host = host;
    const described = JSON.parse(ops.op_wasm_component_exports(id)) as { funcs: FuncDesc[]; resources: ResourceDesc[] };
    this.funcs = described.funcs;
    this.resources = described.resources;
  }

  /** Ties the instance's life to `owner` (its WasmInstance): once that is collected, the store is freed. */
  adopt(owner: object): this {
    forgotten.register(owner, this.id, this);
    return this;
  }

  className(key: string): string {
    return this.resources.find((r) => r.key === key)?.cls ?? key;
  }

  /** A resource object for handle `id` of the resource type `key`. */
  wrap(key: string, id: number): object {
    const object = Object.create(this.#classFor(key).prototype) as object;
    Object.defineProperty(object, HANDLE, { value: { id, owner: this, cls: key } satisfies Handle });
    return object;
  }

  #classFor(key: string): new (...args: unknown[]) => object {
    let cls = this.#classes.get(key);
    if (cls !== undefined) return cls;
    const owner = this;
    const name = this.className(key);
    const ctor = this.funcs.find((f) => f.kind === "constructor" && f.res === key);
    cls = class {
      constructor(...args: unknown[]) {
        if (ctor === undefined) throw wasmError("TypeError", `${name} has no constructor: the component makes them`);
        return owner.callSync(ctor, args) as object;
      }
    };
    Object.defineProperty(cls, "name", { value: name });
    for (const f of this.funcs.filter((f) => f.res === key)) {
      if (f.kind === "method") {
        Object.defineProperty(cls.prototype, f.js, {
          value: function (this: object, ...args: unknown[]) {
            return owner.callSync(f, [this, ...args]);
          },
        });
      } else if (f.kind === "static") {
        Object.defineProperty(cls, f.js, { value: (...args: unknown[]) => owner.callSync(f, args) });
      }
    }
    Object.defineProperty(cls.prototype, DISPOSE, {
      value: function (this: object) {
        const handle = handleOf(this);
        if (handle === undefined || handle.id === 0) return;
        const id = handle.id;
        handle.id = 0;
        ops.op_wasm_component_resource_drop(owner.id, id);
      },
    });
    this.#classes.set(key, cls);
    return cls;
  }

  /** A function by the name `call` takes: `safe-div`, `ns:pkg/iface#fn` (the version may be left out). */
  find(name: string): FuncDesc {
    const exact = this.funcs.find((f) => f.name === name);
    if (exact !== undefined) return exact;
    const hash = name.indexOf("#");
    if (hash > 0) {
      const iface = name.slice(0, hash);
      const local = name.slice(hash + 1);
      const found = this.funcs.filter((f) => f.local === local && f.iface !== null && f.iface.replace(/@.*$/, "") === iface);
      if (found.length === 1) return found[0];
    }
    const names = this.funcs.map((f) => f.name).join(", ");
    throw wasmError("ExportNotFound", `the component exports no function \`${name}\`; its functions are: ${names || "(none)"}`);
  }

  /** A synchronous call (`instance.exports`, resource methods). */
  callSync(f: FuncDesc, args: unknown[]): unknown {
    const what = `\`${f.name}\``;
    if (f.numbers && this.host === null && args.length === f.params.length) {
      const a = args.length > 0 ? numberArg(f, 0, args[0], what) : 0;
      const b = args.length > 1 ? numberArg(f, 1, args[1], what) : 0;
      const c = args.length > 2 ? numberArg(f, 2, args[2], what) : 0;
      const out = ops.op_wasm_component_call_numbers(this.id * 65536 + f.i, a, b, c);
      return f.results.length === 0 ? undefined : out;
    }
    const bytes = encodeArgs(f, args, this, what);
    if (this.host === null) return resultOf(f, ops.op_wasm_component_call_sync(this.id, f.i, bytes), this);
    const token = ops.op_wasm_component_hcall_begin(this.id, f.i, true, bytes);
    return resultOf(f, this.#driveSync(token), this);
  }

  /** `await instance.call(name, ...args)`: resolves to the results array. */
  async call(name: string, args: unknown[]): Promise<unknown[]> {
    const f = this.find(name);
    const bytes = encodeArgs(f, args, this, `\`${f.name}\``);
    let out: Uint8Array;
    if (this.host === null) {
      out = await ops.op_wasm_component_call(this.id, f.i, bytes);
    } else {
      out = await drive(ops.op_wasm_component_hcall_begin(this.id, f.i, false, bytes), this.host, this);
    }
    return f.results.length === 0 ? [] : [resultOf(f, out, this)];
  }

  #driveSync(token: number): Uint8Array {
    const none = new Uint8Array(8);
    try {
      let step = ops.op_wasm_hcall_run_sync(token, none);
      while (step >= 0) {
        const reply = serve(this.host as HostFn[], step, ops.op_wasm_hcall_bytes(token), this, true);
        if (reply instanceof Promise) throw wasmError("CallError", "a JS host function returned a promise during a synchronous call; use `await instance.call(...)`");
        step = reply.status === 3
          ? ops.op_wasm_hcall_resume_sync(token, 3, reply.bytes.length, reply.bytes, "")
          : ops.op_wasm_hcall_resume_sync(token, reply.status, 0, none, reply.message);
      }
      return ops.op_wasm_hcall_bytes(token);
    } catch (error) {
      ops.op_wasm_hcall_cancel(token);
      throw error;
    }
  }

  /** `instance.exports`: functions by camelCase name, interfaces by their names, resource classes. */
  get exports(): Record<string, unknown> {
    if (this.#exports !== null) return this.#exports;
    const top: Record<string, unknown> = Object.create(null);
    const ifaces = new Map<string, Record<string, unknown>>();
    const scope = (iface: string | null) => {
      if (iface === null) return top;
      let s = ifaces.get(iface);
      if (s === undefined) ifaces.set(iface, (s = Object.create(null) as Record<string, unknown>));
      return s;
    };
    for (const f of this.funcs) {
      if (f.kind !== "func") continue;
      const fn = f.numbers && this.host === null ? numbersFunction(this, f) : (...args: unknown[]) => this.callSync(f, args);
      Object.defineProperty(fn, "name", { value: f.js });
      scope(f.iface)[f.js] = fn;
    }
    for (const r of this.resources) scope(r.iface)[r.cls] = this.#classFor(r.key);
    for (const [name, s] of ifaces) top[name] = Object.freeze(s);
    // `exports["wasi:cli/run"]` too, for `wasi:cli/run@0.2.0`, when no other version is exported.
    for (const name of ifaces.keys()) {
      const bare = name.replace(/@.*$/, "");
      if (bare !== name && !(bare in top) && [...ifaces.keys()].filter((n) => n.replace(/@.*$/, "") === bare).length === 1) {
        top[bare] = top[name];
      }
    }
    Object.defineProperty(top, Symbol.toStringTag, { value: "ComponentExports" });
    this.#exports = Object.freeze(top);
    return this.#exports;
  }

  /** `getExports()`: each function (and resource type) with its WIT type. */
  exportList(): { name: string; kind: "function" | "resource"; wit: string }[] {
    ops.op_wasm_component_exports(this.id); // 5005 once dropped.
    const funcs = this.funcs.map((f) => ({ name: f.name, kind: "function" as const, wit: f.wit }));
    const resources = this.resources.map((r) => ({ name: r.key, kind: "resource" as const, wit: `resource ${r.name}` }));
    return [...resources, ...funcs];
  }

  drop(): void {
    ops.op_wasm_component_drop(this.id);
    forgotten.unregister(this);
  }
}

/**
 * The `exports` function of a function of plain numbers: no buffer, no array of arguments. A
 * call whose arguments do not all fit takes the general path, which names the misfit.
 */
function numbersFunction(owner: ComponentInstance, f: FuncDesc): (...args: unknown[]) => unknown {
  const packed = owner.id * 65536 + f.i;
  // Each parameter's range; a float's is infinite and takes fractions.
  const bounds = f.params.map(([, t]) => INT_RANGES[t as string] ?? [-Infinity, Infinity, 0]);
  const [lo0, hi0, int0] = bounds[0] ?? [0, 0, 0];
  const [lo1, hi1, int1] = bounds[1] ?? [0, 0, 0];
  const [lo2, hi2, int2] = bounds[2] ?? [0, 0, 0];
  const returns = f.results.length > 0;
  const slow = (args: unknown[]) => owner.callSync(f, args);
  const call = ops.op_wasm_component_call_numbers;
  // `x >= lo && x <= hi` is false for NaN and for any non-number but a numeric string, which
  // `typeof` rules out; `x % 1` is 0 only for integers (int is 0 for floats, which skip it).
  switch (f.params.length) {
    case 0:
      return function () {
        if (arguments.length !== 0) return slow([...arguments]);
        const out = call(packed, 0, 0, 0);
        return returns ? out : undefined;
      };
    case 1:
      return function (a: unknown) {
        if (arguments.length !== 1 || typeof a !== "number" || (int0 && (a % 1 !== 0 || a < lo0 || a > hi0))) {
          return slow([...arguments]);
        }
        const out = call(packed, a, 0, 0);
        return returns ? out : undefined;
      };
    case 2:
      return function (a: unknown, b: unknown) {
        if (
          arguments.length !== 2 || typeof a !== "number" || typeof b !== "number" ||
          (int0 && (a % 1 !== 0 || a < lo0 || a > hi0)) || (int1 && (b % 1 !== 0 || b < lo1 || b > hi1))
        ) return slow([...arguments]);
        const out = call(packed, a, b, 0);
        return returns ? out : undefined;
      };
    default:
      return function (a: unknown, b: unknown, c: unknown) {
        if (
          arguments.length !== 3 || typeof a !== "number" || typeof b !== "number" || typeof c !== "number" ||
          (int0 && (a % 1 !== 0 || a < lo0 || a > hi0)) || (int1 && (b % 1 !== 0 || b < lo1 || b > hi1)) ||
          (int2 && (c % 1 !== 0 || c < lo2 || c > hi2))
        ) return slow([...arguments]);
        const out = call(packed, a, b, c);
        return returns ? out : undefined;
      };
  }
}

function numberArg(f: FuncDesc, i: number, v: unknown, what: string): number {
  try {
    return within(`args[${i}]`, () => checkNumber(f.params[i][1] as string, v));
  } catch (e) {
    throw typeError(what, e);
  }
}

/** Runs host function `index` on encoded arguments; its answer for `resume`. */
function serve(
  host: HostFn[],
  index: number,
  args: Uint8Array,
  owner: ComponentInstance,
  sync: boolean,
): { status: number; bytes: Uint8Array; message: string } | Promise<{ status: number; bytes: Uint8Array; message: string }> {
  const h = host[index];
  const r = new Reader(args);
  const values = h.desc.params.map(([, d]) => decode(r, d, owner));
  const d = h.desc.results[0];
  const topResult = typeof d === "object" && d.k === "result";
  const answer = (result: unknown, err = false) => {
    if (h.desc.results.length === 0) return { status: 3, bytes: new Uint8Array(0), message: "" };
    writer.at = 0;
    // A top-level result: the function returns the ok value, or throws a ComponentError whose
    // payload is the err value, as a component's own functions do.
    const value = topResult ? { tag: err ? "err" : "ok", val: result } : result;
    try {
      within("result", () => encode(writer, d, value, owner));
    } catch (e) {
      const error = typeError(`the host function ${h.what}`, e) as Error;
      return { status: 2, bytes: new Uint8Array(0), message: error.message };
    }
    return { status: 3, bytes: writer.bytes.slice(0, writer.at), message: "" };
  };
  const thrown = (e: unknown) =>
    topResult && e instanceof ComponentError ? answer(e.payload, true) : {
      status: 1,
      bytes: new Uint8Array(0),
      message: `the host function ${h.what} threw: ${e instanceof Error ? e.message : describe(e)}`,
    };
  try {
    const result = h.fn(...values);
    if (result instanceof Promise) {
      if (sync) return Promise.resolve(thrown(new Error("it returned a promise")));
      return result.then(answer, thrown);
    }
    return answer(result);
  } catch (e) {
    return thrown(e);
  }
}

/** Drives a parked call (or, with `results` false, an instantiation) to its end. */
async function drive(token: number, host: HostFn[], owner: ComponentInstance, results = true): Promise<Uint8Array> {
  const none = new Uint8Array(8);
  try {
    let step = await ops.op_wasm_hcall_run(token, none);
    while (step >= 0) {
      const reply = await serve(host, step, ops.op_wasm_hcall_bytes(token), owner, false);
      step = reply.status === 3
        ? await ops.op_wasm_hcall_resume(token, 3, reply.bytes.length, reply.bytes, "")
        : await ops.op_wasm_hcall_resume(token, reply.status, 0, none, reply.message);
    }
    return results ? ops.op_wasm_hcall_bytes(token) : none;
  } catch (error) {
    ops.op_wasm_hcall_cancel(token);
    throw error;
  }
}

/**
 * `instantiate` for a component: `imports` gives JS functions by interface name (an object of
 * functions) or by the name of a function the component imports by itself.
 */
export async function instantiateComponent(raw: number, json: string, imports: unknown): Promise<ComponentInstance> {
  if (imports === undefined) {
    return new ComponentInstance(await ops.op_wasm_component_instantiate(raw, json), null);
  }
  if (typeof imports !== "object" || imports === null) {
    throw wasmError("WasiError", `instantiate: \`imports\` must be an object of JS functions, got ${describe(imports)}`);
  }
  const wanted = JSON.parse(ops.op_wasm_component_import_functions(raw)) as ImportDesc[];
  const host: HostFn[] = [];
  const pairs: [string, string][] = [];
  for (const [key, value] of Object.entries(imports as Record<string, unknown>)) {
    const add = (iface: string, name: string, fn: unknown) => {
      const what = iface === "" ? `imports[${JSON.stringify(name)}]` : `imports[${JSON.stringify(iface)}].${name}`;
      if (iface.startsWith("wasi:")) {
        throw wasmError(
          "InstantiateError",
          `cannot instantiate the component: ${what} is a JS function for a WASI interface, which Kiln provides itself under the manifest's grants; leave it out of \`imports\``,
        );
      }
      if (typeof fn !== "function") throw wasmError("WasiError", `instantiate: ${what} must be a function, got ${describe(fn)}`);
      const desc = wanted.find((d) => d.iface === iface && (d.name === name || d.js === name));
      if (desc === undefined) {
        const listed = wanted.map((d) => (d.iface === "" ? d.name : `${d.iface}.${d.name}`)).join(", ");
        throw wasmError("InstantiateError", `cannot instantiate the component: ${what} is given, but the component imports no such function; it imports: ${listed || "(none)"}`);
      }
      host.push({ desc, fn: fn as (...args: unknown[]) => unknown, what });
      pairs.push([iface, desc.name]);
    };
    if (typeof value === "function") add("", key, value);
    else if (typeof value === "object" && value !== null) {
      for (const [name, fn] of Object.entries(value as Record<string, unknown>)) add(key, name, fn);
    } else {
      throw wasmError("WasiError", `instantiate: imports[${JSON.stringify(key)}] must be a function or an object of functions, got ${describe(value)}`);
    }
  }
  const token = ops.op_wasm_component_begin(raw, json, JSON.stringify(pairs));
  const provisional = { host } as unknown as ComponentInstance;
  await drive(token, host, provisional, false);
  return new ComponentInstance(ops.op_wasm_component_end(token), host);
}
