// runtime:wasm/objects — internal to the runtime (see wasm_values.ts): the parts of Kiln's
// `WebAssembly` global (wasm_webassembly.ts) that stand for values: the JS API's error classes and
// value coercions, and what an instance exports: its functions and its `Memory` and `Global`
// objects (its `Table` objects are runtime:wasm/table's).
//
// A `Memory` or `Global` is one of three things:
// - made in JS and not yet imported ("pending"): its bytes or value live in JS. The first module
//   that imports it adopts it: wasmtime makes the memory or mutable global in that instance's
//   store (ext_wasm/src/link.rs, `HostValue::Memory`), and the object stands for that from then
//   on. A memory whose `buffer` JS reads (or that JS grows) before that is made on wasmtime then,
//   as the memory an instance of a module of its own exports: emscripten's glue makes its views
//   of the memory before it instantiates, and they must stay the memory's.
// - an export of an instance on wasmtime, or adopted by one ("bound"): reads and writes go
//   through ops. A module that imports it is instantiated into that instance's store
//   (ext_wasm/src/join.rs), since wasmtime links only within one store.
// - the interpreter's: a shared memory, a global of a reference type, or anything an instance
//   run by the interpreter exports or imports.

import { coded, toNumber, toWasm } from "runtime:wasm/coerce";
import { CARRIED, NOT_THROWN, passesAsThrown, takeCarried, thrownOf } from "runtime:wasm/exception";
import { jsApiExportFunction } from "runtime:wasm/host-exports";
import type { HostTable } from "runtime:wasm/host-table";
import { HOST_OBJECT } from "runtime:wasm/import-object";
import { codes, decode, encode, EXPORT_INDEX_LIMIT, guardAlias, isNumberType, JS_REF, ops, type Refs, refsOf } from "runtime:wasm/values";

export { coded, toResults, toWasm } from "runtime:wasm/coerce";

/** The engine's own `WebAssembly` (ext_wasm/js/webassembly.js gated it), for what wasmtime cannot do. */
// deno-lint-ignore no-explicit-any
export const interpreter = (globalThis as any).WebAssembly as typeof WebAssembly | undefined;


type ErrorClass = new (message?: string, options?: ErrorOptions) => Error;

/** The JS API's error classes, also matching the interpreter's (`instanceof`). */
function errorClass(name: "CompileError" | "LinkError" | "RuntimeError", code: number): ErrorClass {
  const original = interpreter?.[name];
  const made = {
    [name]: class extends Error {
      constructor(message?: string, options?: ErrorOptions) {
        super(message, options);
        coded(this, code);
      }
      static [Symbol.hasInstance](value: unknown): boolean {
        return Function.prototype[Symbol.hasInstance].call(this, value) ||
          (typeof original === "function" && value instanceof original);
      }
    },
  }[name];
  Object.defineProperty(made.prototype, "name", { value: name, writable: true, configurable: true });
  return made;
}

export const CompileError = errorClass("CompileError", codes.CompileError);
export const LinkError = errorClass("LinkError", codes.InstantiateError);
export const RuntimeError = errorClass("RuntimeError", codes.CallError);

/** An op's coded error as the JS API's class: 5000 CompileError, 5001 LinkError, 5002 RuntimeError
 * (or, when a JS import threw, that very exception); a 5001 of the start function (its `stage`)
 * is the RuntimeError or exception it is. One that carries an exception the guest did not catch
 * is that exception (runtime:wasm/exception), as is what a synchronous op threw for one
 * (CARRIED), its JS values those of `refs`, the values of the store it came out of. Other codes
 * (limits, capabilities) stay. */
export function standard(error: unknown, refs: Refs | null): unknown {
  if (error === CARRIED) return takeCarried(refs);
  if (passesAsThrown(error, true)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (!(error instanceof Error)) return error;
  const thrown = thrownOf(error, refs);
  if (thrown !== NOT_THROWN) return thrown;
  switch (code) {
    case codes.CompileError:
      return new CompileError(error.message);
    case codes.InstantiateError:
      if (typeof (error as { stage?: unknown }).stage !== "string") return new LinkError(error.message);
      return Object.hasOwn(error, "cause") ? error.cause : new RuntimeError(error.message);
    case codes.CallError:
      return Object.hasOwn(error, "cause") ? error.cause : new RuntimeError(error.message);
    default:
      return error;
  }
}


/** The interpreter's API (present: it is asked for only where `interpreter` was found). */
export function interpreterApi(): typeof WebAssembly {
  if (interpreter === undefined) {
    throw new LinkError("this needs the JS engine's own WebAssembly, which this runtime does not have");
  }
  return interpreter;
}

/** The LinkError for a memory, global or table that cannot be linked where it is imported: one
 * of an instance on wasmtime given to a module the interpreter runs (`why` says why it does), or
 * the interpreter's given where wasmtime needs its own. */
export function shareError(what: string, kind: string, why = ""): Error {
  const where = why === ""
    ? `this ${kind} is the JS engine's interpreter's (a shared one, or one an instance the interpreter runs made)`
    : `this ${kind} belongs to an instance Kiln runs on wasmtime, and the importing module runs on the JS engine's ` +
      `interpreter because ${why}`;
  return new LinkError(
    `${what}: ${where}; the two cannot share it. Link such modules with runtime:wasm's ` +
      "instantiate(moduleId, { imports: { name: otherModuleId } })",
  );
}

const PAGE = 65536;

function pages(value: unknown, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > PAGE) {
    throw new TypeError(`WebAssembly.Memory: ${what} must be a number of 64 KiB pages from 0 to 65536, got ${String(value)}`);
  }
  return n;
}

/** What a Memory or Global stands for; see the module comment. */
type State = "pending" | "bound" | "interpreted";

/** Set while a Memory or Global is made over an instance's or the interpreter's object. */
let binding: { owner: object | null; raw: number; name: string; original: unknown } | null = null;

function bound<T>(make: () => T, owner: object | null, raw: number, name: string, original: unknown): T {
  binding = { owner, raw, name, original };
  try {
    return make();
  } finally {
    binding = null;
  }
}

/** Detaches a pending memory's old buffer (ES2024's `transfer`, where the engine has it). */
function detach(buffer: ArrayBuffer): void {
  const transfer = (buffer as { transfer?: () => ArrayBuffer }).transfer;
  if (typeof transfer === "function") Reflect.apply(transfer, buffer, []);
}

/** Whether any byte of `buffer` is not zero. */
function written(buffer: ArrayBuffer): boolean {
  const words = new Float64Array(buffer, 0, buffer.byteLength >>> 3);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0 || Object.is(words[i], -0)) return true;
  return false;
}

export class Memory implements HostObjectLike {
  #raw = 0;
  /** Which memory of the instance (ext_wasm/src/memory_view.rs, `memory_of`). */
  #which = 0;
  /** Keeps the instance (and so its store) alive while the memory object is. */
  #owner: object | null = null;
  #original: WebAssembly.Memory | null = null;
  #pending: { max: number | null; buffer: ArrayBuffer; handedOut: boolean } | null = null;
  #buffer: ArrayBuffer | null = null;

  constructor(descriptor: WebAssembly.MemoryDescriptor) {
    if (binding !== null) {
      ({ raw: this.#raw, owner: this.#owner } = binding);
      this.#original = binding.original as WebAssembly.Memory | null;
      return;
    }
    if (new.target === undefined) throw new TypeError("WebAssembly.Memory must be called with new");
    if (descriptor === null || typeof descriptor !== "object") {
      throw new TypeError("WebAssembly.Memory: the descriptor must be an object ({ initial, maximum? })");
    }
    const initial = pages(descriptor.initial, "initial");
    const maximum = descriptor.maximum === undefined ? null : pages(descriptor.maximum, "maximum");
    if (maximum !== null && maximum < initial) {
      throw new RangeError(`WebAssembly.Memory: maximum ${maximum} is below initial ${initial}`);
    }
    if (descriptor.shared) {
      // Threads: wasmtime's shared memories are not handed to JS; the interpreter has them.
      const Original = interpreterApi().Memory;
      this.#original = new Original(descriptor);
      return;
    }
    this.#pending = { max: maximum, buffer: new ArrayBuffer(initial * PAGE), handedOut: false };
  }

  get buffer(): ArrayBuffer {
    if (this.#original !== null) return this.#original.buffer;
    if (this.#pending !== null && !this.#materialize()) {
      this.#pending.handedOut = true;
      return this.#pending.buffer;
    }
    try {
      // The JS API's rule: growth detaches this buffer (ext_wasm/src/memory_view.rs).
      const buffer = ops.op_wasm_memory_buffer(this.#raw, this.#which, true);
      if (buffer !== this.#buffer) {
        guardAlias(buffer);
        this.#buffer = buffer;
      }
      return buffer;
    } catch (e) {
      throw standard(e, null);
    }
  }

  grow(delta: number): number {
    if (this.#original !== null) return this.#original.grow(delta);
    const more = Number(delta);
    if (!Number.isInteger(more) || more < 0 || more > PAGE) {
      throw new TypeError(`WebAssembly.Memory.grow: ${String(delta)} is not a number of pages (0 to 65536)`);
    }
    const pending = this.#pending !== null && !this.#materialize() ? this.#pending : null;
    if (pending !== null) {
      const before = pending.buffer.byteLength / PAGE;
      if (before + more > (pending.max ?? PAGE)) {
        throw coded(new RangeError(`WebAssembly.Memory.grow: ${before} + ${more} pages is over the maximum`), codes.MemoryError);
      }
      const bigger = new ArrayBuffer((before + more) * PAGE);
      new Uint8Array(bigger).set(new Uint8Array(pending.buffer));
      // The old buffer is detached, as the JS API does on growth.
      detach(pending.buffer);
      pending.buffer = bigger;
      return before;
    }
    try {
      return ops.op_wasm_memory_grow_sync(this.#raw, this.#which, more);
    } catch (e) {
      const error = e as Error & { code?: number };
      if (error.code !== codes.MemoryError) throw e;
      throw coded(new RangeError(`WebAssembly.Memory.grow: ${error.message}`), error.code);
    }
  }

  /** Makes a pending memory on wasmtime, if this runtime can (runtime:wasm/webassembly's `materialize`):
   * whether it did. Its bytes are all zero: nothing has read or written them yet. */
  #materialize(): boolean {
    const pending = this.#pending;
    if (pending === null || materialize === null || pending.handedOut) return false;
    const made = materialize(pending.buffer.byteLength / PAGE, pending.max);
    if (made === null) return false;
    this.#pending = null;
    this.#raw = made.#raw;
    this.#which = made.#which;
    this.#owner = made.#owner;
    return true;
  }

  /** A pending memory as the importing store makes it: empty, with its current size; a bound one
   * as the memory of its store that a joining module imports. */
  [HOST_OBJECT](): [string, unknown] {
    const pending = this.#pending;
    if (pending === null) {
      if (this.#original !== null) throw shareError("WebAssembly.Memory", "memory");
      return ["extern", [this.#raw, "memory", this.#which]];
    }
    if (pending.handedOut && written(pending.buffer)) {
      throw new LinkError(
        "WebAssembly.Memory: this memory was written before a module imported it; Kiln makes it in the " +
          "importing instance's store, empty: write to it after instantiating",
      );
    }
    return ["memory", [pending.buffer.byteLength / PAGE, pending.max]];
  }

  static state(memory: Memory): State {
    return memory.#pending !== null ? "pending" : memory.#original !== null ? "interpreted" : "bound";
  }

  /** The instance a bound memory keeps alive, and so the store it is in; and that instance's id. */
  static owner(memory: Memory): [object | null, number] {
    return [memory.#owner, memory.#raw];
  }

  /** A pending memory, now made in the store of instance `raw` for host import `index`. */
  static adopted(memory: Memory, owner: object, raw: number, index: number): void {
    const pending = memory.#pending;
    if (pending === null) return;
    detach(pending.buffer);
    memory.#pending = null;
    memory.#raw = raw;
    memory.#which = index + 1;
    memory.#owner = owner;
  }

  static bind(owner: object, raw: number): Memory {
    return bound(() => new Memory({ initial: 0 }), owner, raw, "", null);
  }

  static wrap(original: WebAssembly.Memory): Memory {
    return bound(() => new Memory({ initial: 0 }), null, 0, "", original);
  }

  /** The interpreter's memory: a pending one moves there with its bytes; a bound one cannot. */
  static interpreted(memory: Memory): WebAssembly.Memory | null {
    const pending = memory.#pending;
    if (pending !== null) {
      const Original = interpreterApi().Memory;
      const size = pending.buffer.byteLength / PAGE;
      const original = new Original(pending.max === null ? { initial: size } : { initial: size, maximum: pending.max });
      new Uint8Array(original.buffer).set(new Uint8Array(pending.buffer));
      memory.#original = original;
      memory.#pending = null;
    }
    return memory.#original;
  }
}

/** Makes a memory on wasmtime: the `memory` export of a new instance (runtime:wasm/webassembly
 * sets it); null if it cannot (no `execute` grant, say). */
let materialize: ((initial: number, maximum: number | null) => Memory | null) | null = null;

export function setMaterialize(make: (initial: number, maximum: number | null) => Memory | null): void {
  materialize = make;
}

/** The value types a Global keeps itself (others are the interpreter's). */
const NUMBER_TYPES = new Set(["i32", "i64", "f32", "f64"]);

export class Global implements HostObjectLike {
  #raw = 0;
  #name = "";
  /** For a global made in a store for a JS Global: its host import number (else -1). */
  #adopted = -1;
  #owner: object | null = null;
  #original: WebAssembly.Global | null = null;
  #pending: { type: string; mutable: boolean; value: number | bigint } | null = null;
  #type = "";
  #slot = new Uint8Array(8);

  constructor(descriptor: WebAssembly.GlobalDescriptor, value?: unknown) {
    if (binding !== null) {
      ({ raw: this.#raw, owner: this.#owner, name: this.#name } = binding);
      this.#original = binding.original as WebAssembly.Global | null;
      return;
    }
    if (new.target === undefined) throw new TypeError("WebAssembly.Global must be called with new");
    if (descriptor === null || typeof descriptor !== "object") {
      throw new TypeError("WebAssembly.Global: the descriptor must be an object ({ value, mutable? })");
    }
    const type = String(descriptor.value);
    if (!NUMBER_TYPES.has(type)) {
      const Original = interpreterApi().Global;
      this.#original = new Original(descriptor, value);
      return;
    }
    const initial = value === undefined ? (type === "i64" ? 0n : 0) : toNumber(type, value);
    this.#pending = { type, mutable: Boolean(descriptor.mutable), value: initial };
  }

  get value(): unknown {
    if (this.#original !== null) return this.#original.value;
    if (this.#pending !== null) return this.#pending.value;
    try {
      // An externref global holds a JS value (runtime:wasm/values, JS_REF).
      const type = ops.op_wasm_global_get(this.#raw, this.#name, this.#adopted, this.#slot);
      this.#type = type === "externref" ? JS_REF : type;
    } catch (e) {
      throw standard(e, refsOf(this.#owner));
    }
    return decode(new DataView(this.#slot.buffer), 0, this.#type, refsOf(this.#owner));
  }

  set value(value: unknown) {
    if (this.#original !== null) {
      this.#original.value = value;
      return;
    }
    const pending = this.#pending;
    if (pending !== null) {
      if (!pending.mutable) throw coded(new TypeError("WebAssembly.Global: this global is immutable"), codes.TypeError);
      pending.value = toNumber(pending.type, value);
      return;
    }
    if (this.#type === "") void this.value;
    const converted = toWasm(this.#type, value);
    const refs = refsOf(this.#owner);
    encode(new DataView(this.#slot.buffer), 0, this.#type, converted, `global \`${this.#name}\``, refs);
    try {
      ops.op_wasm_global_set(this.#raw, this.#name, this.#adopted, this.#slot);
    } catch (e) {
      const error = e as Error & { code?: number };
      throw error.code === codes.TypeError ? coded(new TypeError(error.message), error.code) : e;
    }
  }

  valueOf(): unknown {
    return this.value;
  }

  /** A pending mutable global as the importing store makes it, with its current value; a bound
   * one as the global of its store that a joining module imports. */
  [HOST_OBJECT](): [string, unknown] {
    if (this.#pending === null) {
      if (this.#original !== null) throw shareError("WebAssembly.Global", "global");
      return ["extern", [this.#raw, "global", this.#adopted >= 0 ? this.#adopted : this.#name]];
    }
    const value = this.#pending.value;
    if (typeof value === "bigint") return ["mutable", value.toString()];
    if (!Number.isFinite(value)) {
      throw new LinkError(`WebAssembly.Global: a mutable global holding ${value} cannot be imported by Kiln's WebAssembly`);
    }
    return ["mutable", value];
  }

  static state(global: Global): State {
    return global.#pending !== null ? "pending" : global.#original !== null ? "interpreted" : "bound";
  }

  /** As `Memory.owner`. */
  static owner(global: Global): [object | null, number] {
    return [global.#owner, global.#raw];
  }

  static mutable(global: Global): boolean {
    return global.#pending?.mutable ?? false;
  }

  /** A pending mutable global, now made in the store of instance `raw` for host import `index`. */
  static adopted(global: Global, owner: object, raw: number, index: number): void {
    if (global.#pending === null) return;
    global.#type = global.#pending.type;
    global.#pending = null;
    global.#raw = raw;
    global.#adopted = index;
    global.#owner = owner;
  }

  static bind(owner: object, raw: number, name: string): Global {
    return bound(() => new Global({ value: "i32" }), owner, raw, name, null);
  }

  static wrap(original: WebAssembly.Global): Global {
    return bound(() => new Global({ value: "i32" }), null, 0, "", original);
  }

  /** The interpreter's global: a pending one moves there with its value; a bound one cannot. */
  static interpreted(global: Global): WebAssembly.Global | null {
    const pending = global.#pending;
    if (pending !== null) {
      const Original = interpreterApi().Global;
      global.#original = new Original({ value: pending.type as "i32", mutable: pending.mutable }, pending.value);
      global.#pending = null;
    }
    return global.#original;
  }
}

/** Keeps an export's Instance (and so its store) alive while the export is reachable. */
const OWNER = Symbol("kiln.instance");

/** Each function of an instance on wasmtime, with the instance and the index it is called by:
 * what a `WebAssembly.Table` of that instance stores for it (runtime:wasm/table). */
export const functionIndex = new WeakMap<
  Function,
  { owner: object; raw: number; index: number; params: readonly string[]; results: readonly string[] }
>();

/** One exported function with the JS API's coercions, on runtime:wasm's synchronous call ops. */
export function exportFunction(
  owner: object,
  raw: number,
  index: number,
  name: string,
  params: readonly string[],
  results: readonly string[],
  table: HostTable | null,
): (...args: unknown[]) => unknown {
  let fn: (...args: unknown[]) => unknown;
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  // The store's JS values: `externref`s, and the exceptions out of the guest that carry them.
  const refs = refsOf(owner);
  if (table === null && params.length <= 3 && results.length <= 1 && params.every(isNumberType) &&
    results.every(isNumberType) && index < EXPORT_INDEX_LIMIT && Number.isSafeInteger(packed)) {
    // The common shape: numbers in, at most one number out, no buffer. ToInt32 is `| 0`, ToNumber
    // is unary `+`; the op narrows an f32.
    const none = results.length === 0;
    const [i0, i1, i2] = [params[0] === "i32", params[1] === "i32", params[2] === "i32"];
    const call0 = ops.op_wasm_instance_call_numbers0;
    const call1 = ops.op_wasm_instance_call_numbers1;
    const call2 = ops.op_wasm_instance_call_numbers2;
    const call3 = ops.op_wasm_instance_call_numbers;
    switch (params.length) {
      case 0:
        fn = () => {
          try {
            const r = call0(packed);
            return none ? undefined : r;
          } catch (e) {
            throw standard(e, refs);
          }
        };
        break;
      case 1:
        fn = (a?: unknown) => {
          const x = i0 ? (a as number) | 0 : +(a as number);
          try {
            const r = call1(packed, x);
            return none ? undefined : r;
          } catch (e) {
            throw standard(e, refs);
          }
        };
        break;
      case 2:
        fn = (a?: unknown, b?: unknown) => {
          const x = i0 ? (a as number) | 0 : +(a as number);
          const y = i1 ? (b as number) | 0 : +(b as number);
          try {
            const r = call2(packed, x, y);
            return none ? undefined : r;
          } catch (e) {
            throw standard(e, refs);
          }
        };
        break;
      default:
        fn = (a?: unknown, b?: unknown, c?: unknown) => {
          const x = i0 ? (a as number) | 0 : +(a as number);
          const y = i1 ? (b as number) | 0 : +(b as number);
          const z = i2 ? (c as number) | 0 : +(c as number);
          try {
            const r = call3(packed, x, y, z);
            return none ? undefined : r;
          } catch (e) {
            throw standard(e, refs);
          }
        };
    }
  } else if (table !== null) {
    // A store with JS imports: runtime:wasm's driver serves them.
    fn = jsApiExportFunction({ raw, index, name, params, results, table, coerce: toWasm, standard });
  } else {
    // Any other shape (i64, more parameters, several results): arguments and results in slots.
    const bytes = new Uint8Array(Math.max(params.length, results.length, 1) * 8);
    const view = new DataView(bytes.buffer);
    const call = ops.op_wasm_instance_call_sync;
    fn = (...args: unknown[]) => {
      for (let i = 0; i < params.length; i++) encode(view, i, params[i], toWasm(params[i], args[i]), name, refs);
      try {
        call(raw, index, bytes);
      } catch (e) {
        throw standard(e, refs);
      }
      if (results.length === 0) return undefined;
      if (results.length === 1) return decode(view, 0, results[0], refs);
      return results.map((type, i) => decode(view, i, type, refs));
    };
  }
  Object.defineProperty(fn, "name", { value: name });
  Object.defineProperty(fn, "length", { value: params.length });
  Object.defineProperty(fn, OWNER, { value: owner });
  functionIndex.set(fn, { owner, raw, index, params, results });
  return fn;
}

/** What `splitImports` asks a pending object (runtime:wasm/host, `HOST_OBJECT`). */
interface HostObjectLike {
  [HOST_OBJECT](): [string, unknown];
}
