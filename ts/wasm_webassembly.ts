// runtime:wasm/webassembly — internal to the runtime (see wasm_values.ts): Kiln's `WebAssembly`
// global, the standard JS API on wasmtime, so that npm libraries that call
// `WebAssembly.instantiate` (hash-wasm, ...) run at runtime:wasm's speed instead of the JS
// engine's interpreter's. Kiln's start (runtime/js/seal.js) calls `install()`.
//
// It is runtime:wasm underneath: the same ops, capability checks and limits (`[capabilities.wasm]
// load` to compile or validate, `execute` to instantiate; `timeout_ms`, `max_memory_bytes` and the
// rest apply to every instance). What the JS API adds on top: its argument coercions (ToInt32,
// ToBigInt64, ...), its errors (CompileError, LinkError, RuntimeError, each with Kiln's `code`),
// `Memory`, `Global` and `Table` objects, and the exception a JS import throws reaching the caller
// of the export unchanged.
//
// A `Memory`, `Table` or mutable `Global` made in JS is made in the store of the first instance
// that imports it (runtime:wasm/objects, runtime:wasm/table); an exported table of function
// references or `externref`s is served by ops (runtime:wasm/table). WASI imports come from the
// import object, as every import does: a WASI written in JS replaces Kiln's own for that instance
// (ext_wasm/src/link.rs). A module that imports a memory, table, global or function of an instance
// on wasmtime (or one such object made in JS that another instance adopted) is instantiated into
// that instance's store (ext_wasm/src/join.rs), where wasmtime links it directly: two instances
// share one memory and one table (emscripten's dynamic linking), and a call from one into the
// other's function does not go through JS. What wasmtime cannot do is handed to the engine's
// interpreter instead (correct, slower; runtime:wasm/interpreted): a module that exports a 64-bit
// table or a table of anything but function references and `externref`s, that exports more than
// one memory, whose function imports pass a `v128` or a `funcref`, or that imports the
// interpreter's memory, table or global. An `externref` is any JS value, kept by the number wasmtime carries
// (runtime:wasm/values, `refId`), so wasm-bindgen's reference-type glue runs on wasmtime.
// Exception handling's `Tag`, `Exception` and `JSTag` are runtime:wasm/exception's: exceptions
// cross between JS and the guest both ways, as in V8.

import { driveInstantiationSync } from "runtime:wasm/host";
import { interpretedExports, isInterpretedFunction, toInterpreter } from "runtime:wasm/interpreted";
import { driveInstantiation } from "runtime:wasm/host-drive";
import { type HostTable, hostTable } from "runtime:wasm/host-table";
import { type SplitImports, splitImports } from "runtime:wasm/import-object";
import {
  coded,
  CompileError,
  exportFunction,
  functionIndex,
  Global,
  interpreterApi,
  LinkError,
  Memory,
  RuntimeError,
  setMaterialize,
  shareError,
  standard,
  toResults,
  toWasm,
} from "runtime:wasm/objects";
import {
  checkPreamble,
  copyBytes,
  type Descriptor,
  Module,
  mutableGlobal,
  needsInterpreter,
  unwrap,
} from "runtime:wasm/module-object";
import { jsImport } from "runtime:wasm/coerce";
import { Exception, JSTag, Tag, throwExceptionsAsThemselves } from "runtime:wasm/exception";
import { promisingCall, Suspending, SuspendError, suspendingImport } from "runtime:wasm/jspi";
import { setSameStore, Table } from "runtime:wasm/table";
import { codes, jsTypes, newRefs, ops, REFS, type Refs, reserving, reservingNow } from "runtime:wasm/values";
import { HOST_OBJECT } from "runtime:wasm/import-object";


// ---- instances ------------------------------------------------------------------------------

/** The instantiate options of every instance: the JS API runs a module's start section and
 * nothing else, so a WASI reactor's `_initialize` is the glue's to call (node:wasi's and
 * browser WASI shims' `initialize()` do), not Kiln's. */
const JS_API = JSON.stringify({ initialize: false });

/** Drops an instance's store once its `Instance`, exports and memory objects are all collected. */
const instances = new FinalizationRegistry<number>((raw) => ops.op_wasm_instance_forget(raw, false));

/** What the instances of one wasmtime store share on the JS side: the table of their JS host
 * functions, numbered across the store (null until one of them has a host import), and the JS
 * values the store holds as `externref`s (runtime:wasm/values, `Refs`), which only the store's
 * keepers hold: a value that refers back to an instance is garbage with it. */
interface StoreRecord {
  table: HostTable | null;
  readonly refs: Refs;
}

/** What each of an instance's exports holds to keep its wasmtime instance (registered in
 * `instances`), with the record of its store, which the instances that joined the store share.
 * The exports hold this, not the `Instance` (which holds them): a cycle would wait for the JS
 * engine's cycle collector, and the instances it kept would count against `max_instances`
 * meanwhile. The record is its field, not a WeakMap's value under it: its host functions often
 * refer back to the instance (emscripten's glue does), and a weak map's value that reaches its key
 * keeps it: quickjs-ng's WeakMap class has no mark function, so its cycle collector takes the
 * values for roots. */
class Keeper {
  /** The instance's reclaim token (ext_wasm/src/reclaim.rs): freed with the keeper, it has the
   * instance dropped at the next instantiation, even in a script that never yields to `instances`'
   * callbacks (a loop of `new WebAssembly.Instance`). */
  readonly token: unknown;

  constructor(readonly store: StoreRecord | null, raw: number) {
    this.token = raw !== 0 ? ops.op_wasm_reclaim_token(raw, false) : undefined;
  }

  /** The store's JS values, for runtime:wasm/objects and runtime:wasm/table (`refsOf`). */
  get [REFS](): Refs | null {
    return this.store?.refs ?? null;
  }
}

/** A keeper of instance `raw` (0: none, an interpreter's) in `store`. */
function keeper(raw: number, store: StoreRecord | null): Keeper {
  const kept = new Keeper(store, raw);
  if (raw !== 0) instances.register(kept, raw);
  return kept;
}

/** The store record of the instance `owner` keeps, if it is a keeper of this module's. */
function storeOf(owner: object | null): StoreRecord | undefined {
  return owner instanceof Keeper ? owner.store ?? undefined : undefined;
}

/** The store a module's instance joins: the store, and an instance id in it (alive: the import
 * that names it keeps that instance's keeper). */
interface Join {
  store: StoreRecord;
  anchor: number;
}

/** The join that importing `value`, a bound Memory, Table or Global, means, given the one found
 * so far. */
function joinFor(value: Memory | Table | Global | Tag, what: string, found: Join | null): Join {
  const [owner, anchor] = value instanceof Memory
    ? Memory.owner(value)
    : value instanceof Table
    ? Table.owner(value)
    : value instanceof Tag
    ? Tag.owner(value)
    : Global.owner(value);
  const store = storeOf(owner);
  if (store === undefined) {
    if (value instanceof Tag) throw new LinkError(`${what}: this tag's instance is gone; import the tag of a live instance`);
    throw shareError(what, value instanceof Memory ? "memory" : value instanceof Table ? "table" : "global");
  }
  if (found !== null && found.store !== store) {
    throw new LinkError(
      `${what}: this belongs to another group of linked instances than the module's other imports; ` +
        "wasmtime links instances only within one store, so a module can import the memories, tables and " +
        "globals of one group only",
    );
  }
  return found ?? { store, anchor };
}

/** The join of a module that imports no bound Memory or Global: the store of the first function
 * it imports that is another wasmtime instance's (linked directly, not called through JS). */
function joinByFunction(imports: Descriptor[], values: unknown[]): Join | null {
  for (let n = 0; n < imports.length; n++) {
    const known = imports[n].kind === "function" ? functionIndex.get(values[n] as Function) : undefined;
    const store = known === undefined ? undefined : storeOf(known.owner);
    if (known !== undefined && store !== undefined) return { store, anchor: known.raw };
  }
  return null;
}

/** Reads an import object the way the JS API does: the value for each import of the module. */
function readImports(module: Module, importObject: unknown): { values: unknown[]; interpreted: string; join: Join | null } {
  const { imports, exports, refTables } = Module.shape(module);
  if (imports.length > 0 && (importObject === null || typeof importObject !== "object") && typeof importObject !== "function") {
    throw new TypeError("WebAssembly.Instance: the module has imports, so an import object is required");
  }
  let interpreted = needsInterpreter(imports, exports, refTables);
  let join: Join | null = null;
  const values = imports.map((i) => {
    const namespace = (importObject as Record<string, unknown>)[i.module ?? ""];
    if (namespace === null || (typeof namespace !== "object" && typeof namespace !== "function")) {
      throw new TypeError(`WebAssembly.Instance: import module "${i.module}" (of "${i.name}") is not an object`);
    }
    const value = (namespace as Record<string, unknown>)[i.name];
    const what = `import "${i.module}" "${i.name}"`;
    switch (i.kind) {
      case "function":
        if (value instanceof Suspending) break;
        if (typeof value !== "function") throw new LinkError(`${what}: a function import needs a callable`);
        break;
      case "global":
        if (mutableGlobal(i)) {
          if (!(value instanceof Global) || (Global.state(value) === "pending" && !Global.mutable(value))) {
            throw new LinkError(`${what}: a mutable global import needs a mutable WebAssembly.Global`);
          }
          if (Global.state(value) === "interpreted") interpreted ||= "it imports the interpreter's global";
          else if (Global.state(value) === "bound") join = joinFor(value, what, join);
        } else if (!(value instanceof Global) && typeof value !== "number" && typeof value !== "bigint") {
          throw new LinkError(`${what}: a global import needs a number, a bigint or a WebAssembly.Global`);
        }
        break;
      case "memory":
        if (!(value instanceof Memory)) throw new LinkError(`${what}: a memory import needs a WebAssembly.Memory`);
        if (Memory.state(value) === "interpreted") interpreted ||= "it imports the interpreter's memory";
        else if (Memory.state(value) === "bound") join = joinFor(value, what, join);
        break;
      case "table":
        if (!(value instanceof Table)) throw new LinkError(`${what}: a table import needs a WebAssembly.Table`);
        if (Table.state(value) === "interpreted") interpreted ||= "it imports the interpreter's table";
        else if (Table.state(value) === "bound") join = joinFor(value, what, join);
        break;
      case "tag":
        if (!(value instanceof Tag)) throw new LinkError(`${what}: a tag import needs a WebAssembly.Tag`);
        if (Tag.bound(value)) join = joinFor(value, what, join);
        break;
    }
    return value;
  });
  return { values, interpreted, join: join ?? joinByFunction(imports, values) };
}

/** The host namespaces for runtime:wasm's ops: JS functions wrapped to the JS API's coercions;
 * with `join`, the functions of the store joined as that store's own (ext_wasm/src/join.rs). */
function hostImports(module: Module, values: unknown[], join: Join | null): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  Module.shape(module).imports.forEach((i, n) => {
    const namespace = (out[i.module ?? ""] ??= {});
    const value = values[n];
    const known = join === null || i.kind !== "function" ? undefined : functionIndex.get(value as Function);
    if (known !== undefined && storeOf(known.owner) === join?.store) {
      namespace[i.name] = { [HOST_OBJECT]: () => ["extern", [known.raw, "function", known.index]] };
    } else if (i.kind === "function" && value instanceof Suspending) {
      const results = jsTypes(i.results ?? []);
      const settle = (settled: unknown) => results.length === 1 ? toWasm(results[0], settled) : toResults(results, settled);
      namespace[i.name] = suspendingImport(Suspending.target(value), (i.params ?? []).length, settle);
    } else if (i.kind === "function") {
      namespace[i.name] = jsImport(value as (...args: unknown[]) => unknown, (i.params ?? []).length, jsTypes(i.results ?? []));
    } else if (i.kind === "memory" || i.kind === "table" || i.kind === "tag" || (i.kind === "global" && mutableGlobal(i))) {
      // A Memory, Table, Tag or mutable Global: the store makes it, or has it (its HOST_OBJECT
      // answer says which).
      namespace[i.name] = value;
    } else {
      namespace[i.name] = value instanceof Global ? value.value : value;
    }
  });
  return out;
}

/**
 * What instantiating `module` with `importObject` takes: the interpreter's import object, when
 * the interpreter runs it, else the module's id, the imports split for runtime:wasm's ops, and the
 * tags it imports (the one object of each: an instance that exports one of them exports it).
 */
function plan(
  module: Module,
  importObject: unknown,
): { id: number; split: SplitImports; interpreted: WebAssembly.Imports | null; join: Join | null; tags: Tag[] } {
  const { values, interpreted, join } = readImports(module, importObject);
  const id = Module.id(module);
  const suspending = values.findIndex((v) => v instanceof Suspending);
  if (interpreted !== "" && suspending !== -1) {
    const i = Module.shape(module).imports[suspending];
    throw new LinkError(
      `import "${i.module}" "${i.name}": a WebAssembly.Suspending import needs the module to run on wasmtime, ` +
        `and this one runs on the JS engine's interpreter (${interpreted}), which cannot suspend`,
    );
  }
  if (interpreted !== "") {
    return { id, split: splitImports(undefined), interpreted: toInterpreter(module, values, interpreted), join: null, tags: [] };
  }
  // Before any of the instance's code runs (its start function may throw).
  throwExceptionsAsThemselves((message) => new RuntimeError(message));
  const tags = values.filter((v): v is Tag => v instanceof Tag);
  return { id, split: splitImports(hostImports(module, values, join), true), interpreted: null, join, tags };
}

/** The pending objects the new store made (or the joined store, numbering its host imports from
 * `offset`), now standing for what it made. A table hands out the instance's exports as they are
 * (`functions`, which `wasmtimeExports` fills) and calls JS through `host`. */
function adoptAll(
  split: SplitImports,
  owner: object,
  raw: number,
  functions: Map<number, Function>,
  host: HostTable | null,
  offset = 0,
): void {
  for (const [index, object, name] of split.adopted) {
    if (object instanceof Memory) Memory.adopted(object, owner, raw, offset + index);
    else if (object instanceof Global) Global.adopted(object, owner, raw, offset + index);
    else if (object instanceof Table) Table.adopted(object, owner, raw, offset + index, name, functions, host);
    else if (object instanceof Tag) Tag.adopted(object, owner, raw, offset + index);
  }
}

/** The store's table of host functions with a joining module's added: the table, and the number
 * its first host import has there. */
function joinTable(store: StoreRecord, split: SplitImports, id: number): { table: HostTable; offset: number } {
  const added = hostTable(split, [id], store.refs);
  if (store.table === null) {
    store.table = added;
    return { table: added, offset: 0 };
  }
  const offset = store.table.fns.length;
  for (const f of added.fns) store.table.add(f);
  return { table: store.table, offset };
}

/** The table a joined instance's exports are called with: the store's, once it has a JS function
 * (an export may reach one through another instance's function); else none, for the fast path. */
function callTable(store: StoreRecord): HostTable | null {
  return store.table !== null && store.table.fns.some((f) => f !== null) ? store.table : null;
}

/** Set while an `Instance` is made for `instantiate` (async) or from the interpreter's. */
let made: { exports: Record<string, unknown> } | null = null;

class Instance {
  /** Each holds the instance's keeper (`keeper`); an instance that exports nothing can do
   * nothing more once made, and its `Instance` does not keep it. */
  #exports: Record<string, unknown>;

  constructor(module: Module, importObject?: unknown) {
    if (made !== null) {
      this.#exports = made.exports;
      made = null;
      return;
    }
    if (new.target === undefined) throw new TypeError("WebAssembly.Instance must be called with new");
    const { id, split, interpreted, join, tags } = plan(unwrap(module), importObject);
    if (interpreted !== null) {
      const Original = interpreterApi().Instance;
      this.#exports = interpretedExports(new Original(Module.interpreted(module), interpreted));
      return;
    }
    let raw: number;
    let table: HostTable | null = null;
    const refs = join === null ? newRefs() : join.store.refs;
    try {
      if (join !== null) {
        const { table: all, offset } = joinTable(join.store, split, id);
        const token = reservingNow(() => ops.op_wasm_instance_join(join.anchor, id, split.host, offset, true));
        raw = driveInstantiationSync(token, all, ops.op_wasm_instance_joined);
        const functions = new Map<number, Function>();
        const kept = keeper(raw, join.store);
        adoptAll(split, kept, raw, functions, join.store.table, offset);
        this.#exports = wasmtimeExports(kept, raw, callTable(join.store), Module.shape(module).refTables ?? [], functions, tags);
        return;
      }
      if (split.host === "") {
        raw = reservingNow(() => ops.op_wasm_instance_create_sync(id, JS_API, "", refs.key));
      } else {
        table = hostTable(split, [id], refs);
        const token = reservingNow(() => ops.op_wasm_instance_begin(id, JS_API, "", split.host, refs.key));
        raw = driveInstantiationSync(token, table, ops.op_wasm_instance_end);
      }
    } catch (e) {
      throw standard(e, refs);
    }
    const functions = new Map<number, Function>();
    const kept = keeper(raw, { table, refs });
    adoptAll(split, kept, raw, functions, table);
    this.#exports = wasmtimeExports(kept, raw, table, Module.shape(module).refTables ?? [], functions, tags);
  }

  get exports(): Record<string, unknown> {
    return this.#exports;
  }

  /** An Instance over exports made elsewhere (async instantiate, the interpreter); `raw`: its
   * wasmtime instance (0: none), `store`: its store's record, `build` gets its keeper. */
  static adopt(build: (owner: object) => Record<string, unknown>, raw: number, store: StoreRecord | null): Instance {
    made = { exports: {} };
    const instance = new Instance(undefined as unknown as Module);
    const kept = keeper(raw, store);
    instance.#exports = build(kept);
    return instance;
  }
}

/** The exports of a wasmtime instance: its functions, its memory, its globals, its tags and its
 * tables. `functions` gets its functions by export index: its tables (and those it adopted) hand
 * these out as they are (runtime:wasm/table). A tag it exports that it imported is that import's
 * object (`tags`). */
function wasmtimeExports(
  owner: object,
  raw: number,
  table: HostTable | null,
  refTables: string[],
  functions: Map<number, Function>,
  tags: Tag[],
): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  let memory: Memory | null = null;
  const exports = ops.op_wasm_instance_exports(raw);
  let tables = false;
  exports.forEach((e, index) => {
    if (e.kind === "function") {
      const fn = exportFunction(owner, raw, index, e.name, jsTypes(e.params ?? []), jsTypes(e.results ?? []), table);
      out[e.name] = fn;
      functions.set(index, fn);
    }
    else if (e.kind === "memory") out[e.name] = memory ??= Memory.bind(owner, raw);
    else if (e.kind === "global") out[e.name] = Global.bind(owner, raw, e.name);
    else if (e.kind === "tag") out[e.name] = Tag.exported(owner, raw, e.name, tags);
    else if (e.kind === "table") tables = true;
  });
  if (tables) {
    for (const e of exports) {
      if (e.kind === "table") out[e.name] = Table.bind(owner, raw, e.name, functions, table, refTables.includes(e.name));
    }
  }
  return Object.freeze(out);
}

// ---- the namespace ---------------------------------------------------------------------------

async function compile(source: unknown): Promise<Module> {
  const copy = copyBytes(source, "WebAssembly.compile");
  checkPreamble(copy, "WebAssembly.compile");
  let id: number;
  try {
    // Compiled for the engine its instances run on (ext_wasm/src/module.rs, `js_api_engine`).
    id = await ops.op_wasm_module_compile(copy, true);
  } catch (e) {
    throw standard(e, null);
  }
  return Module.compiled(id, copy);
}

async function instantiateModule(module: Module, importObject: unknown): Promise<Instance> {
  const { id, split, interpreted, join, tags } = plan(module, importObject);
  if (interpreted !== null) {
    const original = await interpreterApi().instantiate(Module.interpreted(module), interpreted);
    return Instance.adopt(() => interpretedExports(original), 0, null);
  }
  let raw: number;
  let table: HostTable | null = null;
  const refs = join === null ? newRefs() : join.store.refs;
  try {
    if (join !== null) {
      const { table: all, offset } = joinTable(join.store, split, id);
      const joined = reserving(() => ops.op_wasm_instance_join(join.anchor, id, split.host, offset, false));
      raw = await driveInstantiation(joined instanceof Promise ? await joined : joined, all, ops.op_wasm_instance_joined);
      return Instance.adopt((owner) => {
        const functions = new Map<number, Function>();
        adoptAll(split, owner, raw, functions, join.store.table, offset);
        return wasmtimeExports(owner, raw, callTable(join.store), Module.shape(module).refTables ?? [], functions, tags);
      }, raw, join.store);
    }
    if (split.host === "") {
      const made = reserving(() => ops.op_wasm_instance_create(id, JS_API, "", refs.key));
      raw = (made instanceof Promise ? await made : made) ?? await ops.op_wasm_call_unfinished();
    } else {
      table = hostTable(split, [id], refs);
      const begun = reserving(() => ops.op_wasm_instance_begin(id, JS_API, "", split.host, refs.key));
      raw = await driveInstantiation(begun instanceof Promise ? await begun : begun, table, ops.op_wasm_instance_end);
    }
  } catch (e) {
    throw standard(e, refs);
  }
  return Instance.adopt((owner) => {
    const functions = new Map<number, Function>();
    adoptAll(split, owner, raw, functions, table);
    return wasmtimeExports(owner, raw, table, Module.shape(module).refTables ?? [], functions, tags);
  }, raw, { table, refs });
}

async function instantiate(source: unknown, importObject?: unknown): Promise<unknown> {
  if (source instanceof Module) return instantiateModule(source, importObject);
  const module = await compile(source);
  return { module, instance: await instantiateModule(module, importObject) };
}

function validate(source: unknown): boolean {
  const copy = copyBytes(source, "WebAssembly.validate");
  // The op checks `[capabilities.wasm] load` first, whatever the bytes.
  const valid = ops.op_wasm_module_validate(copy);
  try {
    checkPreamble(copy, "WebAssembly.validate");
  } catch {
    return false;
  }
  return valid;
}

async function compileStreaming(source: unknown): Promise<Module> {
  const response = (await source) as { arrayBuffer(): Promise<ArrayBuffer> };
  return compile(await response.arrayBuffer());
}

async function instantiateStreaming(source: unknown, importObject?: unknown): Promise<unknown> {
  const response = (await source) as { arrayBuffer(): Promise<ArrayBuffer> };
  return instantiate(await response.arrayBuffer(), importObject);
}

/**
 * `WebAssembly.promising(fn)`: an exported function as one that returns a promise of its result,
 * and whose `Suspending` imports may suspend it (runtime:wasm/jspi). An instance without JS
 * imports cannot suspend: its call runs at once, and the promise holds its outcome.
 */
function promising(fn: unknown): (...args: unknown[]) => Promise<unknown> {
  const known = typeof fn === "function" ? functionIndex.get(fn) : undefined;
  if (known === undefined && !isInterpretedFunction(fn)) {
    throw coded(new TypeError("WebAssembly.promising(): Argument 0 must be a WebAssembly exported function"), codes.TypeError);
  }
  const exported = fn as (...args: unknown[]) => unknown;
  const name = exported.name;
  const wrapped = (...args: unknown[]): Promise<unknown> => {
    const store = known === undefined ? undefined : storeOf(known.owner);
    const table = store === undefined ? null : callTable(store);
    if (known === undefined || table === null) {
      try {
        return Promise.resolve(Reflect.apply(exported, undefined, args));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const { raw, index, params, results } = known;
    return promisingCall({ raw, index, name, params, results, table, coerce: toWasm, standard }, args);
  };
  Object.defineProperty(wrapped, "name", { value: name });
  Object.defineProperty(wrapped, "length", { value: exported.length });
  return wrapped;
}

const namespace: Record<string | symbol, unknown> = {};
const members: Record<string, unknown> = {
  Module,
  Instance,
  Memory,
  Table,
  Global,
  CompileError,
  LinkError,
  RuntimeError,
  validate,
  compile,
  instantiate,
  compileStreaming,
  instantiateStreaming,
  Suspending,
  SuspendError,
  promising,
  Tag,
  Exception,
  JSTag,
};
for (const [name, value] of Object.entries(members)) {
  Object.defineProperty(namespace, name, { value, writable: true, configurable: true, enumerable: false });
}
Object.defineProperty(namespace, Symbol.toStringTag, { value: "WebAssembly", configurable: true });
// `Object.prototype.toString` names them as the JS API's own ("[object WebAssembly.Memory]").
for (const [name, constructor] of Object.entries({ Module, Instance, Memory, Table, Global, Tag, Exception })) {
  Object.defineProperty(constructor.prototype, Symbol.toStringTag, { value: `WebAssembly.${name}`, configurable: true });
}

// A table's set and grow store a function of another instance of its store directly.
setSameStore((a, b) => b !== null && storeOf(a) !== undefined && storeOf(a) === storeOf(b));

/** LEB128 of an unsigned 32-bit number. */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

// A JS-made memory whose buffer is read before any module imports it is made on wasmtime then,
// as the `memory` export of `(module (memory (export "memory") initial maximum?))`.
setMaterialize((initial, maximum) => {
  const limits = maximum === null ? [0x00, ...leb(initial)] : [0x01, ...leb(initial), ...leb(maximum)];
  const memorySection = [0x01, ...limits];
  const exportSection = [0x01, 0x06, ...new TextEncoder().encode("memory"), 0x02, 0x00];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x05, ...leb(memorySection.length), ...memorySection,
    0x07, ...leb(exportSection.length), ...exportSection,
  ]);
  try {
    const instance = new Instance(new Module(bytes));
    return instance.exports.memory as Memory;
  } catch {
    // Not granted, or over a limit: the memory stays in JS until a module imports it.
    return null;
  }
});

/**
 * Makes `globalThis.WebAssembly` Kiln's, unless the embedder keeps the engine's
 * (`KILN_WEBASSEMBLY=interpreter`). Called on every start (runtime/js/seal.js): this module is
 * evaluated once, into the start-up snapshot, and the choice is the run's.
 */
export function install(): void {
  if (!ops.op_wasm_webassembly_on_wasmtime()) return;
  Object.defineProperty(globalThis, "WebAssembly", { value: namespace, writable: true, configurable: true, enumerable: false });
}
