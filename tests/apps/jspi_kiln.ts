// Kiln's own side of JS Promise Integration (tests/jspi.rs): its errors' codes and messages, the
// order in which promising calls nested in one store resume, a module the interpreter runs, and
// the `stage` and `cause` of a start function's failure in runtime:wasm.
import { compile, instantiate } from "runtime:wasm";

const read = async (name: string) => new Uint8Array(await (await fetch(new URL(`./${name}`, import.meta.url))).arrayBuffer());
const bytes = await read("m.wasm");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const show = (e: unknown) => {
  const { name, code, message } = e as Error & { code?: number };
  return `${name} ${code} ${message}`;
};
type Fn = (...args: (number | bigint)[]) => unknown;
async function make(get: unknown) {
  const env = { get, log: (x: number) => console.log("log", x), inner: () => 0, wide: (x: bigint) => x, ref: () => null };
  return (await WebAssembly.instantiate(bytes, { env } as WebAssembly.Imports)).instance.exports as Record<string, Fn>;
}

// A synchronous call of an export whose import suspends: the import is not called.
let called = false;
const a = await make(new WebAssembly.Suspending(async (x: number) => { called = true; return x; }));
try {
  a.run(1);
} catch (e) {
  console.log(show(e), called);
}

// The second call, made while the first is suspended, runs nested in it: when the first's promise
// settles first, it resumes once the second has ended (V8 would resume it at once).
const b = await make(new WebAssembly.Suspending(async (x: number) => { await sleep(x); return x; }));
const run = WebAssembly.promising(b.run);
console.log("outer first", (await Promise.all([run(5), run(40)])).join());

// A sync call made while a call is suspended cannot suspend itself.
const pending = run(20);
try {
  b.run(1);
} catch (e) {
  console.log("nested sync", (e as Error).name, (e as { code?: number }).code);
}
console.log("still", await pending);

// A module the JS engine's interpreter runs (an import passes a funcref) cannot suspend.
try {
  await WebAssembly.instantiate(await read("opaque.wasm"), { env: { get: new WebAssembly.Suspending(async () => 1), f: () => {} } });
} catch (e) {
  console.log(show(e));
}

// What promising and Suspending refuse.
try {
  WebAssembly.promising((() => 1) as Fn);
} catch (e) {
  console.log(show(e));
}
try {
  new WebAssembly.Suspending(5 as unknown as Fn);
} catch (e) {
  console.log(show(e));
}

// A start function that calls a Suspending import.
try {
  new WebAssembly.Instance(new WebAssembly.Module(await read("start.wasm")), { env: { get: new WebAssembly.Suspending(async () => 1) } });
} catch (e) {
  console.log(show(e).split(" (")[0]);
}

// runtime:wasm: a failing start function is an InstantiateError with its `stage`, and what a host
// function threw is its `cause`; on the WebAssembly global, the exception itself or a RuntimeError.
const start = await compile(await read("start.wasm"));
try {
  await instantiate(start, { imports: { env: { get: () => { throw new Error("thrown"); } } } });
} catch (e) {
  const { name, code, stage, cause } = e as Error & { code: number; stage: string };
  console.log(name, code, stage, (cause as Error).message);
}
try {
  await instantiate(await compile(await read("trap_start.wasm")));
} catch (e) {
  const { name, code, stage, cause } = e as Error & { code: number; stage: string };
  console.log(name, code, stage, cause);
}
try {
  await instantiate(await compile(await read("m.wasm")), { imports: { env: {} } });
} catch (e) {
  const { name, code, stage } = e as Error & { code: number; stage?: string };
  console.log(name, code, stage);
}
try {
  await WebAssembly.instantiate(await read("trap_start.wasm"));
} catch (e) {
  console.log((e as Error).constructor.name, (e as { code?: number }).code);
}
