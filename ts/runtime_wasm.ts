// runtime:wasm — load, link, call and sandbox WebAssembly.
//
// The ops (ext_wasm/src) do the work and every capability check; this module converts values by
// each export's real signature and shapes the API of the contract. It is the one source of the
// public API: ts/runtime_wasm.d.ts is generated from it, from the parts whose items it re-exports
// and from the Rust types it re-exports (`./x typings`), so every exported item carries its JSDoc
// where it is declared. This file holds the public types, errors, `types` and the module
// functions. The parts hold the rest of the public API: memories (./wasm_memory.ts, served as
// `runtime:wasm/memory`), instances and `instantiate` (./wasm_instance.ts,
// `runtime:wasm/instance`), processes (./wasm_process.ts, `runtime:wasm/process`), pools
// (./wasm_pool.ts, `runtime:wasm/pool`) and components (./wasm_component.ts,
// `runtime:wasm/component`). Internal modules hold the checks and conversions of values
// (./wasm_values.ts, `runtime:wasm/values`), the synchronous functions of `instance.exports`
// (./wasm_exports.ts, `runtime:wasm/exports`) and the paths of `instance.call` (./wasm_calls.ts,
// `runtime:wasm/calls`).

import type { ErrorCodes, ModuleImport, WasiConfig } from "kiln:internal";
import { checkFloat, checkInt32, checkInt64, codes, describe, ops, rawId, toBytes, wasmError } from "runtime:wasm/values";
import type { ComponentHostFunction, ComponentHostNamespace } from "runtime:wasm/component";

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

// Processes, pools and components live in parts of this module (see the top of this file); the
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
  /** For an InstantiateError of guest code `instantiate` ran: `"start"` (the module's start
   * function) or `"initialize"` (a WASI reactor's `_initialize`) trapped, or a host function it
   * called failed (what that function threw is the error's `cause`). Absent when linking failed. */
  readonly stage?: "start" | "initialize";
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
  return String(await ops.op_wasm_module_compile(toBytes(bytes, "compile"), false));
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
 * Kiln makes no caller for a host function that could not read one: an arrow function, a
 * `function` or a method whose parameters are plain names, no more of them than the import has
 * (`(x) => x + 1`, `log(ptr, len) { ... }` for imports of one and two parameters), and for a
 * `function` or method, whose source does not mention `arguments` or `eval`. Such a host call
 * costs about 40% less; name a parameter for the caller to get it.
 *
 * @example
 * ```ts
 * const log = (ptr: number, len: number, caller: WasmCaller) => {
 *   console.log(new TextDecoder().decode(caller.memory.read(ptr, len)));
 * };
 * ```
 */
export interface WasmCaller {
  /**
   * The calling instance's memory (its export `memory`), read and written synchronously. Its
   * methods are called on it (`caller.memory.read(ptr, len)`), as a `Map`'s are; each read of
   * `memory` gives a new object.
   */
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
  /**
   * `false`: the JS host functions in `imports` get exactly the import's arguments, without the
   * {@link WasmCaller} that otherwise comes last (a `.wasm` import's host functions are called so),
   * and no caller is made for their calls, which makes each host call cheaper. Default `true`
   * (under which an arrow function that could not read a caller gets none either: see
   * {@link WasmCaller}). Components' host functions never get a caller.
   *
   * @example
   * ```ts
   * const app = await instantiate(moduleId, {
   *   imports: { env: { triple: (x: number) => 3 * x } },
   *   hostCaller: false,
   * });
   * ```
   */
  readonly hostCaller?: boolean;
};

// Memories and instances live in parts of this module too (see the top of this file). They come
// last so that the generated typings keep the order of the contract: memory, instance,
// `instantiate`.
export { WasmMemory } from "runtime:wasm/memory";
export { WasmInstance, instantiate } from "runtime:wasm/instance";
