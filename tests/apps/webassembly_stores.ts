// Instances that link through what they import: a JS-made memory two modules import, and a module
// that imports another instance's memory, global and functions. wasmtime links only within one
// store, so the later instance is made in the earlier one's store (ext_wasm/src/join.rs). Also
// where that draws a line: a memory written before any module imported it, imports from two
// stores, and joining a store from inside one of its calls. Prints "label: value".
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;
type Exports = Record<string, Fn>;

async function attempt(label: string, action: () => unknown): Promise<void> {
  try {
    console.log(`${label}: ${String(await action())}`);
  } catch (e) {
    const error = e as { name?: string; code?: number; message?: string };
    console.log(`${label}: ${error.name} ${error.code} ${error.message?.split(";")[0].split(", and")[0]}`);
  }
}

const importer = new WebAssembly.Module(await readBytes("./memory.wasm"));
const mem = new WebAssembly.Memory({ initial: 1 });
const first = new WebAssembly.Instance(importer, { js: { mem } }).exports as Exports;
first.store8(0, 9);
await attempt("first importer", () => new Uint8Array(mem.buffer)[0]);
const second = new WebAssembly.Instance(importer, { js: { mem } }).exports as Exports;
await attempt("second importer reads the first's write", () => second.load8(0));
second.store8(1, 10);
const third = (await WebAssembly.instantiate(importer, { js: { mem } })).exports as Exports;
await attempt("an async third sees both", () => `${first.load8(1)} ${third.load8(0)} ${third.load8(1)}`);
// Growth through the JS object is seen by every instance of the store, and detaches the old
// buffer, as the JS API says.
const before = mem.buffer;
await attempt("grow", () => mem.grow(2));
third.store8(3 * 65536 - 1, 5);
await attempt("after growth", () => `${before.byteLength} ${mem.buffer.byteLength} ${first.load8(3 * 65536 - 1)}`);

// An instance with JS imports of its own, and one that imports its memory, its mutable global and
// its function, and has JS imports too: each JS function is called for its own import.
const calls: string[] = [];
const owner = (await WebAssembly.instantiate(await readBytes("./owner.wasm"), {
  env: { plusOne: (x: number) => (calls.push(`plusOne(${x})`), x + 1) },
})).instance;
const own = owner.exports as Record<string, Fn & WebAssembly.Global & WebAssembly.Memory>;
const counter = new WebAssembly.Global({ value: "i32", mutable: true }, 100);
const user = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./user.wasm")), {
  env: {
    memory: own.memory,
    g: own.g,
    viaOwner: own.viaOwner,
    times10: (x: number) => (calls.push(`times10(${x})`), x * 10),
    counter,
  },
}).exports as Exports;
await attempt("the start function wrote the owner's memory", () => own.load8(7));
await attempt("both JS imports, in order", () => `${user.both(4)} ${calls.join(" ")}`);
user.bump();
await attempt("the shared global", () => `${own.g.value} ${own.getG()}`);
await attempt("the adopted JS global", () => counter.value);
counter.value = 7;
await attempt("set from JS, read by the guest", () => user.getCounter());

// A module whose imports come from two stores cannot be linked.
await attempt("memory of one store, global of another", async () => {
  const elsewhere = (await WebAssembly.instantiate(await readBytes("./owner.wasm"), { env: { plusOne: (x: number) => x } })).instance;
  return new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./user.wasm")), {
    env: {
      memory: own.memory,
      g: (elsewhere.exports as { g: WebAssembly.Global }).g,
      viaOwner: own.viaOwner,
      times10: () => 0,
      counter: new WebAssembly.Global({ value: "i32", mutable: true }, 0),
    },
  });
});

// A module the interpreter must run (an import passes a v128) cannot share a memory on wasmtime.
await attempt("the interpreter's module and wasmtime's memory", async () =>
  new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./vector.wasm")), {
    js: { mem: own.memory, f: () => {} },
  }));

// Joining a store from inside one of its calls: the store is held by that call.
const reentrant = new WebAssembly.Memory({ initial: 1 });
let inner = "";
const outer = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./calls.wasm")), {
  js: {
    mem: reentrant,
    hook: () => {
      try {
        new WebAssembly.Instance(importer, { js: { mem: reentrant } });
        inner = "joined";
      } catch (e) {
        inner = `${(e as Error).name} ${(e as { code?: number }).code}`;
      }
    },
  },
}).exports as Exports;
outer.run();
await attempt("join from inside a call", () => inner);
await attempt("after it, the join works", () => (new WebAssembly.Instance(importer, { js: { mem: reentrant } }).exports as Exports).load8(0));

// A memory JS reads before any module imports it is made on wasmtime then: what JS writes stays.
const early = new WebAssembly.Memory({ initial: 1 });
const view = new Uint8Array(early.buffer);
view[5] = 1;
await attempt("written before import, read by the guest", () => {
  const exports = new WebAssembly.Instance(importer, { js: { mem: early } }).exports as Exports;
  exports.store8(6, 2);
  return view[6] === 2 ? exports.load8(5) : "the view is stale";
});
const untouched = new WebAssembly.Memory({ initial: 1 });
void untouched.buffer;
await attempt("read before import, still empty", async () => {
  const exports = (await WebAssembly.instantiate(importer, { js: { mem: untouched } })).exports as Exports;
  return exports.load8(5);
});
