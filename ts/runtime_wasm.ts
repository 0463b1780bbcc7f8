// runtime:wasm — load, link, call and sandbox WebAssembly.
//
// The ops (ext_wasm/src) do the work and every capability check; this module converts values by
// each export's real signature and shapes the API of the contract.

const core = (globalThis as any).Deno.core;
const ops = core.ops;

/** A WebAssembly value type Kiln can pass to and from JS. */
export type WasmValueType = "i32" | "i64" | "f32" | "f64";

/** A value with an explicit wasm type, made by the `types` helpers. */
export interface WasmValue {
  type: WasmValueType;
  value: number | bigint;
}

/** One export of an instance. */
export interface ExportInfo {
  name: string;
  kind: "function" | "memory" | "table" | "global";
  params?: WasmValueType[];
  results?: WasmValueType[];
}

/** The error codes of runtime:wasm (see ext_wasm/src/error.rs). */
export const errorCodes = {
  CompileError: 5000,
  InstantiateError: 5001,
  CallError: 5002,
  ExportNotFound: 5003,
  InvalidModuleHandle: 5004,
  InvalidInstanceHandle: 5005,
  MemoryError: 5006,
  TypeError: 5007,
  IoError: 5008,
  PermissionDenied: 5009,
  WasiError: 5010,
  FuelExhausted: 5011,
} as const;

type ErrorName = keyof typeof errorCodes;

/** Builds the same error an op would raise: `name` and numeric `code` as in the contract. */
function wasmError(name: ErrorName, message: string): Error {
  return core.buildCustomError(`Wasm.${name}`, message, [["code", errorCodes[name]]]);
}

const INT32_MIN = -(2 ** 31);
const UINT32_END = 2 ** 32;
const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;

function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  if (isWasmValue(value)) return `types.${value.type}(${describe(value.value)})`;
  return String(value);
}

function isWasmValue(value: unknown): value is WasmValue {
  return typeof value === "object" && value !== null && "type" in value && "value" in value;
}

/** Explicit value types for `call` arguments. */
export const types = {
  i32(value: number): WasmValue {
    checkInt32(value, "types.i32");
    return { type: "i32", value };
  },
  i64(value: bigint): WasmValue {
    checkInt64(value, "types.i64");
    return { type: "i64", value };
  },
  f32(value: number): WasmValue {
    checkFloat(value, "types.f32");
    return { type: "f32", value };
  },
  f64(value: number): WasmValue {
    checkFloat(value, "types.f64");
    return { type: "f64", value };
  },
};

function checkInt32(value: unknown, where: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < INT32_MIN || value >= UINT32_END) {
    throw wasmError(
      "TypeError",
      `${where}: ${describe(value)} is not an i32; pass an integer number in [-2^31, 2^32)`,
    );
  }
  return value;
}

function checkInt64(value: unknown, where: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "bigint" && value >= INT64_MIN && value < UINT64_END) return value;
  throw wasmError(
    "TypeError",
    `${where}: ${describe(value)} is not an i64; pass a bigint in [-2^63, 2^64) or a safe integer number`,
  );
}

function checkFloat(value: unknown, where: string): number {
  if (typeof value !== "number") {
    throw wasmError("TypeError", `${where}: ${describe(value)} is not a number`);
  }
  return value;
}

/** Writes one argument into its 8-byte slot (layout: ext_wasm/src/value.rs). */
function encode(view: DataView, slot: number, type: string, arg: unknown, where: string): void {
  let value = arg;
  if (isWasmValue(arg)) {
    if (arg.type !== type) {
      throw wasmError("TypeError", `${where} is ${describe(arg)} but the signature says ${type}`);
    }
    value = arg.value;
  }
  const at = slot * 8;
  switch (type) {
    case "i32": {
      const n = checkInt32(value, where);
      if (n >= 2 ** 31) view.setUint32(at, n, true);
      else view.setInt32(at, n, true);
      return;
    }
    case "i64": {
      const n = checkInt64(value, where);
      if (n >= 2n ** 63n) view.setBigUint64(at, n, true);
      else view.setBigInt64(at, n, true);
      return;
    }
    case "f32":
      view.setFloat32(at, checkFloat(value, where), true);
      return;
    case "f64":
      view.setFloat64(at, checkFloat(value, where), true);
      return;
    default:
      throw wasmError("TypeError", `${where}: Kiln cannot pass a ${type} value`);
  }
}

function decode(view: DataView, slot: number, type: string): number | bigint {
  const at = slot * 8;
  switch (type) {
    case "i32":
      return view.getInt32(at, true);
    case "i64":
      return view.getBigInt64(at, true);
    case "f32":
      return view.getFloat32(at, true);
    default:
      return view.getFloat64(at, true);
  }
}

function rawId(id: unknown, kind: "module" | "instance"): number {
  const text = typeof id === "number" ? String(id) : id;
  if (typeof text === "string" && /^[1-9][0-9]{0,15}$/.test(text)) return Number(text);
  throw wasmError(
    kind === "module" ? "InvalidModuleHandle" : "InvalidInstanceHandle",
    `${describe(id)} is not a ${kind} id; pass the id ${kind === "module" ? "compile/compileFile" : "instantiate"} returned`,
  );
}

function toBytes(data: unknown, where: string): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw wasmError("TypeError", `${where}: expected a Uint8Array, got ${describe(data)}`);
}

/** Compiles WebAssembly bytes (or WAT text as bytes). Needs `[capabilities.wasm] load`. */
export async function compile(bytes: Uint8Array): Promise<string> {
  return String(await ops.op_wasm_module_compile(toBytes(bytes, "compile")));
}

/** Compiles a .wasm (or .wat) file; relative paths are against the working directory. */
export async function compileFile(path: string): Promise<string> {
  if (typeof path !== "string") {
    throw wasmError("IoError", `compileFile: the path must be a string, got ${describe(path)}`);
  }
  return String(await ops.op_wasm_module_compile_file(path));
}

/** Frees a compiled module. Instances made from it keep working. */
export async function dropModule(moduleId: string): Promise<void> {
  ops.op_wasm_module_drop(rawId(moduleId, "module"));
}

/** Options for `instantiate`: WASI grants and execution limits, each off unless given. */
export interface WasiConfig {
  preopens?: Record<string, string | { path: string; readonly?: boolean }>;
  env?: Record<string, string>;
  args?: string[];
  inheritStdin?: boolean;
  inheritStdout?: boolean;
  inheritStderr?: boolean;
  fuel?: number | bigint;
  timeoutMs?: number;
  maxMemoryBytes?: number;
}

function configJson(config: WasiConfig | undefined): string {
  if (config === undefined || config === null) return "";
  if (typeof config !== "object" || Array.isArray(config)) {
    throw wasmError("WasiError", `instantiate: the config must be an object, got ${describe(config)}`);
  }
  return JSON.stringify(config, (_key, value) => (typeof value === "bigint" ? Number(value) : value));
}

/** Linear memory of an instance. */
export class WasmMemory {
  #id: number;
  constructor(id: number) {
    this.#id = id;
  }
  /** Copies `length` bytes starting at `offset` out of the memory. */
  read(offset: number, length: number): Promise<Uint8Array> {
    return ops.op_wasm_memory_read(this.#id, offset, length);
  }
  /** Copies `data` into the memory at `offset`. */
  async write(offset: number, data: Uint8Array): Promise<void> {
    await ops.op_wasm_memory_write(this.#id, offset, toBytes(data, "memory.write"));
  }
  /** The size in 64 KiB pages. */
  size(): Promise<number> {
    return ops.op_wasm_memory_size(this.#id);
  }
  /** Grows by `pages`; resolves to the previous size in pages. */
  grow(pages: number): Promise<number> {
    return ops.op_wasm_memory_grow(this.#id, pages);
  }
}

interface Signature {
  params: string[];
  results: string[];
  slots: number;
}

/** A running instance of a module. */
export class WasmInstance {
  readonly id: string;
  readonly moduleId: string;
  readonly memory: WasmMemory;
  #raw: number;
  #signatures: Map<string, Signature> | null = null;

  constructor(raw: number, moduleId: string) {
    this.#raw = raw;
    this.id = String(raw);
    this.moduleId = moduleId;
    this.memory = new WasmMemory(raw);
  }

  #signature(name: string): Signature | undefined {
    if (this.#signatures === null) {
      const map = new Map<string, Signature>();
      for (const e of ops.op_wasm_instance_exports(this.#raw) as ExportInfo[]) {
        if (e.kind !== "function") continue;
        const params = e.params ?? [];
        const results = e.results ?? [];
        map.set(e.name, { params, results, slots: Math.max(params.length, results.length) });
      }
      this.#signatures = map;
    }
    return this.#signatures.get(name);
  }

  /** Calls the exported function `name`; resolves to its results in order (i64 as bigint). */
  async call(name: string, ...args: (number | bigint | WasmValue)[]): Promise<any[]> {
    const sig = this.#signature(String(name));
    if (sig === undefined) {
      // Not a function export: the op reports what it is, or which functions exist.
      await ops.op_wasm_instance_call(this.#raw, String(name), new Uint8Array(0));
      return [];
    }
    if (args.length !== sig.params.length) {
      throw wasmError(
        "TypeError",
        `\`${name}\` takes ${sig.params.length} argument(s) (${sig.params.join(", ")}), got ${args.length}`,
      );
    }
    const bytes = new Uint8Array(sig.slots * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < args.length; i++) {
      encode(view, i, sig.params[i], args[i], `argument ${i + 1} of \`${name}\``);
    }
    await ops.op_wasm_instance_call(this.#raw, name, bytes);
    const results = new Array(sig.results.length);
    for (let i = 0; i < results.length; i++) results[i] = decode(view, i, sig.results[i]);
    return results;
  }

  /** Every export with its kind and, for functions, parameter and result types. */
  async getExports(): Promise<ExportInfo[]> {
    return ops.op_wasm_instance_exports(this.#raw);
  }

  /** Frees the instance; later use of it fails with InvalidInstanceHandle (5005). */
  async drop(): Promise<void> {
    ops.op_wasm_instance_drop(this.#raw);
  }
}

/** Instantiates a compiled module. Needs `[capabilities.wasm] execute`. */
export async function instantiate(moduleId: string, config?: WasiConfig): Promise<WasmInstance> {
  const raw = rawId(moduleId, "module");
  const id = await ops.op_wasm_instance_create(raw, configJson(config));
  return new WasmInstance(id, String(raw));
}
