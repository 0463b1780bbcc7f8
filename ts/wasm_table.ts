// runtime:wasm/table — internal to the runtime (see wasm_values.ts): `WebAssembly.Table` for
// Kiln's `WebAssembly` global (wasm_webassembly.ts). A table is one of these:
// - made in JS and not yet imported ("pending"): its elements live in JS. The first module that
//   imports it adopts it: wasmtime makes the table in that instance's store (ext_wasm/src/link.rs,
//   `HostValue::Table`), and the object stands for that from then on; a module that imports it
//   later joins that store (ext_wasm/src/join.rs). This is emscripten's dynamic linking: the main
//   module and each side module share one `__indirect_function_table` made in JS.
// - a table of function references an instance on wasmtime exports or adopted ("bound"), such as
//   the `__indirect_function_table` emscripten's glue reads function pointers from: `length`,
//   `get`, `set` and `grow` go through ops (ext_wasm/src/table_ops.rs). A function `get` returns
//   is called like an export, with the same checks and limits; it is the same JS function each
//   time, and the export's own function when the module exports it. Inside one of the instance's
//   imports (emscripten's `invoke_*`), while the guest holds the store, the ops go through that
//   import's host call, and so do calls of the functions.
// - a table of `externref`s an instance on wasmtime exports or adopted (wasm-bindgen's, built with
//   reference types): it holds JS values, by the numbers its store's `Refs` keeps them under
//   (runtime:wasm/values, `refId`).
// - the interpreter's: one an instance the interpreter runs exports.

import type { HostTable } from "runtime:wasm/host-table";
import { HOST_OBJECT } from "runtime:wasm/import-object";
import { coded, exportFunction, functionIndex, LinkError, shareError, standard } from "runtime:wasm/objects";
import { codes, jsTypes, ops, refId, refsOf } from "runtime:wasm/values";

/** The host function that calls another instance's function, once per function and store. */
const foreign = new WeakMap<HostTable, Map<Function, number>>();

/** Set while a Table is made over an instance's or the interpreter's table. */
let binding: {
  original: WebAssembly.Table | null;
  owner: object | null;
  raw: number;
  name: string;
  functions: Map<number, Function>;
  host: HostTable | null;
  refs: boolean;
} | null = null;

/** The JS API's `[EnforceRange] unsigned long` for an index, a delta or a length. */
function toU32(value: unknown, what: string): number {
  const n = Number(value);
  const i = Math.trunc(n);
  if (!Number.isFinite(n) || i < 0 || i > 0xffffffff) {
    throw new TypeError(`WebAssembly.Table: ${what} must be a whole number from 0 to 2^32 - 1, got ${String(value)}`);
  }
  return i;
}

/** A JS-made table's elements, before a module imports it. */
interface Pending {
  refs: boolean;
  max: number | null;
  elements: unknown[];
}

export class Table {
  #original: WebAssembly.Table | null = null;
  #pending: Pending | null = null;
  #owner: object | null = null;
  #raw = 0;
  #name = "";
  /** For a table made in a store for a JS-made Table: its host import number (else -1). */
  #adopted = -1;
  /** The instance's functions by the index they are called with (its exports, then the table's). */
  #functions: Map<number, Function> = new Map();
  #host: HostTable | null = null;
  /** A table of `externref`s: it holds JS values. */
  #refs = false;

  constructor(descriptor: WebAssembly.TableDescriptor, value?: unknown) {
    if (binding !== null) {
      ({
        original: this.#original,
        owner: this.#owner,
        raw: this.#raw,
        name: this.#name,
        functions: this.#functions,
        host: this.#host,
        refs: this.#refs,
      } = binding);
      return;
    }
    if (new.target === undefined) throw new TypeError("WebAssembly.Table must be called with new");
    if (descriptor === null || typeof descriptor !== "object") {
      throw new TypeError('WebAssembly.Table: the descriptor must be an object ({ element: "anyfunc", initial, maximum? })');
    }
    const element = String(descriptor.element);
    if (element !== "anyfunc" && element !== "funcref" && element !== "externref") {
      throw new TypeError(`WebAssembly.Table: element must be "anyfunc" or "externref", got "${element}"`);
    }
    const initial = toU32(descriptor.initial, "initial");
    const max = descriptor.maximum === undefined ? null : toU32(descriptor.maximum, "maximum");
    if (max !== null && max < initial) throw new RangeError(`WebAssembly.Table: maximum ${max} is below initial ${initial}`);
    const refs = element === "externref";
    // A table of externrefs is filled with undefined when no value is given, one of functions with null.
    const fill = refs ? value : pendingFunction(value ?? null);
    this.#pending = { refs, max, elements: new Array(initial).fill(fill) };
  }

  get length(): number {
    if (this.#original !== null) return this.#original.length;
    if (this.#pending !== null) return this.#pending.elements.length;
    try {
      return ops.op_wasm_table_size(this.#raw, this.#name, this.#adopted);
    } catch (e) {
      throw standard(e, null);
    }
  }

  get(index: number): unknown {
    if (this.#original !== null) return this.#original.get(index);
    const i = toU32(index, "the index");
    const pending = this.#pending;
    if (pending !== null) {
      if (i >= pending.elements.length) {
        throw new RangeError(`WebAssembly.Table.get: the table has ${pending.elements.length} elements, so there is no element ${i}`);
      }
      return pending.elements[i];
    }
    if (this.#refs) {
      let id: number;
      try {
        id = ops.op_wasm_table_get_ref(this.#raw, this.#name, this.#adopted, i);
      } catch (e) {
        throw this.#rangeOr(e);
      }
      // The value as it is: `undefined` is one (a table of externrefs grows with it).
      const refs = refsOf(this.#owner);
      return refs === null ? null : refs.value(id);
    }
    let found: { index: number; params: string[]; results: string[] } | null;
    try {
      found = ops.op_wasm_table_get(this.#raw, this.#name, this.#adopted, i);
    } catch (e) {
      throw this.#rangeOr(e);
    }
    if (found === null) return null;
    let fn = this.#functions.get(found.index);
    if (fn === undefined) {
      fn = exportFunction(this.#owner!, this.#raw, found.index, String(i), jsTypes(found.params), jsTypes(found.results), this.#host);
      this.#functions.set(found.index, fn);
    }
    return fn;
  }

  set(index: number, value?: unknown): void {
    if (this.#original !== null) return this.#original.set(index, value ?? null);
    const i = toU32(index, "the index");
    const pending = this.#pending;
    if (pending !== null) {
      if (i >= pending.elements.length) {
        throw new RangeError(`WebAssembly.Table.set: the table has ${pending.elements.length} elements, so there is no element ${i}`);
      }
      pending.elements[i] = pending.refs ? (arguments.length < 2 ? undefined : value) : pendingFunction(value ?? null);
      return;
    }
    if (this.#refs) {
      // The JS API's default for a table of externrefs is undefined (a value), not null.
      try {
        const id = refId(refsOf(this.#owner), arguments.length < 2 ? undefined : value);
        ops.op_wasm_table_set_ref(this.#raw, this.#name, this.#adopted, i, id);
      } catch (e) {
        throw this.#rangeOr(e);
      }
      return;
    }
    value ??= null;
    const element = this.#element(value);
    try {
      if (typeof element !== "number" && "of" in element) {
        ops.op_wasm_table_set(this.#raw, this.#name, this.#adopted, i, element.index, element.of);
      } else if (typeof element === "number") ops.op_wasm_table_set(this.#raw, this.#name, this.#adopted, i, element, 0);
      else ops.op_wasm_table_set_js(this.#raw, this.#name, this.#adopted, i, element.host, element.params, element.results);
    } catch (e) {
      throw this.#rangeOr(e);
    }
    if (typeof element !== "number") this.#remember(i, value as Function);
  }

  grow(delta: number, value?: unknown): number {
    if (this.#original !== null) return this.#original.grow(delta, value ?? null);
    const n = toU32(delta, "the delta");
    const pending = this.#pending;
    if (pending !== null) {
      const old = pending.elements.length;
      if (old + n > (pending.max ?? 0xffffffff)) {
        throw new RangeError(`WebAssembly.Table.grow: ${old} + ${n} elements is over the maximum, ${pending.max}`);
      }
      const fill = pending.refs ? (arguments.length < 2 ? undefined : value) : pendingFunction(value ?? null);
      for (let k = 0; k < n; k++) pending.elements.push(fill);
      return old;
    }
    // A table of externrefs grows with undefined when no value is given, one of functions with null.
    const element = this.#refs
      ? refId(refsOf(this.#owner), arguments.length < 2 ? undefined : value)
      : this.#element(value ?? null);
    let old: number;
    try {
      old = this.#refs
        ? ops.op_wasm_table_grow_ref(this.#raw, this.#name, this.#adopted, n, element as number)
        : typeof element === "number"
        ? ops.op_wasm_table_grow(this.#raw, this.#name, this.#adopted, n, element, 0)
        : "of" in element
        ? ops.op_wasm_table_grow(this.#raw, this.#name, this.#adopted, n, element.index, element.of)
        : ops.op_wasm_table_grow_js(this.#raw, this.#name, this.#adopted, n, element.host, element.params, element.results);
    } catch (e) {
      const error = standard(e, null);
      // The JS API's error for a table that cannot grow that far.
      if (error instanceof TypeError && /cannot grow/.test(error.message)) throw new RangeError(error.message);
      throw error;
    }
    if (typeof element !== "number" && n > 0) this.#remember(old, value as Function);
    return old;
  }

  /**
   * What `set` and `grow` store: -1 for null, the index of one of this instance's functions, that
   * of a function of another instance of its store (`of`), or, for a function of an instance on
   * wasmtime in another store (emscripten's `addFunction` of a JS function wraps it in an instance
   * of its own), a host function of this instance's store that calls it.
   */
  #element(value: unknown): number | { index: number; of: number } | { host: number; params: string; results: string } {
    if (value === null) return -1;
    const known = typeof value === "function" ? functionIndex.get(value) : undefined;
    if (known !== undefined && known.raw === this.#raw) return known.index;
    if (known !== undefined && sameStore !== null && sameStore(known.owner, this.#owner)) return { index: known.index, of: known.raw };
    if (known === undefined || this.#host === null) {
      throw new TypeError(
        "WebAssembly.Table: a table of an instance Kiln runs on wasmtime holds null, that instance's own functions " +
          "(its exports, and functions taken out of its tables), and the exported functions of other instances if the " +
          "module has JS imports; not other JS functions",
      );
    }
    let added = foreign.get(this.#host);
    if (added === undefined) foreign.set(this.#host, added = new Map());
    let host = added.get(value as Function);
    if (host === undefined) {
      const fn = value as (...args: unknown[]) => unknown;
      const count = known.params.length;
      host = this.#host.add({
        // Called with its parameters only, as the store's other functions (the `WebAssembly`
        // global's imports) are.
        fn: (...args: unknown[]) => fn(...args.slice(0, count)),
        name: `${this.#name} element (${fn.name})`,
        params: known.params,
        results: known.results,
        noCaller: true,
      });
      added.set(value as Function, host);
    }
    return { host, params: known.params.join(","), results: known.results.join(",") };
  }

  /** After storing another instance's function at `at`: `get(at)` gives that function back. */
  #remember(at: number, value: Function): void {
    const found = ops.op_wasm_table_get(this.#raw, this.#name, this.#adopted, at);
    if (found !== null) this.#functions.set(found.index, value);
  }

  /** A RangeError for an index past the end, as the JS API throws; else the op's error. */
  #rangeOr(e: unknown): unknown {
    const error = standard(e, null);
    return error instanceof TypeError && /so there is no element/.test(error.message) ? new RangeError(error.message) : error;
  }

  /** The table `name` an instance on wasmtime exports; `functions` are its exports by index;
   * `refs` for a table of `externref`s. */
  static bind(owner: object, raw: number, name: string, functions: Map<number, Function>, host: HostTable | null, refs: boolean): Table {
    return make({ original: null, owner, raw, name, functions, host, refs });
  }

  /** A pending table as the importing store makes it, empty; a bound one as the table of its store
   * that a joining module imports. */
  [HOST_OBJECT](): [string, unknown] {
    const pending = this.#pending;
    if (pending === null) {
      if (this.#original !== null) throw shareError("WebAssembly.Table", "table");
      return ["extern", [this.#raw, "table", this.#adopted >= 0 ? this.#adopted : this.#name]];
    }
    // A table of functions must be empty: the functions of a pending table are of other stores.
    // A table of externrefs gets its JS values once made (`adopted`).
    if (!pending.refs && !pending.elements.every((e) => e === null)) {
      throw new LinkError(
        "WebAssembly.Table: this table was given elements before a module imported it; Kiln makes it in the " +
          "importing instance's store, empty: set its elements after instantiating",
      );
    }
    return ["table", [pending.elements.length, pending.max, pending.refs ? "externref" : "anyfunc"]];
  }

  static state(table: Table): "pending" | "bound" | "interpreted" {
    return table.#pending !== null ? "pending" : table.#original !== null ? "interpreted" : "bound";
  }

  /** As `Memory.owner`. */
  static owner(table: Table): [object | null, number] {
    return [table.#owner, table.#raw];
  }

  /** A pending table, now made in the store of instance `raw` for host import `index`; `name` is
   * the import's, for messages; `functions` the instance's exports by index. */
  static adopted(table: Table, owner: object, raw: number, index: number, name: string, functions: Map<number, Function>, host: HostTable | null): void {
    const pending = table.#pending;
    if (pending === null) return;
    table.#pending = null;
    table.#refs = pending.refs;
    table.#owner = owner;
    table.#raw = raw;
    table.#adopted = index;
    table.#name = name;
    table.#functions = functions;
    table.#host = host;
    // An externref table's values go in now (a function table was refused unless empty).
    if (pending.refs) {
      const refs = refsOf(owner);
      pending.elements.forEach((value, i) => {
        if (value !== null) ops.op_wasm_table_set_ref(raw, name, index, i, refId(refs, value));
      });
    }
  }

  static wrap(original: WebAssembly.Table): Table {
    return make({ original, owner: null, raw: 0, name: "", functions: new Map(), host: null, refs: false });
  }

  /** The interpreter's table, or null for one of wasmtime or a pending one (this engine's
   * interpreter makes no tables in JS). */
  static interpreted(table: Table): WebAssembly.Table | null {
    return table.#original;
  }
}

/** Whether two instances' owners share a store (runtime:wasm/webassembly sets it). */
let sameStore: ((a: object, b: object | null) => boolean) | null = null;

export function setSameStore(test: (a: object, b: object | null) => boolean): void {
  sameStore = test;
}

/** A function element of a pending table: null, or a function of an instance on wasmtime (the JS
 * API takes only exported WebAssembly functions). */
function pendingFunction(value: unknown): unknown {
  if (value === null || (typeof value === "function" && functionIndex.has(value))) return value;
  throw coded(
    new TypeError("WebAssembly.Table: a table of functions holds null and exported WebAssembly functions only"),
    codes.TypeError,
  );
}

function make(what: NonNullable<typeof binding>): Table {
  binding = what;
  try {
    return new Table({ element: "anyfunc", initial: 0 });
  } finally {
    binding = null;
  }
}
