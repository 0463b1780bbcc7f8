// runtime:wasm/host-answer — internal to runtime:wasm (see wasm_values.ts): how a JS host
// function's outcome becomes its answer to the guest (a call's state, its results in the slots, a
// throw), and the host functions as Rust calls them directly on the JS thread's stack
// (`table.direct`, ext_wasm/src/host_direct.rs). runtime:wasm/host drives the calls with these.

import { passesAsThrown } from "runtime:wasm/exception";
import { type CallState, type DirectEntries, type HostFn, type HostTable, RAISE } from "runtime:wasm/host-table";

export type { CallState } from "runtime:wasm/host-table";
import { describe, encode, refId, type Refs, wasmError } from "runtime:wasm/values";

/** Where a caller (runtime:wasm/host's `Caller`) keeps the token of its host call, -1 once that
 * has returned. */
export const CALLER_TOKEN: unique symbol = Symbol("caller token");

/** A caller as Rust makes it for a host function it calls (ext_wasm/src/host_entry.rs): an
 * object whose prototype (runtime:wasm/host's `callerProto`) holds its store's host table and
 * gives it `memory` and `exports`. */
export interface CallerFields {
  [CALLER_TOKEN]: number;
}

export function newState(): CallState {
  return { thrown: undefined, hasThrown: false, status: 0, count: 0, message: "" };
}

/** What Rust reads of a host function's answer where it called the JS side itself
 * (ext_wasm/src/host_entry.rs, `answer_of`): the number of results in the slots, or `[status,
 * message, count]` (see `CallState`). */
export type Answered = number | [number, string, number];

export function answered(state: CallState): Answered {
  return state.status === 0 ? state.count : [state.status, state.message, state.count];
}

export function answer(state: CallState, status: number, count: number, message: string): void {
  state.status = status;
  state.count = count;
  state.message = message;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

/** Writes a host function's return value into the slots by its result types (an `externref` into
 * `refs`, its store's values). */
function encodeResults(h: HostFn, where: readonly string[], value: unknown, view: DataView, refs: Refs | null): void {
  if (h.results.length === 0) return;
  if (h.results.length === 1) {
    encode(view, 0, h.results[0], value, where[0], refs);
    return;
  }
  if (!Array.isArray(value) || value.length !== h.results.length) {
    throw wasmError(
      "TypeError",
      `the host function \`${h.name}\` returned ${describe(value)}; its import declares ${h.results.length} ` +
        `results (${h.results.join(", ")}), so return an array of that length`,
    );
  }
  for (let i = 0; i < h.results.length; i++) encode(view, i, h.results[i], value[i], where[i], refs);
}

/** Sends a host function's return value to the waiting guest. The results go into the call's own
 * slots (large enough for any of the store's host functions), so a reply allocates nothing. */
export function replyValue(state: CallState, table: HostTable, index: number, value: unknown, view: DataView): void {
  const h = table.fns[index] as HostFn;
  // The common case, one i32 result that is an int32 number, skips encode's checks.
  if (h.results.length === 1 && h.results[0] === "i32" && typeof value === "number" && (value | 0) === value) {
    view.setInt32(0, value, true);
    answer(state, 0, 1, "");
    return;
  }
  try {
    encodeResults(h, table.where[index] as string[], value, view, table.refs);
  } catch (e) {
    answer(state, 2, 0, e instanceof Error ? e.message : String(e));
    return;
  }
  answer(state, 0, h.results.length, "");
}

/** Sends what a host function threw to the waiting guest: the call fails with it as the cause.
 * A JS import of the `WebAssembly` global (`bare`) throws it into the guest instead, as a
 * WebAssembly exception its handlers may catch (ext_wasm/src/exception.rs): a
 * `WebAssembly.Exception` as itself (status 5), any other value as JSTag's (4), each kept in
 * `refs`, the values of the function's store. */
export function replyError(h: HostFn, state: CallState, error: unknown, refs: Refs | null): void {
  state.thrown = error;
  state.hasThrown = true;
  if (h.bare) {
    const raise = error !== null && typeof error === "object"
      ? (error as { [RAISE]?: (refs: Refs | null) => string })[RAISE]
      : undefined;
    if (typeof raise === "function") answer(state, 5, 0, raise.call(error, refs));
    else answer(state, 4, refId(refs, error), "");
    return;
  }
  answer(state, 1, 0, `the host function \`${h.name}\` threw: ${errorText(error)}`);
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return "a value that cannot be shown";
  }
}

/** The thrown value becomes the `cause` of the call's CallError, or of the InstantiateError of an
 * instantiation whose start function (or `_initialize`) called the host function (its `stage`).
 * Not of an error that carries an exception out of the guest (its `exception`): the `WebAssembly`
 * global throws that exception instead (runtime:wasm/exception, `thrownOf`); nor of that exception's
 * value where an op threw it as itself (`passesAsThrown`). */
export function withCause(error: unknown, state: CallState): unknown {
  if (!state.hasThrown || !(error instanceof Error) || error.cause !== undefined) return error;
  if (passesAsThrown(error, false)) return error;
  if ((error as { exception?: unknown }).exception !== undefined) return error;
  const { code, stage } = error as { code?: number; stage?: unknown };
  if (code === 5002 || (code === 5001 && typeof stage === "string")) {
    Object.defineProperty(error, "cause", { value: state.thrown, writable: true, configurable: true, enumerable: false });
  }
  return error;
}

/** The types a host function's values may have for Rust to call it directly: plain numbers. */
const NUMBER_TYPES = ["i32", "f32", "f64"];

/** The most arguments Rust passes a host function it calls itself (`MOST_ARGS`,
 * ext_wasm/src/host_entry.rs); the async driver's first poll calls those of three or fewer. */
const MOST_ARGS = 8;

/**
 * The store's `DirectEntries` (runtime:wasm/host-table), with `table.direct` made for every host
 * function added since it was last made: the function itself if Rust can call it with numbers,
 * in an array of one if it gets a caller. Rust calls it as the drivers do (runtime:wasm/host,
 * `start`): a `WebAssembly` import, a host function of a store made with `hostCaller: false` or
 * one that cannot read a caller (`noCaller`), with its arguments only; any other with a caller of
 * `callerProto` as well, live while it runs (and, for the async driver, until a promise it
 * returned settles); `table.top` set to the call's token meanwhile. A number of the result's type
 * Rust takes; anything else the function returned, or threw, goes to the driver's `settle`.
 */
export function directEntries(table: HostTable, callerProto: object): DirectEntries {
  const direct = table.direct;
  for (let index = direct.length; index < table.fns.length; index++) {
    const h = table.fns[index];
    const numbers = h !== null && h !== undefined && h.suspending === undefined &&
      h.results.length <= 1 && h.params.length <= MOST_ARGS && h.params.every((t) => NUMBER_TYPES.includes(t)) &&
      h.results.every((t) => NUMBER_TYPES.includes(t));
    // A `WebAssembly` import's own function, whose result the drivers coerce (`coerced`).
    const fn = numbers ? h.unwrapped?.fn ?? h.fn : undefined;
    direct.push(fn === undefined || h!.noCaller ? fn : [fn]);
  }
  return table.entries ??= [callerProto, CALLER_TOKEN, table.top, direct];
}

/** What `coerced` returns when the coercion threw: what it threw. */
export class CoercionThrew {
  constructor(readonly error: unknown) {}
}

/** What a `WebAssembly` import Rust called itself (`HostFn.unwrapped`) returned, coerced as the
 * JS API coerces it (`jsImport`'s wrapper would have): the value, or a `CoercionThrew` of what
 * the coercion threw (a BigInt for an i64, a `valueOf` that throws). Given what Rust hands a
 * driver's `settle`, never a number Rust took itself. (Not a `[value, threw]` pair: an array
 * made and destructured was about a tenth of a JS import's throw through the guest.) */
export function coerced(h: HostFn, value: unknown): unknown {
  if (h.unwrapped === undefined) return value;
  try {
    return h.unwrapped.coerce(value);
  } catch (error) {
    return new CoercionThrew(error);
  }
}

/** `value`, a promise a host function returned, as a promise that settles as it does, once
 * `caller` has ended. */
export async function endWhenSettled(value: PromiseLike<unknown>, caller: CallerFields): Promise<unknown> {
  try {
    return await value;
  } finally {
    caller[CALLER_TOKEN] = -1;
  }
}

/** Why a synchronous call fails when host function `h` returns a promise. */
export function promised(h: HostFn): string {
  return `the host function \`${h.name}\` returned a promise, which a synchronous ` +
    "`instance.exports` call cannot wait for; call the export with `await instance.call(...)`";
}

