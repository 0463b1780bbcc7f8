// Robustness fuzzing, driven by tests/fuzz.rs: compile, instantiate, call and poke the memory of
// random bytes, mutated fixtures and wasm-smith modules. Whatever the input, every rejection must
// be a coded WasmError (5000-5011) and kiln must keep running. Prints `> <file>` before each
// input and one JSON summary line at the end.
//
// kiln run main.ts <list file> <seed>: the list file names one input per line.
import {
  compile,
  compileFile,
  dropModule,
  errorCodes,
  instantiate,
  isWasmError,
  types,
  type ExportInfo,
  type ExportValueType,
  type WasiConfig,
  type WasmArg,
  type WasmInstance,
  type WasmResult,
  type WasmReturn,
} from "runtime:wasm";
import { readBytes, readTextFile } from "runtime:fs";
import { xorshift32 } from "./xorshift.ts";

const [listFile = "list.txt", seedArg = "1"] = Kiln.args;

// Seeded from the command line, so that a run is reproducible.
const next = xorshift32(Number(seedArg));
function below(n: number): number {
  return next() % n;
}
function pick<T>(items: readonly T[]): T {
  return items[below(items.length)];
}

type Stage =
  | "compile"
  | "instantiate"
  | "getExports"
  | "call"
  | "exports"
  | "memory.size"
  | "memory.read"
  | "memory.write"
  | "memory.grow"
  | "drop"
  | "dropModule"
  | "afterDrop";

const ok: Record<string, number> = {};
const errors: Record<string, number> = {};
const errorsByStage: Record<string, Record<string, number>> = {};
const uncoded: { file: string; stage: Stage; name: string; message: string }[] = [];
let uncodedTotal = 0;
const anomalies: string[] = [];
interface CategoryStats {
  inputs: number;
  compiled: number;
  instantiated: number;
  calls: number;
  callsOk: number;
}
const perCategory: Record<string, CategoryStats> = {};
let current = "";

/** The category of an input: the first letter of its file name (r: random, m: mutated, s: wasm-smith). */
function categoryOf(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1, file.lastIndexOf("/") + 2);
}

function bump(table: Record<string, number>, key: string, by = 1): void {
  table[key] = (table[key] ?? 0) + by;
}

const validCodes = new Set<number>(Object.values(errorCodes));

/** Records a rejection; returns its code, or undefined if it was not a coded WasmError. */
function failed(stage: Stage, e: unknown): number | undefined {
  if (isWasmError(e) && typeof e.code === "number" && validCodes.has(e.code) && errorCodes[e.name] === e.code) {
    bump(errors, String(e.code));
    bump((errorsByStage[stage] ??= {}), String(e.code));
    return e.code;
  }
  uncodedTotal++;
  if (uncoded.length < 20) {
    const err = e instanceof Error ? e : new Error(String(e));
    uncoded.push({ file: current, stage, name: err.name, message: err.message.slice(0, 300) });
  }
  return undefined;
}

/** Runs `op`; counts its success under `stage`, or its error. */
async function attempt<T>(stage: Stage, op: () => Promise<T>): Promise<{ value: T } | { code: number | undefined }> {
  try {
    const value = await op();
    bump(ok, stage);
    return { value };
  } catch (e) {
    return { code: failed(stage, e) };
  }
}

function anomaly(message: string): void {
  if (anomalies.length < 20) anomalies.push(`${current}: ${message}`);
}

// Argument values: edge values first, then random small ones.
const i32Edges = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 65536, 7];
const i64Edges = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 65536n];
const floatEdges = [0, -0, 1.5, -1, NaN, Infinity, -Infinity, 3.4e38, 1e-45, 2 ** 53, Number.MAX_VALUE];

function argFor(type: ExportValueType, edge: boolean): WasmArg {
  switch (type) {
    case "i32": {
      const v = edge ? pick(i32Edges) : below(2000) - 1000;
      return below(4) === 0 ? types.i32(v) : v;
    }
    case "i64": {
      if (edge) return pick(i64Edges);
      const v = below(2000) - 1000;
      return below(3) === 0 ? v : below(2) === 0 ? types.i64(BigInt(v)) : BigInt(v);
    }
    case "f32":
    case "f64": {
      const v = edge ? pick(floatEdges) : (below(2000) - 1000) / 8;
      return below(4) === 0 ? (type === "f32" ? types.f32(v) : types.f64(v)) : v;
    }
    default:
      // v128, funcref, externref: Kiln cannot pass these; the call must fail with 5007.
      return 0;
  }
}

const passable = (t: ExportValueType): boolean => t === "i32" || t === "i64" || t === "f32" || t === "f64";

function checkResults(fn: ExportInfo, results: WasmResult[]): void {
  const expected = fn.results ?? [];
  if (results.length !== expected.length) {
    anomaly(`${fn.name} returned ${results.length} results for ${expected.length} result types`);
    return;
  }
  results.forEach((r, i) => {
    const want = expected[i] === "i64" ? "bigint" : "number";
    if (typeof r !== want) anomaly(`${fn.name} result ${i} is a ${typeof r}, signature says ${expected[i]}`);
  });
}

/** The results of a synchronous export call as `call` gives them. */
function asResults(value: WasmReturn): WasmResult[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

async function callAll(instance: WasmInstance, functions: ExportInfo[]): Promise<void> {
  const stats = perCategory[categoryOf(current)];
  for (const fn of functions) {
    const params = fn.params ?? [];
    const canPass = params.every(passable) && (fn.results ?? []).every(passable);
    for (const [edge, sync] of [[false, false], [true, false], [false, true]]) {
      const args = params.map((p) => argFor(p, edge));
      stats.calls++;
      // The third call takes the synchronous path (instance.exports), which must behave the same.
      const r = sync
        ? await attempt("exports", async () => asResults(instance.exports[fn.name](...args)))
        : await attempt("call", () => instance.call(fn.name, ...args));
      if ("value" in r) {
        stats.callsOk++;
        checkResults(fn, r.value);
        if (!canPass) anomaly(`${fn.name}(${params}) -> ${fn.results} should be a 5007 TypeError`);
      } else if (r.code !== undefined && !canPass && r.code !== 5007) {
        anomaly(`${fn.name}(${params}) -> ${fn.results} failed with ${r.code}, not 5007`);
      }
      if (!canPass) break;
    }
    // Now and then, the wrong number of arguments or a wrong value: 5007 before any guest code runs.
    if (below(8) === 0) {
      const wrong: WasmArg[] =
        below(2) === 0 ? [...params.map((p) => argFor(p, false)), 1] : ["x" as unknown as WasmArg];
      const r = await attempt("call", () => instance.call(fn.name, ...wrong));
      if ("value" in r) anomaly(`${fn.name}(${params}) accepted bad arguments ${wrong.map(String)}`);
      else if (r.code !== undefined && r.code !== 5007) anomaly(`${fn.name}: bad arguments gave ${r.code}, not 5007`);
    }
  }
  // A call to a name that is not exported.
  if (below(4) === 0) await attempt("call", () => instance.call("\u0000no such export"));
}

async function pokeMemory(instance: WasmInstance): Promise<void> {
  const memory = instance.memory;
  const size = await attempt("memory.size", () => memory.size());
  if (!("value" in size)) return; // no exported memory: 5006, counted
  const bytes = size.value * 65536;
  for (let i = 0; i < 3; i++) {
    if (bytes > 0) {
      const offset = below(bytes);
      const data = new Uint8Array(Math.min(1 + below(256), bytes - offset)).map(() => next() & 0xff);
      const w = await attempt("memory.write", () => memory.write(offset, data));
      const r = await attempt("memory.read", () => memory.read(offset, data.length));
      if ("value" in w && "value" in r && !r.value.every((b, j) => b === data[j])) {
        anomaly(`memory read back differs at ${offset}`);
      }
    }
    // Out of bounds (or not an index at all): 5006.
    const bad = pick<number | bigint>([bytes, bytes + 1, 2 ** 32, 2 ** 53 - 1, 2n ** 64n, -1, 1.5, NaN]);
    const r = await attempt("memory.read", () => memory.read(bad, 1 + below(16)));
    if ("value" in r) anomaly(`memory.read(${bad}) of ${bytes} bytes succeeded`);
    await attempt("memory.write", () => memory.write(bad, new Uint8Array(1 + below(16))));
    if (bytes > 0) {
      // A range that starts inside and ends outside.
      await attempt("memory.read", () => memory.read(bytes - 1, 2 + below(2 ** 20)));
      await attempt("memory.write", () => memory.write(Math.max(0, bytes - 8), new Uint8Array(9 + below(64))));
    }
  }
  const before = await attempt("memory.grow", () => memory.grow(0));
  if ("value" in before && before.value !== size.value) anomaly(`grow(0) is ${before.value}, size was ${size.value}`);
  await attempt("memory.grow", () => memory.grow(1));
  await attempt("memory.grow", () => memory.grow(pick([65536, 2 ** 32, 2 ** 53 - 1, -1, NaN, 0.5])));
  await attempt("memory.size", () => memory.size());
}

function configFor(index: number): WasiConfig {
  // Mostly fuel (a runaway loop costs ~1 ms); now and then only a deadline, which also stops a
  // runaway loop, through the epoch ticker. A memory cap everywhere: a guest's memory.fill or a
  // memory64 grow may otherwise ask the host for gigabytes, which is not what this test is about.
  return index % 20 === 19
    ? { timeoutMs: 20, maxMemoryBytes: 16 * 65536 }
    : { fuel: 1_000_000, timeoutMs: 200, maxMemoryBytes: 256 * 65536 };
}

const files = (await readTextFile(listFile)).split("\n").filter((line) => line.length > 0);
let index = 0;
for (const file of files) {
  current = file;
  console.log(`> ${file}`); // the last one printed names the input that crashed or hung kiln
  const category = (perCategory[categoryOf(file)] ??=
    { inputs: 0, compiled: 0, instantiated: 0, calls: 0, callsOk: 0 });
  category.inputs++;
  index++;

  const compiled = await attempt("compile", async () =>
    index % 3 === 0 ? compileFile(file) : compile(await readBytes(file)),
  );
  if (!("value" in compiled)) continue;
  category.compiled++;
  const moduleId = compiled.value;

  const made = await attempt("instantiate", () => instantiate(moduleId, configFor(index)));
  if ("value" in made) {
    category.instantiated++;
    const instance = made.value;
    const exports = await attempt("getExports", () => instance.getExports());
    if ("value" in exports) {
      await callAll(instance, exports.value.filter((e) => e.kind === "function"));
    }
    await pokeMemory(instance);
    await attempt("drop", () => instance.drop());
    // A dropped instance: 5005 from every use.
    const after = await attempt("afterDrop", () => instance.memory.size());
    if ("value" in after || after.code !== 5005) anomaly("memory.size after drop is not 5005");
    const again = await attempt("afterDrop", () => instance.drop());
    if ("value" in again || again.code !== 5005) anomaly("second drop is not 5005");
  }
  await attempt("dropModule", () => dropModule(moduleId));
  const gone = await attempt("afterDrop", () => instantiate(moduleId));
  if ("value" in gone || gone.code !== 5004) anomaly("instantiate after dropModule is not 5004");
}

console.log(
  JSON.stringify({
    total: files.length,
    ok,
    errors,
    errorsByStage,
    perCategory,
    anomalies,
    uncodedTotal,
    uncoded,
  }),
);
