// JS values as `externref`s on wasmtime, the way wasm-bindgen built with reference types passes
// them: through exports and imports (one result and several), an exported table and exported
// globals of externrefs read and written from JS and from the guest, and calls back in from
// inside an import. The manifest sets `timeout_ms`, which the engine's interpreter cannot enforce
// and so refuses: these instances run on wasmtime. Then many fresh values go through, and RSS must
// stay flat: a value is forgotten once wasmtime frees its reference. Prints "label: value".
import { readBytes } from "runtime:fs";

type Refs = {
  refs: WebAssembly.Table;
  id: (value?: unknown) => unknown;
  isNull: (value: unknown) => number;
  keep: (at: number, value: unknown) => void;
  take: (at: number) => unknown;
  viaEcho: (value: unknown) => unknown;
  swap: (value: unknown, n: number) => [number, unknown];
  viaReenter: (value: unknown) => unknown;
  size: () => number;
  held: WebAssembly.Global;
  fixed: WebAssembly.Global;
  hold: (value: unknown) => void;
  readHeld: () => unknown;
};

function attempt(label: string, action: () => unknown): void {
  try {
    console.log(`${label}: ${String(action())}`);
  } catch (e) {
    const error = e as { name?: string; code?: number };
    console.log(`${label}: ${error.name}${error.code === undefined ? "" : ` ${error.code}`}`);
  }
}

let echoed: unknown = undefined;
const replacement = { replaced: true };
let exports: Refs | null = null;
const imports = {
  js: {
    echo: (value: unknown) => {
      echoed = value;
      return value === "swap me" ? replacement : value;
    },
    pair: (value: unknown, n: number) => [n * 2, value],
    // Calls back into the instance from inside the import, with the value it was given.
    reenter: (value: unknown) => exports!.id(value),
  },
};
const { instance } = await WebAssembly.instantiate(await readBytes("./refs.wasm"), imports);
exports = instance.exports as unknown as Refs;
const e = exports;

const object = { name: "object" };
const fn = () => 1;
const symbol = Symbol("s");
console.log(`identity: ${e.id(object) === object} ${e.id(fn) === fn} ${e.id(symbol) === symbol} ${e.id("text")} ${e.id(5)}`);
console.log(`null and undefined: ${e.id(null)} ${e.id(undefined)} ${e.id()} ${e.isNull(null)} ${e.isNull(undefined)}`);

// An exported table of externrefs: what wasm-bindgen's `addToExternrefTable0` and
// `takeFromExternrefTable0` do.
const table = e.refs;
console.log(`table: ${table instanceof WebAssembly.Table} ${table.length}`);
e.keep(0, object);
console.log(`the guest's set, JS's get: ${table.get(0) === object}`);
table.set(1, fn);
console.log(`JS's set, the guest's get: ${e.take(1) === fn}`);
table.set(1);
console.log(`set without a value: ${e.take(1)} ${e.isNull(e.take(1))}`);
table.set(1, null);
console.log(`set to null: ${table.get(1)} ${e.isNull(e.take(1))}`);
console.log(`grown: ${table.grow(2, object)} ${table.length} ${e.size()} ${e.take(3) === object}`);
console.log(`grown without a value: ${table.grow(1)} ${table.get(4)}`);
attempt("get past the end", () => table.get(99));
attempt("set past the end", () => table.set(99, object));

// Imports that take and return JS values.
console.log(`through an import: ${e.viaEcho(object) === object} ${echoed === object}`);
console.log(`an import's own value: ${e.viaEcho("swap me") === replacement}`);
const [doubled, back] = e.swap(object, 21);
console.log(`several results: ${doubled} ${back === object}`);
console.log(`called back from inside an import: ${e.viaReenter(object) === object} ${e.viaReenter(null)}`);

// The async instantiate and `new WebAssembly.Instance` make the same kind of store.
const second = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./refs.wasm")), imports).exports as unknown as Refs;
console.log(`sync instance: ${second.id(object) === object} ${second.refs.get(0)}`);
const plain = (await WebAssembly.instantiate(await readBytes("./plain.wasm"))).instance.exports as unknown as {
  refs: WebAssembly.Table;
  id: (value?: unknown) => unknown;
  keep: (value: unknown) => void;
};
plain.keep(fn);
console.log(`without imports: ${plain.id(object) === object} ${plain.id()} ${plain.refs.get(0) === fn}`);

// Exported globals of externrefs, read and written from JS and from the guest.
const unset = e.held.value;
e.held.value = object;
const guestReads = e.readHeld() === object;
e.hold(fn);
console.log(`globals: ${unset} ${guestReads} ${e.held.value === fn} ${e.fixed.value === null}`);
attempt("set an immutable global", () => {
  e.fixed.value = object;
});

// Fresh values through every path: each is forgotten once wasmtime frees its reference, so RSS
// stays flat (each value holds 8 KB: 50,000 kept would be 400 MB).
const MiB = 1024 * 1024;
const churn = (n: number) => {
  for (let i = 0; i < n; i++) {
    const value = { payload: "x".repeat(8192) + i };
    e.id(value);
    e.keep(0, value);
    table.set(1, value);
    e.held.value = value;
    e.viaEcho(value);
  }
};
churn(5_000);
const before = Kiln.memoryUsage().rss;
churn(50_000);
const grown = (Kiln.memoryUsage().rss - before) / MiB;
console.log(`50,000 values through: RSS grew under 40 MiB: ${grown < 40}${grown < 40 ? "" : ` (${grown.toFixed(1)} MiB)`}`);
console.log(`still there: ${table.get(0) === e.take(0)} ${typeof (table.get(0) as { payload: string }).payload}`);
