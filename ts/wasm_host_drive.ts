// runtime:wasm/host-drive — internal to runtime:wasm (see wasm_values.ts): the async driver of
// the calls of a store with JS host functions (`await instance.call`, `instantiate`), for
// runtime:wasm/instance and runtime:wasm/webassembly. A call is begun and polled at once by one op
// (ext_wasm/src/host_drive.rs), which calls the host functions of numbers it meets itself; a step
// it cannot take (a host function of other values, a promise to await, a guest that yields) is
// taken here, in an ordinary JS frame, with runtime:wasm/host's pieces. Each call has a record of
// its own (`DrivenCall`) from its first op to its end.

import type { WasmResult } from "runtime:wasm";
import {
  type Answered,
  answered,
  CALLER_TOKEN,
  type CallerFields,
  type CallState,
  coerced,
  CoercionThrew,
  directEntries,
  endWhenSettled,
  isThenable,
  replyError,
  replyValue,
  withCause,
} from "runtime:wasm/host-answer";
import { callerProto, DONE, newCaller, start, THREW } from "runtime:wasm/host";
import { type DrivenCall, hostFn, type HostTable } from "runtime:wasm/host-table";
import {
  arityError,
  EXPORT_INDEX_LIMIT,
  kindsOf,
  ops,
  readSlots,
  type SlotSignature,
  wasmError,
  writeSlots,
} from "runtime:wasm/values";

/** A step that did not come on its first poll (op_wasm_hcall_run_first): await the async op. */
const PENDING = -3;
/** A step whose host function, called from Rust, returned a promise: await it, then resume
 * (LATER in ext_wasm/src/host_entry.rs). */
const LATER = -4;

/**
 * Runs host function `index` for the async driver. A plain value is answered at once (and this
 * returns undefined); a promise the function returns is awaited, and this returns the promise of
 * its answer: the call lasts until it settles, and the caller works till then.
 */
function serve(token: number, table: HostTable, index: number, slots: Uint8Array, view: DataView, state: CallState): Promise<void> | undefined {
  const h = hostFn(table, index);
  const caller = h.noCaller ? null : newCaller(token, table);
  const value = start(h, view, caller, state, table, token);
  if (value === THREW) return undefined;
  if (!isThenable(value)) {
    caller?.end();
    replyValue(state, table, index, value, view);
    return undefined;
  }
  return answerLater(table, index, view, state, caller === null ? value : endWhenSettled(value, caller));
}

/** Answers host function `index` with what the promise it returned settles to. */
async function answerLater(table: HostTable, index: number, view: DataView, state: CallState, value: PromiseLike<unknown>): Promise<void> {
  let settled: unknown;
  try {
    settled = await value;
  } catch (error) {
    replyError(hostFn(table, index), state, error, table.refs);
    return;
  }
  replyValue(state, table, index, settled, view);
}

/** `table`'s store's `ctx` for the async driver's ops, `[entries, settle]` (made once; the
 * entries grow with the table): a host function that the first poll of a step calls itself, with
 * numbers (ext_wasm/src/host_drive.rs), is one of the store's `DirectEntries`. What one returned
 * that Rust does not take, or threw, comes to `settle` with the caller Rust made for it, which
 * answers into the call whose op is running (`table.driving`) as `serve` does; a promise is
 * awaited by the driver (LATER), and the next step gives its answer. */
function driverCtx(table: HostTable): unknown[] {
  if (table.entries === null || table.direct.length < table.fns.length) directEntries(table, callerProto(table));
  if (table.driver !== null) return table.driver;
  const settle = (step: number, returned: unknown, thrown: boolean, caller?: CallerFields): Answered => {
    const call = table.driving;
    if (call === null) throw wasmError("CallError", "a host function answered outside a driven call; this is a bug in Kiln");
    const index = step | 0;
    let value = thrown ? returned : coerced(hostFn(table, index), returned);
    let threw = thrown;
    if (value instanceof CoercionThrew) {
      value = value.error;
      threw = true;
    }
    if (threw) {
      if (caller !== undefined) caller[CALLER_TOKEN] = -1;
      replyError(hostFn(table, index), call, value, table.refs);
    } else if (isThenable(value)) {
      // The caller works until the promise settles, as `serve` keeps it.
      call.later = answerLater(table, index, call.view, call, caller === undefined ? value : endWhenSettled(value, caller));
      return LATER;
    } else {
      if (caller !== undefined) caller[CALLER_TOKEN] = -1;
      replyValue(call, table, index, value, call.view);
    }
    return answered(call);
  };
  return table.driver = [table.entries, settle];
}

/** A new record of a driven call with room for `size` bytes of slots (the last one its token). */
function drivenCall(size: number): DrivenCall {
  const slots = new Uint8Array(size);
  return { thrown: undefined, hasThrown: false, status: 0, count: 0, message: "", slots, view: new DataView(slots.buffer), later: undefined };
}

/** Whether a step ended the call (or instantiation): it was not a host function's number, and
 * there is nothing to wait for. */
function ended(step: number): boolean {
  return step < 0 && step !== PENDING && step !== LATER;
}

/**
 * Drives host call `token` of `table`'s store to its end, `call` its record. `undefined` when it
 * ends on its first step's first poll; otherwise a promise of its end, which rejects with the
 * call's error.
 */
function driveWith(token: number, table: HostTable, call: DrivenCall): Promise<void> | undefined {
  let step: number;
  const outer = table.driving;
  table.driving = call;
  try {
    step = ops.op_wasm_hcall_run_first(token, call.slots, driverCtx(table));
  } catch (error) {
    ops.op_wasm_hcall_cancel(token);
    return Promise.reject(withCause(error, call));
  } finally {
    table.driving = outer;
  }
  return ended(step) ? undefined : driveRest(step, token, table, call);
}

/** Drives host call `token`, whose first step's first poll gave `step`, to its end. Each step
 * is polled once at once, and awaited only if it does not come on that poll. */
async function driveRest(step: number, token: number, table: HostTable, call: DrivenCall): Promise<void> {
  try {
    if (step === PENDING) step = await ops.op_wasm_hcall_run(token, call.slots);
    while (step >= 0 || step === LATER) {
      if (step === LATER) {
        await call.later;
      } else {
        const pending = serve(token, table, step | 0, call.slots, call.view, call);
        if (pending !== undefined) await pending;
      }
      const outer = table.driving;
      table.driving = call;
      try {
        step = ops.op_wasm_hcall_resume_first(token, call.status, call.count, call.slots, call.message, driverCtx(table));
      } finally {
        table.driving = outer;
      }
      if (step === PENDING) step = await ops.op_wasm_hcall_run(token, call.slots);
    }
  } catch (error) {
    ops.op_wasm_hcall_cancel(token);
    throw withCause(error, call);
  }
}

/** Drives a parked instantiation (`op_wasm_instance_begin`, `op_wasm_instance_join`) to its end
 * with the async driver, and registers what it made with `end` (`op_wasm_instance_end`, ...): a
 * value a JS import threw in the start function becomes the `cause` of the error. */
export async function driveInstantiation<T>(token: number, table: HostTable, end: (token: number) => T): Promise<T> {
  const call = drivenCall(table.slots * 8);
  await driveWith(token, table, call);
  try {
    return end(token);
  } catch (error) {
    throw withCause(error, call);
  }
}

/** The step code of a call the bound op hands over (ext_wasm/src/call_driven.rs, `SETTLE`): a
 * host function Rust called returned a value Rust does not take, or threw, for `settle`. */
const SETTLE = -5;

/** Where the bound op of `await instance.call` hands a call it began and did not end
 * (ext_wasm/src/call_driven.rs): `resume(token, step, bytes, index, value, threw, caller)`. */
type Resume = (
  token: number,
  step: number,
  bytes: Uint8Array,
  index: number | undefined,
  value: unknown,
  threw: boolean | undefined,
  caller: CallerFields | undefined,
) => Promise<WasmResult[]>;

/** What the bound op of `await instance.call` keeps for an export of the common shape that the
 * host driver runs (ext_wasm/src/call_driven.rs): its packed export, its call function
 * (`hostCall`), where the op hands a call it did not end (`hostResume`), and the store's driver
 * context (`driverCtx`), whose entries the op calls host functions of numbers by. */
export type DrivenEntry = readonly [number, (args: readonly unknown[]) => Promise<WasmResult[]>, Resume, unknown[]];

/** The bound op's entry for export `index` of instance `raw` (of signature `sig`, of the common
 * shape), whose calls `call` (`hostCall`) makes; null for an export index too large to pack. */
export function drivenEntry(
  raw: number,
  index: number,
  table: HostTable,
  sig: SlotSignature,
  call: (args: readonly unknown[]) => Promise<WasmResult[]>,
): DrivenEntry | null {
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  if (index >= EXPORT_INDEX_LIMIT || !Number.isSafeInteger(packed)) return null;
  return [packed, call, hostResume(table, sig), driverCtx(table)];
}

/**
 * A call the bound op began and handed over, from the step it gives on (ext_wasm/src/call_driven.rs):
 * its record made now, with `bytes` in its slots (a host function's arguments) and its token in the
 * last; the value of a host function Rust called settled first (`SETTLE`), as the driver's
 * `settle` does it during an op, and the answer given; then driven as `hostCall` drives a call.
 */
function hostResume(table: HostTable, sig: SlotSignature): Resume {
  const { results } = sig;
  const resultKinds = kindsOf(results);
  return (token, step, bytes, index, value, threw, caller) => {
    const call = drivenCall((Math.max(sig.slots, table.slots, bytes.length >> 3, 1) + 1) * 8);
    const view = call.view;
    call.slots.set(bytes);
    view.setFloat64(call.slots.length - 8, token, true);
    if (step === SETTLE) {
      const outer = table.driving;
      table.driving = call;
      try {
        const [, settle] = driverCtx(table) as [unknown, (...args: unknown[]) => unknown];
        step = settle(index, value, threw, caller) === LATER
          ? LATER
          : ops.op_wasm_hcall_resume_first(token, call.status, call.count, call.slots, call.message, driverCtx(table));
      } catch (error) {
        ops.op_wasm_hcall_cancel(token);
        return Promise.reject(withCause(error, call));
      } finally {
        table.driving = outer;
      }
      if (step === DONE) return Promise.resolve(readSlots(view, resultKinds, results));
    }
    return driveRest(step, token, table, call).then(() => readSlots(view, resultKinds, results));
  };
}

/**
 * `await instance.call(name, ...args)` on a store with host functions, of export `index` of
 * signature `sig`, made once per export: the arguments are written into the one slot buffer the
 * call uses throughout, and op_wasm_hcall_call_first begins the call and polls it at once. Not an
 * async function: a call that ends on that op (the common case of a short call whose host
 * functions Rust calls itself) resolves with no async frame, and leaves its record for the store's
 * next call. An argument that does not fit rejects, naming it.
 */
export function hostCall(
  raw: number,
  index: number,
  table: HostTable,
  name: string,
  sig: SlotSignature,
): (args: readonly unknown[]) => Promise<WasmResult[]> {
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  // An export index too large to pack (more exports than any toolchain makes) takes two ops.
  const packs = index < EXPORT_INDEX_LIMIT && Number.isSafeInteger(packed);
  const { params, results, where } = sig;
  const kinds = kindsOf(params);
  const resultKinds = kindsOf(results);
  // The record's size: the largest of the export's values and the store's host functions', and a
  // last slot for the token; host functions added later (table.slots grows) make it larger.
  let seen = -1;
  let size = 0;
  return (args: readonly unknown[]): Promise<WasmResult[]> => {
    if (table.slots !== seen) {
      seen = table.slots;
      size = (Math.max(sig.slots, seen, 1) + 1) * 8;
    }
    let call = table.spare;
    if (call !== null && call.slots.length === size) {
      table.spare = null;
      if (call.hasThrown) {
        call.hasThrown = false;
        call.thrown = undefined;
      }
    } else {
      call = drivenCall(size);
    }
    const view = call.view;
    let step: number;
    const outer = table.driving;
    table.driving = call;
    try {
      if (args.length !== params.length) throw arityError(name, params, args.length);
      writeSlots(view, kinds, params, where, args);
      const ctx = table.driver !== null && table.direct.length === table.fns.length ? table.driver : driverCtx(table);
      if (packs) {
        step = ops.op_wasm_hcall_call_first(packed, call.slots, ctx);
      } else {
        const token = ops.op_wasm_hcall_begin(raw, index, false, call.slots);
        view.setFloat64(size - 8, token, true);
        step = ops.op_wasm_hcall_run_first(token, call.slots, ctx);
      }
    } catch (error) {
      // The token of the call, if it began; else of a call that has ended (a record is kept only
      // once its call has ended, and tokens are never reused), or 0 in a new record: nothing.
      ops.op_wasm_hcall_cancel(view.getFloat64(size - 8, true));
      return Promise.reject(withCause(error, call));
    } finally {
      table.driving = outer;
    }
    if (step === DONE) {
      const out = readSlots(view, resultKinds, results);
      table.spare = call;
      return Promise.resolve(out);
    }
    const token = view.getFloat64(size - 8, true);
    return driveRest(step, token, table, call).then(() => readSlots(view, resultKinds, results));
  };
}
