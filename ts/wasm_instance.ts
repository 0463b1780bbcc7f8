// runtime:wasm/instance — `instantiate` and `WasmInstance`: a part of the public `runtime:wasm`
// module, which re-exports them (the typings generator reads their declarations and JSDoc from
// here). The public types they take (`InstantiateOptions`, `ImportObject`, `WasmExports`, ...) stay
// in ./runtime_wasm.ts and are imported as types only, erased at run time, as the other parts do.

import type { ExportInfo, WasiConfig } from "kiln:internal";
import type { ImportObject, InstantiateOptions, WasmArg, WasmExports, WasmFunction, WasmResult } from "runtime:wasm";
import { configJson, describe, ops, rawId, reserving, wasmError } from "runtime:wasm/values";
import { InstanceCalls, nameError } from "runtime:wasm/calls";
import { exportFunction } from "runtime:wasm/exports";
import { driveInstantiation } from "runtime:wasm/host-drive";
import { hostExportFunction } from "runtime:wasm/host-exports";
import { type HostTable, hostTable } from "runtime:wasm/host-table";
import { splitImports } from "runtime:wasm/import-object";
import { type ComponentInstance, instantiateComponent } from "runtime:wasm/component";
import { forgotten, type Reclaim, storeKeeper, WasmMemory } from "runtime:wasm/memory";

/** `linked` of every instance that has nothing linked: one frozen object, not one per instance. */
const NOTHING_LINKED: Readonly<Record<string, WasmInstance>> = Object.freeze({});
/** What every `drop()` that succeeds returns: settled, and frozen, as all share it. Made on first
 * use: QuickJS's snapshot of the runtime's modules cannot hold a promise. */
let dropped: Promise<void> | null = null;

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
  /**
   * The instances of the modules `imports` linked into this instance's store, by import name
   * (`{}` when nothing was linked). They share the store: calls into one wait for calls into the
   * others, and memories and globals they share show each other's writes.
   */
  readonly linked: Readonly<Record<string, WasmInstance>>;
  #raw: number;
  /** Made on first use of `memory`: most instances are called and dropped without it, and a
   * memory object and its registration cost about 0.7 us of an instantiate. */
  #memory: WasmMemory | null = null;
  /** The record this instance and its memory share in `forgotten` (the memory joins on first use). */
  #reclaim: Reclaim;
  #exports: WasmExports | null = null;
  /** What the functions of `exports` hold to keep the store (runtime:wasm/memory, `storeKeeper`). */
  #keeper: object | null = null;
  /** The store's reclaim token, which this, the memory and the keeper hold: once the engine frees
   * all three, the store is dropped at the next instantiation or drop (ext_wasm/src/reclaim.rs),
   * even in a script that never yields to the registry's callbacks. */
  readonly #token: unknown;
  /** The JS host functions of its store, if it has any (a field, not a WeakMap keyed by the
   * instance: the JS engine kept a WeakMap's keys until the job ended, before patches/v8x.patch
   * change 24, and a field costs no lookup). */
  readonly #host: HostTable | null;
  /** `call`'s lookups and paths (runtime:wasm/calls), made by the first call of a module's instance. */
  #calls: InstanceCalls | null = null;
  /** A component instance's JS side (runtime:wasm/component); null for a module's. */
  #component: ComponentInstance | null = null;

  constructor(
    raw: number,
    moduleId: string,
    linked: Readonly<Record<string, WasmInstance>> = NOTHING_LINKED,
    component: ((owner: object) => ComponentInstance) | null = null,
    host: HostTable | null = null,
  ) {
    this.#raw = raw;
    this.#host = host;
    this.moduleId = moduleId;
    this.linked = linked === NOTHING_LINKED ? linked : Object.freeze({ ...linked });
    this.#reclaim = { raw, alive: 1 };
    if (component !== null) {
      this.#component = component(this);
      this.id = `c${this.#component.id}`;
      this.#token = ops.op_wasm_reclaim_token(this.#component.id, true);
      return;
    }
    this.id = String(raw);
    this.#token = ops.op_wasm_reclaim_token(raw, false);
    forgotten.register(this, this.#reclaim, this);
  }

  /** The instance's linear memory. */
  get memory(): WasmMemory {
    if (this.#memory === null) {
      if (this.#component !== null) {
        // A component exports no linear memory: its WasmMemory only says so (id 0), and keeps
        // nothing alive.
        this.#memory = new WasmMemory(0, null);
      } else {
        // From now on the store is freed once both objects are collected.
        this.#reclaim.alive++;
        this.#memory = new WasmMemory(this.#raw, this.#reclaim, this.#token);
      }
    }
    return this.#memory;
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
    // A module's instance gets an op of its own as `call` on its first call (runtime:wasm/calls),
    // which hands what it does not end to InstanceCalls, not back here: this method runs for a
    // component's calls, a module's first, and those of an instance the app froze or whose `call`
    // it replaced.
    if (this.#component !== null) {
      const bad = nameError(name);
      return bad !== null ? Promise.reject(bad) : this.#component.call(name, args) as Promise<R>;
    }
    // Made on the first call: instantiate sets the host table before it returns the instance.
    const calls = this.#calls ?? (this.#calls = new InstanceCalls(this.#raw, this.#host ?? undefined));
    return calls.call(name, args as WasmArg[], this) as Promise<R>;
  }

  /**
   * The module's function exports as synchronous functions, like a `WebAssembly.Instance`'s
   * `exports`: the fast path beside {@link WasmInstance.call}. Arguments are checked and converted
   * as `call` does, except that trailing `undefined`s are not counted; a function's `name` and
   * `length` are the export's name and parameter count. A function returns its one result,
   * `undefined` if it has none, or an array if it has several. A call blocks the event loop until
   * the guest returns (timers do not fire meanwhile), but `timeoutMs` and `fuel` still stop it. Holding a function keeps the instance
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
      const keeper = this.#keeper = storeKeeper(this.#reclaim, this.#token);
      const table = this.#host;
      ops.op_wasm_instance_exports(this.#raw).forEach((e, index) => {
        if (e.kind !== "function") return;
        functions[e.name] = table === null
          ? exportFunction(keeper, this.#raw, index, e.name, e.params ?? [], e.results ?? [])
          : hostExportFunction(keeper, this.#raw, index, e.name, e.params ?? [], e.results ?? [], table);
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
  drop(): Promise<void> {
    // Not an async function: awaiting the one settled `dropped` costs the interpreter less than
    // half of what an async frame and its promise do (3,500 against 8,900 instructions). Errors
    // still arrive as rejections.
    try {
      if (this.#component !== null) {
        this.#component.drop();
      } else {
        ops.op_wasm_instance_drop(this.#raw);
        forgotten.unregister(this);
        if (this.#memory !== null) forgotten.unregister(this.#memory);
        if (this.#keeper !== null) forgotten.unregister(this.#keeper);
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return dropped ??= Object.freeze(Promise.resolve());
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
  // `imports` and `hostCaller` travel apart from the WASI config, which Rust reads as JSON.
  let wasi: unknown = config;
  let imports: unknown;
  let hostCaller = true;
  if (typeof config === "object" && config !== null && ("imports" in config || "hostCaller" in config)) {
    let given: unknown;
    ({ imports, hostCaller: given = true, ...wasi } = config);
    if (typeof given !== "boolean") {
      throw wasmError("TypeError", `instantiate: hostCaller is ${describe(given)}; pass true or false (false: host functions get no WasmCaller)`);
    }
    hostCaller = given;
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
    // Made on the op's first poll unless it must wait (a compile, a long start function).
    const made = reserving(() => ops.op_wasm_instance_create(raw, json, split.modules, 0));
    id = (made instanceof Promise ? await made : made) ?? await ops.op_wasm_call_unfinished();
  } else {
    // Start functions and reactor initializers may call the host functions: drive them here.
    const ids = [raw, ...Object.values(imports as ImportObject).filter((v) => typeof v === "string").map((v) => rawId(v, "module"))];
    table = hostTable(split, ids, null, hostCaller);
    const begun = reserving(() => ops.op_wasm_instance_begin(raw, json, split.modules, split.host, 0));
    id = await driveInstantiation(begun instanceof Promise ? await begun : begun, table, ops.op_wasm_instance_end);
  }
  let linked: Record<string, WasmInstance> = NOTHING_LINKED;
  if (split.modules !== "") {
    linked = {};
    const ids = imports as ImportObject;
    for (const [name, linkedId] of ops.op_wasm_instance_linked(id)) {
      linked[name] = new WasmInstance(linkedId, String(rawId(ids[name], "module")), NOTHING_LINKED, null, table);
    }
  }
  const instance = new WasmInstance<E>(id, String(raw), linked, null, table);
  return instance;
}
