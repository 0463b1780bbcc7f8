// runtime:wasm/host-table — internal to runtime:wasm (see wasm_values.ts): the JS host functions
// of a store, numbered as the store's linker numbers them (ext_wasm/src/host.rs), with the types
// their importers declare, and which of their calls are running. runtime:wasm/host and
// runtime:wasm/host-drive drive calls with them; runtime:wasm/jspi adds what a
// `WebAssembly.Suspending` import needs.

import type { SplitImports } from "runtime:wasm/import-object";
import { jsTypes, ops, type Refs, wasmError } from "runtime:wasm/values";

/** One JS host function of a store, with the type its importer declares. */
export interface HostFn {
  fn: (...args: never[]) => unknown;
  /** `module.name`, for messages. */
  name: string;
  params: readonly string[];
  results: readonly string[];
  /** Called without a caller: a JS import of the `WebAssembly` global, which the JS API calls with
   * its parameters only (runtime:wasm/webassembly's wrappers). No `Caller` is made for its calls. */
  bare?: boolean;
  /** Called with the import's arguments only, without a `Caller`: a `bare` function, one of a
   * store instantiated with `hostCaller: false` (whose answers are otherwise runtime:wasm's), or
   * one that could not reach its caller (`readsCaller`). */
  noCaller?: boolean;
  /** A `WebAssembly.Suspending` import (runtime:wasm/jspi): `fn` returns what the JS function
   * returned. Only a `WebAssembly.promising` call waits for it. */
  suspending?: Suspension;
  /** For a JS import of the `WebAssembly` global, the app's own function, which `fn` wraps in the
   * JS API's coercion of its result (runtime:wasm/coerce, `jsImport`), and that coercion: Rust
   * calls the function itself (`directEntries`) and takes a number of the result's type as is,
   * which is what the coercion makes of it; the drivers coerce any other value. */
  unwrapped?: Unwrapped;
}

/** What `HostFn.unwrapped` holds. */
export interface Unwrapped {
  fn: (...args: never[]) => unknown;
  coerce: (value: unknown) => unknown;
}

/** The property of a `jsImport` wrapper (runtime:wasm/coerce) that holds its `Unwrapped`. */
export const UNWRAPPED = Symbol("unwrapped");

/** What one call driven by runtime:wasm/host carries between steps: the value a host function
 * threw, and the answer to the host function just run, which the next resume op hands to the
 * guest (a reply and the next run are one op crossing). runtime:wasm/host-answer fills it in. */
export interface CallState {
  thrown: unknown;
  hasThrown: boolean;
  /** 0: results in the slots (`count` of them); 1: it threw (5002); 2: a result did not fit (5007);
   * 4 and 5: a JS import of the `WebAssembly` global threw (`replyError`): 4, a JS value, its
   * reference number in `count`; 5, a `WebAssembly.Exception`, described by `message`. */
  status: number;
  count: number;
  message: string;
}

/** A call the async driver drives (runtime:wasm/host-drive): its state, the one slot buffer it uses
 * throughout (with a last slot for its token) and a view of it, and the promise of the answer of
 * a host function that returned one (`LATER`), which the driver awaits before its next step. */
export interface DrivenCall extends CallState {
  slots: Uint8Array;
  view: DataView;
  later: Promise<void> | undefined;
}

/** What a `WebAssembly.Suspending` import adds to its host function (runtime:wasm/jspi). */
export interface Suspension {
  /** The value the JS function's result settled to, coerced to the import's result types. */
  settle(value: unknown): unknown;
  /** The SuspendError any other call fails with, without calling the function. */
  refusal(name: string): Error;
}

/** The method of a `WebAssembly.Exception` (runtime:wasm/exception) that says what a JS import
 * of the `WebAssembly` global that throws it answers: the exception the guest gets. */
export const RAISE = Symbol("raise");

/** The property of a `WebAssembly.Suspending` import's wrapper that holds its `Suspension`. */
export const SUSPENSION = Symbol("suspension");

/** A `WebAssembly.promising` call running in a store (runtime:wasm/jspi). */
export interface PromisingCall {
  /** The host call it runs in: its own, or the suspended call it is nested in. */
  token: number;
  /** Set while it waits, suspended, for the innermost calls above it to end. */
  resume: (() => void) | null;
}

/** The JS host functions of a store, by their number (values that are not functions: null). The
 * `WebAssembly` global's name an `externref` JS_REF in their types (runtime:wasm/values). */
export class HostTable {
  readonly fns: (HostFn | null)[] = [];
  /** Slots the largest signature needs. */
  slots = 1;
  /** Each function's results as error messages name them ("result 1 of the host function `m.f`"),
   * made once here rather than on every call. */
  readonly where: (string[] | null)[] = [];
  /** The token of the innermost host function call running now, -1 when none is: a `WebAssembly`
   * API export called from one calls back through it (`jsApiExportFunction`). Each host call sets
   * it and puts back what it found when it returns, in JS (runtime:wasm/host, `start`) or in Rust
   * (ext_wasm/src/host_entry.rs, which writes the array's memory: one store, no property). */
  readonly top = new Float64Array([-1]);
  /** The `WebAssembly.promising` calls of the store that have not ended, innermost last. While
   * one is suspended, a call into the store runs nested in it (`via`). */
  readonly promising: PromisingCall[] = [];
  /** Each host function Rust calls itself, with its arguments as numbers, by number: the function
   * if it gets no caller, or the function in an array of one if it gets one, which Rust makes (of
   * `callerProto`, runtime:wasm/host); undefined for one whose values are not all i32, f32 or f64
   * numbers (at most one result) or that suspends, which takes the whole JS path. Made by
   * runtime:wasm/host-answer (`directEntries`) as functions are added. */
  readonly direct: (((...args: never[]) => unknown) | [(...args: never[]) => unknown] | undefined)[] = [];
  /** What Rust calls `direct`'s functions with (`directEntries`), once made. */
  entries: DirectEntries | null = null;
  /** The state of the innermost `caller.exports` call running in the store, if its guest runs on
   * the JS thread's stack: the host functions of that nested call answer into it (what one throws
   * becomes the nested call's `cause`), not into the export call it is nested in. Only a call
   * nested in the call running now can have set it, since any other call holds the store. */
  serving: CallState | null = null;
  /** The async driver's call whose op is running (runtime:wasm/host-drive): the store's `settle`,
   * which Rust calls for a host function it called itself, answers into it. Each op of the driver
   * sets it and puts back what it found: a call made inside a host function nests. */
  driving: DrivenCall | null = null;
  /** The async driver's `[entries, settle]` for the store's calls (runtime:wasm/host-drive,
   * `driverCtx`), once made. */
  driver: unknown[] | null = null;
  /** A driven call's record and slot buffer, kept by the last call that ended on its first op
   * for the next call to take: most calls allocate none. */
  spare: DrivenCall | null = null;
  /** The prototype of the store's callers (runtime:wasm/host, `callerProto`), once made. */
  callerProto: object | null = null;
  /** The store's context of bound export calls (runtime:wasm/host, `boundCalls`), once made. */
  bound: unknown[] | null = null;
  /** Called after a host function is added (runtime:wasm/host, `boundCalls`). */
  grown: (() => void) | null = null;

  /** `refs`: the JS values the store holds as `externref`s (runtime:wasm/values), for a store of
   * the `WebAssembly` global's; null for runtime:wasm's, which passes numbers only. */
  constructor(fns: (HostFn | null)[], readonly refs: Refs | null = null) {
    for (const f of fns) this.add(f);
  }

  /** Adds a host function (null for a value) after the others; returns its number. After
   * instantiation, runtime:wasm/table adds another instance's function put in a table, and
   * runtime:wasm/webassembly the host imports of a module that joins the store, numbered as
   * ext_wasm/src/join.rs numbers them. Calls already running keep their slot buffers: one of them
   * that calls a function with more values than any before fails (5007, "the value buffer holds
   * ..."), and the calls that start after work. */
  add(f: HostFn | null): number {
    this.fns.push(f);
    this.where.push(f === null ? null : f.results.map((_, i) => `result ${i + 1} of the host function \`${f.name}\``));
    if (f !== null) this.slots = Math.max(this.slots, f.params.length, f.results.length);
    this.grown?.();
    return this.fns.length - 1;
  }
}

/**
 * What Rust calls a store's host functions with when a guest calls them with numbers
 * (ext_wasm/src/host_entry.rs): `[callerProto, callerToken, top, direct]`. For a function that
 * `direct` holds in an array (one that gets a caller), Rust makes each call's caller as an object
 * of `callerProto` whose `callerToken` property is the call's token, passes it after the
 * arguments, and sets that property to -1 when the function returns (or hands the caller to the
 * driver's `settle`, which ends it, or keeps it until a promise the function returned settles).
 * `top` is `HostTable.top`, which it sets while the function runs; `direct` is
 * `HostTable.direct`.
 */
export type DirectEntries = [object, symbol, Float64Array, HostTable["direct"]];

/** Host function number `index` of `table`, or the error of a guest that called an unknown one. */
export function hostFn(table: HostTable, index: number): HostFn {
  const h = table.fns[index];
  if (h === undefined || h === null) {
    throw wasmError("CallError", `the guest called host function number ${index}, which Kiln does not know`);
  }
  return h;
}

/** The host call a call into the store runs nested in, as `caller.exports` calls do: the innermost
 * host function running, else the innermost `WebAssembly.promising` call, which is suspended
 * (runtime:wasm/jspi): the store is that call's until it ends. -1: none, the store is free. */
export function callVia(table: HostTable): number {
  const top = table.top[0];
  if (top !== -1) return top;
  const promising = table.promising;
  return promising.length > 0 ? promising[promising.length - 1].token : -1;
}

/** The host table of a store: each host function with the types its importers declare (with
 * `refs`, the store's JS values, the `WebAssembly` global's: `externref` named JS_REF, see
 * runtime:wasm/values), given a `Caller` on each call unless `caller` is false or they are the
 * `WebAssembly` global's. */
export function hostTable(split: SplitImports, moduleIds: number[], refs: Refs | null = null, caller = true): HostTable {
  const jsValues = refs !== null;
  const types = new Map<string, [readonly string[], readonly string[]]>();
  const named = jsValues ? jsTypes : (t: readonly string[]) => t;
  for (const id of moduleIds) {
    for (const i of ops.op_wasm_module_imports(id)) {
      if (i.kind === "function") types.set(`${i.module}\u0000${i.name}`, [named(i.params ?? []), named(i.results ?? [])]);
    }
  }
  const fns: (HostFn | null)[] = new Array(split.hostCount).fill(null);
  split.fns.forEach((f, index) => {
    if (f === undefined) return;
    const [params, results] = types.get(`${f.module}\u0000${f.name}`) ?? [[], []];
    const suspending = (f.fn as { [SUSPENSION]?: Suspension })[SUSPENSION];
    const unwrapped = (f.fn as { [UNWRAPPED]?: Unwrapped })[UNWRAPPED];
    fns[index] = {
      fn: f.fn,
      name: `${f.module}.${f.name}`,
      params,
      results,
      bare: jsValues,
      noCaller: jsValues || !caller || !readsCaller(f.fn, params.length),
      suspending,
      unwrapped,
    };
  });
  return new HostTable(fns, refs);
}

/** A plain parameter list's names, captured: `a, b` (a trailing comma allowed). */
const NAMES = String.raw`\(\s*((?:[A-Za-z_$][\w$]*\s*,\s*)*(?:[A-Za-z_$][\w$]*\s*,?\s*)?)\)`;
/** An arrow function's source up to its `=>` when its parameters are plain names, which it
 * captures: `x =>`, `(a, b) =>`, `async (a) =>`. */
const PLAIN_ARROW = new RegExp(String.raw`^(?:async\s*)?(?:${NAMES}|([A-Za-z_$][\w$]*))\s*=>`);
/** A function's or a method's source up to its body when its parameters are plain names, which it
 * captures: `function (a, b) {`, `async function f(a) {`, `log(ptr, len) {`, `async log(a) {`. */
const PLAIN_FUNCTION = new RegExp(
  String.raw`^(?:async\s+)?(?:function\b\s*(?:[A-Za-z_$][\w$]*\s*)?|[A-Za-z_$][\w$]*\s*)${NAMES}\s*\{`,
);
/** What in a function's source could reach its `arguments`: the name, `eval`, or a Unicode escape
 * (which could spell either); or what stands for a native function's source (a bound function's,
 * `function bound f() { [native code] }`, whose target may read its caller). */
const MAY_READ_ARGUMENTS = /\barguments\b|\beval\b|\\u|\[native code\]/;
const functionSource = Function.prototype.toString;
const apply = Reflect.apply;

/**
 * Whether host function `fn` of an import with `count` parameters could read the caller that
 * comes after them. One whose parameters are plain names, no more of them than the import's,
 * could not if it is an arrow function (it has no `arguments` of its own), or a function or a
 * method whose source does not name `arguments` or `eval` anywhere: nothing but a parameter
 * reaches a value it is called with. Kiln makes no caller for its calls (about 40% of a host
 * call's round trip), which no code can tell. Anything else (a bound function, a default, rest or
 * destructured parameter, a comment among the names, a source the engine does not keep, a body
 * that mentions `arguments`, even in a string) may, and gets one.
 */
export function readsCaller(fn: unknown, count: number): boolean {
  if (typeof fn !== "function") return true;
  let source: unknown;
  try {
    source = apply(functionSource, fn, []);
  } catch {
    return true;
  }
  if (typeof source !== "string") return true;
  let names: string;
  const arrow = PLAIN_ARROW.exec(source);
  if (arrow !== null) {
    names = arrow[2] ?? arrow[1];
  } else {
    const plain = PLAIN_FUNCTION.exec(source);
    if (plain === null || MAY_READ_ARGUMENTS.test(source)) return true;
    // A sloppy-mode function (`new Function(...)`) has its own `arguments` and `caller` in V8
    // (Kiln's opt-in engine), through which other code reads the arguments of a call that is
    // running; QuickJS has neither.
    if (Object.hasOwn(fn, "arguments") || Object.hasOwn(fn, "caller")) return true;
    names = plain[1];
  }
  return names.split(",").filter((name) => name.trim() !== "").length > count;
}

/** An export of an instance of the `WebAssembly` API whose store has JS imports (`table`), as
 * its functions are made from it: the instance's number and the export's, its name and types;
 * `coerce` converts an argument to a parameter's type and `standard` gives a failure the API's
 * error class (runtime:wasm/objects). */
export interface ApiExport {
  raw: number;
  index: number;
  name: string;
  params: readonly string[];
  results: readonly string[];
  table: HostTable;
  coerce: (type: string, value: unknown) => unknown;
  /** Given a failure and the store's JS values (`refs`), which an exception out of the guest
   * carries. */
  standard: (error: unknown, refs: Refs | null) => unknown;
}
