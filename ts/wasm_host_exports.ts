// runtime:wasm/host-exports — internal to runtime:wasm (see wasm_values.ts): the synchronous
// functions of the exports of a store with JS host functions, as `instance.exports` and the
// `WebAssembly` global make them. For the common shape of `instance.exports` the function is an op
// bound to the export and the store's context (ext_wasm/src/bound_call.rs); any other runs through
// syncRunner. Their guests' host functions are served by runtime:wasm/host.

import type { WasmArg, WasmFunction, WasmReturn } from "runtime:wasm";
import { type Answered, type CallerFields, type CallState, directEntries, newState, withCause } from "runtime:wasm/host-answer";
import { CALLED, callerProto, DONE, driveSync, serveDirect, settleDirect } from "runtime:wasm/host";
import { type ApiExport, callVia, type HostTable } from "runtime:wasm/host-table";
import {
  argumentCount,
  argumentLabels,
  arityError,
  decode,
  encode,
  EXPORT_INDEX_LIMIT,
  isNumberType,
  kindsOf,
  ops,
  readSlot,
  wasmError,
  writeSlots,
} from "runtime:wasm/values";

/** The synchronous function of an export of a store with host functions; it keeps `owner` (as
 * runtime:wasm/exports's `exportFunction` does) reachable while it is held. */
export function hostExportFunction(
  owner: object,
  raw: number,
  index: number,
  name: string,
  params: readonly string[],
  results: readonly string[],
  table: HostTable,
): WasmFunction {
  const where = argumentLabels(name, params);
  const kinds = kindsOf(params);
  const resultKinds = kindsOf(results);
  const run = syncRunner(raw, index, params.length, results.length, table, (view, args) => writeSlots(view, kinds, params, where, args), (e) => e);
  const slow = (...args: WasmArg[]): WasmReturn => {
    const given = argumentCount(args);
    if (given !== params.length) throw arityError(name, params, given);
    const view = run(args);
    if (results.length === 0) return undefined;
    if (results.length === 1) return readSlot(view, 0, resultKinds[0], results[0]);
    return results.map((type, i) => readSlot(view, i, resultKinds[i], type));
  };
  let fn: (...args: WasmArg[]) => WasmReturn = slow;
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  if (params.length <= 3 && params.every(isNumberType) && results.length <= 1 && results.every(isNumberType) &&
    Number.isSafeInteger(packed) && index < EXPORT_INDEX_LIMIT) {
    // The common shape: the function is an op bound to the export and the store's context, as
    // runtime:wasm/exports binds one for a store without host functions. It runs the guest on
    // this stack and calls its host functions from there; what it cannot run so (arguments it
    // refuses, a busy store, a store with WASI) it hands to `slow`, the JS path above.
    const op = results.length === 0 ? ops.op_wasm_hcall_export_call_void : ops.op_wasm_hcall_export_call;
    fn = op.bind(slow, packed, boundCalls(table)) as (...args: WasmArg[]) => WasmReturn;
  }
  Object.defineProperty(fn, "name", { value: name });
  Object.defineProperty(fn, "length", { value: params.length });
  Object.defineProperty(fn, Symbol.for("kiln.instance"), { value: owner });
  return fn as WasmFunction;
}

/**
 * The store's context of its bound export calls (`op_wasm_hcall_export_call`, made once per
 * store): `[serve, entries, slots, fail]`. Rust reads it only when a call's guest calls a host
 * function (ext_wasm/src/host_direct.rs): `entries` are the store's `DirectEntries`
 * (runtime:wasm/host-table), and `serve` runs a host function with its values in `slots` (the
 * token in the last slot), as syncRunner's does, or settles what one Rust called returned. The
 * buffer is remade, with its own `serve`, when a host function with more values joins the store;
 * Rust reads the two together at each host call. `fail` throws a failed call's error with what a
 * host function threw as its `cause`, through `standard` (the `WebAssembly` API's error classes;
 * a store is either runtime:wasm's or the API's). One context serves every export of the store: a
 * call holds the store, so no other bound call of the store runs until it ends (one nested in it
 * is busy, and goes the JS path, with buffers of its own).
 */
function boundCalls(table: HostTable, standard: ApiExport["standard"] = (e) => e): unknown[] {
  if (table.bound !== null) return table.bound;
  const state = newState();
  const calls: unknown[] = [];
  const fit = (): void => {
    // The entries are made once; this extends their functions to those added since.
    calls[1] = directEntries(table, callerProto(table));
    const size = (table.slots + 1) * 8;
    if (calls[2] !== undefined && (calls[2] as Uint8Array).length >= size) return;
    const slots = new Uint8Array(size);
    const view = new DataView(slots.buffer);
    calls[0] = (step: number, value?: unknown, threw?: boolean, caller?: CallerFields) =>
      threw === undefined
        ? serveDirect(table, step, slots, view, state)
        : settleDirect(table, step, view, state, value, threw, caller);
    calls[2] = slots;
  };
  calls[3] = (error: unknown): never => {
    const failed = withCause(error, state);
    state.thrown = undefined;
    state.hasThrown = false;
    throw standard(failed, table.refs);
  };
  fit();
  table.bound = calls;
  table.grown = fit;
  return calls;
}

/**
 * The synchronous call of export `index` of instance `raw`, a store with host functions, as
 * `instance.exports` and the `WebAssembly` API's exports make it: `write` puts the arguments into
 * the slots, the call runs (serving its host functions here), and the view it returns holds the
 * results until the next call. What fails goes through `standard`, with the value a host function
 * threw as its cause. One op begins the call and runs it to its end or its first host function
 * (op_wasm_hcall_call_sync), given the instance and the export as one number; the slot buffer and
 * call state are made once (this runs on every call of every export of an emscripten or
 * wasm-bindgen module), unless a call of the same export is already running here, or the store
 * has had a host function with more values added since (runtime:wasm/table).
 */
function syncRunner(
  raw: number,
  index: number,
  count: number,
  resultCount: number,
  table: HostTable,
  write: (view: DataView, args: readonly unknown[]) => void,
  standard: ApiExport["standard"],
): (args: readonly unknown[]) => DataView {
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  const oneOp = index < EXPORT_INDEX_LIMIT && Number.isSafeInteger(packed);
  let own: {
    slots: Uint8Array;
    view: DataView;
    state: CallState;
    serve: (step: number, value?: unknown, threw?: boolean, caller?: CallerFields) => Answered;
  } | null = null;
  let running = false;
  return (args: readonly unknown[]): DataView => {
    // The buffer's last slot is for the token op_wasm_hcall_call_sync writes.
    const size = (Math.max(count, resultCount, table.slots) + 1) * 8;
    let call = own;
    if (call === null || call.slots.length < size || running) {
      const slots = new Uint8Array(size);
      const view = new DataView(slots.buffer);
      const state = newState();
      call = {
        slots,
        view,
        state,
        serve: (step: number, value?: unknown, threw?: boolean, caller?: CallerFields) =>
          threw === undefined
            ? serveDirect(table, step, slots, view, state)
            : settleDirect(table, step, view, state, value, threw, caller),
      };
      if (!running) own = call;
    }
    const { slots, view, state, serve } = call;
    const outer = running;
    running = true;
    let token = -1;
    state.thrown = undefined;
    state.hasThrown = false;
    try {
      write(view, args);
      if (oneOp) {
        const step = ops.op_wasm_hcall_call_sync(packed, slots, serve, directEntries(table, callerProto(table)));
        if (step !== DONE) {
          token = view.getFloat64(slots.length - 8, true);
          driveSync(token, table, slots, view, state, step);
        }
      } else {
        token = ops.op_wasm_hcall_begin(raw, index, true, slots);
        driveSync(token, table, slots, view, state, ops.op_wasm_hcall_run_sync(token, slots));
      }
    } catch (error) {
      if (token !== -1) ops.op_wasm_hcall_cancel(token);
      throw standard(withCause(error, state), table.refs);
    } finally {
      running = outer;
    }
    return view;
  };
}

/**
 * The function of an export of a store with host functions as the `WebAssembly` API calls it
 * (runtime:wasm/objects): each argument coerced by `coerce`, a missing one included (`undefined`
 * is a value: an `externref`'s), and what fails passed through `standard` (its error classes).
 * Called from one of the store's own host functions, while the guest holds the store, the call
 * goes back in through that function's caller, as `caller.exports` does; otherwise it runs as
 * syncRunner makes it.
 */
export function jsApiExportFunction(api: ApiExport): (...args: unknown[]) => unknown {
  const { raw, index, name, params, results, table, coerce, standard } = api;
  const count = params.length;
  const where = argumentLabels(name, params);
  const refs = table.refs;
  const run = syncRunner(raw, index, count, results.length, table, (view, args) => {
    for (let i = 0; i < count; i++) encode(view, i, params[i], coerce(params[i], args[i]), where[i], refs);
  }, standard);
  const reenter = reentry(api);
  const slow = (...args: unknown[]): unknown => {
    // callVia(table), written out: this runs on every call of every export.
    const top = table.top[0];
    const via = top !== -1 ? top : table.promising.length > 0 ? callVia(table) : -1;
    if (via !== -1) return reenter(via, args);
    const view = run(args);
    if (results.length === 0) return undefined;
    if (results.length === 1) return decode(view, 0, results[0], refs);
    return results.map((type, i) => decode(view, i, type, refs));
  };
  const packed = raw * EXPORT_INDEX_LIMIT + index;
  if (count <= 3 && params.every(isNumberType) && results.length <= 1 && results.every(isNumberType) &&
    Number.isSafeInteger(packed) && index < EXPORT_INDEX_LIMIT) {
    // The common shape, as hostExportFunction binds it. Arguments the op refuses (anything but a
    // number it can pass as is: ToInt32 and ToNumber are the JS path's) and a store with WASI go
    // to `slow`. So does a call made while one of the store's host functions or
    // `WebAssembly.promising` calls holds the store, which goes in through that call (`via`):
    // tested here, as Go's `getsp()` inside every `syscall/js` import makes such calls, and the
    // op's way to `slow` (finding the store busy, then calling back into JS) cost them 0.5 µs.
    const op = results.length === 0 ? ops.op_wasm_hcall_export_call_void : ops.op_wasm_hcall_export_call;
    const bound = op.bind(slow, packed, boundCalls(table, standard)) as (...args: unknown[]) => unknown;
    const top = table.top;
    const promising = table.promising;
    const inside = numbersReentry(api, packed, reenter);
    // Inside a host function of the store (`top`), straight back in through it (`inside`).
    switch (count) {
      case 0:
        return () => top[0] !== -1 ? inside(top[0], 0, 0, 0) : promising.length > 0 ? slow() : bound();
      case 1:
        return (a?: unknown) => top[0] !== -1 ? inside(top[0], a, 0, 0) : promising.length > 0 ? slow(a) : bound(a);
      case 2:
        return (a?: unknown, b?: unknown) =>
          top[0] !== -1 ? inside(top[0], a, b, 0) : promising.length > 0 ? slow(a, b) : bound(a, b);
      default:
        return (a?: unknown, b?: unknown, c?: unknown) =>
          top[0] !== -1
            ? inside(top[0], a, b, c)
            : promising.length > 0
            ? slow(a, b, c)
            : bound(a, b, c);
    }
  }
  return slow;
}

/**
 * `reentry` for an export of the common shape (at most three number parameters, at most one
 * number result, `packed` as the ops take it), called from one of its store's host functions
 * (`via`): the arguments converted by the JS API's rules (`coerce`), then one op that calls the
 * export through that host call's caller and returns its result (ext_wasm/src/caller_call.rs,
 * `op_wasm_caller_call_numbers`), with no slot buffer. emscripten's `invoke_*` wrappers make such a
 * call on every call. A host call whose store is driven from JS (the op says null) goes the
 * `reenter` way. What a host function of the nested call throws is its error's `cause`, as there.
 */
function numbersReentry(
  api: ApiExport,
  packed: number,
  reenter: (via: number, args: unknown[]) => unknown,
): (via: number, a: unknown, b: unknown, c: unknown) => unknown {
  const { params, table, coerce, standard } = api;
  const count = params.length;
  const [p0, p1, p2] = params;
  const own = newState();
  let running = false;
  return (via: number, a: unknown, b: unknown, c: unknown): unknown => {
    const x = count > 0 ? coerce(p0, a) as number : 0;
    const y = count > 1 ? coerce(p1, b) as number : 0;
    const z = count > 2 ? coerce(p2, c) as number : 0;
    // A call nested in this one (a host function of it calling this export again) has its own.
    const state = running ? newState() : own;
    state.thrown = undefined;
    state.hasThrown = false;
    const outer = running;
    const serving = table.serving;
    running = true;
    table.serving = state;
    let result: unknown;
    try {
      result = ops.op_wasm_caller_call_numbers(via, packed, count, x, y, z);
    } catch (error) {
      throw standard(withCause(error, state), table.refs);
    } finally {
      table.serving = serving;
      running = outer;
    }
    return result !== null ? result : reenter(via, [x, y, z].slice(0, count));
  };
}

/**
 * The function of an export of the `WebAssembly` API called while one of its store's host
 * functions runs (or a `WebAssembly.promising` call waits), which holds the store: given that
 * host call's token (`via`), the call goes back in through its caller, as `caller.exports` does
 * (`op_wasm_caller_call_index`), and its own host functions are served here. Emscripten's
 * `invoke_*` imports make such a call for every C++ call that may throw, Go's `syscall/js` ones
 * for `getsp()`. `args` is the call's own array, which the arguments are coerced in. The slot
 * buffer and call state are made once, as syncRunner's are, unless a call of the same export is
 * already going back in here (a recursion), which gets its own.
 */
function reentry(api: ApiExport): (via: number, args: unknown[]) => unknown {
  const { raw, index, name, params, results, table, coerce, standard } = api;
  const count = params.length;
  const where = argumentLabels(name, params);
  const kinds = kindsOf(params);
  const resultKinds = kindsOf(results);
  let own: { slots: Uint8Array; view: DataView; state: CallState } | null = null;
  let running = false;
  return (via: number, args: unknown[]): unknown => {
    // Coerced before the buffer is taken: a `valueOf` may call this export too.
    for (let i = 0; i < count; i++) args[i] = coerce(params[i], args[i]);
    const size = Math.max(count, results.length, table.slots) * 8;
    let call = own;
    if (call === null || call.slots.length < size || running) {
      const slots = new Uint8Array(size);
      call = { slots, view: new DataView(slots.buffer), state: newState() };
      if (!running) own = call;
    }
    const { slots, view, state } = call;
    writeSlots(view, kinds, params, where, args, table.refs);
    state.thrown = undefined;
    state.hasThrown = false;
    const outer = running;
    running = true;
    const serving = table.serving;
    let step: number;
    try {
      // The nested call's host functions that run on this stack answer into its own state.
      table.serving = state;
      step = ops.op_wasm_caller_call_index(via, raw, index, count, slots);
      table.serving = serving;
      if (step >= 0) step = driveSync(via, table, slots, view, state, step);
    } catch (error) {
      table.serving = serving;
      // A value a host function of the nested call threw, as `cause`; emscripten's `invoke_*`
      // wrappers catch the numbers they throw, which `standard` rethrows as they were.
      throw standard(withCause(error, state), table.refs);
    } finally {
      running = outer;
    }
    if (step !== CALLED && step !== DONE) throw standard(wasmError("CallError", `\`${name}\`: the call did not end`), table.refs);
    if (results.length === 0) return undefined;
    if (results.length === 1) return readSlot(view, 0, resultKinds[0], results[0], table.refs);
    return results.map((type, i) => readSlot(view, i, resultKinds[i], type, table.refs));
  };
}
