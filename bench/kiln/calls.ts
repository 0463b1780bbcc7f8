// P1a, P1b, P1c, P3 and P5 in one kiln process: the cost of a call into the guest against a no-op
// op, of a call out of the guest into JS and back, instantiations per second, and memory bandwidth.
//
// Kiln.args[0] is a JSON spec: {"add": path of add.wasm, "memory": path of memory.wasm, "calls": N
// sync calls per run, "asyncCalls": N awaited calls per run, "hostcallWat": path of hostcall.wat,
// "hostcallWasm": path of hostcall.wasm (for the built-in WebAssembly), "hostCalls": N host-call
// round trips per run, "instances": N instantiate+drop per run, "bytes": bytes per memory
// write/read, "repeats", and optionally "passes": {figure: N} to run one loop more or less than
// its group's count (bench/order.mjs measures each loop's code that way)}. Prints one JSON line;
// each figure is a list of per-run values (ns per call, instantiations per second, seconds), or a
// string saying why it is missing.
import { compile, compileFile, instantiate, type WasmCaller } from "runtime:wasm";
import { readBytes } from "runtime:fs";
import { coreOps, emit, measure, now } from "./common.ts";

interface Spec {
  add: string;
  memory: string;
  calls: number;
  asyncCalls: number;
  hostcallWat: string;
  hostcallWasm: string;
  hostCalls: number;
  instances: number;
  bytes: number;
  repeats: number;
  passes?: Record<string, number>;
}

type Fn = (...args: number[]) => unknown;

const spec: Spec = JSON.parse(Kiln.args[0]);
const ops = coreOps();
const out: Record<string, number[] | string> = {};
const R = spec.repeats;
/** The passes of figure `name`'s loop: its own count from `spec.passes`, else its group's `n`. */
const passes = (name: string, n: number): number => spec.passes?.[name] ?? n;

const addModule = await compileFile(spec.add);
const instance = await instantiate(addModule);
const exports = (instance as unknown as { exports?: Record<string, Fn> }).exports;

// An empty loop of the same shape, for context: every ns/call below includes it.
out.emptyLoop = await measure(R, () => {
  const n = spec.calls;
  let sink = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) sink += i;
  const t = now() - t0;
  if (sink < 0) throw new Error("unreachable");
  return (t * 1e9) / n;
});

// P1a: the synchronous fast path, a sync no-op op, and the built-in WebAssembly's export.
if (exports && typeof exports.add === "function") {
  if (exports.add(2, 3) !== 5) throw new Error(`exports.add(2, 3) = ${exports.add(2, 3)}`);
  out.exportsAdd = await measure(R, () => {
    const n = passes("exportsAdd", spec.calls);
    const t0 = now();
    for (let i = 0; i < n; i++) exports.add(i, 1);
    return ((now() - t0) * 1e9) / n;
  });
} else {
  out.exportsAdd = "missing: instance.exports";
}

const noop = ops.op_kiln_noop;
if (typeof noop === "function") {
  out.noop = await measure(R, () => {
    const n = passes("noop", spec.calls);
    const t0 = now();
    for (let i = 0; i < n; i++) ops.op_kiln_noop!();
    return ((now() - t0) * 1e9) / n;
  });
} else {
  out.noop = "missing: Deno.core.ops.op_kiln_noop";
}

{
  interface W {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, Fn> };
  }
  const WA = (globalThis as unknown as { WebAssembly?: W }).WebAssembly;
  if (WA) {
    const builtin = new WA.Instance(new WA.Module(await readBytes(spec.add)), {}).exports;
    if (builtin.add(2, 3) !== 5) throw new Error("built-in WebAssembly add(2, 3) != 5");
    out.builtinAdd = await measure(R, () => {
      const n = spec.calls;
      const t0 = now();
      for (let i = 0; i < n; i++) builtin.add(i, 1);
      return ((now() - t0) * 1e9) / n;
    });
  } else {
    out.builtinAdd = "missing: globalThis.WebAssembly";
  }
}

// P1b: an awaited call against an awaited no-op async op.
{
  const [five] = await instance.call<[number]>("add", 2, 3);
  if (five !== 5) throw new Error(`call("add", 2, 3) = ${five}`);
  out.callAdd = await measure(R, async () => {
    const n = passes("callAdd", spec.asyncCalls);
    const t0 = now();
    for (let i = 0; i < n; i++) await instance.call("add", i, 1);
    return ((now() - t0) * 1e9) / n;
  });
}

// P1b's context: the same add inside a loop that runs once, which `call` runs on a fiber (an export
// with a loop may run long and must be able to yield to the event loop).
{
  const [five] = await instance.call<[number]>("add_looped", 2, 3);
  if (five !== 5) throw new Error(`call("add_looped", 2, 3) = ${five}`);
  out.callAddLooped = await measure(R, async () => {
    const n = passes("callAddLooped", spec.asyncCalls);
    const t0 = now();
    for (let i = 0; i < n; i++) await instance.call("add_looped", i, 1);
    return ((now() - t0) * 1e9) / n;
  });
}

if (typeof ops.op_kiln_noop_async === "function") {
  out.noopAsync = await measure(R, async () => {
    const n = passes("noopAsync", spec.asyncCalls);
    const t0 = now();
    for (let i = 0; i < n; i++) await ops.op_kiln_noop_async!();
    return ((now() - t0) * 1e9) / n;
  });
} else {
  out.noopAsync = "missing: Deno.core.ops.op_kiln_noop_async";
}

// P1c: guest -> JS -> guest round trips. hostcall.wat's `loop(n)` calls the JS import `env.f` n
// times from a loop in wasm; each figure is ns per round trip (one call of `loop` per run, so the
// JS -> guest entry is amortized over n round trips).
{
  const n = spec.hostCalls;
  const f = (x: number): number => x + 1;
  /** loop(k) with f = x + 1: k(k+1)/2 as a wrapping i32 (exact in a double for these k). */
  const check = (what: string, got: unknown, k = n) => {
    const expected = ((k * (k + 1)) / 2) | 0;
    if (got !== expected) throw new Error(`${what}: loop(${k}) = ${String(got)}, expected ${expected}`);
  };
  // Kiln compiles the WAT source itself.
  const wat = new TextDecoder().decode(await readBytes(spec.hostcallWat));
  const hostInstance = await instantiate(await compile(new TextEncoder().encode(wat)), { imports: { env: { f } } });
  const hostExports = (hostInstance as unknown as { exports?: Record<string, Fn> }).exports;
  if (hostExports && typeof hostExports.loop === "function") {
    out.hostSync = await measure(R, () => {
      const k = passes("hostSync", n);
      const t0 = now();
      const r = hostExports.loop(k);
      const t = now() - t0;
      check("instance.exports.loop", r, k);
      return (t * 1e9) / k;
    });
  } else {
    out.hostSync = "missing: instance.exports";
  }
  out.hostAsync = await measure(R, async () => {
    const k = passes("hostAsync", n);
    const t0 = now();
    const [r] = await hostInstance.call<[number]>("loop", k);
    const t = now() - t0;
    check('instance.call("loop")', r, k);
    return (t * 1e9) / k;
  });
  // For context: the same round trip with a host function that names its caller, for which a
  // WasmCaller is made on each call (`f` above could not read one, and gets none), and an export
  // call that makes one host call, `once(x)`, which enters the guest from JS as `exports.add` does
  // (P1a) in a store with host functions.
  const named = (x: number, _caller: WasmCaller): number => x + 1;
  const withCaller = await instantiate(await compile(new TextEncoder().encode(wat)), { imports: { env: { f: named } } });
  const withCallerExports = (withCaller as unknown as { exports?: Record<string, Fn> }).exports;
  if (withCallerExports && typeof withCallerExports.loop === "function" && hostExports && typeof hostExports.once === "function") {
    out.hostCaller = await measure(R, () => {
      const t0 = now();
      const r = withCallerExports.loop(n);
      const t = now() - t0;
      check("instance.exports.loop, f names its caller", r);
      return (t * 1e9) / n;
    });
    const once = hostExports.once;
    out.hostOnce = await measure(R, () => {
      let sum = 0;
      const t0 = now();
      for (let i = 0; i < n; i++) sum += once(i) as number;
      const t = now() - t0;
      if (sum !== (n * (n + 1)) / 2) throw new Error(`instance.exports.once: sum ${sum}, expected ${(n * (n + 1)) / 2}`);
      return (t * 1e9) / n;
    });
  } else {
    out.hostCaller = out.hostOnce = "missing: instance.exports";
  }
  // And the same export call through `await instance.call`, which the host driver makes.
  out.hostOnceAsync = await measure(R, async () => {
    const calls = spec.asyncCalls;
    let sum = 0;
    const t0 = now();
    for (let i = 0; i < calls; i++) sum += (await hostInstance.call<[number]>("once", i))[0];
    const t = now() - t0;
    if (sum !== (calls * (calls + 1)) / 2) throw new Error(`instance.call("once"): sum ${sum}, expected ${(calls * (calls + 1)) / 2}`);
    return (t * 1e9) / calls;
  });
  // And a host function that reads a byte of its caller's memory on each call, as one that reads a
  // string the guest passes does: f's answer is the same, x + 1.
  const memoryWat = wat.replace('(func (export "loop")', '(memory (export "memory") 1) (data (i32.const 0) "\\01") (func (export "loop")');
  const reads = (x: number, caller: WasmCaller): number => x + caller.memory.read(0, 1)[0];
  const reader = await instantiate(await compile(new TextEncoder().encode(memoryWat)), { imports: { env: { f: reads } } });
  const readerExports = (reader as unknown as { exports?: Record<string, Fn> }).exports;
  if (readerExports && typeof readerExports.loop === "function") {
    out.hostMemory = await measure(R, () => {
      const t0 = now();
      const r = readerExports.loop(n);
      const t = now() - t0;
      check("instance.exports.loop, caller.memory.read", r);
      return (t * 1e9) / n;
    });
  } else {
    out.hostMemory = "missing: instance.exports";
  }
  await reader.drop();
  await withCaller.drop();
  await hostInstance.drop();

  interface W {
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: Record<string, Fn> };
  }
  const WA = (globalThis as unknown as { WebAssembly?: W }).WebAssembly;
  if (WA) {
    const builtin = new WA.Instance(new WA.Module(await readBytes(spec.hostcallWasm)), { env: { f } }).exports;
    out.builtinHost = await measure(R, () => {
      const t0 = now();
      const r = builtin.loop(n);
      const t = now() - t0;
      check("built-in WebAssembly loop", r);
      return (t * 1e9) / n;
    });
  } else {
    out.builtinHost = "missing: globalThis.WebAssembly";
  }
}

// P3: instantiate and drop a module with a 1-page memory.
out.instantiate = await measure(R, async () => {
  const n = spec.instances;
  const t0 = now();
  for (let i = 0; i < n; i++) await (await instantiate(addModule)).drop();
  return n / (now() - t0);
});
await instance.drop();

// P5: write then read `bytes` through instance.memory.
{
  const big = await instantiate(await compileFile(spec.memory));
  const data = new Uint8Array(spec.bytes);
  for (let i = 0; i < data.length; i += 4096) data[i] = (i >>> 12) & 255;
  const write: number[] = [];
  const read: number[] = [];
  out.memoryRoundTrip = await measure(R, async () => {
    const t0 = now();
    await big.memory.write(0, data);
    const t1 = now();
    const back = await big.memory.read(0, data.length);
    const t2 = now();
    if (back.length !== data.length || back[data.length - 4096] !== data[data.length - 4096]) {
      throw new Error("memory.read returned other bytes than were written");
    }
    write.push(t1 - t0);
    read.push(t2 - t1);
    return t2 - t0;
  });
  // The first entry of each was the warm-up.
  out.memoryWrite = write.slice(1);
  out.memoryRead = read.slice(1);
  await big.drop();
}

emit(out);
