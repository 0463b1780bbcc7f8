// runtime:wasm/component — component instances, for runtime:wasm (which re-exports ComponentError).
//
// A component's functions take and return JS values by their WIT types, mapped as jco maps them
// but strictly (./wasm_wit.ts, `runtime:wasm/wit`, checks, encodes and decodes them). This module
// makes `instance.exports` (functions, interfaces, resource classes), `call`, and the JS host
// functions of a component's imports, driven as a module's are (ext_wasm/src/hostcall.rs).

import { codes, describe, ops, reserving, reservingAsync, wasmError } from "runtime:wasm/values";
import {
  encodeArgs,
  type Encoder,
  encodeValue,
  type FuncDesc,
  HANDLE,
  type Handle,
  handleOf,
  type ImportDesc,
  type ResourceDesc,
  type ResourceOwner,
  typeError,
} from "runtime:wasm/wit";
import { giveWriter, Reader } from "runtime:wasm/wit-bytes";
import { codecOf, type Decoder, decoderOf, encoderOf } from "runtime:wasm/wit-codec";
import { numberArg, numbersFunction } from "runtime:wasm/component-numbers";

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

// ---- the public types of components (re-exported by runtime:wasm) ----

/**
 * The `exports` of a component instance made without typings: its functions by camelCase name,
 * its interfaces by full name, its resources' classes, each as a {@link ComponentMember}. Name
 * the result type of a call as with `WasmFunction`: `exports.safeDiv<number>(7, 2)`. Run
 * `kiln types` for a component's own `Exports` type and pass it to `instantiate`
 * (`instantiate<Exports>(id)`), so that the IDE and `tsc` check every argument too.
 *
 * @example
 * ```ts
 * const calc = await instantiate<ComponentExports>(await compileFile("./calc.wasm"));
 * const quotient = calc.exports.safeDiv<number>(7, 2);
 * const shapes = calc.exports["example:calc/shapes"];
 * const counter = new shapes.Counter(5);
 * ```
 */
export interface ComponentExports {
  readonly [name: string]: ComponentMember;
  /** `"ComponentExports"`: what tells these exports from a module's `WasmExports`. */
  readonly [Symbol.toStringTag]: "ComponentExports";
}

/**
 * One untyped member of a component's exports: a function (call it), an interface (index it),
 * or a resource's class (`new` it, or call its static functions).
 *
 * @example
 * ```ts
 * const add: ComponentMember = instance.exports.add;
 * const sum = add<number>(1, 2);
 * ```
 */
export interface ComponentMember {
  <R = unknown>(...args: unknown[]): R;
  new (...args: unknown[]): ComponentResource;
  readonly [name: string]: ComponentMember;
}

/**
 * An untyped object of a component's resource: its methods, and `[Symbol.dispose]()`, which
 * drops it (the guest's destructor runs).
 *
 * @example
 * ```ts
 * const counter: ComponentResource = new instance.exports["kiln:test/counters"].Counter(5);
 * counter.increment<number>(1);
 * counter[Symbol.dispose]();
 * ```
 */
export interface ComponentResource {
  readonly [name: string]: ComponentMember;
  [Symbol.dispose](): void;
}

/**
 * A JS function for a component's import: it takes and returns values mapped from the import's
 * WIT types (see {@link ComponentExports}); for a top-level `result`, it returns the ok value or
 * throws a {@link ComponentError} whose payload is the err value.
 *
 * @example
 * ```ts
 * const lookup: ComponentHostFunction = (key: string) => {
 *   if (key === "") throw new ComponentError("empty key", "empty key");
 *   return key.length;
 * };
 * ```
 */
export type ComponentHostFunction = (...args: never[]) => unknown;

/**
 * The JS functions for one interface a component imports, by WIT or camelCase name.
 *
 * @example
 * ```ts
 * const host: ComponentHostNamespace = { log: (message: string) => console.log(message) };
 * ```
 */
export type ComponentHostNamespace = { readonly [name: string]: ComponentHostFunction };

// ---- Symbol.dispose (QuickJS-ng has it; an engine without explicit resource management gets one) ----

const symbols = Symbol as unknown as { dispose?: symbol };
if (symbols.dispose === undefined) {
  Object.defineProperty(Symbol, "dispose", { value: Symbol("Symbol.dispose") });
}
const DISPOSE = symbols.dispose as symbol;

function payloadText(payload: unknown): string {
  if (typeof payload === "string") return JSON.stringify(payload);
  try {
    return JSON.stringify(payload, (_, x) => (typeof x === "bigint" ? `${x}n` : x)) ?? String(payload);
  } catch {
    return describe(payload);
  }
}

/**
 * The JS value of a function's result, read from `r` by the function's decoder: a top-level
 * `result` is its ok value, or a thrown ComponentError.
 */
/** The ComponentError of a top-level `result`'s `err` value, on every path that returns one. */
function failure(f: FuncDesc, val: unknown): ComponentError {
  return new ComponentError(`\`${f.name}\` returned an error: ${payloadText(val)}`, val);
}

function resultOf(f: FuncDesc, r: Reader, owner: ComponentInstance): unknown {
  const read = (f.codec ?? codecOf(f, owner)).result;
  if (read === null) return undefined;
  const value = read(r);
  const d = f.results[0];
  if (typeof d === "object" && d.k === "result") {
    const { tag, val } = value as { tag: string; val: unknown };
    if (tag === "err") throw failure(f, val);
    return val;
  }
  return value;
}

/** The reader of synchronous calls' results, over the writer their arguments were in. */
let results: Reader | undefined;
/** The lent `list<u8>` of a call that lends none (made on first use: not in the start-up snapshot). */
let nothing: Uint8Array | undefined;

/** A JS host function the component imports, by the index Rust calls it by. */
interface HostFn {
  desc: ImportDesc;
  fn: (...args: unknown[]) => unknown;
  what: string;
  /** Its parameters' decoders and its result's encoder, for `owner` (made on its first call). */
  codec?: { owner: ComponentInstance; params: Decoder[]; result: Encoder | null };
}

/** Finalization: a forgotten instance frees its store. */
const forgotten = new FinalizationRegistry<number>((id) => ops.op_wasm_instance_forget(id, true));

/** A component instance's JS side: its functions, resource classes and host functions. */
export class ComponentInstance implements ResourceOwner {
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
    if (f.numbers && this.host === null && args.length === f.params.length) {
      const what = `\`${f.name}\``;
      const a = args.length > 0 ? numberArg(f, 0, args[0], what) : 0;
      const b = args.length > 1 ? numberArg(f, 1, args[1], what) : 0;
      const c = args.length > 2 ? numberArg(f, 2, args[2], what) : 0;
      const out = ops.op_wasm_component_call_numbers(this.id * 65536 + f.i, a, b, c);
      return f.results.length === 0 ? undefined : out;
    }
    // Only the op of a call without host functions takes a lent `list<u8>` (wasm_wit_bytes.ts).
    const w = encodeArgs(f, args, this, (f.codec ?? codecOf(f, this)).params, this.host === null);
    if (this.host !== null) {
      let token: number;
      try {
        token = ops.op_wasm_component_hcall_begin(this.id, f.i, true, w.bytes.subarray(0, w.at)); // It copies them.
      } finally {
        giveWriter(w);
      }
      return resultOf(f, new Reader(this.#driveSync(token)), this);
    }
    try {
      // The results come back in the arguments' buffer, unless they do not fit there.
      const n = ops.op_wasm_component_call_sync(this.id, f.i, w.bytes, w.at, w.lent ?? (nothing ??= new Uint8Array(0)));
      const r = n <= w.bytes.length ? (results ??= new Reader(w.bytes)).over(w) : new Reader(ops.op_wasm_component_results(this.id));
      return resultOf(f, r, this);
    } finally {
      giveWriter(w);
    }
  }

  /** `await instance.call(name, ...args)`: resolves to the results array. */
  async call(name: string, args: unknown[]): Promise<unknown[]> {
    const f = this.find(name);
    const w = encodeArgs(f, args, this, (f.codec ?? codecOf(f, this)).params);
    const bytes = w.bytes.slice(0, w.at);
    giveWriter(w);
    let out: Uint8Array;
    if (this.host === null) {
      out = await ops.op_wasm_component_call(this.id, f.i, bytes);
    } else {
      out = await drive(ops.op_wasm_component_hcall_begin(this.id, f.i, false, bytes), this.host, this);
    }
    return f.results.length === 0 ? [] : [resultOf(f, new Reader(out), this)];
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
      // The JS path; `fail` throws a top-level result's `err` value for the direct path.
      const js = Object.assign((...args: unknown[]) => this.callSync(f, args), {
        fail: (val: unknown) => {
          throw failure(f, val);
        },
      });
      // Without host functions, the op itself, bound to the JS path for what it refuses.
      const fn = this.host !== null ? js : f.numbers ? numbersFunction(this, f) : f.direct ? ops.op_wasm_component_call_direct.bind(js, this.id * 65536 + f.i) : js;
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

/** Runs host function `index` on encoded arguments; its answer for `resume`. */
function serve(
  host: HostFn[],
  index: number,
  args: Uint8Array,
  owner: ComponentInstance,
  sync: boolean,
): { status: number; bytes: Uint8Array; message: string } | Promise<{ status: number; bytes: Uint8Array; message: string }> {
  const h = host[index];
  // Made again for the instance once its instantiation (whose owner is provisional) is over.
  if (h.codec?.owner !== owner) {
    h.codec = {
      owner,
      params: h.desc.params.map(([, d]) => decoderOf(d, owner)),
      result: h.desc.results.length === 0 ? null : encoderOf(h.desc.results[0], owner),
    };
  }
  const { params, result: fast } = h.codec;
  const r = new Reader(args);
  const values = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) values[i] = params[i](r);
  const d = h.desc.results[0];
  const topResult = typeof d === "object" && d.k === "result";
  const answer = (result: unknown, err = false) => {
    if (h.desc.results.length === 0) return { status: 3, bytes: new Uint8Array(0), message: "" };
    // A top-level result: the function returns the ok value, or throws a ComponentError whose
    // payload is the err value, as a component's own functions do.
    const value = topResult ? { tag: err ? "err" : "ok", val: result } : result;
    try {
      return { status: 3, bytes: encodeValue(d, value, owner, "result", fast ?? undefined), message: "" };
    } catch (e) {
      const error = typeError(`the host function ${h.what}`, e) as Error;
      return { status: 2, bytes: new Uint8Array(0), message: error.message };
    }
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
    return new ComponentInstance(await reservingAsync(() => ops.op_wasm_component_instantiate(raw, json)), null);
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
  // Its host functions may refer back to it: reclaimed, if forgotten, as a module's instance is.
  const begun = reserving(() => ops.op_wasm_component_begin(raw, json, JSON.stringify(pairs)));
  const token = begun instanceof Promise ? await begun : begun;
  const provisional = { host } as unknown as ComponentInstance;
  await drive(token, host, provisional, false);
  return new ComponentInstance(ops.op_wasm_component_end(token), host);
}
