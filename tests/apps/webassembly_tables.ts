// An exported table of function references on wasmtime: C function pointers read, called, added
// and replaced from JS the way emscripten's glue does it (tests/fixtures/callbacks.c), and a JS
// import the module put in its table. The manifest sets `timeout_ms`, which the engine's
// interpreter cannot enforce and so refuses: these instances run on wasmtime. Prints "label: value".
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;
type Callbacks = {
  __indirect_function_table: WebAssembly.Table;
  _initialize: () => void;
  op_add: Fn;
  op_mul: Fn;
  op_sub: Fn;
  apply: Fn;
  fold: Fn;
  sub: Fn;
};

function attempt(label: string, action: () => unknown): void {
  try {
    console.log(`${label}: ${String(action())}`);
  } catch (e) {
    const error = e as { name?: string; code?: number };
    console.log(`${label}: ${error.name}${error.code === undefined ? "" : ` ${error.code}`}`);
  }
}

const module = new WebAssembly.Module(await readBytes("./callbacks.wasm"));
const c = new WebAssembly.Instance(module).exports as unknown as Callbacks;
c._initialize();
const table = c.__indirect_function_table;
console.log(`table: ${table instanceof WebAssembly.Table} ${table.length} ${Object.prototype.toString.call(table)}`);

// A function pointer from C, called from JS.
const add = table.get(c.op_add()) as Fn;
console.log(`add through the table: ${add(2, 3)} ${add.length}`);
console.log(`same function each time: ${table.get(c.op_add()) === add}`);
console.log(`an exported function is the export: ${table.get(c.op_sub()) === c.sub}`);
console.log(`C calls JS's pointer: ${c.apply(c.op_mul(), 6, 7)} ${c.fold(c.op_add(), 10)} ${c.fold(c.op_mul(), 5)}`);
attempt("the null pointer", () => table.get(0));
attempt("C calls the null pointer", () => c.apply(0, 1, 2));

// emscripten's addFunction: grow the table by one slot, and put a function there.
const slot = table.grow(1);
table.set(slot, c.sub);
console.log(`grown: ${slot} ${table.length}, C calls the added function: ${c.apply(slot, 10, 3)}`);
const second = table.grow(1, add);
console.log(`grown with a function: ${c.apply(second, 4, 5)}`);
table.set(slot, c.op_add);
attempt("a function of another signature", () => c.apply(slot, 1, 2));
table.set(slot, null);
attempt("a slot set to null", () => table.get(slot));

attempt("get past the end", () => table.get(table.length));
attempt("get(-1)", () => table.get(-1));
attempt("set a JS function", () => table.set(1, (a: number, b: number) => a + b));
const other = new WebAssembly.Instance(module).exports as unknown as Callbacks;
attempt("set another instance's function", () => table.set(1, other.sub));
attempt("grow past max_table_elements", () => table.grow(1000));
console.log(`still intact: ${c.apply(c.op_add(), 20, 22)}`);

// A JS import the module put in its table: called through the table from JS, and by the guest.
const hosted = new WebAssembly.Module(await readBytes("./hosted.wasm"));
const h = new WebAssembly.Instance(hosted, { env: { twice: (x: number) => x * 2 } }).exports as unknown as {
  tbl: WebAssembly.Table;
  callAt: Fn;
};
console.log(`a JS import in the table: ${(h.tbl.get(0) as Fn)(21)} ${h.callAt(0, 8)} ${h.callAt(1, 8)}`);

// A table made in JS (webassembly_stores.ts imports them).
attempt("new WebAssembly.Table", () => new WebAssembly.Table({ initial: 1, element: "anyfunc" }));
