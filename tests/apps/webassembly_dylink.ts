// Emscripten's dynamic linking, as its glue does it: JS makes the memory and the function table,
// the main module imports both and puts its functions in the table, the table grows, and a side
// module imports the same memory and table and puts its functions after the main module's. They
// share one store (ext_wasm/src/join.rs), so a function pointer of either calls across. Also
// `new WebAssembly.Table` before any module imports it, and a table of externrefs made in JS.
// Prints "label: value".
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;

function attempt(label: string, action: () => unknown): void {
  try {
    console.log(`${label}: ${String(action())}`);
  } catch (e) {
    const error = e as { name?: string; code?: number; message?: string };
    console.log(`${label}: ${error.name} ${error.code} ${error.message?.split(";")[0]}`);
  }
}

const table = new WebAssembly.Table({ initial: 1, element: "anyfunc" });
attempt("a new table", () => `${table.length} ${table.get(0)} ${table.grow(0)}`);
attempt("a JS function in it", () => table.set(0, () => 1));
attempt("past the end", () => table.get(1));
attempt("past its maximum", () => new WebAssembly.Table({ initial: 1, maximum: 2, element: "anyfunc" }).grow(2));
const memory = new WebAssembly.Memory({ initial: 1 });
const mainModule = new WebAssembly.Module(await readBytes("./main.wasm"));

const logged: number[] = [];
const main = new WebAssembly.Instance(mainModule, {
  env: { memory, __indirect_function_table: table, log: (x: number) => logged.push(x) },
}).exports as Record<string, Fn>;
attempt("the main module's pointer 0", () => `${main.callAt(0, 5)} ${logged.join(",")} ${table.length}`);
attempt("taken out of the table", () => (table.get(0) as Fn)(1));

const base = table.grow(1);
const sideModule = new WebAssembly.Module(await readBytes("./side.wasm"));
const side = new WebAssembly.Instance(sideModule, {
  env: { memory, __indirect_function_table: table, __table_base: base },
}).exports as Record<string, Fn>;
attempt("the side module's pointer, called by main", () => main.callAt(base, 5));
attempt("the main module's pointer, called by side", () => side.viaTable(0, 1));
const slot = table.grow(1, side.triple);
attempt("a side export added by JS", () => `${main.callAt(slot, 4)} ${new Uint8Array(memory.buffer)[9]}`);
attempt("get gives it back", () => table.get(slot) === side.triple);
table.set(slot, main.callAt);
attempt("a pointer of another signature", () => main.callAt(slot, 1));

// A second side module's table comes from another store: refused, with why.
const otherTable = new WebAssembly.Table({ initial: 1, element: "anyfunc" });
const otherMemory = new WebAssembly.Memory({ initial: 1 });
new WebAssembly.Instance(mainModule, {
  env: { memory: otherMemory, __indirect_function_table: otherTable, log: () => {} },
});
attempt("memory of one store, table of another", () =>
  new WebAssembly.Instance(sideModule, { env: { memory, __indirect_function_table: otherTable, __table_base: 0 } }));

// A table given functions before a module imports it is refused, as it is made empty.
const filled = new WebAssembly.Table({ initial: 1, element: "anyfunc" }, side.triple);
attempt("a table filled before import", () =>
  new WebAssembly.Instance(mainModule, {
    env: { memory: new WebAssembly.Memory({ initial: 1 }), __indirect_function_table: filled, log: () => {} },
  }));

// A table of externrefs made in JS keeps its values when a module imports it.
const refs = new WebAssembly.Table({ initial: 2, element: "externref" }, "x");
refs.set(1, { y: 2 });
const reader = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./refs.wasm")), { js: { refs } }).exports as Record<string, (i: number) => unknown>;
attempt("externrefs made in JS, read by the guest", () => `${reader.at(0)} ${JSON.stringify(reader.at(1))} ${refs.length}`);
