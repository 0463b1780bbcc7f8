// Lifecycle under load: many instantiate/drop and compile/dropModule cycles, forgotten instances,
// drops while a call is in flight, and many concurrent calls. The mode is Kiln.args[0].
import { compile, compileFile, createPool, dropModule, instantiate, isWasmError, spawn, WasmInstance } from "runtime:wasm";
import type { ImportObject, WasmCaller, WasmResult } from "runtime:wasm";
import { readBytes } from "runtime:fs";

const rss = () => Kiln.memoryUsage().rss;
const MiB = 1024 * 1024;

function outcome(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `uncoded ${String(e)}`;
}

function named(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** The failures of a loop: counted, and the first printed as `describe` has it. */
class Failures {
  count = 0;
  readonly describe: (e: unknown) => string;

  constructor(describe: (e: unknown) => string) {
    this.describe = describe;
  }

  add(e: unknown): void {
    if (++this.count === 1) console.log("first failure:", this.describe(e));
  }
}

async function cycles(): Promise<void> {
  const moduleId = await compileFile("./loop.wasm");
  const instantiateDrop = async (n: number) => {
    for (let i = 0; i < n; i++) await (await instantiate(moduleId)).drop();
  };
  await instantiateDrop(2_000);
  const before = rss();
  await instantiateDrop(100_000);
  const instances = (rss() - before) / MiB;

  const wat = (i: number) => new TextEncoder().encode(`(module (func (export "f") (result i32) i32.const ${i}))`);
  const compileDrop = async (from: number, n: number) => {
    for (let i = from; i < from + n; i++) await dropModule(await compile(wat(i)));
  };
  await compileDrop(0, 500);
  const beforeCompile = rss();
  await compileDrop(500, 10_000);
  const modules = (rss() - beforeCompile) / MiB;
  console.log(JSON.stringify({ instances, modules }));
}

async function forget(): Promise<void> {
  // max_instances is 100 in this app's manifest; none of these is dropped by the app.
  const moduleId = await compileFile("./loop.wasm");
  let made = 0;
  const failures = new Failures(outcome);
  for (let i = 0; i < 10_000; i++) {
    try {
      const instance = await instantiate(moduleId);
      const [two] = await instance.call<[number]>("div", 6, 3);
      // `exports` too: its functions keep the store, not the instance, which holds them (a cycle
      // would wait for the engine's cycle collector).
      if (two === 2 && (instance.exports as { div(a: number, b: number): number }).div(6, 3) === 2) made++;
    } catch (e) {
      failures.add(e);
    }
  }
  console.log(JSON.stringify({ made, failures: failures.count }));
}

// Instances with a JS host function, forgotten in one long run of awaits that never lets a timer
// run: each was dropped only once the event loop turned, as the JS engine kept every WeakMap key
// (Kiln keeps a store's host table in one, by instance) until then, before patches/v8x.patch;
// with max_instances 100 the 101st failed.
async function forgetHost(): Promise<void> {
  const wat = `(module (import "env" "f" (func $f (param i32) (result i32)))
    (func (export "g") (param i32) (result i32) (call $f (local.get 0))))`;
  const moduleId = await compile(new TextEncoder().encode(wat));
  const imports = { env: { f: (x: number) => x + 1 } };
  // A function taken from `exports` keeps its store after the app let go of the instance.
  const held = await (async () => ((await instantiate(moduleId, { imports })).exports as { g(x: number): number }).g)();
  let made = 0;
  const failures = new Failures(outcome);
  for (let i = 0; i < 10_000; i++) {
    try {
      const instance = await instantiate(moduleId, { imports });
      const [sum] = await instance.call<[number]>("g", i);
      if (sum === i + 1 && (instance.exports as { g(x: number): number }).g(i) === i + 1) made++;
    } catch (e) {
      failures.add(e);
    }
  }
  console.log(JSON.stringify({ made, failures: failures.count, held: held(41) }));
}

// The standard `WebAssembly` API's instances, forgotten the same way. Each export object (a
// function, the memory, a global, a table, a tag) held its `Instance`, which holds its exports, a
// cycle only the engine's cycle collector frees: with max_instances 12 (and no tag) the 78th
// failed, and every later one. A tag was also looked up by a `WeakRef`, whose target the engine
// keeps until the job ends: the 12th failed.
async function forgetGlobal(): Promise<void> {
  const module = await WebAssembly.compile(await readBytes("./all_export_kinds.wasm"));
  const imports = { env: { f: (x: number) => x + 1 } };
  type Exports = { h(x: number): number; memory: WebAssembly.Memory; g: WebAssembly.Global; t: WebAssembly.Table; e: WebAssembly.Tag };
  // An export the app keeps keeps its store after the app let go of the instance.
  const held = (new WebAssembly.Instance(module, imports).exports as Exports).t.get(0) as (x: number) => number;
  let made = 0;
  const failures = new Failures(named);
  for (let i = 0; i < 10_000; i++) {
    try {
      const instance = i % 2 === 0 ? new WebAssembly.Instance(module, imports) : await WebAssembly.instantiate(module, imports);
      const exports = instance.exports as Exports;
      const bytes = new Uint8Array(exports.memory.buffer).length;
      if (exports.h(i) === i + 1 && bytes === 65536 && exports.g.value === 7 && exports.t.length === 1 && exports.e instanceof WebAssembly.Tag) made++;
      await null;
    } catch (e) {
      failures.add(e);
    }
  }
  console.log(JSON.stringify({ made, failures: failures.count, held: held(41) }));
}

// Instances whose host functions refer back to them, as emscripten's glue always does and apps
// often do (`let instance; const imports = { f: () => instance... }`): each is a cycle, which
// reference counting never frees, forgotten in a loop that allocates too little for the engine's
// cycle collector to run by itself. Kiln runs it when an instantiation is refused over
// max_instances (12 here), drops what it found and tries again. Before, Rust kept each store's JS
// host functions alive (and with them the instance) once an export was called: the 13th failed,
// and every later one.
async function forgetCycles(): Promise<void> {
  const wat = `(module (import "env" "f" (func $f (param i32) (result i32)))
    (func (export "g") (param i32) (result i32) (call $f (local.get 0))))`;
  const moduleId = await compile(new TextEncoder().encode(wat));
  const bytes = await readBytes("./all_export_kinds.wasm");
  const module = await WebAssembly.compile(bytes);
  let made = 0;
  const failures = new Failures(named);
  for (let i = 0; i < 1_000; i++) {
    try {
      let instance: WasmInstance | null = null;
      const imports = { env: { f: (x: number) => (instance === null ? -1 : x + 1) } };
      instance = await instantiate(moduleId, { imports });
      const viaCall = (await instance.call<[number]>("g", i))[0];
      if (viaCall === i + 1 && (instance.exports as { g(x: number): number }).g(i) === i + 1) made++;
    } catch (e) {
      failures.add(e);
    }
    try {
      let exports: { h(x: number): number } | null = null;
      const imports = { env: { f: (x: number) => (exports === null ? -1 : x + 1) } };
      exports = (await WebAssembly.instantiate(module, imports)).exports as { h(x: number): number };
      if (exports.h(i) === i + 1) made++;
    } catch (e) {
      failures.add(e);
    }
  }
  // A component's (tests/fixtures/components/host_imports.wat: quadruple(x) is double(double(x))).
  const componentId = await compileFile("./host_imports.wasm");
  for (let i = 0; i < 200; i++) {
    try {
      let instance: WasmInstance | null = null;
      const host = {
        "kiln:test/host": { log: () => {}, transform: (p: unknown) => p, lookup: () => 0 },
        double: (x: number) => (instance === null ? -1 : 2 * x),
      };
      instance = await instantiate(componentId, { imports: host as unknown as ImportObject });
      const [four] = await instance.call<[number]>("quadruple", 1);
      if (four === 4 && (instance.exports as { quadruple(x: number): number }).quadruple(i) === 4 * i) made++;
    } catch (e) {
      failures.add(e);
    }
  }
  // `new WebAssembly.Instance`, in a loop that never yields: when one is refused, the collector
  // runs and the stores of the cycles it freed are dropped at once (ext_wasm/src/reclaim.rs), so
  // the retry succeeds. Before, they waited for FinalizationRegistry callbacks, jobs that run only
  // once the script yields: the one over the limit failed.
  let sync = 0;
  for (let i = 0; i < 1_000; i++) {
    let exports: { h(x: number): number } | null = null;
    const imports = { env: { f: (x: number) => (exports === null ? -1 : x + 1) } };
    try {
      exports = new WebAssembly.Instance(module, imports).exports as { h(x: number): number };
      if (exports.h(i) === i + 1) sync++;
    } catch (e) {
      failures.add(e);
    }
  }
  console.log(JSON.stringify({ made, failures: failures.count, sync }));
}

// `new WebAssembly.Instance` in a loop that never yields, each instance forgotten at once (with
// max_instances 12): their stores waited for FinalizationRegistry callbacks, jobs that run only
// once the script yields, so the 13th failed, and every later one. Each is now dropped as soon as
// the engine frees the last object that refers to it (ext_wasm/src/reclaim.rs). What the app
// keeps still keeps its store: a table's function, and the memory and an export function of a
// runtime:wasm instance it let go of.
async function forgetSync(): Promise<void> {
  const module = await WebAssembly.compile(await readBytes("./all_export_kinds.wasm"));
  const imports = { env: { f: (x: number) => x + 1 } };
  type Exports = { h(x: number): number; memory: WebAssembly.Memory; g: WebAssembly.Global; t: WebAssembly.Table; e: WebAssembly.Tag };
  const held = (new WebAssembly.Instance(module, imports).exports as Exports).t.get(0) as (x: number) => number;
  const { memory, div } = await (async () => {
    const instance = await instantiate(await compileFile("./loop.wasm"));
    return { memory: instance.memory, div: (instance.exports as { div(a: number, b: number): number }).div };
  })();
  new Uint8Array(memory.buffer)[0] = 42;
  let made = 0;
  const failures = new Failures(named);
  for (let i = 0; i < 10_000; i++) {
    try {
      const exports = new WebAssembly.Instance(module, imports).exports as Exports;
      const bytes = new Uint8Array(exports.memory.buffer).length;
      if (exports.h(i) === i + 1 && bytes === 65536 && exports.g.value === 7 && exports.t.length === 1 && exports.e instanceof WebAssembly.Tag) made++;
    } catch (e) {
      failures.add(e);
    }
  }
  console.log(JSON.stringify({ made, failures: failures.count, held: held(41), memory: new Uint8Array(memory.buffer)[0], div: div(6, 3) }));
}

// JS values a store holds as `externref`s (wasm-bindgen's glue keeps each JS value it hands the
// guest in an exported table of them) that refer back to their instance, in the table, a global,
// through a JS import and in exceptions both ways, with max_instances 12. Kiln kept every such
// value in one array for the runtime until wasmtime freed its reference, which it does only when
// the store goes: each instance kept itself, and the 13th failed. Each store's values are now kept
// by its own objects (runtime:wasm/values, `Refs`), and go with them. An instance the app keeps
// keeps its values, which are told apart from the numbers the other stores gave theirs.
async function forgetValues(): Promise<void> {
  const module = await WebAssembly.compile(await readBytes("./held_values.wasm"));
  type Exports = {
    refs: WebAssembly.Table;
    held: WebAssembly.Global;
    thrown: WebAssembly.Tag;
    keep(value: unknown): void;
    take(): unknown;
    viaEcho(value: unknown): unknown;
    viaFail(value: unknown): void;
    throwIt(value: unknown): void;
  };
  const imports = {
    env: {
      echo: (value: unknown) => value,
      fail: (value: unknown) => {
        throw value;
      },
    },
  };
  // Hands the instance's exports values that refer back to them; whether each came back as itself.
  const use = (exports: Exports, value: unknown): boolean => {
    exports.keep(value);
    exports.refs.set(1, { exports });
    let thrown = false;
    try {
      exports.throwIt(value);
    } catch (e) {
      thrown = e instanceof WebAssembly.Exception && e.getArg(exports.thrown, 0) === value;
    }
    let failed = false;
    try {
      exports.viaFail(value);
    } catch (e) {
      failed = e === value;
    }
    return thrown && failed && exports.take() === value && exports.held.value === value &&
      (exports.refs.get(1) as { exports: Exports }).exports === exports && exports.viaEcho(value) === value;
  };
  const kept = new WebAssembly.Instance(module, imports).exports as Exports;
  const keptValue = { kept: true, self: () => kept };
  let made = use(kept, keptValue) ? 1 : 0;
  const failures = new Failures(named);
  for (let i = 0; i < 1_000; i++) {
    try {
      const exports = new WebAssembly.Instance(module, imports).exports as Exports;
      if (use(exports, () => exports)) made++;
    } catch (e) {
      failures.add(e);
    }
  }
  for (let i = 0; i < 200; i++) {
    try {
      const exports = (await WebAssembly.instantiate(module, imports)).exports as Exports;
      if (use(exports, () => exports)) made++;
    } catch (e) {
      failures.add(e);
    }
  }
  const still = kept.take() === keptValue && kept.held.value === keptValue && kept.viaEcho(keptValue) === keptValue &&
    (kept.refs.get(1) as { exports: Exports }).exports === kept;
  console.log(JSON.stringify({ made, failures: failures.count, kept: still }));
}

// Processes, pools and components without host functions take their room the same way: with
// max_instances 12 and the room held by forgotten instances that their host functions refer to
// (cycles, which only the cycle collector frees), `spawn`, `createPool` and a component's
// `instantiate` were refused; they now run the collector, drop what it freed and try again.
async function forgetThenSpawn(): Promise<void> {
  const wat = `(module (import "env" "f" (func $f (param i32) (result i32)))
    (func (export "g") (param i32) (result i32) (call $f (local.get 0))))`;
  const cyclic = await compile(new TextEncoder().encode(wat));
  const command = await compile(new TextEncoder().encode(`(module (func (export "_start")))`));
  const worker = await compileFile("./loop.wasm");
  const component = await compileFile("./numbers.wasm");
  const fill = async () => {
    for (let i = 0; i < 12; i++) {
      let instance: WasmInstance | null = null;
      const imports = { env: { f: (x: number) => (instance === null ? -1 : x + 1) } };
      try {
        instance = await instantiate(cyclic, { imports });
      } catch {
        return i;
      }
    }
    return 12;
  };
  const results: Record<string, unknown> = {};
  results.filled = await fill();
  const process = spawn(command);
  results.spawned = (await process.status).code;
  results.filledAgain = await fill();
  const pool = await createPool(worker, { size: 2 });
  results.pool = await pool.call("div", 6, 3);
  await pool.drop();
  results.filledOnceMore = await fill();
  const made = await instantiate(component);
  results.component = (made.exports as { add(a: number, b: number): number }).add(2, 3);
  console.log(JSON.stringify(results));
}

// Host functions that read their caller's memory, called 200,000 times by one export call: each
// caller stayed alive until the run ended (the JS engine kept WeakMap keys until then), 1.6 KB
// apiece, before patches/v8x.patch.
async function callers(): Promise<void> {
  const wat = `(module (import "env" "f" (func $f (param i32) (result i32)))
    (memory (export "memory") 1) (data (i32.const 0) "\\01")
    (func (export "loop") (param $n i32) (result i32) (local $i i32) (local $acc i32)
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $f (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (local.get $acc)))`;
  const f = (_x: number, caller: WasmCaller) => caller.memory.read(0, 1)[0];
  const instance = await instantiate(await compile(new TextEncoder().encode(wat)), { imports: { env: { f } } });
  const loop = (instance.exports as { loop(n: number): number }).loop;
  loop(2_000);
  const before = rss();
  const sum = loop(200_000);
  const grown = (rss() - before) / MiB;
  console.log(JSON.stringify({ sum, grown }));
  await instance.drop();
}

async function inflight(): Promise<void> {
  const moduleId = await compileFile("./loop.wasm");
  const instance = await instantiate(moduleId);
  // Drop the instance and its module while a long call runs on it.
  const running = instance.call("count", 300_000_000n);
  let settled = false;
  running.then(() => (settled = true), () => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  // The drops below must happen while the call still runs, or this would test nothing.
  console.log("still running at drop:", !settled);
  await instance.drop();
  await dropModule(moduleId);
  const finished = await running.then((r: WasmResult[]) => `result ${r[0]}`, outcome);
  console.log("in-flight call:", finished);
  console.log("after drop:", await instance.call("div", 4, 2).then(() => "ok", outcome));
  console.log("memory after drop:", await instance.memory.size().then(() => "ok", outcome));
  console.log("second drop:", await instance.drop().then(() => "ok", outcome));
}

async function concurrent(): Promise<void> {
  const moduleId = await compileFile("./loop.wasm");
  const instances: WasmInstance[] = [];
  for (let i = 0; i < 50; i++) instances.push(await instantiate(moduleId));
  const calls: Promise<WasmResult[]>[] = [];
  for (let i = 0; i < 1000; i++) {
    // div(i * 7 + 1, 1) = i * 7 + 1: each result names its call.
    calls.push(instances[i % 50].call("div", i * 7 + 1, 1));
  }
  const results = await Promise.all(calls);
  const seen = new Set(results.map((r) => r[0]));
  const exact = results.every((r, i) => r.length === 1 && r[0] === i * 7 + 1);
  console.log(JSON.stringify({ results: results.length, distinct: seen.size, exact }));
  // Concurrent instantiations respect max_instances (200 in this app's manifest).
  const many = await Promise.allSettled(Array.from({ length: 400 }, () => instantiate(moduleId)));
  const made = many.filter((r) => r.status === "fulfilled").length;
  const refused = many.filter((r) => r.status === "rejected" && outcome(r.reason) === "5001 InstantiateError").length;
  console.log(JSON.stringify({ made, refused }));
}

// Values thrown that are not Errors, and Error stacks that are read, in one long synchronous run
// (the way emscripten's glue throws numbers, or a server logs stacks): each left its formatted
// stack's call sites alive until the run ended, 12-19 KB apiece, before patches/v8x.patch.
async function throws(): Promise<void> {
  class Failure {
    constructor(readonly n: number) {}
  }
  const burst = (n: number) => {
    let caught = 0;
    for (let i = 0; i < n; i++) {
      for (const value of [i, { i }, new Failure(i), `text ${i}`]) {
        try {
          throw value;
        } catch {
          caught++;
        }
      }
    }
    return caught;
  };
  const stacks = (n: number) => {
    let length = 0;
    for (let i = 0; i < n; i++) length += new Error(`read ${i}`).stack!.length;
    return length;
  };
  burst(500);
  stacks(500);
  const before = rss();
  const caught = burst(10_000);
  const thrown = (rss() - before) / MiB;
  const beforeStacks = rss();
  const read = stacks(5_000) > 0 ? (rss() - beforeStacks) / MiB : NaN;
  console.log(JSON.stringify({ caught, thrown, read }));
}

// A WeakRef read again and again in one long synchronous run (the `WebAssembly` global looked up
// the Tag of every exception out of the guest that way): the JS engine kept its target alive
// until the run ended by adding a record per `deref()`, 32 bytes apiece, before patches/v8x.patch
// kept an object already kept only once.
async function derefs(): Promise<void> {
  const target = { kept: true };
  const ref = new WeakRef(target);
  const read = (n: number) => {
    let found = 0;
    for (let i = 0; i < n; i++) if (ref.deref() === target) found++;
    return found;
  };
  read(1_000);
  const before = rss();
  const found = read(2_000_000);
  const grown = (rss() - before) / MiB;
  console.log(JSON.stringify({ found, grown }));
}

const modes: Record<string, () => Promise<void>> = { cycles, forget, forgetHost, forgetGlobal, forgetCycles, forgetSync, forgetValues, forgetThenSpawn, callers, inflight, concurrent, throws, derefs };
await modes[Kiln.args[0]]();
