// runtime:wasm/import-object — internal to runtime:wasm (see wasm_values.ts): an `imports` object
// read into the form the instantiate ops take (`splitImports`): the modules to link by id, and the
// JS values and host functions, whose table runtime:wasm/host builds from the result. Kept apart
// from the host-call driver, which is about running those functions.

import { describe, rawId, wasmError } from "runtime:wasm/values";

/** `imports`, split for the ops: modules to link, and JS values with the host functions. */
export interface SplitImports {
  /** `[[importName, moduleId], ...]` as JSON, or "". */
  modules: string;
  /** `[[module, name, kind, value], ...]` as JSON, or "". */
  host: string;
  /** The host functions by their place in `host` (null for values). */
  fns: { fn: (...args: never[]) => unknown; module: string; name: string }[];
  hostCount: number;
  /** The WebAssembly API's objects made in JS that the store makes for them (`adopt`), by their
   * place in `host`, with the import's name. */
  adopted: [number, object, string][];
}

/**
 * What the WebAssembly API's JS-made `Memory` and mutable `Global` objects answer under this key:
 * the host import's kind and value as ext_wasm/src/recipe.rs reads them (`["memory", [min, max]]`,
 * `["mutable", value]`). Only `new WebAssembly.Instance` and `instantiate` ask (`adopt`).
 */
export const HOST_OBJECT: unique symbol = Symbol("kiln.hostObject");

export interface HostObject {
  [HOST_OBJECT](): [string, unknown];
}

/** What `splitImports` gives for no imports: one shared, frozen value, since an instantiate
 * without imports is the common case and nothing changes the result (an object and two arrays
 * made per call were 2% of an instantiate-and-drop loop). */
const NO_IMPORTS: SplitImports = Object.freeze({
  modules: "",
  host: "",
  fns: Object.freeze([]) as unknown as SplitImports["fns"],
  hostCount: 0,
  adopted: Object.freeze([]) as unknown as SplitImports["adopted"],
});

/** The kinds of `HOST_OBJECT` answer for which the importing store makes a new thing. */
const MADE_KINDS = new Set(["memory", "table", "mutable", "tag"]);

export function splitImports(imports: unknown, adopt = false): SplitImports {
  if (imports === undefined) return NO_IMPORTS;
  const out: SplitImports = { modules: "", host: "", fns: [], hostCount: 0, adopted: [] };
  if (typeof imports !== "object" || imports === null || Array.isArray(imports)) {
    throw wasmError("WasiError", `instantiate: \`imports\` must be an object keyed by import module name, got ${describe(imports)}`);
  }
  const pairs: [string, number][] = [];
  const host: [string, string, string, unknown][] = [];
  /** Each object the store makes something for, by its place in `host`: given again under
   * another name, it is the same memory, table, global or tag there too (`"same"`), as in V8. */
  const made = new Map<object, number>();
  for (const [module, value] of Object.entries(imports)) {
    if (typeof value === "string") {
      pairs.push([module, rawId(value, "module")]);
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw wasmError(
        "WasiError",
        `instantiate: imports[${JSON.stringify(module)}] is ${describe(value)}; give a module id, or an object of ` +
          "host functions and numbers",
      );
    }
    for (const [name, field] of Object.entries(value)) {
      const where = `instantiate: imports[${JSON.stringify(module)}][${JSON.stringify(name)}]`;
      if (typeof field === "function") {
        out.fns[host.length] = { fn: field as (...args: never[]) => unknown, module, name };
        host.push([module, name, "function", null]);
      } else if (typeof field === "number") {
        host.push([module, name, "number", field]);
      } else if (typeof field === "bigint") {
        host.push([module, name, "bigint", field.toString()]);
      } else if (adopt && typeof field === "object" && field !== null && HOST_OBJECT in field) {
        const [kind, value] = (field as HostObject)[HOST_OBJECT]();
        const first = made.get(field);
        if (first !== undefined) {
          host.push([module, name, "same", first]);
          continue;
        }
        if (MADE_KINDS.has(kind)) made.set(field, host.length);
        out.adopted.push([host.length, field, name]);
        host.push([module, name, kind, value as string]);
      } else {
        throw wasmError("WasiError", `${where} is ${describe(field)}; give a function, a number or a bigint`);
      }
    }
  }
  out.modules = pairs.length === 0 ? "" : JSON.stringify(pairs);
  out.host = host.length === 0 ? "" : JSON.stringify(host);
  out.hostCount = host.length;
  return out;
}
