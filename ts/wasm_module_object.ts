// runtime:wasm/module-object — internal to the runtime (see wasm_values.ts): `WebAssembly.Module`
// of Kiln's `WebAssembly` global (wasm_webassembly.ts), a module runtime:wasm compiled, with what
// the JS API reads of it (its imports, exports and custom sections), and whether its own shape
// needs the engine's interpreter instead of wasmtime.

import { CompileError, interpreter, LinkError, standard } from "runtime:wasm/objects";
import { ops } from "runtime:wasm/values";

export type Descriptor = { module?: string; name: string; kind: string; params?: string[]; results?: string[]; type?: string };

/** A copy of a BufferSource (the JS API copies: later changes to the caller's bytes do not count). */
export function copyBytes(source: unknown, api: string): Uint8Array {
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength).slice();
  throw new TypeError(`${api}: the argument must be an ArrayBuffer or a typed array of the module's bytes`);
}

/** Refuses what is not a core module binary (WAT text and components compile in runtime:wasm only). */
export function checkPreamble(bytes: Uint8Array, api: string): void {
  const magic = bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
  if (magic && bytes[4] === 1 && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 0) return;
  const what = magic && bytes[4] === 0x0d
    ? "a WebAssembly component; runtime:wasm's compile and instantiate run components"
    : "not a WebAssembly module binary (no \\0asm version 1 preamble)";
  throw new CompileError(`${api}: the bytes are ${what}`);
}

/** Each custom section's payload, by name, read once from the bytes. */
function customSections(bytes: Uint8Array): Map<string, ArrayBuffer[]> {
  const out = new Map<string, ArrayBuffer[]>();
  let at = 8;
  const leb = (): number => {
    let value = 0, shift = 0, byte = 0x80;
    while (byte & 0x80) {
      if (at >= bytes.length) throw new CompileError("WebAssembly.Module: the bytes end inside a section header");
      byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    }
    return value;
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 0) {
      const nameLength = leb();
      const name = new TextDecoder().decode(bytes.subarray(at, at + nameLength));
      at += nameLength;
      const list = out.get(name) ?? [];
      list.push(bytes.slice(at, end).buffer);
      out.set(name, list);
    }
    at = end;
  }
  return out;
}

/** Drops a module's compiled code once its `Module` object is collected. */
const modules = new FinalizationRegistry<number>((id) => {
  try {
    ops.op_wasm_module_drop(id);
  } catch {
    // Dropped already.
  }
});

/** Set while `compile` wraps an id it compiled off the JS thread. */
let compiled: { id: number; bytes: Uint8Array } | null = null;

export class Module {
  #id: number;
  #imports: Descriptor[];
  #exports: Descriptor[];
  #custom: Map<string, ArrayBuffer[]>;
  /** Its exported tables of `externref`s; null if one of its tables is the interpreter's. */
  #refTables: string[] | null;
  /** The bytes, kept only for a module that may need the interpreter (see `needsInterpreter`). */
  #bytes: Uint8Array | null;
  #interpreted: WebAssembly.Module | null = null;

  constructor(bytes: BufferSource) {
    let id: number, copy: Uint8Array;
    if (compiled !== null) {
      ({ id, bytes: copy } = compiled);
      compiled = null;
    } else {
      if (new.target === undefined) throw new TypeError("WebAssembly.Module must be called with new");
      copy = copyBytes(bytes, "WebAssembly.Module");
      checkPreamble(copy, "WebAssembly.Module");
      try {
        id = ops.op_wasm_module_compile_sync(copy);
      } catch (e) {
        throw standard(e, null);
      }
    }
    this.#id = id;
    this.#custom = customSections(copy);
    this.#imports = ops.op_wasm_module_imports(id) as Descriptor[];
    this.#exports = ops.op_wasm_module_exports(id) as Descriptor[];
    // Whether its exported tables (if any) are all wasmtime's to serve (runtime:wasm/table), and
    // which of them hold JS values.
    this.#refTables = this.#exports.some((e) => e.kind === "table") ? ops.op_wasm_module_ref_tables(id) : [];
    this.#bytes = mayNeedInterpreter(this.#imports, this.#exports, this.#refTables) ? copy : null;
    modules.register(this, id);
  }

  static imports(module: Module): { module: string; name: string; kind: string }[] {
    return unwrap(module).#imports.map((i) => ({ module: i.module ?? "", name: i.name, kind: i.kind }));
  }

  static exports(module: Module): { name: string; kind: string }[] {
    return unwrap(module).#exports.map((e) => ({ name: e.name, kind: e.kind }));
  }

  static customSections(module: Module, name: string): ArrayBuffer[] {
    return (unwrap(module).#custom.get(String(name)) ?? []).map((b) => b.slice(0));
  }

  /** A Module over `id`, which `WebAssembly.compile` compiled off the JS thread from `bytes`. */
  static compiled(id: number, bytes: Uint8Array): Module {
    compiled = { id, bytes };
    return new Module(bytes);
  }

  static id(module: Module): number {
    return module.#id;
  }

  static shape(module: Module): { imports: Descriptor[]; exports: Descriptor[]; refTables: string[] | null } {
    return { imports: module.#imports, exports: module.#exports, refTables: module.#refTables };
  }

  /** The interpreter's copy of the module, compiled on first use. */
  static interpreted(module: Module): WebAssembly.Module {
    if (module.#interpreted !== null) return module.#interpreted;
    if (interpreter === undefined || module.#bytes === null) {
      throw new LinkError("this module needs the JS engine's WebAssembly, which this runtime does not have");
    }
    const made = new interpreter.Module(module.#bytes);
    module.#interpreted = made;
    return made;
  }
}

export function unwrap(module: unknown): typeof Module.prototype {
  if (!(module instanceof Module)) throw new TypeError("the argument must be a WebAssembly.Module");
  return module;
}

/** Why a module's own shape needs the interpreter ("" if it does not). */
export function needsInterpreter(imports: Descriptor[], exports: Descriptor[], refTables: string[] | null): string {
  for (const i of imports) {
    if (i.kind === "table" && !/^table (funcref|externref) /.test(i.type ?? "")) return `its import ${i.module}.${i.name} is a ${i.type}`;
    const opaque = [...i.params ?? [], ...i.results ?? []].find((t) => t === "v128" || t === "funcref");
    if (opaque !== undefined) return `its import ${i.module}.${i.name} passes a ${opaque}`;
  }
  let memories = 0;
  for (const e of exports) {
    if (e.kind === "table" && refTables === null) {
      return "it exports a 64-bit table, or a table of other elements than function references and externrefs";
    }
    if (e.kind === "memory" && ++memories > 1) return "it exports more than one memory";
  }
  return "";
}

/** Whether an import is a mutable global (`moduleImports` types it as "global i32 (mutable)"). */
export function mutableGlobal(i: Descriptor): boolean {
  return i.kind === "global" && (i.type ?? "").endsWith("(mutable)");
}

/** Whether a module may need the interpreter, depending on what it is given (see `readImports`). */
function mayNeedInterpreter(imports: Descriptor[], exports: Descriptor[], refTables: string[] | null): boolean {
  return needsInterpreter(imports, exports, refTables) !== "" ||
    imports.some((i) => i.kind === "memory" || i.kind === "global" || i.kind === "table");
}
