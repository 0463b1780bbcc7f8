// runtime:wasm/jspi — internal to the runtime (see wasm_values.ts): JS Promise Integration for
// Kiln's `WebAssembly` global (wasm_webassembly.ts): `WebAssembly.Suspending`,
// `WebAssembly.promising` and `WebAssembly.SuspendError`, as V8 ships them.
//
// A guest on wasmtime already waits for JS the way JSPI asks: a call into a store with JS imports
// runs on a wasmtime fiber, and when the guest calls an import, the call parks (its fiber
// suspended, ext_wasm/src/hostcall.rs) while the import runs in an ordinary JS frame. A
// `WebAssembly.promising` call is driven here: it runs synchronously, like any export call, until
// the guest calls a `Suspending` import; then the import's JS function runs, the call stays parked
// while its result (a promise, or any value) is awaited, and the promise the call returned settles
// when the guest returns. No JS frame ever sits on a fiber's stack.
//
// What wasmtime 48 cannot do is run two calls of one store side by side: while a promising call
// is suspended, the store is that call's. So a call into the store made meanwhile (a synchronous
// export call, or another promising call) runs nested in it, on top of its stack, as a call from
// inside one of its imports does (runtime:wasm/host, `callVia`). Where V8 gives each promising
// call a stack of its own, here the innermost call ends first: an outer call whose promise has
// settled waits for the calls nested in it to end before it resumes. A promising call made inside
// a JS import that is running starts when that import has returned (the next microtask), as V8's
// would run on a stack of its own above it. A synchronous export call made while a promising call
// is suspended cannot suspend: a SuspendError, as in V8.

import {
  CALLED,
  type CallState,
  DONE,
  newState,
  replyError,
  replyValue,
  serveSync,
  start,
  THREW,
  withCause,
} from "runtime:wasm/host";
import { type ApiExport, callVia, type HostTable, hostFn, type PromisingCall, SUSPENSION } from "runtime:wasm/host-table";
import { coded } from "runtime:wasm/objects";
import { argumentLabel, codes, decode, encode, ops, type Refs, wasmError } from "runtime:wasm/values";

/** `WebAssembly.SuspendError`: a `Suspending` import was called from a call that cannot suspend.
 * Kiln's `code` is 5002, a failed call's. */
export class SuspendError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    coded(this, codes.CallError);
  }
}
Object.defineProperty(SuspendError.prototype, "name", { value: "SuspendError", writable: true, configurable: true });

/** The SuspendError of a `Suspending` import `name` called from a call that cannot suspend. */
function refusal(name: string): Error {
  return new SuspendError(
    `trying to suspend without WebAssembly.promising: the import \`${name}\` is a WebAssembly.Suspending, ` +
      "which only a call made through `WebAssembly.promising(fn)` can wait for (a synchronous export call or a " +
      "start function cannot); call the export through it and await its promise",
  );
}

/** `new WebAssembly.Suspending(fn)`: `fn` as an import that suspends a `WebAssembly.promising`
 * call until the value it returns (a promise, or any value) settles. */
export class Suspending {
  #fn: (...args: unknown[]) => unknown;

  constructor(fn: unknown) {
    if (typeof fn !== "function") {
      throw coded(new TypeError("WebAssembly.Suspending(): Argument 0 must be a function"), codes.TypeError);
    }
    this.#fn = fn as (...args: unknown[]) => unknown;
  }

  /** The JS function a Suspending wraps. */
  static target(suspending: Suspending): (...args: unknown[]) => unknown {
    return suspending.#fn;
  }
}
Object.defineProperty(Suspending.prototype, Symbol.toStringTag, { value: "WebAssembly.Suspending", configurable: true });

/** A `Suspending` import as runtime:wasm's host function: `fn` called with the import's `count`
 * parameters only, its value returned as it is; `settle` coerces the value it settles to. */
export function suspendingImport(
  fn: (...args: unknown[]) => unknown,
  count: number,
  settle: (value: unknown) => unknown,
): (...args: unknown[]) => unknown {
  const wrapper = (...args: unknown[]) => Reflect.apply(fn, undefined, args.slice(0, count));
  Object.defineProperty(wrapper, SUSPENSION, { value: { settle, refusal } });
  return wrapper;
}

/**
 * Runs export `index` of instance `raw` for `WebAssembly.promising`, in a store with JS imports
 * (`table`): synchronously until a `Suspending` import suspends it, and then on when what that
 * import returned settles. Arguments are coerced by `coerce`, failures passed through `standard`
 * (the JS API's classes); the promise rejects with them.
 */
export async function promisingCall(api: ApiExport, args: unknown[]): Promise<unknown> {
  const { raw, index, name, params, results, table, coerce, standard } = api;
  const count = params.length;
  const slots = new Uint8Array(Math.max(count, results.length, table.slots, 1) * 8);
  const view = new DataView(slots.buffer);
  const state = newState();
  for (let i = 0; i < count; i++) encode(view, i, params[i], coerce(params[i], args[i]), argumentLabel(name, i), table.refs);
  // Made inside a running JS import: the call starts once the import has returned (the next
  // microtask: JS imports run only while JS holds the stack), as wasmtime cannot leave the import
  // while a call it made is suspended.
  if (table.top[0] !== -1) await undefined;
  const via = callVia(table);
  const nested = via !== -1;
  let token = via;
  let step: number;
  try {
    if (nested) {
      step = ops.op_wasm_caller_call_index(via, raw, index, count, slots);
    } else {
      token = ops.op_wasm_hcall_begin(raw, index, true, slots);
      step = ops.op_wasm_hcall_run_sync(token, slots);
    }
  } catch (error) {
    if (!nested && token !== -1) ops.op_wasm_hcall_cancel(token);
    throw standard(withCause(error, state), table.refs);
  }
  const call: PromisingCall = { token, resume: null };
  table.promising.push(call);
  try {
    while (step >= 0) {
      const h = hostFn(table, step | 0);
      if (h.suspending === undefined) serveSync(token, table, step | 0, slots, view, state);
      else await suspend(call, table, step | 0, h.suspending.settle, view, state);
      step = ops.op_wasm_hcall_resume_sync(token, state.status, state.count, slots, state.message);
    }
  } catch (error) {
    if (!nested) ops.op_wasm_hcall_cancel(token);
    throw standard(withCause(error, state), table.refs);
  } finally {
    table.promising.splice(table.promising.lastIndexOf(call), 1);
    const outer = table.promising[table.promising.length - 1];
    if (outer?.resume) {
      const resume = outer.resume;
      outer.resume = null;
      resume();
    }
  }
  if (step !== (nested ? CALLED : DONE)) throw wasmError("CallError", `${name}: the call did not end`);
  return result(results, view, table.refs);
}

/** Runs the `Suspending` import `index` of `call`: its function, then the wait for what it
 * returned, then (once the calls nested above this one have ended) its answer in the slots. */
async function suspend(
  call: PromisingCall,
  table: HostTable,
  index: number,
  settle: (value: unknown) => unknown,
  view: DataView,
  state: CallState,
): Promise<void> {
  const h = hostFn(table, index);
  const value = start(h, view, null, state, table, call.token);
  if (value === THREW) return;
  let settled: unknown;
  let failed = false;
  try {
    settled = await value;
  } catch (error) {
    failed = true;
    replyError(h, state, error, table.refs);
  }
  while (table.promising[table.promising.length - 1] !== call) {
    await new Promise<void>((resume) => {
      call.resume = resume;
    });
  }
  if (failed) return;
  let coerced: unknown;
  try {
    coerced = settle(settled);
  } catch (error) {
    replyError(h, state, error, table.refs);
    return;
  }
  replyValue(state, table, index, coerced, view);
}

function result(results: readonly string[], view: DataView, refs: Refs | null): unknown {
  if (results.length === 0) return undefined;
  if (results.length === 1) return decode(view, 0, results[0], refs);
  return results.map((type, i) => decode(view, i, type, refs));
}
