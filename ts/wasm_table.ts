// runtime:wasm/table — internal to the runtime (see wasm_values.ts): `WebAssembly.Table` for
// Kiln's `WebAssembly` global (wasm_webassembly.ts). A table is one of two things:
// - a table of function references an instance on wasmtime exports ("bound"), such as the
//   `__indirect_function_table` emscripten's glue reads function pointers from: `length`, `get`,
//   `set` and `grow` go through ops (ext_wasm/src/table.rs). A function `get` returns is called
//   like an export, with the same checks and limits; it is the same JS function each time, and
//   the export's own function when the module exports it. Inside one of the instance's imports
//   (emscripten's `invoke_*`), while the guest holds the store, the ops go through that import's
//   host call, and so do calls of the functions.
// - a table of `externref`s an instance on wasmtime exports (wasm-bindgen's, built with reference
//   types): it holds JS values, by the numbers runtime:wasm/values keeps them under (`refId`).
// - the interpreter's: a table made in JS, or one an instance the interpreter runs exports (a
//   module that imports a table runs there).

import type { HostTable } from "runtime:wasm/host";
import { exportFunction, functionIndex, interpreterApi, standard } from "runtime:wasm/objects";
import { jsTypes, ops, refId, refValue } from "runtime:wasm/values";

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

export class Table {
  #original: WebAssembly.Table | null = null;
  #owner: object | null = null;
  #raw = 0;
  #name = "";
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
    const Original = interpreterApi().Table;
    try {
      this.#original = new Original(descriptor, value);
    } catch (e) {
      if (!(e instanceof Error) || !/not implemented/.test(e.message)) throw e;
      throw new TypeError(
        "new WebAssembly.Table(...): Kiln cannot make a table in JS; a table the module exports (such as " +
          "emscripten's __indirect_function_table) works: build the module to export its table instead of importing one",
      );
    }
  }

  get length(): number {
    if (this.#original !== null) return this.#original.length;
    try {
      return ops.op_wasm_table_size(this.#raw, this.#name);
    } catch (e) {
      throw standard(e);
    }
  }

  get(index: number): unknown {
    if (this.#original !== null) return this.#original.get(index);
    const i = toU32(index, "the index");
    if (this.#refs) {
      try {
        return refValue(ops.op_wasm_table_get_ref(this.#raw, this.#name, i));
      } catch (e) {
        throw this.#rangeOr(e);
      }
    }
    let found: { index: number; params: string[]; results: string[] } | null;
    try {
      found = ops.op_wasm_table_get(this.#raw, this.#name, i);
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
    if (this.#refs) {
      // The JS API's default for a table of externrefs is undefined (a value), not null.
      try {
        ops.op_wasm_table_set_ref(this.#raw, this.#name, i, refId(arguments.length < 2 ? undefined : value));
      } catch (e) {
        throw this.#rangeOr(e);
      }
      return;
    }
    value ??= null;
    const element = this.#element(value);
    try {
      if (typeof element === "number") ops.op_wasm_table_set(this.#raw, this.#name, i, element);
      else ops.op_wasm_table_set_js(this.#raw, this.#name, i, element.host, element.params, element.results);
    } catch (e) {
      throw this.#rangeOr(e);
    }
    if (typeof element !== "number") this.#remember(i, value as Function);
  }

  grow(delta: number, value?: unknown): number {
    if (this.#original !== null) return this.#original.grow(delta, value ?? null);
    const n = toU32(delta, "the delta");
    // A table of externrefs grows with undefined when no value is given, one of functions with null.
    const element = this.#refs ? refId(arguments.length < 2 ? undefined : value) : this.#element(value ?? null);
    let old: number;
    try {
      old = this.#refs
        ? ops.op_wasm_table_grow_ref(this.#raw, this.#name, n, element as number)
        : typeof element === "number"
        ? ops.op_wasm_table_grow(this.#raw, this.#name, n, element)
        : ops.op_wasm_table_grow_js(this.#raw, this.#name, n, element.host, element.params, element.results);
    } catch (e) {
      const error = standard(e);
      // The JS API's error for a table that cannot grow that far.
      if (error instanceof TypeError && /cannot grow/.test(error.message)) throw new RangeError(error.message);
      throw error;
    }
    if (typeof element !== "number" && n > 0) this.#remember(old, value as Function);
    return old;
  }

  /**
   * What `set` and `grow` store: -1 for null, the index of one of this instance's functions, or,
   * for a function of another instance on wasmtime (emscripten's `addFunction` of a JS function
   * wraps it in an instance of its own), a host function of this instance's store that calls it.
   */
  #element(value: unknown): number | { host: number; params: string; results: string } {
    if (value === null) return -1;
    const known = typeof value === "function" ? functionIndex.get(value) : undefined;
    if (known !== undefined && known.raw === this.#raw) return known.index;
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
        // The caller the host call adds last is not one of the function's arguments.
        fn: (...args: unknown[]) => fn(...args.slice(0, count)),
        name: `${this.#name} element (${fn.name})`,
        params: known.params,
        results: known.results,
      });
      added.set(value as Function, host);
    }
    return { host, params: known.params.join(","), results: known.results.join(",") };
  }

  /** After storing another instance's function at `at`: `get(at)` gives that function back. */
  #remember(at: number, value: Function): void {
    const found = ops.op_wasm_table_get(this.#raw, this.#name, at);
    if (found !== null) this.#functions.set(found.index, value);
  }

  /** A RangeError for an index past the end, as the JS API throws; else the op's error. */
  #rangeOr(e: unknown): unknown {
    const error = standard(e);
    return error instanceof TypeError && /so there is no element/.test(error.message) ? new RangeError(error.message) : error;
  }

  /** The table `name` an instance on wasmtime exports; `functions` are its exports by index;
   * `refs` for a table of `externref`s. */
  static bind(owner: object, raw: number, name: string, functions: Map<number, Function>, host: HostTable | null, refs: boolean): Table {
    return make({ original: null, owner, raw, name, functions, host, refs });
  }

  static wrap(original: WebAssembly.Table): Table {
    return make({ original, owner: null, raw: 0, name: "", functions: new Map(), host: null, refs: false });
  }

  /** The interpreter's table, or null for one bound to an instance on wasmtime. */
  static interpreted(table: Table): WebAssembly.Table | null {
    return table.#original;
  }
}

function make(what: NonNullable<typeof binding>): Table {
  binding = what;
  try {
    return new Table({ element: "anyfunc", initial: 0 });
  } finally {
    binding = null;
  }
}
