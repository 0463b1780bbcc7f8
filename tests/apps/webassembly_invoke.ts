// emscripten's `invoke_*` wrappers on wasmtime (tests/fixtures/invoke.c): a JS import that reads
// the instance's table, calls a function pointer and calls exports back, all while the guest is
// inside that import; a number thrown deep inside reaches the wrapper's `catch` as that number.
// The wrappers below are emscripten's, as its glue writes them. The manifest sets `timeout_ms`,
// which the interpreter refuses: this runs on wasmtime. Prints "label: value".
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;
type Invoke = {
  __indirect_function_table: WebAssembly.Table;
  _initialize: () => void;
  setThrew: Fn;
  stackSave: Fn;
  stackRestore: Fn;
  depth: Fn;
  try_call: Fn;
  ptr_twice: Fn;
  ptr_fail: Fn;
  ptr_nested: Fn;
  add_and_call: Fn;
  call_ptr: Fn;
};

let wasm: Invoke;
// emscripten's `wasmTableMirror` and `getWasmTableEntry`.
const mirror: (Fn | undefined)[] = [];
function getWasmTableEntry(index: number): Fn {
  let fn = mirror[index];
  if (fn === undefined) mirror[index] = fn = wasm.__indirect_function_table.get(index) as Fn;
  return fn;
}

const imports = {
  env: {
    invoke_ii(index: number, a1: number): number {
      const sp = wasm.stackSave();
      try {
        return getWasmTableEntry(index)(a1);
      } catch (e) {
        wasm.stackRestore(sp);
        if (e !== (e as number) + 0) throw e;
        wasm.setThrew(1, 0);
        return 0;
      }
    },
    throw_number(value: number): void {
      if (value < 0) throw new Error(`not a number: ${value}`);
      throw value;
    },
    add_function(pointer: number): number {
      const table = wasm.__indirect_function_table;
      return table.grow(1, table.get(pointer));
    },
    table_length: (): number => wasm.__indirect_function_table.length,
  },
};

const { instance } = await WebAssembly.instantiate(await readBytes("./invoke.wasm"), imports);
wasm = instance.exports as unknown as Invoke;
wasm._initialize();

console.log(`a pointer called from an import: ${wasm.try_call(wasm.ptr_twice(), 21)} depth ${wasm.depth()}`);
console.log(`a throw the wrapper catches: ${wasm.try_call(wasm.ptr_fail(), 7)} depth ${wasm.depth()}`);
console.log(`a try inside a try: ${wasm.try_call(wasm.ptr_nested(), 5)} depth ${wasm.depth()}`);
try {
  wasm.try_call(wasm.ptr_fail(), -1);
  console.log("an Error: not thrown");
} catch (e) {
  console.log(`an Error passes through the wrapper and the guest: ${(e as Error).message} depth ${wasm.depth()}`);
}
const length = wasm.__indirect_function_table.length;
const added = wasm.add_and_call(wasm.ptr_twice(), 8);
const grown = wasm.__indirect_function_table.length - length;
console.log(`a function added from an import: ${Math.floor(added / 1000)}, length inside ${added % 1000 === length + 1}, grown ${grown}`);
const twice = mirror[wasm.ptr_twice()]!;
console.log(`a function taken inside an import, called outside: ${twice(4)} same ${wasm.__indirect_function_table.get(wasm.ptr_twice()) === twice}`);
console.log(`then the instance is free: ${wasm.try_call(wasm.ptr_fail(), 3)} ${wasm.try_call(wasm.ptr_twice(), 3)}`);

// emscripten's addFunction of a JS function: an instance of a tiny module imports it and exports
// it (convertJsFunctionToWasm), and that export goes in the table, for C to call.
// (module (type (func (param i32) (result i32))) (import "e" "f" (func (type 0))) (export "f" (func 0)))
const bytes = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f, 2, 7, 1, 1, 0x65, 1, 0x66, 0, 0, 7, 5, 1, 1, 0x66, 0, 0];
const wrapper = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(bytes)), {
  e: {
    f: (x: number): number => {
      if (x < 0) throw x;
      return x + 1000;
    },
  },
});
const f = wrapper.exports.f as Fn;
const table = wasm.__indirect_function_table;
const slot = table.grow(1);
table.set(slot, f);
console.log(`C calls a JS function put in the table: ${wasm.call_ptr(slot, 5)} same ${table.get(slot) === f}`);
console.log(`its throw caught by the wrapper: ${wasm.try_call(slot, -5)} ${wasm.try_call(slot, 6)}`);
const grownWith = table.grow(1, f);
console.log(`grown with it: ${wasm.call_ptr(grownWith, 7)} same ${table.get(grownWith) === f}`);
