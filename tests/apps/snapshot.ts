// The start-up snapshot (runtime/src/snapshot.rs): everything below must behave the same whether
// the runtime's JS came from the snapshot or was evaluated in this run. tests/snapshot.rs runs it
// with a fresh cache (the run that makes the snapshot), again (from it), with KILN_SNAPSHOT=off,
// and after damaging the file.
import * as wasm from "runtime:wasm";

const { compile, instantiate, isWasmError } = wasm;

// The run's own state, which the snapshot must not hold.
console.log("args:", JSON.stringify(Kiln.args), Object.isFrozen(Kiln.args), Kiln.args === Kiln.args);
console.log("deno hidden:", typeof (globalThis as Record<string, unknown>).Deno);
const t0 = performance.now();
console.log("clock:", t0 >= 0 && t0 < 60_000, Math.abs(performance.timeOrigin + t0 - Date.now()) < 1_000);

// runtime:wasm, with its internal modules, from the snapshot: compile, call both ways, WIT values.
const add = await compile(new TextEncoder().encode(`(module
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))`));
const instance = await instantiate(add);
console.log("add:", instance.exports.add(2, 3), (await instance.call("add", 4, 5))[0]);
await instance.memory.write(8, new TextEncoder().encode("hi"));
console.log("memory:", new TextDecoder().decode(await instance.memory.read(8, 2)));

// Errors keep their codes and names (ext_wasm's error builders are registered in the snapshot).
try {
  instance.exports.add("x" as unknown as number, 1);
} catch (e) {
  console.log("bad arg:", isWasmError(e) ? `${e.code} ${e.name}` : `uncoded ${e}`);
}
// runtime:fs, imported only now: a module of the snapshot is restored when first imported, after
// the app's own graph was instantiated. A module has one namespace object, whether imported
// statically or by import(), once or twice.
const fs = await import("runtime:fs");
console.log("fs:", typeof fs.readTextFile, (await import("runtime:fs")) === fs, (await import("runtime:wasm")) === wasm);
try {
  await fs.readTextFile("/etc/hostname");
} catch (e) {
  console.log("denied:", isWasmError(e) ? `${e.code} ${e.name}` : `uncoded ${e}`);
}

// Timers and promises run on this run's event loop.
await new Promise((resolve) => setTimeout(resolve, 5));
console.log("timer: ok");
await instance.drop();

// What the snapshot holds comes back as it was made: the globals, and the own properties of
// Kiln's global objects and classes and of their prototypes, in order, with their attributes and
// the kinds of their values. tests/snapshot.rs compares these lines across runs, with the snapshot
// and without it. Only named globals are described: reading a lazy global's descriptor would make
// it.
function describe(o: object): string {
  return Reflect.ownKeys(o)
    .map((k) => {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      const kind = "value" in d ? typeof d.value : `get ${typeof d.get} set ${typeof d.set}`;
      return `${String(k)}:${kind}:${d.writable ? "w" : ""}${d.enumerable ? "e" : ""}${d.configurable ? "c" : ""}`;
    })
    .join(",");
}
const described = [
  "console", "Kiln", "WebAssembly", "URL", "URLSearchParams", "TextEncoder", "TextDecoder", "Blob",
  "EventTarget", "Event", "AbortController", "performance", "crypto", "navigator", "setTimeout",
  "queueMicrotask", "structuredClone", "DOMException", "ReadableStream", "Headers",
];
const g = globalThis as unknown as Record<string, object>;
console.log("globals:", Reflect.ownKeys(globalThis).map(String).join(","));
const shapes: string[] = [];
for (const name of described.filter((n) => Object.hasOwn(g, n))) {
  const value = g[name];
  shapes.push(`${name}{${describe(value)}}`);
  const proto = typeof value === "function" ? (value as { prototype?: object }).prototype : undefined;
  if (proto) shapes.push(`${name}.prototype{${describe(proto)}}`);
  const ctors = name === "WebAssembly" ? Object.values(value).filter((v) => typeof v === "function") : [];
  for (const ctor of ctors) shapes.push(`${ctor.name}.prototype{${describe(ctor.prototype ?? {})}}`);
}
console.log("shapes:", shapes.join(" | "));
// Each run has its own random numbers (tests/snapshot.rs compares two runs).
console.log("random:", Math.random());
