// runtime:wasm/instance — `instantiate` and `WasmInstance`: a part of the public `runtime:wasm`
// module, which re-exports them (the typings generator reads their declarations and JSDoc from
// here). The public types they take (`InstantiateOptions`, `ImportObject`, `WasmExports`, ...) stay
// in ./runtime_wasm.ts and are imported as types only, erased at run time, as the other parts do.

import type { ExportInfo, WasiConfig } from "kiln:internal";
import type { ImportObject, InstantiateOptions, WasmArg, WasmExports, WasmFunction, WasmResult } from "runtime:wasm";
import {
  argumentLabels,
  arityError,
  configJson,
  decodeResults,
  describe,
  encodeArgs,
  EXPORT_INDEX_LIMIT,
  isNumberType,
  isNumericType,
  type Signature,
  kindsOf,
  numberArg,
  ops,
  rawId,
  readSlots,
  wasmError,
  writeSlots,
} from "runtime:wasm/values";
import { exportFunction } from "runtime:wasm/exports";
import { driveInstantiation, hostCall } from "runtime:wasm/host-drive";
import { hostExportFunction } from "runtime:wasm/host-exports";
import { type HostTable, hostTable } from "runtime:wasm/host-table";
import { splitImports } from "runtime:wasm/import-object";
import { type ComponentInstance, instantiateComponent } from "runtime:wasm/component";
import { forgotten, type Reclaim, WasmMemory } from "runtime:wasm/memory";

/** The host table of each instance of a store with JS host functions. */
const hostTables = new WeakMap<object, HostTable>();

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
  #signatures: Map<string, Signature> | null = null;
  #exports: WasmExports | null = null;
  /** The store's JS host functions (hostTables), once looked up: null before, undefined if none. */
  #host: HostTable | undefined | null = null;
  /**
   * The packed export (instance id and export index, as the ops take them) of each export of the
   * common shape `call` has called so far: `call` hands such a call straight to
   * op_wasm_instance_call_args_first.
   */
  #fast: Map<string, number> | null = null;
  /** The checked path of those exports' calls (numbersCall), each made when first needed. */
  #checked: Map<string, NumbersCall> | null = null;
  /** `call` of each export of another signature called so far (slotsCall). */
  #slotted: Map<string, (args: WasmArg[]) => Promise<WasmResult[]>> | null = null;
  /** A component instance's JS side (runtime:wasm/component); null for a module's. */
  #component: ComponentInstance | null = null;

  constructor(
    raw: number,
    moduleId: string,
    linked: Readonly<Record<string, WasmInstance>> = NOTHING_LINKED,
    component: ((owner: object) => ComponentInstance) | null = null,
  ) {
    this.#raw = raw;
    this.moduleId = moduleId;
    this.linked = linked === NOTHING_LINKED ? linked : Object.freeze({ ...linked });
    this.#reclaim = { raw, alive: 1 };
    if (component !== null) {
      this.#component = component(this);
      this.id = `c${this.#component.id}`;
      return;
    }
    this.id = String(raw);
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
        this.#memory = new WasmMemory(this.#raw, this.#reclaim);
      }
    }
    return this.#memory;
  }

  #signature(name: string): Signature | undefined {
    if (this.#signatures === null) {
      const map = new Map<string, Signature>();
      ops.op_wasm_instance_exports(this.#raw).forEach((e, index) => {
        if (e.kind !== "function") return;
        const params = e.params ?? [];
        const results = e.results ?? [];
        const packs = index < EXPORT_INDEX_LIMIT && Number.isSafeInteger(this.#raw * EXPORT_INDEX_LIMIT + index);
        const numbers = params.length <= 3 && params.every(isNumberType) && results.length <= 1 &&
          results.every(isNumberType) && packs;
        const numeric = packs && params.every(isNumericType) && results.every(isNumericType);
        const where = argumentLabels(e.name, params);
        const i32s = params.reduce((bits, p, i) => (p === "i32" ? bits | (1 << i) : bits), 0);
        const slots = Math.max(params.length, results.length);
        map.set(e.name, { params, results, slots, index, numbers, numeric, where, i32s, bounded: null });
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
    // Not an async function: for the common shape it returns a promise of the results array made
    // directly, which saves the interpreter an async frame and two promises per call. Errors still
    // arrive as rejections. After an export's first call, the op checks the arguments and runs
    // the call (ext_wasm/src/call.rs): the rest of this method runs once per export, not once per
    // call, and only a call the op refuses or does not end takes the checked path.
    const packed = this.#fast !== null ? this.#fast.get(name) : undefined;
    if (packed !== undefined) {
      let r: number | undefined | null | false;
      try {
        r = ops.op_wasm_instance_call_args_first(packed, args) as number | undefined | null | false;
      } catch (e) {
        return Promise.reject(e);
      }
      if (typeof r === "number") return Promise.resolve([r]) as Promise<R>;
      if (r === undefined) return Promise.resolve([]) as Promise<WasmResult[]> as Promise<R>;
      return this.#numbersChecked(name, packed, r === null, args as WasmArg[]) as Promise<R>;
    }
    const slotted = this.#slotted !== null ? this.#slotted.get(name) : undefined;
    if (slotted !== undefined) return slotted(args as WasmArg[]) as Promise<R>;
    try {
      if (typeof name !== "string") {
        throw wasmError("TypeError", `call: the export name must be a string, got ${describe(name)}`);
      }
      if (this.#component !== null) return this.#component.call(name, args) as Promise<R>;
      const values = args as WasmArg[];
      const sig = this.#signatures !== null ? this.#signatures.get(name) : this.#signature(name);
      // The host table is looked up once: instantiate sets it before it returns the instance.
      const table = this.#host !== null ? this.#host : (this.#host = hostTables.get(this));
      const packed = this.#raw * EXPORT_INDEX_LIMIT + (sig === undefined ? 0 : sig.index);
      // Only the host driver may make a call that can reach a host function; one that ends in
      // bounded time cannot, and takes the ops of any other store.
      const driven = table !== undefined && sig !== undefined &&
        (!sig.numeric || !(sig.bounded ??= ops.op_wasm_instance_export_bounded(packed)));
      if (driven) {
        const call = hostCall(this.#raw, sig.index, table, name, sig);
        (this.#slotted ??= new Map()).set(name, call);
        return call(values) as Promise<R>;
      }
      if (sig === undefined || !sig.numbers) return this.#callWithSlots<R>(name, sig, values);
      (this.#fast ??= new Map()).set(name, packed);
      return this.#numbersChecked(name, packed, false, values) as Promise<R>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * `call` of the common-shape export `name` (packed as the ops take it) when
   * op_wasm_instance_call_args_first did not end it: `unfinished` if it started the call, which is
   * then finished by op_wasm_call_unfinished; else the op refused the arguments (or it is the
   * export's first call), and numbersCall converts them or names the bad one.
   */
  #numbersChecked(name: string, packed: number, unfinished: boolean, args: WasmArg[]): Promise<WasmResult[]> {
    let checked = this.#checked !== null ? this.#checked.get(name) : undefined;
    if (checked === undefined) {
      const sig = this.#signature(name);
      if (sig === undefined) return Promise.reject(wasmError("TypeError", `call: \`${name}\` has no signature; this is a bug in Kiln`));
      checked = numbersCall(name, packed, sig);
      (this.#checked ??= new Map()).set(name, checked);
    }
    return unfinished ? checked.unfinished() : checked.call(args);
  }

  /** `call` for any other signature: arguments and results in 8-byte slots (ext_wasm/src/value.rs). */
  #callWithSlots<R extends unknown[]>(name: string, sig: Signature | undefined, args: WasmArg[]): Promise<R> {
    const packed = sig === undefined ? -1 : this.#raw * EXPORT_INDEX_LIMIT + sig.index;
    if (sig !== undefined && sig.index < EXPORT_INDEX_LIMIT && Number.isSafeInteger(packed)) {
      const call = slotsCall(name, packed, sig);
      (this.#slotted ??= new Map()).set(name, call);
      return call(args) as Promise<R>;
    }
    return this.#callByName<R>(name, sig, args);
  }

  /** `call` by the export's name: for a name that is not a function export, or an export index
   * too large to pack. */
  async #callByName<R extends unknown[]>(name: string, sig: Signature | undefined, args: WasmArg[]): Promise<R> {
    // As for the common shape: a call that does not end at once is finished by an async op.
    if (sig === undefined) {
      // Not a function export: the op reports what it is, or which functions exist.
      if (!ops.op_wasm_instance_call(this.#raw, name, new Uint8Array(0))) await ops.op_wasm_call_unfinished();
      return [] as WasmResult[] as R;
    }
    const bytes = encodeArgs(name, sig, args);
    if (!ops.op_wasm_instance_call(this.#raw, name, bytes)) await ops.op_wasm_call_unfinished();
    return decodeResults(bytes, sig.results) as R;
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
    id = ops.op_wasm_instance_create(raw, json, split.modules, false) ?? await ops.op_wasm_call_unfinished();
  } else {
    // Start functions and reactor initializers may call the host functions: drive them here.
    const ids = [raw, ...Object.values(imports as ImportObject).filter((v) => typeof v === "string").map((v) => rawId(v, "module"))];
    table = hostTable(split, ids, false, hostCaller);
    const token = ops.op_wasm_instance_begin(raw, json, split.modules, split.host, false);
    id = await driveInstantiation(token, table, ops.op_wasm_instance_end);
  }
  let linked: Record<string, WasmInstance> = NOTHING_LINKED;
  if (split.modules !== "") {
    linked = {};
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

/** The checked path of `call` for one export of the common shape (numbersCall). */
interface NumbersCall {
  /** Checks and converts the arguments, then calls. */
  call(args: WasmArg[]): Promise<WasmResult[]>;
  /** Finishes the call op_wasm_instance_call_args_first started and did not end. */
  unfinished(): Promise<WasmResult[]>;
}

/**
 * The checked path of `call` of the export `packed` (instance id and export index, as the ops take
 * them) when its signature takes up to three numbers and returns at most one (`sig.numbers`), and
 * its store has no JS host functions: plain numbers, no buffer. It runs on the export's first call
 * and when op_wasm_instance_call_args_first refuses a call (its arguments need converting, or are
 * wrong) or leaves it unfinished. The usual argument (a number; an integer for i32) is checked
 * inline, anything else converted or named by numberArg.
 */
function numbersCall(name: string, packed: number, sig: Signature): NumbersCall {
  const p = sig.params;
  const arity = p.length;
  const where = sig.where;
  const none = sig.results.length === 0;
  // Bit i is set when parameter i is an i32: testing it is cheaper than comparing `p[i]` with
  // "i32", whose bytes the engine compares, as the signature's strings are not interned.
  const i32s = sig.i32s;
  const first = ops.op_wasm_instance_call_numbers_first;
  const unfinished = ops.op_wasm_call_unfinished;
  const results = (v: number): WasmResult[] => (none ? [] : [v]);
  const call = (values: WasmArg[]): Promise<WasmResult[]> => {
    try {
      const n = values.length;
      if (n !== arity) throw arityError(name, p, n);
      let a: WasmArg = n > 0 ? values[0] : 0, b: WasmArg = n > 1 ? values[1] : 0, c: WasmArg = n > 2 ? values[2] : 0;
      if (typeof a !== "number" || ((i32s & 1) !== 0 && (a | 0) !== a && a >>> 0 !== a)) a = numberArg(p[0], a, where[0]);
      if (typeof b !== "number" || ((i32s & 2) !== 0 && (b | 0) !== b && b >>> 0 !== b)) b = numberArg(p[1], b, where[1]);
      if (typeof c !== "number" || ((i32s & 4) !== 0 && (c | 0) !== c && c >>> 0 !== c)) c = numberArg(p[2], c, where[2]);
      // The call runs at once; a call that ends there (a short one) resolves without an async op,
      // and one that does not is finished by one (ext_wasm/src/call_first.rs).
      const r = first(packed, a, b, c);
      if (r !== null) return Promise.resolve(none ? [] : [r]);
      return unfinished().then(results);
    } catch (e) {
      return Promise.reject(e);
    }
  };
  return { call, unfinished: () => unfinished().then(results) };
}

/** A slot buffer and its view, as slotsCall reuses them. */
interface Slots {
  bytes: Uint8Array;
  view: DataView;
}

/**
 * `call` of the export `packed` (instance id and export index, as the ops take them) of any
 * signature outside the common shape, on a store without JS host functions: the arguments are
 * written into 8-byte slots, which the op reads and writes the results into
 * (op_wasm_instance_call_slots, ext_wasm/src/value.rs). The export is resolved once, on its
 * first call. The buffer is reused by the next call once a call has read its results; a call
 * made while another still holds it (one that did not end at once) gets a new one.
 */
function slotsCall(name: string, packed: number, sig: Signature): (args: WasmArg[]) => Promise<WasmResult[]> {
  const { params, results, where } = sig;
  const arity = params.length;
  const kinds = kindsOf(params);
  const resultKinds = kindsOf(results);
  const size = sig.slots * 8;
  const first = ops.op_wasm_instance_call_slots;
  const unfinished = ops.op_wasm_call_unfinished;
  let spare: Slots | null = null;
  const read = (slots: Slots): WasmResult[] => {
    spare = slots;
    return readSlots(slots.view, resultKinds, results);
  };
  return (args: WasmArg[]): Promise<WasmResult[]> => {
    let slots = spare;
    spare = null;
    try {
      if (slots === null) {
        const bytes = new Uint8Array(size);
        slots = { bytes, view: new DataView(bytes.buffer) };
      }
      if (args.length !== arity) throw arityError(name, params, args.length);
      writeSlots(slots.view, kinds, params, where, args);
      // The call runs at once; one that does not end there is finished by an async op
      // (ext_wasm/src/call_first.rs), and keeps its buffer until then.
      if (first(packed, slots.bytes)) return Promise.resolve(read(slots));
    } catch (e) {
      spare = slots;
      return Promise.reject(e);
    }
    const held = slots;
    return unfinished().then(() => read(held), (e) => {
      spare = held;
      throw e;
    });
  };
}
