// runtime:wasm/interpreted — internal to the runtime (see wasm_values.ts): what Kiln's
// `WebAssembly` global (runtime:wasm/webassembly) hands to the JS engine's own interpreter, for a
// module wasmtime cannot run as the JS API asks: its import object, with Kiln's `Memory`, `Table`
// and `Global` objects as the interpreter's own, and its exports, with the interpreter's as Kiln's.

import { Global, interpreterApi, Memory, shareError } from "runtime:wasm/objects";
import { Module, mutableGlobal } from "runtime:wasm/module-object";
import { Table } from "runtime:wasm/table";

/** The import object the interpreter gets: Kiln's Memory, Table and Global objects as its own. */
export function toInterpreter(module: Module, values: unknown[], why: string): WebAssembly.Imports {
  const out: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  Module.shape(module).imports.forEach((i, n) => {
    const what = `import "${i.module}" "${i.name}"`;
    let value = values[n];
    if (value instanceof Memory || value instanceof Table || value instanceof Global) {
      const original = value instanceof Memory
        ? Memory.interpreted(value)
        : value instanceof Table
        ? Table.interpreted(value)
        : Global.interpreted(value);
      if (original !== null) value = original;
      else if (value instanceof Global && !mutableGlobal(i)) value = value.value;
      else throw shareError(what, i.kind, why);
    }
    (out[i.module ?? ""] ??= {})[i.name] = value as WebAssembly.ImportValue;
  });
  return out;
}

/** The exported functions of instances the interpreter runs, which `promising` takes too. */
const interpretedFunctions = new WeakSet<Function>();

/** Whether `fn` is an exported function of an instance the interpreter runs. */
export function isInterpretedFunction(fn: unknown): boolean {
  return typeof fn === "function" && interpretedFunctions.has(fn);
}

/** The exports of an interpreter's instance, with its memories, tables and globals as Kiln's. */
export function interpretedExports(instance: WebAssembly.Instance): Record<string, unknown> {
  const api = interpreterApi();
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(instance.exports)) {
    if (value instanceof api.Memory) out[name] = Memory.wrap(value);
    else if (value instanceof api.Table) out[name] = Table.wrap(value);
    else if (value instanceof api.Global) out[name] = Global.wrap(value);
    else out[name] = value;
    if (typeof value === "function") interpretedFunctions.add(value);
  }
  return Object.freeze(out);
}
