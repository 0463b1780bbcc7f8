// runtime:wasm/host — internal to runtime:wasm (see wasm_values.ts): JS host functions.
//
// A store with JS host functions is driven from here (ext_wasm/src/hostcall.rs has the other
// half): a call runs until the guest calls a host function, the function runs here, in an ordinary
// JS frame on the JS thread, and its answer resumes the guest. No JS frame ever sits on a wasmtime
// fiber. The async driver (`await instance.call`, `instantiate`: runtime:wasm/host-drive, with
// this module's pieces) awaits an async host function while the event loop runs; a synchronous
// call (`instance.exports`) cannot, and fails the call.
// A synchronous call of a store without WASI runs its guest on the JS thread's own stack, and the
// guest's host function calls reach `serveDirect` from Rust (ext_wasm/src/host_direct.rs); the
// export functions that make such calls are runtime:wasm/host-exports'. The store's table of host
// functions is runtime:wasm/host-table's; `WebAssembly.promising` drives calls with these pieces
// in runtime:wasm/jspi.

import type { WasmArg, WasmCaller, WasmExports, WasmFunction, WasmResult, WasmReturn } from "runtime:wasm";
import {
  type Answered,
  answer,
  answered,
  CALLER_TOKEN,
  type CallerFields,
  coerced,
  CoercionThrew,
  type CallState,
  isThenable,
  newState,
  promised,
  replyError,
  replyValue,
  withCause,
} from "runtime:wasm/host-answer";
import { type HostFn, hostFn, type HostTable } from "runtime:wasm/host-table";
import {
  argumentCount,
  argumentLabel,
  arityError,
  decode,
  encode,
  guardAlias,
  ops,
  type Refs,
  toBytes,
  toIndex,
  wasmError,
} from "runtime:wasm/values";

export { type CallState, newState, replyError, replyValue, withCause } from "runtime:wasm/host-answer";

/** A host step that ended the call (results in the slots) or a `caller.exports` call. */
export const DONE = -1;
export const CALLED = -2;

/** Calls `h` with its arguments decoded from the slots (an `externref` from `refs`, its store's
 * values) and then `caller`, if it gets one. The common arities are called directly: a spread
 * call builds an arguments array on every call. */
function invoke(h: HostFn, view: DataView, caller: Caller | null, refs: Refs | null): unknown {
  const fn = h.fn as (...a: unknown[]) => unknown;
  const p = h.params;
  if (caller === null) {
    // Exactly the import's arguments (a `WebAssembly` import, or `hostCaller: false`).
    switch (p.length) {
      case 0:
        return fn();
      case 1:
        return fn(decode(view, 0, p[0], refs));
      case 2:
        return fn(decode(view, 0, p[0], refs), decode(view, 1, p[1], refs));
      default: {
        const args: unknown[] = new Array(p.length);
        for (let i = 0; i < p.length; i++) args[i] = decode(view, i, p[i], refs);
        return fn(...args);
      }
    }
  }
  switch (p.length) {
    case 0:
      return fn(caller);
    case 1:
      return fn(decode(view, 0, p[0], refs), caller);
    case 2:
      return fn(decode(view, 0, p[0], refs), decode(view, 1, p[1], refs), caller);
    case 3:
      return fn(decode(view, 0, p[0], refs), decode(view, 1, p[1], refs), decode(view, 2, p[2], refs), caller);
    default: {
      const args: unknown[] = new Array(p.length + 1);
      for (let i = 0; i < p.length; i++) args[i] = decode(view, i, p[i], refs);
      args[p.length] = caller;
      return fn(...args);
    }
  }
}

/** What `start` returns when the host function threw (the answer is already given). */
export const THREW = Symbol("threw");

/** Calls `h` with its decoded arguments and `caller` (null for one without); a throw is
 * answered here (the caller ends), and THREW stands for the value. (No tuple or closure: this runs
 * on every host call.) */
export function start(h: HostFn, view: DataView, caller: Caller | null, state: CallState, table: HostTable, token: number): unknown {
  const top = table.top;
  const outer = top[0];
  top[0] = token;
  try {
    return invoke(h, view, caller, table.refs);
  } catch (error) {
    caller?.end();
    replyError(h, state, error, table.refs);
    return THREW;
  } finally {
    top[0] = outer;
  }
}

/** Runs host function `index` for the synchronous driver: a promise fails the call (the
 * `WebAssembly` global's imports pass it on as a value, as the JS API does). */
export function serveSync(token: number, table: HostTable, index: number, slots: Uint8Array, view: DataView, state: CallState): void {
  const h = hostFn(table, index);
  if (h.suspending !== undefined) {
    replyError(h, state, h.suspending.refusal(h.name), table.refs);
    return;
  }
  const caller = h.noCaller ? null : newCaller(token, table);
  const value = start(h, view, caller, state, table, token);
  if (value === THREW) return;
  caller?.end();
  if (!h.bare && isThenable(value)) {
    // Keep the rejection, if any, from going unhandled: the call reports the problem.
    Promise.resolve(value).catch(() => {});
    answer(state, 1, 0, promised(h));
    return;
  }
  replyValue(state, table, index, value, view);
}

/** What Rust hands back after calling a host function directly (`table.direct`): the value it
 * returned, if it was not simply a number of its result's type, or what it threw, and the caller
 * Rust made for it, which ends here. Answered as the driver answers (the promise of a host
 * function that is not a `WebAssembly` import fails the call); says what it answered as
 * serveDirect does. */
export function settleDirect(
  table: HostTable,
  step: number,
  view: DataView,
  state: CallState,
  value: unknown,
  threw: boolean,
  caller: CallerFields | undefined,
): Answered {
  if (caller !== undefined) caller[CALLER_TOKEN] = -1;
  const answering = table.serving ?? state;
  const index = step | 0;
  const h = hostFn(table, index);
  if (!threw) value = coerced(h, value);
  if (value instanceof CoercionThrew) {
    value = value.error;
    threw = true;
  }
  if (threw) {
    replyError(h, answering, value, table.refs);
  } else if (!h.bare && isThenable(value)) {
    Promise.resolve(value).catch(() => {});
    answer(answering, 1, 0, promised(h));
  } else {
    replyValue(answering, table, index, value, view);
  }
  return answered(answering);
}

/** Runs host function `step` for a call whose guest runs on the JS thread's stack, inside
 * op_wasm_hcall_call_sync (ext_wasm/src/host_direct.rs), as the synchronous driver does, and says
 * what it answered (`Answered`). The call's token is in the slots' last slot. */
export function serveDirect(table: HostTable, step: number, slots: Uint8Array, view: DataView, state: CallState): Answered {
  const answering = table.serving ?? state;
  serveSync(view.getFloat64(slots.length - 8, true), table, step | 0, slots, view, answering);
  return answered(answering);
}

/** Runs `f` with `state` as the innermost call's of `table`'s store (see `HostTable.serving`). */
function answeringInto<T>(table: HostTable, state: CallState, f: () => T): T {
  const outer = table.serving;
  table.serving = state;
  try {
    return f();
  } finally {
    table.serving = outer;
  }
}

/** Drives a parked call to its end with the synchronous driver. A step is a host function's
 * number, which an op returns as a double: `| 0` makes it the engine's integer, which indexes the
 * table's arrays directly (a double key is turned into a string first, three times a call). */
export function driveSync(token: number, table: HostTable, slots: Uint8Array, view: DataView, state: CallState, step: number): number {
  while (step >= 0) {
    serveSync(token, table, step | 0, slots, view, state);
    step = ops.op_wasm_hcall_resume_sync(token, state.status, state.count, slots, state.message);
  }
  return step;
}

/**
 * Drives a parked instantiation (`op_wasm_instance_begin`) to its end with the synchronous driver,
 * for `new WebAssembly.Instance` (runtime:wasm/webassembly), and registers what it made with `end`:
 * a start function's calls of host functions are served here, a host function that returns a
 * promise fails it, and a value one threw becomes the `cause` of the error.
 */
export function driveInstantiationSync<T>(token: number, table: HostTable, end: (token: number) => T): T {
  const slots = new Uint8Array(table.slots * 8);
  const view = new DataView(slots.buffer);
  const state = newState();
  try {
    driveSync(token, table, slots, view, state, ops.op_wasm_hcall_run_sync(token, slots));
    return end(token);
  } catch (error) {
    ops.op_wasm_hcall_cancel(token);
    throw withCause(error, state);
  }
}

/** One result as is, none as undefined, several as an array: as `instance.exports` returns. */
function shape(values: WasmResult[]): WasmReturn {
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/** Where a caller's prototype (`callerProto`) keeps its store's host table. */
const CALLER_TABLE: unique symbol = Symbol("caller table");

/** A new caller of host call `token` of `table`'s store (see `Caller`). */
export function newCaller(token: number, table: HostTable): Caller {
  return { __proto__: callerProto(table), [CALLER_TOKEN]: token } as unknown as Caller;
}

/** The prototype of the callers of `table`'s store: `Caller.prototype` and, not enumerable, the
 * table, made once per store. */
export function callerProto(table: HostTable): object {
  if (table.callerProto !== null) return table.callerProto;
  const proto = Object.create(Caller.prototype, { [CALLER_TABLE]: { value: table } }) as object;
  // Two callers that never run, kept with the prototype (a property no one reads), keep the
  // engine's two shapes of a new caller alive: one of the prototype and no property, one with the
  // token. QuickJS frees a shape with its last object, so without them every caller made its own
  // shapes and freed them again (an allocation and a free each, a tenth of a round trip's time).
  const ended = Object.create(proto) as Record<symbol, number>;
  ended[CALLER_TOKEN] = -1;
  Object.defineProperty(proto, CALLER_SHAPES, { value: [Object.create(proto), ended] });
  return table.callerProto = proto;
}

/** Where a caller's prototype keeps the callers that keep its shapes alive (`callerProto`). */
const CALLER_SHAPES: unique symbol = Symbol("caller shapes");

/** Each caller's `exports`, made on first use: most host functions never touch their caller, and
 * each host call makes one, so a caller has two fields only (each costs QuickJS a property on
 * every new caller). */
const madeFor = new WeakMap<Caller, { exports?: WasmExports }>();

function made(caller: Caller): { exports?: WasmExports } {
  let made = madeFor.get(caller);
  if (made === undefined) madeFor.set(caller, made = {});
  return made;
}

/** The ops behind `caller.memory.read` and `write`, looked up once. */
const memoryRead = ops.op_wasm_caller_memory_read;
const memoryWrite = ops.op_wasm_caller_memory_write;

/** The field of a `caller.memory` that holds its caller (see `CallerMemory`). */
const MEMORY_CALLER = Symbol("caller");

/**
 * `caller.memory`: an object made on each read of `memory`, with one field, its caller, and its
 * methods on its prototype. It was made once per caller, with its methods as closures over the
 * caller, kept in `madeFor`: with the closures, the freezing and the cycle through the map (which
 * only the engine's cycle collector freed), a round trip to a host function that read one byte of
 * its caller's memory took about 5 µs, and 2.1-2.8 µs this way (BENCHMARKS.md, the forty-third
 * pass, which took such a call from 40,588 instructions to 19,158 with its engine change).
 * So `caller.memory !== caller.memory`, and its methods are called on it, as a `Map`'s are. It is
 * made as an object literal with a symbol-keyed field, as a caller is (`newCaller`), not as a
 * class instance with a private field, which cost more to make (the forty-sixth pass).
 */
class CallerMemory {
  declare [MEMORY_CALLER]: Caller | null;

  read(offset: number | bigint, length: number | bigint): Uint8Array {
    // The common case makes no call but the op's: a live caller's token, and whole numbers below
    // 2^32 (as `#live` and `toIndex` check first). Each JS call was about a tenth of a read.
    const live = (this as { [MEMORY_CALLER]?: Caller | null } | null | undefined)?.[MEMORY_CALLER]?.[CALLER_TOKEN];
    const token = typeof live === "number" && live > 0 ? live : CallerMemory.#live(this, "read");
    const out = new Uint8Array(
      typeof length === "number" && length >>> 0 === length ? length : toIndex(length, "caller.memory.read"),
    );
    memoryRead(
      token,
      typeof offset === "number" && offset >>> 0 === offset ? offset : toIndex(offset, "caller.memory.read"),
      out,
    );
    return out;
  }

  write(offset: number | bigint, data: Uint8Array): void {
    // As `read`: the common case makes no call but the op's.
    const live = (this as { [MEMORY_CALLER]?: Caller | null } | null | undefined)?.[MEMORY_CALLER]?.[CALLER_TOKEN];
    memoryWrite(
      typeof live === "number" && live > 0 ? live : CallerMemory.#live(this, "write"),
      typeof offset === "number" && offset >>> 0 === offset ? offset : toIndex(offset, "caller.memory.write"),
      data instanceof Uint8Array ? data : toBytes(data, "caller.memory.write"),
    );
  }

  size(): number {
    return ops.op_wasm_caller_memory_size(CallerMemory.#live(this, "size"));
  }

  get buffer(): ArrayBuffer {
    const buffer = ops.op_wasm_caller_memory_buffer(CallerMemory.#live(this, "buffer"));
    guardAlias(buffer);
    return buffer;
  }

  /** The token of the host call `memory`'s caller was given to, while it runs. */
  static #live(memory: unknown, what: string): number {
    const caller = typeof memory === "object" && memory !== null
      ? (memory as { [MEMORY_CALLER]?: Caller | null })[MEMORY_CALLER]
      : undefined;
    if (caller === undefined || caller === null) {
      throw wasmError(
        "TypeError",
        `caller.memory.${what}: call it on caller.memory (\`caller.memory.${what}(...)\`), not taken off it`,
      );
    }
    const token = caller[CALLER_TOKEN];
    if (token < 0) {
      throw wasmError(
        "MemoryError",
        `caller.memory.${what}: the host function call this caller was given to has returned; use the ` +
          "caller only while it runs",
      );
    }
    return token;
  }
}

/**
 * The caller given to a host function as its last argument: the calling instance's memory and
 * exports, usable only while that host function runs. Every host call of a function that could
 * read one makes one (runtime:wasm/host-table, `readsCaller`), so a caller is an object with one
 * symbol-keyed field, its host call's token, whose prototype is its store's `callerProto`, which
 * holds the store's host table and inherits from this class's prototype: made by `newCaller` as an
 * object literal, or by Rust for a function it calls with numbers (ext_wasm/src/host_entry.rs,
 * `DirectEntries`). QuickJS makes either in well under the time of a class instance with private
 * fields (about 300 ns a host call on this machine).
 */
export class Caller implements WasmCaller {
  /** The host call's token while it runs; -1 once it has returned (tokens count up from 1). */
  declare [CALLER_TOKEN]: number;
  declare [CALLER_TABLE]: HostTable;

  get memory(): WasmCaller["memory"] {
    // Made here, where `caller.memory` is read, without a call (see `CallerMemory`).
    return { __proto__: CallerMemory.prototype, [MEMORY_CALLER]: this } as unknown as CallerMemory;
  }

  /** Called when the host function returns: the caller stops working. */
  end(): void {
    this[CALLER_TOKEN] = -1;
  }

  get exports(): WasmExports {
    const made_ = made(this);
    if (made_.exports === undefined) {
      const cache = new Map<string, WasmFunction>();
      made_.exports = new Proxy(Object.create(null) as WasmExports, {
        get: (_target, name) => {
          if (typeof name !== "string") return undefined;
          let fn = cache.get(name);
          if (fn === undefined) {
            fn = callBack(this, name);
            cache.set(name, fn);
          }
          return fn;
        },
      });
    }
    return made_.exports;
  }
}

/** `caller.exports[name]`. */
function callBack(caller: Caller, name: string): WasmFunction {
  let signature: [readonly string[], readonly string[]] | null = null;
  const fn = (...args: WasmArg[]): WasmReturn => {
    check(caller, name);
    signature ??= ops.op_wasm_caller_signature(caller[CALLER_TOKEN], name) as [string[], string[]];
    const [params, results] = signature;
    return callIn(caller, name, params, results, args, (slots) => ops.op_wasm_caller_call(caller[CALLER_TOKEN], name, params.length, slots));
  };
  Object.defineProperty(fn, "name", { value: name });
  return fn as WasmFunction;
}

function check(caller: Caller, name: string): void {
  if (caller[CALLER_TOKEN] < 0) {
    throw wasmError(
      "InvalidInstanceHandle",
      `caller.exports.${name}: the host function call this caller was given to has returned; use the ` +
        "caller only while it runs",
    );
  }
}

/** A call back into the caller's store, begun by `begin` and driven to its end here. */
function callIn(
  caller: Caller,
  name: string,
  params: readonly string[],
  results: readonly string[],
  args: WasmArg[],
  begin: (slots: Uint8Array) => number,
): WasmReturn {
  const given = argumentCount(args);
  if (given !== params.length) throw arityError(name, params, given);
  const table = caller[CALLER_TABLE];
  const slots = new Uint8Array(Math.max(params.length, results.length, table.slots) * 8);
  const view = new DataView(slots.buffer);
  for (let i = 0; i < params.length; i++) encode(view, i, params[i], args[i], argumentLabel(name, i), table.refs);
  const state = newState();
  let step: number;
  try {
    step = driveSync(caller[CALLER_TOKEN], table, slots, view, state, answeringInto(table, state, () => begin(slots)));
  } catch (error) {
    // A value a host function of the nested call threw, as `cause` (the WebAssembly API
    // rethrows it as it was: emscripten's `invoke_*` wrappers catch the numbers they throw).
    throw withCause(error, state);
  }
  if (step !== CALLED && step !== DONE) throw wasmError("CallError", `caller.exports.${name}: the call did not end`);
  return shape(results.map((type, i) => decode(view, i, type, table.refs)));
}
