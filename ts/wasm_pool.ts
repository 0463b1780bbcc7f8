// runtime:wasm/pool — worker pools: `createPool`, internal to runtime:wasm, which re-exports its
// public items (they appear in ts/runtime_wasm.d.ts). Kiln's loader refuses this module to apps.
//
// A pool is N instances of one module, each in its own store on its own thread
// (ext_wasm/src/pool.rs), serving calls FIFO. Arguments and results travel in the 8-byte slots of
// ext_wasm/src/value.rs, as `instance.call`'s do.

import type { WasiConfig } from "kiln:internal";
import type { WasmArg, WasmResult } from "runtime:wasm";
import {
  argumentLabels,
  configJson,
  decodeResults,
  describe,
  encodeArgs,
  ops,
  rawId,
  reservingAsync,
  type SlotSignature,
  wasmError,
} from "runtime:wasm/values";
import { splitImports } from "runtime:wasm/import-object";

/**
 * The options of {@link createPool}: `size`, and those of `instantiate` (WASI grants, limits,
 * modules to link by name, values for imported globals), each applied to every member. A member
 * cannot have JS host functions (it runs on its own thread; JS runs only on the JS thread),
 * captured or piped streams (the members' output would mix), or `interruptible: false` (drop()
 * must be able to stop it): each is refused with WasiError (5010). `timeoutMs` and `fuel` limit
 * each call, as on an instance.
 *
 * @example
 * ```ts
 * const options: PoolOptions = { size: 2, timeoutMs: 1000, maxMemoryBytes: 64 << 20 };
 * ```
 */
export type PoolOptions = Omit<WasiConfig, "stdin" | "stdout" | "stderr" | "interruptible"> & {
  /** How many members (threads) serve calls: an integer from 1 to 64. */
  readonly size: number;
  /** `"inherit"`, `"null"` (the default), or the bytes each member reads as its input. */
  readonly stdin?: "inherit" | "null" | Uint8Array;
  /** `"inherit"` or `"null"` (discarded, the default). */
  readonly stdout?: "inherit" | "null";
  /** `"inherit"` or `"null"` (discarded, the default). */
  readonly stderr?: "inherit" | "null";
  /** Modules to link by import module name, and numbers or bigints for imported globals. */
  readonly imports?: { readonly [importModule: string]: string | { readonly [name: string]: number | bigint } };
};

/**
 * A pool of instances of one module, made by {@link createPool}. Each member is an instance in a
 * store of its own, on a thread of its own; calls queue, first in first out, and run on the first
 * free member, so a pool of N runs N calls at once. A call that traps or passes its limits fails as
 * on an instance, and its member is replaced by a fresh instance before it serves again.
 *
 * @example
 * ```ts
 * const pool: WasmPool = await createPool(await compileFile("./kernel.wasm"), { size: 2 });
 * console.log(pool.id, pool.size);
 * ```
 */
export class WasmPool {
  /** The pool's id. */
  readonly id: string;
  /** The id of the module its members are instances of. */
  readonly moduleId: string;
  /** How many members serve calls. */
  readonly size: number;
  #raw: number;
  #signatures: Map<string, SlotSignature> | null = null;

  constructor(raw: number, moduleId: string, size: number) {
    this.#raw = raw;
    this.id = String(raw);
    this.moduleId = moduleId;
    this.size = size;
  }

  #signature(name: string): SlotSignature | undefined {
    if (this.#signatures === null) {
      const map = new Map<string, SlotSignature>();
      for (const e of ops.op_wasm_pool_exports(this.#raw)) {
        if (e.kind !== "function") continue;
        const params = e.params ?? [];
        const results = e.results ?? [];
        const where = argumentLabels(e.name, params);
        map.set(e.name, { params, results, slots: Math.max(params.length, results.length), where });
      }
      this.#signatures = map;
    }
    return this.#signatures.get(name);
  }

  /**
   * Queues a call of the exported function `name` and resolves to its results, as
   * `instance.call` does, once a member has run it. A call made while no other call of the pool
   * is queued or running waits up to 20 µs on the JS thread for its answer, so that a short call
   * costs no turn of the event loop; a longer one then goes on without blocking it.
   *
   * @throws {WasmError} ExportNotFound (5003) if there is no such function export.
   * @throws {WasmError} TypeError (5007) if the arguments do not fit the signature.
   * @throws {WasmError} CallError (5002) if the guest traps (the member is then replaced).
   * @throws {WasmError} FuelExhausted (5011) if the call runs out of fuel or passes `timeoutMs`
   *   (the member is then replaced).
   * @throws {WasmError} InvalidInstanceHandle (5005) if the pool was dropped before or while the call ran.
   * @example
   * ```ts
   * const results = await Promise.all([1, 2, 3, 4].map((n) => pool.call<[number]>("work", n)));
   * ```
   */
  async call<R extends WasmResult[] = WasmResult[]>(name: string, ...args: WasmArg[]): Promise<R> {
    if (typeof name !== "string") {
      throw wasmError("TypeError", `pool.call: the export name must be a string, got ${describe(name)}`);
    }
    const sig = this.#signature(name);
    if (sig === undefined) {
      // Not a function export: the member reports what it is, or which functions exist.
      await ops.op_wasm_pool_call(this.#raw, name, new Uint8Array(0));
      return [] as WasmResult[] as R;
    }
    const out = await ops.op_wasm_pool_call(this.#raw, name, encodeArgs(name, sig, args));
    return decodeResults(out, sig.results) as R;
  }

  /**
   * Drops the pool: calls still queued reject with InvalidInstanceHandle (5005), running calls are
   * stopped and reject with it too, and it resolves once every member's thread has ended.
   *
   * @throws {WasmError} InvalidInstanceHandle (5005) if the pool was already dropped.
   * @example
   * ```ts
   * await pool.drop();
   * ```
   */
  async drop(): Promise<void> {
    await ops.op_wasm_pool_drop(this.#raw);
  }
}

/**
 * Makes a pool of `options.size` instances of a module, each on a thread of its own, and resolves
 * once every member is instantiated. Capabilities and options are checked once, here, as
 * `instantiate` checks them; each member counts against `max_instances`. Use it to run calls in
 * parallel (a pool of 2 on 2 cores runs a compute kernel about twice as fast as one instance), or
 * to keep a long call off the JS thread.
 *
 * @param moduleId An id from `compile` or `compileFile`.
 * @param options `size`, and the instantiate options every member gets (see {@link PoolOptions}).
 * @throws {WasmError} PermissionDenied (5009) unless the manifest grants `[capabilities.wasm] execute`,
 *   or if a preopen is outside `[capabilities.wasm] preopens`.
 * @throws {WasmError} InvalidModuleHandle (5004) if the id names no live module.
 * @throws {WasmError} WasiError (5010) for a size outside 1-64, an invalid option, JS host functions,
 *   captured or piped streams, or `interruptible: false`.
 * @throws {WasmError} InstantiateError (5001) if a member cannot be instantiated, or past `max_instances`.
 * @example
 * ```ts
 * const pool = await createPool(await compileFile("./kernel.wasm"), { size: 2, timeoutMs: 1000 });
 * const [r] = await pool.call("work", 1_000_000);
 * await pool.drop();
 * ```
 */
export async function createPool(moduleId: string, options: PoolOptions): Promise<WasmPool> {
  const raw = rawId(moduleId, "module");
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw wasmError("WasiError", `createPool: the options must be an object with a size, got ${describe(options)}`);
  }
  const { size, imports, ...wasi } = options;
  if (typeof size !== "number") {
    throw wasmError("WasiError", `createPool: \`size\` must be a number of members from 1 to 64, got ${describe(size)}`);
  }
  const split = splitImports(imports);
  const id = await reservingAsync(() => ops.op_wasm_pool_create(raw, configJson(wasi, "createPool"), split.modules, split.host, size));
  return new WasmPool(id, String(raw), size);
}
