// runtime:wasm/calls — `await instance.call(name, ...args)` of a module's instance: the lookups
// and paths of each export's calls, kept apart from the instance (ts/wasm_instance.ts), whose own
// `call` becomes an op bound to them (ext_wasm/src/call_op.rs). The op refers to them, and they
// do not refer to the instance: an instance forgotten by the app then goes as soon as nothing
// refers to it, as it did when `call` was only a method, instead of waiting for the engine's
// cycle collector (tests/leaks.rs).

import type { WasmArg, WasmResult } from "runtime:wasm";
import {
  argumentLabels,
  arityError,
  decodeResults,
  describe,
  encodeArgs,
  EXPORT_INDEX_LIMIT,
  isNumberType,
  isNumericType,
  kindsOf,
  numberArg,
  ops,
  readSlots,
  type Signature,
  wasmError,
  writeSlots,
} from "runtime:wasm/values";
import { drivenEntry, type DrivenEntry, hostCall } from "runtime:wasm/host-drive";
import type { HostTable } from "runtime:wasm/host-table";

/** `call`'s error for a name that is not a string, or null for a string. */
export function nameError(name: unknown): Error | null {
  return typeof name === "string" ? null : wasmError("TypeError", `call: the export name must be a string, got ${describe(name)}`);
}

/** The calls of one instance of a module: what `call` has learned of each export it called. */
export class InstanceCalls {
  readonly #raw: number;
  /** The store's JS host functions, if it has any. */
  readonly #host: HostTable | undefined;
  #signatures: Map<string, Signature> | null = null;
  /**
   * Each export `call` has called so far: for the common shape, its packed export (instance id
   * and export index, as the ops take them), which `call` hands straight to
   * op_wasm_instance_call_args_first; for another signature (slotsCall) or a call the host driver
   * makes (hostCall), its call function; for the common shape in a call the host driver makes,
   * the op's entry (runtime:wasm/host-drive, `DrivenEntry`), which holds that call function. The
   * op that becomes the instance's `call` looks them up here too (#callAsOp). An object without
   * a prototype, not a Map: the JS engine's API reads an object's property more cheaply than it
   * calls a Map's method.
   */
  #known: Record<string, number | KnownCall | DrivenEntry> | null = null;
  /** The checked path of the common shape's calls (numbersCall), each made when first needed. */
  #checked: Map<string, NumbersCall> | null = null;

  /** The calls of instance `raw`, whose store has the host functions of `host`, if any. */
  constructor(raw: number, host: HostTable | undefined) {
    this.#raw = raw;
    this.#host = host;
  }

  /**
   * `instance.call(name, ...args)`. `owner`, the instance, gets its own `call` the first time
   * (#callAsOp); null when that op hands a call back.
   */
  call(name: string, args: WasmArg[], owner: object | null): Promise<WasmResult[]> {
    // Not an async function: for the common shape it returns a promise of the results array made
    // directly, which saves the interpreter an async frame and two promises per call. Errors still
    // arrive as rejections. After the instance's first call, `call` is an op of its own
    // (#callAsOp), which runs this only for an export not called yet, and for a call it refuses
    // or does not end; after an export's first call, the op checks the arguments and runs the
    // call (ext_wasm/src/call.rs), and only a call the op refuses or does not end takes the
    // checked path.
    const known = this.#known !== null && typeof name === "string" ? this.#known[name] : undefined;
    if (typeof known === "number") {
      const packed = known;
      let r: number | undefined | null | false;
      try {
        r = ops.op_wasm_instance_call_args_first(packed, args) as number | undefined | null | false;
      } catch (e) {
        return Promise.reject(e);
      }
      if (typeof r === "number") return Promise.resolve([r]);
      if (r === undefined) return Promise.resolve([]);
      return this.#numbersChecked(name, packed, r === null, args);
    }
    if (known !== undefined) return typeof known === "function" ? known(args) : known[1](args);
    try {
      const bad = nameError(name);
      if (bad !== null) throw bad;
      const sig = this.#signatures !== null ? this.#signatures.get(name) : this.#signature(name);
      const table = this.#host;
      const packed = this.#raw * EXPORT_INDEX_LIMIT + (sig === undefined ? 0 : sig.index);
      // Only the host driver may make a call that can reach a host function; one that ends in
      // bounded time cannot, and takes the ops of any other store.
      const driven = table !== undefined && sig !== undefined &&
        (!sig.numeric || !(sig.bounded ??= ops.op_wasm_instance_export_bounded(packed)));
      if (driven) {
        const call = hostCall(this.#raw, sig.index, table, name, sig);
        // The op begins the common shape's calls itself (ext_wasm/src/call_driven.rs).
        const entry = sig.numbers ? drivenEntry(this.#raw, sig.index, table, sig, call) : null;
        this.#remember(name, entry ?? call, owner);
        return call(args);
      }
      if (sig === undefined || !sig.numbers) return this.#callWithSlots(name, sig, args, owner);
      this.#remember(name, packed, owner);
      return this.#numbersChecked(name, packed, false, args);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The signature of export `name`, if it is a function; the exports are read on first use. */
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

  /** Keeps what `call` found for export `name` (#known); the first makes `owner`'s `call` an op. */
  #remember(name: string, entry: number | KnownCall | DrivenEntry, owner: object | null): void {
    if (this.#known === null) {
      this.#known = Object.create(null) as Record<string, number | KnownCall | DrivenEntry>;
      if (owner !== null) this.#callAsOp(owner, this.#known);
    }
    this.#known[name] = entry;
  }

  /**
   * Makes `owner`'s `call` its own bound op (ext_wasm/src/call_op.rs), unless the app gave it
   * one or made it not extensible: the op looks up `known`,
   * runs the calls of the common shape itself and hands the others to their call functions,
   * without this JS. What it does not end it hands back here: `call` for a name it does not know
   * or arguments it refuses, numbersChecked to finish a call that did not end at once.
   */
  #callAsOp(owner: object, known: Record<string, number | KnownCall | DrivenEntry>): void {
    // Not over a `call` the app set on the instance itself, nor on an instance it froze or
    // sealed: those keep calling this method.
    if (Object.hasOwn(owner, "call") || !Object.isExtensible(owner)) return;
    const again = (unfinished: boolean, name: string, ...args: WasmArg[]): Promise<WasmResult[]> =>
      unfinished ? this.#numbersChecked(name, known[name] as number, true, args) : this.call(name, args, null);
    Object.defineProperty(owner, "call", {
      value: ops.op_wasm_instance_call_bound.bind(again, known),
      writable: true,
      configurable: true,
    });
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
  #callWithSlots(name: string, sig: Signature | undefined, args: WasmArg[], owner: object | null): Promise<WasmResult[]> {
    const packed = sig === undefined ? -1 : this.#raw * EXPORT_INDEX_LIMIT + sig.index;
    if (sig !== undefined && sig.index < EXPORT_INDEX_LIMIT && Number.isSafeInteger(packed)) {
      const call = slotsCall(name, packed, sig);
      this.#remember(name, call, owner);
      return call(args);
    }
    return this.#callByName(name, sig, args);
  }

  /** `call` by the export's name: for a name that is not a function export, or an export index
   * too large to pack. */
  async #callByName(name: string, sig: Signature | undefined, args: WasmArg[]): Promise<WasmResult[]> {
    // As for the common shape: a call that does not end at once is finished by an async op.
    if (sig === undefined) {
      // Not a function export: the op reports what it is, or which functions exist.
      if (!ops.op_wasm_instance_call(this.#raw, name, new Uint8Array(0))) await ops.op_wasm_call_unfinished();
      return [];
    }
    const bytes = encodeArgs(name, sig, args);
    if (!ops.op_wasm_instance_call(this.#raw, name, bytes)) await ops.op_wasm_call_unfinished();
    return decodeResults(bytes, sig.results);
  }
}

/** `call` of one export outside the common shape (slotsCall, hostCall), with the arguments given. */
type KnownCall = (args: WasmArg[]) => Promise<WasmResult[]>;

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
