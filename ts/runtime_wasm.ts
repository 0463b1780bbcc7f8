// runtime:wasm — load, link, call and sandbox WebAssembly.
//
// The ops (ext_wasm/src) do the work and every capability check; this module converts values by
// each export's real signature and shapes the API of the contract. It is the one source of the
// public functions and classes: ts/runtime_wasm.d.ts is generated from it and from the Rust types
// it re-exports (`./x typings`), so every exported item carries its JSDoc here. Two internal
// modules hold the rest: the checks and conversions of values (./wasm_values.ts, served as
// `runtime:wasm/values`) and the synchronous functions of `instance.exports` (./wasm_exports.ts,
// `runtime:wasm/exports`), and two parts of the public API: processes (./wasm_process.ts,
// `runtime:wasm/process`) and pools (./wasm_pool.ts, `runtime:wasm/pool`).

import type { ErrorCodes, ExportInfo, ModuleImport, WasiConfig } from "kiln:internal";
import {
  arityError,
  checkFloat,
  checkInt32,
  checkInt64,
  codes,
  configJson,
  decode,
  decodeResults,
  describe,
  encode,
  encodeArgs,
  EXPORT_INDEX_LIMIT,
  guardAlias,
  isNumberType,
  numberArg,
  ops,
  rawId,
  toBytes,
  toIndex,
  wasmError,
} from "runtime:wasm/values";
import { exportFunction } from "runtime:wasm/exports";
import { callHost, drive, hostExportFunction, type HostTable, hostTable, splitImports } from "runtime:wasm/host";
import {
  type ComponentHostFunction,
  type ComponentHostNamespace,
  type ComponentInstance,
  instantiateComponent,
} from "runtime:wasm/component";

export type {
  ErrorCodes,
  ExportInfo,
  ExportKind,
  ExportValueType,
  ModuleImport,
  ExitReason,
  OpaqueValueType,
  Preopen,
  ProcessStatus,
  WasiConfig,
  WasmValueType,
} from "kiln:internal";

// Processes and pools live in parts of this module (./wasm_process.ts, ./wasm_pool.ts); the
// typings generator reads their public items from there.
export {
  type ProcessOutput,
  spawn,
  type SpawnOptions,
  WasmProcess,
  WasmProcessInput,
  WasmProcessOutput,
} from "runtime:wasm/process";
export { createPool, type PoolOptions, WasmPool } from "runtime:wasm/pool";
export {
  ComponentError,
  type ComponentExports,
  type ComponentHostFunction,
  type ComponentHostNamespace,
  type ComponentMember,
  type ComponentResource,
} from "runtime:wasm/component";

/**
 * A number or bigint tagged with the WebAssembly type it is passed as; made by {@link types}.
 *
 * @example
 * ```ts
 * const big: WasmValue = types.i64(9007199254740993n);
 * ```
 */
export type WasmValue =
  | { readonly type: "i32"; readonly value: number }
  | { readonly type: "i64"; readonly value: bigint }
  | { readonly type: "f32"; readonly value: number }
  | { readonly type: "f64"; readonly value: number };

/**
 * An argument of {@link WasmInstance.call}: a number (i32, f32, f64), a bigint (i64), or a value
 * tagged by {@link types}. Each is checked against the export's signature before the call.
 *
 * @example
 * ```ts
 * const args: WasmArg[] = [1, 2n, types.f32(0.5)];
 * await instance.call("mix", ...args);
 * ```
 */
export type WasmArg = number | bigint | WasmValue;

/**
 * A result of {@link WasmInstance.call}: i32, f32 and f64 results are numbers, i64 results are
 * bigints.
 *
 * @example
 * ```ts
 * const [count] = await instance.call("count");
 * const n = typeof count === "bigint" ? Number(count) : count;
 * ```
 */
export type WasmResult = number | bigint;

/**
 * What a function of {@link WasmInstance.exports} returns, as a `WebAssembly` export does: its one
 * result, `undefined` when it has none, or an array when it has several.
 *
 * @example
 * ```ts
 * const sum = instance.exports.add<number>(1, 2);
 * ```
 */
export type WasmReturn = WasmResult | WasmResult[] | undefined;

/**
 * A function export called synchronously. Name the return type when you know the signature:
 * `exports.add<number>(1, 2)`; that is an assertion, as with `as`. It throws the errors that
 * {@link WasmInstance.call} rejects with.
 *
 * @example
 * ```ts
 * const add: WasmFunction = instance.exports.add;
 * console.log(add<number>(2, 3));
 * ```
 */
export type WasmFunction = <R extends WasmReturn = WasmReturn>(...args: WasmArg[]) => R;

/**
 * The function exports of an instance by name (see {@link WasmInstance.exports}).
 *
 * @example
 * ```ts
 * const { add, divmod }: WasmExports = instance.exports;
 * const [q, r] = divmod<[number, number]>(17, 5);
 * ```
 */
export interface WasmExports {
  readonly [name: string]: WasmFunction;
}

/**
 * The `name` of an error `runtime:wasm` raises: a key of {@link errorCodes}.
 *
 * @example
 * ```ts
 * const retryable: ErrorName[] = ["FuelExhausted"];
 * ```
 */
export type ErrorName = keyof ErrorCodes;

/**
 * An error raised by `runtime:wasm` (and `runtime:fs`). `name` and `code` say what failed; the
 * message says what to do. TypeError (5007) errors are also `instanceof TypeError`.
 *
 * @example
 * ```ts
 * try {
 *   await compileFile("./missing.wasm");
 * } catch (e) {
 *   if (isWasmError(e) && e.code === errorCodes.IoError) console.log("no such file");
 * }
 * ```
 */
export interface WasmError extends Error {
  /** The error's name, e.g. `"PermissionDenied"`. */
  readonly name: ErrorName;
  /** The error's number, e.g. `5009`. */
  readonly code: ErrorCodes[ErrorName];
  /** For a CallError from a WASI program that exited non-zero: its exit status. */
  readonly exitCode?: number;
}

/**
 * The numeric `code` of every error, by name (5000-5011).
 *
 * @example
 * ```ts
 * console.log(errorCodes.PermissionDenied); // 5009
 * ```
 */
export const errorCodes: ErrorCodes = codes;

/**
 * Whether `error` is an error raised by `runtime:wasm` or `runtime:fs`, so that its `code` can be
 * read in a `catch` block.
 *
 * @example
 * ```ts
 * try {
 *   await instance.call("run");
 * } catch (e) {
 *   if (isWasmError(e) && e.name === "FuelExhausted") console.log("out of fuel");
 *   else throw e;
 * }
 * ```
 */
export function isWasmError(error: unknown): error is WasmError {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return Object.prototype.hasOwnProperty.call(errorCodes, error.name) &&
    (errorCodes as unknown as Record<string, number>)[error.name] === code;
}

/**
 * Makers of {@link WasmValue}s: use them to say which WebAssembly type a JS value is passed as.
 * Each checks its argument and throws TypeError (5007) if it does not fit.
 *
 * @example
 * ```ts
 * const t: TypeHelpers = types;
 * await instance.call("circle_area", t.f64(3.14159));
 * ```
 */
export interface TypeHelpers {
  /**
   * An i32: an integer in [-2^31, 2^32) (values from 2^31 up wrap to negative in the guest).
   *
   * @example
   * ```ts
   * await instance.call("add", types.i32(2), types.i32(3));
   * ```
   */
  i32(value: number): WasmValue;
  /**
   * An i64: a bigint in [-2^63, 2^64).
   *
   * @example
   * ```ts
   * await instance.call("large_add", types.i64(9007199254740992n), types.i64(1n));
   * ```
   */
  i64(value: bigint): WasmValue;
  /**
   * An f32 (rounded to single precision).
   *
   * @example
   * ```ts
   * await instance.call("scale", types.f32(0.5));
   * ```
   */
  f32(value: number): WasmValue;
  /**
   * An f64.
   *
   * @example
   * ```ts
   * await instance.call("circle_area", types.f64(3.14159));
   * ```
   */
  f64(value: number): WasmValue;
}

/**
 * Explicit value types for {@link WasmInstance.call} arguments.
 *
 * @example
 * ```ts
 * const [result] = await instance.call("large_add", types.i64(9007199254740992n), types.i64(1n));
 * ```
 */
export const types: TypeHelpers = {
  i32(value: number): WasmValue {
    return { type: "i32", value: checkInt32(value, "types.i32") };
  },
  i64(value: bigint): WasmValue {
    return { type: "i64", value: checkInt64(value, "types.i64") };
  },
  f32(value: number): WasmValue {
    return { type: "f32", value: checkFloat(value, "types.f32") };
  },
  f64(value: number): WasmValue {
    return { type: "f64", value: checkFloat(value, "types.f64") };
  },
};

/**
 * Compiles WebAssembly bytes (or WAT text, as bytes) into a module.
 *
 * @param bytes The module's binary (or its WAT source).
 * @returns The module's id, for {@link instantiate} and {@link dropModule}.
 * @throws {WasmError} PermissionDenied (5009) unless the manifest grants `[capabilities.wasm] load`.
 * @throws {WasmError} CompileError (5000) if the bytes are not a valid module.
 * @throws {WasmError} TypeError (5007) if `bytes` is not a Uint8Array.
 * @example
 * ```ts
 * import { compile, instantiate } from "runtime:wasm";
 * import { readBytes } from "runtime:fs";
 *
 * const moduleId = await compile(await readBytes("./module.wasm"));
 * const instance = await instantiate(moduleId);
 * ```
 */
export async function compile(bytes: Uint8Array): Promise<string> {
  return String(await ops.op_wasm_module_compile(toBytes(bytes, "compile")));
}

/**
 * Compiles a `.wasm` (or `.wat`) file into a module. Relative paths are against the working
 * directory.
 *
 * @param path The file to compile.
 * @returns The module's id, for {@link instantiate} and {@link dropModule}.
 * @throws {WasmError} PermissionDenied (5009) unless the file's real path matches a
 *   `[capabilities.wasm] load` pattern.
 * @throws {WasmError} IoError (5008) if the file cannot be read.
 * @throws {WasmError} CompileError (5000) if the file is not a valid module.
 * @example
 * ```ts
 * import { compileFile, instantiate } from "runtime:wasm";
 *
 * const moduleId = await compileFile("./math.wasm");
 * const instance = await instantiate(moduleId);
 * const [result] = await instance.call("add", 2, 3);
 * console.log(result); // 5
 * ```
 */
export async function compileFile(path: string): Promise<string> {
  if (typeof path !== "string") {
    throw wasmError("IoError", `compileFile: the path must be a string, got ${describe(path)}`);
  }
  return String(await ops.op_wasm_module_compile_file(path));
}

/**
 * Frees a compiled module. Instances made from it keep working; the id becomes invalid.
 *
 * @param moduleId An id from {@link compile} or {@link compileFile}.
 * @throws {WasmError} InvalidModuleHandle (5004) if the id names no live module.
 * @example
 * ```ts
 * const moduleId = await compileFile("./module.wasm");
 * // Use the module...
 * await dropModule(moduleId);
 * ```
 */
export async function dropModule(moduleId: string): Promise<void> {
  ops.op_wasm_module_drop(rawId(moduleId, "module"));
}

/**
 * What a module imports, in order: each import's module and field name, its kind, and its type
 * (`params`/`results` for a function, `type` as text for a memory, table or global). Like
 * `WebAssembly.Module.imports`, with the types; use it to see what {@link instantiate}'s
 * `imports` must provide. WASI preview 1 imports are listed too (Kiln provides them).
 *
 * @param moduleId An id from {@link compile} or {@link compileFile}.
 * @throws {WasmError} InvalidModuleHandle (5004) if the id names no live module.
 * @example
 * ```ts
 * const lib = await compileFile("./easter.wasm");
 * for (const i of await moduleImports(lib)) {
 *   console.log(`${i.module}.${i.name}`, i.kind, i.params ?? i.type ?? "");
 * }
 * ```
 */
export async function moduleImports(moduleId: string): Promise<ModuleImport[]> {
  return ops.op_wasm_module_imports(rawId(moduleId, "module"));
}

/**
 * The caller a JS host function gets as its last argument: the calling instance's memory and its
 * exports (synchronous calls back into it). It works only while that host function runs (for an
 * async one, until its promise settles); afterwards its memory methods throw MemoryError (5006)
 * and its exports InvalidInstanceHandle (5005).
 *
 * @example
 * ```ts
 * const log = (ptr: number, len: number, caller: WasmCaller) => {
 *   console.log(new TextDecoder().decode(caller.memory.read(ptr, len)));
 * };
 * ```
 */
export interface WasmCaller {
  /** The calling instance's memory (its export `memory`), read and written synchronously. */
  readonly memory: {
    /** Copies `length` bytes at `offset` out of the memory. */
    read(offset: number | bigint, length: number | bigint): Uint8Array;
    /** Copies `data` into the memory at `offset`. */
    write(offset: number | bigint, data: Uint8Array): void;
    /** The memory's size in 64 KiB pages. */
    size(): number;
    /**
     * An ArrayBuffer over the memory itself (no copy), under the rule of {@link WasmMemory.buffer}:
     * it stays usable after the host function returns, until the instance is dropped. Not
     * available while a start function runs (MemoryError, 5006): use `read` and `write` there.
     */
    readonly buffer: ArrayBuffer;
  };
  /** The calling instance's function exports, called synchronously (they may call host functions). */
  readonly exports: WasmExports;
}

/**
 * A JS host function: an import a module gets from {@link instantiate}'s `imports`. It receives
 * the import's arguments, converted by its declared types (i32, f32 and f64 as numbers, i64 as
 * bigints), then a {@link WasmCaller}; it returns nothing, one value, or an array for several
 * results, or a promise of that (under `await instance.call` the guest waits while the event loop
 * runs; a synchronous `instance.exports` call fails with CallError, 5002). A value that does not
 * fit the declared result traps the guest and the call fails with TypeError (5007); a thrown error
 * traps it and the call fails with CallError (5002) whose `cause` is the thrown value.
 *
 * @example
 * ```ts
 * const now: HostFunction = () => Date.now();
 * ```
 */
export type HostFunction = (...args: never[]) => HostReturn | Promise<HostReturn>;

/**
 * What a {@link HostFunction} returns: as a `WebAssembly` import does.
 *
 * @example
 * ```ts
 * const pair = (): HostReturn => [1, 2n];
 * ```
 */
export type HostReturn = WasmResult | WasmResult[] | void;

/**
 * The JS values one import module name provides: host functions, and numbers or bigints for
 * immutable globals.
 *
 * @example
 * ```ts
 * const env: HostNamespace = { now: () => Date.now(), limit: 1000 };
 * ```
 */
export type HostNamespace = { readonly [name: string]: HostFunction | number | bigint };

/**
 * What {@link instantiate}'s `imports` provides, by import module name: the id of a compiled
 * module to link (instantiated into the new instance's store first, once, its own imports
 * resolved from the same object; its exports — functions, memories, tables, globals — become the
 * imports of that name), or a {@link HostNamespace} of JS values.
 *
 * @example
 * ```ts
 * const imports: ImportObject = {
 *   "input.wasm": await compileFile("./easter.wasm"),
 *   env: { now: () => Date.now(), limit: 1000 },
 * };
 * ```
 */
export type ImportObject = {
  readonly [importModule: string]: string | HostNamespace | ComponentHostFunction | ComponentHostNamespace;
};


/**
 * The options of {@link instantiate}: the WASI grants and limits of {@link WasiConfig}, and the
 * imports.
 *
 * @example
 * ```ts
 * const options: InstantiateOptions = {
 *   imports: { "input.wasm": await compileFile("./easter.wasm") },
 *   args: ["dynamic", "2022"],
 *   inheritStdout: true,
 * };
 * ```
 */
export type InstantiateOptions = Omit<WasiConfig, "stdin"> & {
  /**
   * The guest's stdin: `"inherit"` (the host's), `"null"` (empty, the default), or the bytes it
   * reads as its input (a `Uint8Array`, or numbers 0-255 as {@link WasiConfig} types them).
   * `"piped"` is typed because a {@link WasiConfig} may hold it, but it is for `spawn`:
   * `instantiate` refuses it with WasiError (5010), as it refuses `stdout: "piped"`.
   */
  readonly stdin?: "inherit" | "null" | "piped" | Uint8Array | readonly number[];
  /**
   * Modules to link and JS values to provide, by import module name: `{ "input.wasm": moduleId,
   * env: { log } }`. Linked modules are instantiated into the new instance's store first (each
   * once, dependencies before the modules that import them) and are reachable afterwards as
   * {@link WasmInstance.linked}.
   */
  readonly imports?: ImportObject;
};

/** The host table of each instance of a store with JS host functions. */
const hostTables = new WeakMap<object, HostTable>();

/**
 * Instances the app forgets to drop are dropped once both their `WasmInstance` and its
 * `WasmMemory` are garbage-collected, so they free their store and stop counting against
 * `max_instances`. The two objects do not point at each other's handle record, so plain reference
 * counting frees them at once (no cycle collection needed). An explicit `drop()` unregisters both.
 */
interface Reclaim {
  raw: number;
  alive: number;
}

const forgotten = new FinalizationRegistry<Reclaim>((handle) => {
  if (--handle.alive > 0) return;
  try {
    ops.op_wasm_instance_drop(handle.raw);
  } catch {
    // Already dropped: nothing to free.
  }
});

/**
 * The linear memory of an instance (its first exported memory): `instance.memory`.
 *
 * `buffer` is an ArrayBuffer over the memory itself (no copy), like `WebAssembly.Memory.buffer`;
 * `read`, `write`, `size` and `grow` are the asynchronous contract, which waits for a call in flight.
 *
 * @example
 * ```ts
 * const memory: WasmMemory = instance.memory;
 * console.log(await memory.size(), "pages", memory.buffer.byteLength, "bytes");
 * ```
 */
export class WasmMemory {
  /** The instance's id; 0 for a component, which exports no linear memory. */
  #id: number;
  /** The last buffer `buffer` returned (already in `memoryBuffers`). */
  #buffer: ArrayBuffer | null = null;

  constructor(id: number, reclaim: Reclaim) {
    this.#id = id;
    // The instance's store stays alive while its memory is reachable, even if the instance is not.
    forgotten.register(this, reclaim, this);
  }

  /**
   * The memory's bytes as an ArrayBuffer, with no copy: what a view writes, the guest reads, and
   * the other way round. Its length is the memory's current size, and it is the same object while
   * that size is unchanged (`memory.buffer === memory.buffer`).
   *
   * The rule, as for `WebAssembly.Memory.buffer` except for growth:
   * - After the memory grows (`grow` here, or the guest's `memory.grow`), `buffer` is a new
   *   ArrayBuffer of the new length. The old one stays valid at its old length and still shows
   *   the live bytes: Kiln's linear memories never move.
   * - When the instance is dropped (`drop()`, or when the app forgets it), every buffer it handed
   *   out is detached: views over it have length 0.
   * - It cannot be transferred (`transfer()` throws a TypeError); copy bytes out with `slice`.
   *
   * @throws {WasmError} MemoryError (5006) if the instance exports no memory, is a component, or
   *   is busy: while an `instance.call` or memory operation on it (or on an instance linked with
   *   it) is in flight, await it first or use `read`/`write`, which wait their turn. A buffer
   *   taken before stays usable.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const [ptr] = await instance.call<[number]>("alloc", 5);
   * new Uint8Array(instance.memory.buffer, ptr, 5).set(new TextEncoder().encode("hello"));
   * const [len] = await instance.call<[number]>("process", ptr, 5);
   * console.log(new TextDecoder().decode(new Uint8Array(instance.memory.buffer, ptr, len)));
   * ```
   */
  get buffer(): ArrayBuffer {
    noComponentMemory(this.#id);
    const buffer = ops.op_wasm_memory_buffer(this.#id, 0);
    if (buffer !== this.#buffer) {
      guardAlias(buffer);
      this.#buffer = buffer;
    }
    return buffer;
  }

  /**
   * Copies `length` bytes starting at `offset` out of the memory. Offsets and lengths may be
   * bigints, as i64 results of {@link WasmInstance.call} are.
   *
   * @throws {WasmError} MemoryError (5006) if the range is out of bounds or the instance exports no memory.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const [ptr, len] = await instance.call("get_greeting");
   * const bytes = await instance.memory.read(ptr, len);
   * console.log(new TextDecoder().decode(bytes));
   * ```
   */
  async read(offset: number | bigint, length: number | bigint): Promise<Uint8Array> {
    const at = toIndex(offset, "memory.read");
    const size = toIndex(length, "memory.read");
    let out: Uint8Array;
    try {
      out = new Uint8Array(size);
    } catch {
      throw wasmError("MemoryError", `memory.read: cannot allocate ${size} bytes to read into; read less at a time`);
    }
    noComponentMemory(this.#id);
    await ops.op_wasm_memory_read(this.#id, at, out);
    return out;
  }

  /**
   * Copies `data` into the memory at `offset`.
   *
   * @throws {WasmError} MemoryError (5006) if the range is out of bounds or the instance exports no memory.
   * @throws {WasmError} TypeError (5007) if `data` is not a Uint8Array.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const [ptr] = await instance.call("allocate", 13);
   * await instance.memory.write(ptr, new TextEncoder().encode("Hello, World!"));
   * ```
   */
  async write(offset: number | bigint, data: Uint8Array): Promise<void> {
    noComponentMemory(this.#id);
    await ops.op_wasm_memory_write(this.#id, toIndex(offset, "memory.write"), toBytes(data, "memory.write"));
  }

  /**
   * The memory's size in 64 KiB pages.
   *
   * @throws {WasmError} MemoryError (5006) if the instance exports no memory.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const pages = await instance.memory.size();
   * console.log(`Memory: ${pages * 64} KB`);
   * ```
   */
  async size(): Promise<number> {
    noComponentMemory(this.#id);
    return ops.op_wasm_memory_size(this.#id);
  }

  /**
   * Grows the memory by `pages` 64 KiB pages; resolves to the previous size in pages.
   *
   * @throws {WasmError} MemoryError (5006) if the memory cannot grow that much (its maximum, or
   *   `maxMemoryBytes`, which bounds all the memories of the instance's store together: its own
   *   and those of the instances linked with it).
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const prevSize = await instance.memory.grow(1);
   * console.log(`Grew from ${prevSize} to ${prevSize + 1} pages`);
   * ```
   */
  async grow(pages: number): Promise<number> {
    noComponentMemory(this.#id);
    return ops.op_wasm_memory_grow(this.#id, toIndex(pages, "memory.grow"));
  }
}

function noComponentMemory(id: number): void {
  if (id === 0) {
    throw wasmError(
      "MemoryError",
      "a component exports no linear memory: pass data as WIT values (a list<u8> is a Uint8Array)",
    );
  }
}

interface Signature {
  params: string[];
  results: string[];
  slots: number;
  /** The export's position in getExports(), which the ops take instead of its name. */
  index: number;
  /** Takes up to three i32/f32/f64 numbers and returns at most one: no buffer needed. */
  numbers: boolean;
  /** "argument N of `name`", for each parameter's error messages. */
  where: string[];
}

/**
 * A running instance of a module, made by {@link instantiate}.
 *
 * @example
 * ```ts
 * const instance: WasmInstance = await instantiate(await compileFile("./math.wasm"));
 * console.log(instance.id, instance.moduleId);
 * ```
 */
export class WasmInstance<E extends object = WasmExports> {
  /** The instance's id. */
  readonly id: string;
  /** The id of the module it was made from. */
  readonly moduleId: string;
  /** The instance's linear memory. */
  readonly memory: WasmMemory;
  /**
   * The instances of the modules `imports` linked into this instance's store, by import name
   * (`{}` when nothing was linked). They share the store: calls into one wait for calls into the
   * others, and memories and globals they share show each other's writes.
   */
  readonly linked: Readonly<Record<string, WasmInstance>>;
  #raw: number;
  #signatures: Map<string, Signature> | null = null;
  #exports: WasmExports | null = null;
  /** The store's JS host functions (hostTables), once looked up: null before, undefined if none. */
  #host: HostTable | undefined | null = null;
  /** A component instance's JS side (runtime:wasm/component); null for a module's. */
  #component: ComponentInstance | null = null;

  constructor(
    raw: number,
    moduleId: string,
    linked: Readonly<Record<string, WasmInstance>> = {},
    component: ((owner: object) => ComponentInstance) | null = null,
  ) {
    this.#raw = raw;
    this.moduleId = moduleId;
    this.linked = Object.freeze({ ...linked });
    if (component !== null) {
      this.#component = component(this);
      this.id = `c${this.#component.id}`;
      this.memory = new WasmMemory(0, { raw: 0, alive: 2 });
      return;
    }
    this.id = String(raw);
    const reclaim: Reclaim = { raw, alive: 2 };
    this.memory = new WasmMemory(raw, reclaim);
    forgotten.register(this, reclaim, this);
  }

  #signature(name: string): Signature | undefined {
    if (this.#signatures === null) {
      const map = new Map<string, Signature>();
      ops.op_wasm_instance_exports(this.#raw).forEach((e, index) => {
        if (e.kind !== "function") return;
        const params = e.params ?? [];
        const results = e.results ?? [];
        const numbers = params.length <= 3 && params.every(isNumberType) && results.length <= 1 &&
          results.every(isNumberType) && index < EXPORT_INDEX_LIMIT &&
          Number.isSafeInteger(this.#raw * EXPORT_INDEX_LIMIT + index);
        const where = params.map((_, i) => `argument ${i + 1} of \`${e.name}\``);
        map.set(e.name, { params, results, slots: Math.max(params.length, results.length), index, numbers, where });
      });
      this.#signatures = map;
    }
    return this.#signatures.get(name);
  }

  /**
   * Calls the exported function `name` with arguments converted by its signature; resolves to its
   * results in order: numbers for i32, f32 and f64, bigints for i64.
   *
   * When you know the signature, name the result types: `call<[number]>("add", 1, 2)`. That is an
   * assertion, as with `as`; it is not checked.
   *
   * @throws {WasmError} ExportNotFound (5003) if there is no such function export.
   * @throws {WasmError} TypeError (5007) if the arguments do not fit the signature.
   * @throws {WasmError} CallError (5002) if the guest traps or a WASI program exits non-zero
   *   (`exitCode` has the status).
   * @throws {WasmError} FuelExhausted (5011) if the call runs out of fuel or passes `timeoutMs`.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const [sum] = await instance.call("add", 10, 20);
   * const [quotient, remainder] = await instance.call<[number, number]>("divmod", 17, 5);
   * const [big] = await instance.call("large_add", types.i64(9007199254740992n), types.i64(1n));
   * ```
   */
  call<R extends unknown[] = WasmExports extends E ? WasmResult[] : unknown[]>(
    name: string,
    ...args: WasmExports extends E ? WasmArg[] : unknown[]
  ): Promise<R> {
    // Not an async function: for the common shape it returns the op's own promise (the op resolves
    // to the results array), which saves the interpreter an async frame and two promises per call.
    // Errors still arrive as rejections.
    try {
      if (typeof name !== "string") {
        throw wasmError("TypeError", `call: the export name must be a string, got ${describe(name)}`);
      }
      if (this.#component !== null) return this.#component.call(name, args) as Promise<R>;
      const values = args as WasmArg[];
      // The cached signature is read inline: each call the interpreter makes here shows in P1b.
      const sig = this.#signatures !== null ? this.#signatures.get(name) : this.#signature(name);
      // The host table is looked up once: instantiate sets it before it returns the instance.
      const table = this.#host !== null ? this.#host : (this.#host = hostTables.get(this));
      if (table !== undefined && sig !== undefined) return this.#callHost<R>(name, sig, table, values);
      if (sig === undefined || !sig.numbers) return this.#callWithSlots<R>(name, sig, values);
      const p = sig.params;
      const n = values.length;
      if (n !== p.length) throw arityError(name, p, n);
      // The common shape: plain numbers, no buffer, the export resolved by index. The usual
      // argument (a number; an integer for i32) is checked inline, anything else by numberArg.
      // (Unlike `exports`, `call` cannot leave the check to the op: an async op's refusal reaches
      // JS as a rejected promise, too late to convert the arguments and call again.)
      let a: WasmArg = n > 0 ? values[0] : 0, b: WasmArg = n > 1 ? values[1] : 0, c: WasmArg = n > 2 ? values[2] : 0;
      if (typeof a !== "number" || (p[0] === "i32" && (a | 0) !== a && a >>> 0 !== a)) {
        a = numberArg(p[0], a, sig.where[0]);
      }
      if (typeof b !== "number" || (p[1] === "i32" && (b | 0) !== b && b >>> 0 !== b)) {
        b = numberArg(p[1], b, sig.where[1]);
      }
      if (typeof c !== "number" || (p[2] === "i32" && (c | 0) !== c && c >>> 0 !== c)) {
        c = numberArg(p[2], c, sig.where[2]);
      }
      return ops.op_wasm_instance_call_numbers_async(this.#raw * EXPORT_INDEX_LIMIT + sig.index, a, b, c) as Promise<
        WasmResult[]
      > as Promise<R>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** `call` on a store with JS host functions (runtime:wasm/host drives it). */
  async #callHost<R extends unknown[]>(name: string, sig: Signature, table: HostTable, args: WasmArg[]): Promise<R> {
    return (await callHost(this.#raw, sig.index, table, encodeArgs(name, sig, args), sig.results)) as R;
  }

  /** `call` for any other signature: arguments and results in 8-byte slots (ext_wasm/src/value.rs). */
  async #callWithSlots<R extends unknown[]>(name: string, sig: Signature | undefined, args: WasmArg[]): Promise<R> {
    if (sig === undefined) {
      // Not a function export: the op reports what it is, or which functions exist.
      await ops.op_wasm_instance_call(this.#raw, name, new Uint8Array(0));
      return [] as WasmResult[] as R;
    }
    const bytes = encodeArgs(name, sig, args);
    await ops.op_wasm_instance_call(this.#raw, name, bytes);
    return decodeResults(bytes, sig.results) as R;
  }

  /**
   * The module's function exports as synchronous functions, like a `WebAssembly.Instance`'s
   * `exports`: the fast path beside {@link WasmInstance.call}. Arguments are checked and converted
   * as `call` does; a function returns its one result, `undefined` if it has none, or an array if
   * it has several. A call blocks the event loop until the guest returns (timers do not fire
   * meanwhile), but `timeoutMs` and `fuel` still stop it. Holding a function keeps the instance
   * alive; after `drop()` it throws InvalidInstanceHandle (5005).
   *
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const { add } = instance.exports;
   * let total = 0;
   * for (let i = 0; i < 1000; i++) total = add<number>(total, i);
   * ```
   */
  get exports(): E {
    if (this.#component !== null) return this.#component.exports as E;
    if (this.#exports === null) {
      const functions: Record<string, WasmFunction> = Object.create(null);
      ops.op_wasm_instance_exports(this.#raw).forEach((e, index) => {
        if (e.kind !== "function") return;
        const table = hostTables.get(this);
        functions[e.name] = table === undefined
          ? exportFunction(this, this.#raw, index, e.name, e.params ?? [], e.results ?? [])
          : hostExportFunction(this, this.#raw, index, e.name, e.params ?? [], e.results ?? [], table);
      });
      this.#exports = Object.freeze(functions);
    }
    return this.#exports as unknown as E;
  }

  /**
   * What the guest wrote to its stdout since the last take, for an instance made with
   * `stdout: "capture"`. Up to 16 MiB is held between takes; past that, the guest's writes fail
   * (it sees an I/O error) until the output is taken, so take it after each call that may print a
   * lot.
   *
   * @throws {WasmError} WasiError (5010) if the instance's stdout is not captured.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const inst = await instantiate(id, { stdin: new TextEncoder().encode("input"), stdout: "capture" });
   * await inst.call("render");
   * const out: Uint8Array = inst.takeStdout();
   * ```
   */
  takeStdout(): Uint8Array {
    if (this.#component !== null) return ops.op_wasm_component_take_output(this.#component.id, 1);
    return ops.op_wasm_instance_take_output(this.#raw, 1);
  }

  /**
   * What the guest wrote to its stderr since the last take, for an instance made with
   * `stderr: "capture"`; as {@link WasmInstance.takeStdout}.
   *
   * @throws {WasmError} WasiError (5010) if the instance's stderr is not captured.
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * const inst = await instantiate(id, { stderr: "capture" });
   * await inst.call("_start").catch(() => {});
   * console.log(new TextDecoder().decode(inst.takeStderr()));
   * ```
   */
  takeStderr(): Uint8Array {
    if (this.#component !== null) return ops.op_wasm_component_take_output(this.#component.id, 2);
    return ops.op_wasm_instance_take_output(this.#raw, 2);
  }

  /**
   * Every export with its kind and, for functions, its parameter and result types.
   *
   * @throws {WasmError} InvalidInstanceHandle (5005) if the instance was dropped.
   * @example
   * ```ts
   * for (const exp of await instance.getExports()) {
   *   console.log(`${exp.kind}: ${exp.name}`);
   * }
   * ```
   */
  async getExports(): Promise<ExportInfo[]> {
    if (this.#component !== null) return this.#component.exportList();
    return ops.op_wasm_instance_exports(this.#raw);
  }

  /**
   * Frees the instance. A call still running on it finishes first.
   *
   * @throws {WasmError} InvalidInstanceHandle (5005) if it was already dropped; so does any later use.
   * @example
   * ```ts
   * try {
   *   await instance.call("process");
   * } finally {
   *   await instance.drop();
   * }
   * ```
   */
  async drop(): Promise<void> {
    if (this.#component !== null) return this.#component.drop();
    ops.op_wasm_instance_drop(this.#raw);
    forgotten.unregister(this);
    forgotten.unregister(this.memory);
  }
}

/**
 * Instantiates a compiled module. WASI imports are satisfied from `config`, which grants nothing
 * by default; the limits apply to every call. Other imports come from `config.imports`: each key
 * is an import module name, each value the id of a module to link under that name. The linked
 * modules are instantiated into the new instance's store first (each once, dependencies first,
 * their own imports resolved from the same `imports`), and are reachable as
 * {@link WasmInstance.linked}. An object gives JS host functions and values for immutable
 * globals (see {@link HostFunction}); the host functions run on the JS thread, in ordinary JS
 * frames, also during start functions.
 *
 * A WASI reactor (a module that exports `_initialize`, e.g. built with `-mexec-model=reactor`) is
 * initialized here: `_initialize` runs once before the instance is returned, as the wasmtime CLI
 * and node:wasi's `initialize()` do, under the same limits as a call. Without it the module's
 * global constructors would never run and its exports would read zeroed state.
 *
 * @param moduleId An id from {@link compile} or {@link compileFile}.
 * @param config WASI grants, limits, and the modules to link (`imports`).
 * @throws {WasmError} PermissionDenied (5009) unless the manifest grants `[capabilities.wasm] execute`,
 *   or if a preopen is outside `[capabilities.wasm] preopens` (whether or not it exists).
 * @throws {WasmError} InvalidModuleHandle (5004) if the id, or a module id in `imports`, names no
 *   live module.
 * @throws {WasmError} WasiError (5010) if the config is invalid: an unknown key, a preopen whose
 *   host path has a NUL byte, or one the manifest grants that does not exist or is not a directory.
 * @throws {WasmError} InstantiateError (5001) if the module's imports cannot be satisfied (the
 *   message lists every one, with its type, naming the module it is about), if the modules in
 *   `imports` import from each other in a cycle, if a start function or `_initialize` traps or
 *   exits with a non-zero status, if a module exports both `_start` and `_initialize`, or if the
 *   memories' initial sizes together pass `maxMemoryBytes`.
 * @throws {WasmError} FuelExhausted (5011) if the start function or `_initialize` runs out of fuel
 *   or passes `timeoutMs`.
 * @example
 * ```ts
 * const instance = await instantiate(await compileFile("./app.wasm"), {
 *   preopens: { "/data": "./app-data" },
 *   env: { HOME: "/data" },
 *   args: ["app", "--verbose"],
 *   inheritStdout: true,
 *   timeoutMs: 5_000,
 * });
 * await instance.call("_start");
 *
 * // Linking: dynamic.wasm imports `easter` from the module named "input.wasm".
 * const app = await instantiate(await compileFile("./dynamic.wasm"), {
 *   imports: { "input.wasm": await compileFile("./easter.wasm") },
 *   inheritStdout: true,
 * });
 * await app.linked["input.wasm"].call("easter", 2022); // [17]
 *
 * // JS host functions.
 * const logger = await instantiate(await compileFile("./logger.wasm"), {
 *   imports: {
 *     env: {
 *       log: (ptr: number, len: number, caller: WasmCaller) => {
 *         console.log(new TextDecoder().decode(caller.memory.read(ptr, len)));
 *       },
 *       now: () => Date.now(),
 *       limit: 1000,
 *     },
 *   },
 * });
 * ```
 */
export async function instantiate<E extends object = WasmExports>(
  moduleId: string,
  config?: InstantiateOptions,
): Promise<WasmInstance<E>> {
  const raw = rawId(moduleId, "module");
  // `imports` travels apart from the WASI config, which Rust reads as JSON.
  let wasi: unknown = config;
  let imports: unknown;
  if (typeof config === "object" && config !== null && "imports" in config) {
    ({ imports, ...wasi } = config);
  }
  if (ops.op_wasm_module_is_component(raw)) {
    const json = configJson(wasi as WasiConfig | undefined);
    // The instance is made before its WasmInstance, which then adopts it.
    const made = await instantiateComponent(raw, json, imports);
    return new WasmInstance<E>(0, String(raw), {}, (owner) => made.adopt(owner));
  }
  const split = splitImports(imports);
  const json = configJson(wasi as WasiConfig | undefined);
  let id: number;
  let table: HostTable | null = null;
  if (split.host === "") {
    id = await ops.op_wasm_instance_create(raw, json, split.modules);
  } else {
    // Start functions and reactor initializers may call the host functions: drive them here.
    const ids = [raw, ...Object.values(imports as ImportObject).filter((v) => typeof v === "string").map((v) => rawId(v, "module"))];
    table = hostTable(split, ids);
    const token = ops.op_wasm_instance_begin(raw, json, split.modules, split.host);
    await drive(token, table, new Uint8Array(table.slots * 8));
    id = ops.op_wasm_instance_end(token);
  }
  const linked: Record<string, WasmInstance> = {};
  if (split.modules !== "") {
    const ids = imports as ImportObject;
    for (const [name, linkedId] of ops.op_wasm_instance_linked(id)) {
      linked[name] = new WasmInstance(linkedId, String(rawId(ids[name], "module")));
      if (table !== null) hostTables.set(linked[name], table);
    }
  }
  const instance = new WasmInstance<E>(id, String(raw), linked);
  if (table !== null) hostTables.set(instance, table);
  return instance;
}
