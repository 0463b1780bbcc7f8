// Differential run, driven by tests/fuzz.rs: random modules that always end (wasm-smith's
// `ensure_termination`) run on the three engines an instance can have, which compile the same
// module differently: the default one (epoch checks), `interruptible: false` (no checks), and
// `fuel` (epoch checks and fuel metering). Each engine instantiates the module afresh and calls
// every export it can pass arguments to, with the same arguments; the transcripts (results, error
// codes and trap messages, and a hash of the memory afterwards) must be the same on all three.
// Prints one JSON summary line.
//
// kiln run main.ts <list file>
import { compileFile, dropModule, instantiate, isWasmError, type WasmArg, type WasmResult } from "runtime:wasm";
import { readTextFile } from "runtime:fs";
import { xorshift32 } from "./xorshift.ts";

const [listFile = "list.txt"] = Kiln.args;
const files = (await readTextFile(listFile)).split("\n").filter((f) => f !== "");

// Kiln's fuel charges bulk operations by the byte, so the fuel engine gets as much as a number
// can say exactly.
const engines = [{}, { interruptible: false }, { fuel: Number.MAX_SAFE_INTEGER }] as const;
const names = ["default", "interruptible: false", "fuel"];
const passable = new Set(["i32", "i64", "f32", "f64"]);

// The same arguments on every engine, from a seed per module.
let next = xorshift32(1);
const i32Edges = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 65536, 7];
const i64Edges = [0n, 1n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 65536n];
const floatEdges = [0, -0, 1.5, -1, Infinity, -Infinity, 3.4e38, 1e-45, 2 ** 53];
function arg(type: string): WasmArg {
  const edge = next() % 2 === 0;
  const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length];
  switch (type) {
    case "i32":
      return edge ? pick(i32Edges) : (next() % 2000) - 1000;
    case "i64":
      return edge ? pick(i64Edges) : BigInt((next() % 2000) - 1000);
    default:
      return edge ? pick(floatEdges) : ((next() % 2000) - 1000) / 8;
  }
}

/** A result as text: -0 and NaN kept apart from 0 and from each other's spellings. */
function show(value: WasmResult): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0" : String(value);
  return String(value);
}

/** An error as text: its code and name, and the first line of its message. */
function failure(e: unknown): string {
  if (!isWasmError(e)) return `uncoded ${String(e).slice(0, 200)}`;
  return `${e.code} ${e.name}: ${e.message.split("\n")[0].slice(0, 200)}`;
}

/** FNV-1a over the instance's memory, if it exports one. */
async function memoryHash(instance: Awaited<ReturnType<typeof instantiate>>): Promise<string> {
  try {
    const pages = await instance.memory.size();
    const bytes = await instance.memory.read(0, pages * 65536);
    let h = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    return `${pages} pages, ${h.toString(16)}`;
  } catch (e) {
    return failure(e);
  }
}

const counts = {
  modules: 0,
  instantiated: 0,
  calls: 0,
  callsOk: 0,
  traps: 0,
  fuelTraps: 0,
  deepRecursion: 0,
  outOfKilnFuel: 0,
};
const differ: { file: string; engine: string; expected: string; got: string }[] = [];

async function transcript(id: string, seed: number, engine: number): Promise<string> {
  next = xorshift32(seed);
  const lines: string[] = [];
  let instance;
  try {
    instance = await instantiate(id, engines[engine]);
  } catch (e) {
    return `instantiate: ${failure(e)}`;
  }
  if (engine === 0) counts.instantiated++;
  for (const fn of await instance.getExports()) {
    if (fn.kind !== "function") continue;
    const params = fn.params ?? [];
    if (!params.every((p) => passable.has(p)) || !(fn.results ?? []).every((r) => passable.has(r))) continue;
    for (let round = 0; round < 2; round++) {
      const args = params.map(arg);
      if (engine === 0) counts.calls++;
      try {
        const results = await instance.call(fn.name, ...args);
        if (engine === 0) counts.callsOk++;
        lines.push(`${fn.name}(${args.map(String)}) = ${results.map(show)}`);
      } catch (e) {
        if (engine === 0) {
          counts.traps++;
          // wasm-smith's own fuel (a global the calls count down) ends runaway code with a trap.
          if (/unreachable/.test(failure(e))) counts.fuelTraps++;
        }
        lines.push(`${fn.name}(${args.map(String)}) failed: ${failure(e)}`);
      }
    }
  }
  lines.push(`memory: ${await memoryHash(instance)}`);
  await instance.drop();
  return lines.join("\n");
}

for (const [i, file] of files.entries()) {
  counts.modules++;
  const seed = (i * 2654435761) >>> 0 || 1;
  // One module, compiled for each engine as an instance asks for it, and dropped afterwards
  // (`max_modules` bounds the modules loaded at once).
  let id;
  try {
    id = await compileFile(file);
  } catch (e) {
    differ.push({ file, engine: "all", expected: "compiles (wasm-smith makes valid modules)", got: failure(e) });
    continue;
  }
  const all = [];
  for (let engine = 0; engine < engines.length; engine++) all.push(await transcript(id, seed, engine));
  await dropModule(id);
  // How deep a recursion gets before the stack runs out depends on the size of each frame, which
  // differs from engine to engine (the checks keep values in registers of their own): such a
  // module is counted, not compared.
  if (all.some((t) => t.includes("call stack exhausted"))) {
    counts.deepRecursion++;
    continue;
  }
  // Likewise a module that used up even that much of Kiln's fuel (1 GiB GC arrays, say, made
  // thousands of times): fuel is a limit the other engines do not have.
  if (/\b5011 FuelExhausted/.test(all[2])) {
    counts.outOfKilnFuel++;
    continue;
  }
  for (let engine = 1; engine < engines.length; engine++) {
    if (all[engine] === all[0]) continue;
    differ.push({ file, engine: names[engine], expected: all[0], got: all[engine] });
  }
}
console.log(JSON.stringify({ ...counts, differing: differ.length, differ: differ.slice(0, 5) }));
