// runtime:wasm/process — processes: `spawn`, internal to runtime:wasm, which re-exports its public
// items (they appear in ts/runtime_wasm.d.ts). Kiln's loader refuses this module to apps.
//
// A process is a WASI command run on a thread of its own (ext_wasm/src/process.rs); its piped
// streams are bounded pipes (ext_wasm/src/pipe.rs) read and written through async ops.

import type { ProcessStatus, WasiConfig } from "kiln:internal";
import { configJson, describe, ops, rawId, reservingNow, toBytes, wasmError } from "runtime:wasm/values";
import { splitImports } from "runtime:wasm/import-object";

/**
 * The options of {@link spawn}: those of `instantiate` (WASI grants, limits, modules to link by
 * name and values for imported globals), with streams that can be piped. A process cannot have
 * JS host functions (its guest runs on its own thread; JS runs only on the JS thread), captured
 * output (pipe it instead), or `interruptible: false` (kill() must be able to stop it): each is
 * refused with WasiError (5010).
 *
 * @example
 * ```ts
 * const options: SpawnOptions = {
 *   args: ["cat"],
 *   stdin: "piped",
 *   stdout: "piped",
 *   stderr: "inherit",
 *   timeoutMs: 10_000,
 *   maxMemoryBytes: 64 << 20,
 * };
 * ```
 */
export type SpawnOptions = Omit<WasiConfig, "stdin" | "stdout" | "stderr" | "interruptible"> & {
  /**
   * `"piped"` (written through {@link WasmProcess.stdin}), `"inherit"`, `"null"` (empty, the
   * default), or the bytes the guest reads as its input.
   */
  readonly stdin?: "piped" | "inherit" | "null" | Uint8Array;
  /**
   * `"piped"` (read from {@link WasmProcess.stdout} through a 64 KiB pipe: the guest waits while
   * it is full), `"inherit"`, or `"null"` (discarded, the default).
   */
  readonly stdout?: "piped" | "inherit" | "null";
  /** As `stdout`, for {@link WasmProcess.stderr}. */
  readonly stderr?: "piped" | "inherit" | "null";
  /** Modules to link by import module name, and numbers or bigints for imported globals. */
  readonly imports?: { readonly [importModule: string]: string | { readonly [name: string]: number | bigint } };
};

/**
 * What {@link WasmProcess.output} resolves to: the status, and everything the guest wrote to its
 * piped stdout and stderr (empty for a stream that was not piped).
 *
 * @example
 * ```ts
 * const { code, stdout }: ProcessOutput = await spawn(moduleId, { stdout: "piped" }).output();
 * ```
 */
export interface ProcessOutput extends ProcessStatus {
  /** All the guest wrote to stdout. */
  readonly stdout: Uint8Array;
  /** All the guest wrote to stderr. */
  readonly stderr: Uint8Array;
}

/**
 * A piped stdout or stderr of a process: read it chunk by chunk, or with `for await`. Each chunk is
 * what the guest wrote since the last read, at most 64 KiB, in order.
 *
 * @example
 * ```ts
 * for await (const chunk of process.stdout) console.log(new TextDecoder().decode(chunk));
 * ```
 */
export class WasmProcessOutput implements AsyncIterable<Uint8Array> {
  #raw: number;
  #stream: number;

  constructor(raw: number, stream: number) {
    this.#raw = raw;
    this.#stream = stream;
  }

  /**
   * The next chunk the guest wrote, waiting for one; `null` once the guest has ended (or was
   * killed) and everything was read.
   *
   * @example
   * ```ts
   * const first = await process.stdout.read();
   * ```
   */
  async read(): Promise<Uint8Array | null> {
    const chunk = await ops.op_wasm_process_read(this.#raw, this.#stream);
    return chunk.length === 0 ? null : chunk;
  }

  /**
   * The chunks, until the end.
   *
   * @example
   * ```ts
   * for await (const chunk of process.stdout) total += chunk.length;
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array, void, undefined> {
    for (let chunk = await this.read(); chunk !== null; chunk = await this.read()) yield chunk;
  }
}

/**
 * A piped stdin of a process.
 *
 * @example
 * ```ts
 * await process.stdin.write(new TextEncoder().encode("hello\n"));
 * await process.stdin.close();
 * ```
 */
export class WasmProcessInput {
  #raw: number;

  constructor(raw: number) {
    this.#raw = raw;
  }

  /**
   * Writes `data` to the guest's stdin; resolves once the pipe (64 KiB) has taken all of it, so a
   * guest that reads slowly slows the writer down.
   *
   * @throws {WasmError} IoError (5008) if the guest no longer reads (it ended) or stdin was closed.
   * @example
   * ```ts
   * await process.stdin.write(new TextEncoder().encode("line\n"));
   * ```
   */
  async write(data: Uint8Array): Promise<void> {
    await ops.op_wasm_process_write(this.#raw, toBytes(data, "process.stdin.write"));
  }

  /**
   * Ends the guest's input: it reads what is buffered, then end of file. Idempotent.
   *
   * @example
   * ```ts
   * await process.stdin.close();
   * ```
   */
  async close(): Promise<void> {
    ops.op_wasm_process_close_stdin(this.#raw);
  }
}

/** Frees a process's entry once its `WasmProcess` is collected (after it ended). */
const forgottenProcesses = new FinalizationRegistry<number>((raw) => ops.op_wasm_process_forget(raw));

/**
 * A WASI command running on a thread of its own, made by {@link spawn}: like a child process. The
 * JS thread stays free while it runs; it ends when `_start` returns or calls `proc_exit`, when it
 * traps or passes `timeoutMs`, or when it is killed. A process the app never awaits keeps the app
 * running until it ends, as a child process does; `Kiln.exit()` stops it.
 *
 * @example
 * ```ts
 * const process: WasmProcess = spawn(await compileFile("./cat.wasm"), { stdin: "piped", stdout: "piped" });
 * console.log(process.id);
 * ```
 */
export class WasmProcess {
  /** The process's id. */
  readonly id: string;
  /**
   * How the process ended: `{ code, reason, message? }`, `reason` being `"exit"` (`code` is the
   * guest's exit status), `"killed"` (137), `"timeout"` (124) or `"trap"` (134). It rejects with
   * InstantiateError (5001) if the module could not be instantiated (a missing import, ...).
   */
  readonly status: Promise<ProcessStatus>;
  #raw: number;
  #stdin: WasmProcessInput | null;
  #stdout: WasmProcessOutput | null;
  #stderr: WasmProcessOutput | null;

  constructor(raw: number, piped: { stdin: boolean; stdout: boolean; stderr: boolean }) {
    this.#raw = raw;
    this.id = String(raw);
    this.#stdin = piped.stdin ? new WasmProcessInput(raw) : null;
    this.#stdout = piped.stdout ? new WasmProcessOutput(raw, 1) : null;
    this.#stderr = piped.stderr ? new WasmProcessOutput(raw, 2) : null;
    // A plain object (the op's has a null prototype), so it prints and spreads as apps expect.
    this.status = ops.op_wasm_process_status(raw).then((status) => ({ ...status }));
    // A status nobody awaits must not become an unhandled rejection; awaiting it still rejects.
    this.status.catch(() => {});
    forgottenProcesses.register(this, raw);
  }

  /**
   * The guest's stdin, when spawned with `stdin: "piped"`.
   *
   * @throws {WasmError} WasiError (5010) if stdin is not piped.
   */
  get stdin(): WasmProcessInput {
    return this.#stdin ?? notPiped("stdin");
  }

  /**
   * The guest's stdout, when spawned with `stdout: "piped"`.
   *
   * @throws {WasmError} WasiError (5010) if stdout is not piped.
   */
  get stdout(): WasmProcessOutput {
    return this.#stdout ?? notPiped("stdout");
  }

  /**
   * The guest's stderr, when spawned with `stderr: "piped"`.
   *
   * @throws {WasmError} WasiError (5010) if stderr is not piped.
   */
  get stderr(): WasmProcessOutput {
    return this.#stderr ?? notPiped("stderr");
  }

  /**
   * Stops the guest wherever it is (computing, sleeping, waiting on stdin or on a full stdout);
   * `status` then settles with reason `"killed"` within milliseconds, unless the process had
   * already ended. What it wrote before stays readable. Idempotent.
   *
   * @example
   * ```ts
   * process.kill();
   * console.log((await process.status).reason); // "killed"
   * ```
   */
  kill(): void {
    ops.op_wasm_process_kill(this.#raw);
  }

  /**
   * Waits for the process to end and collects its piped output: resolves to the status with
   * `stdout` and `stderr` (empty for a stream that is not piped). A piped stdin is closed first,
   * so a guest that reads its input to the end does not wait forever.
   *
   * @throws {WasmError} InstantiateError (5001) if the module could not be instantiated.
   * @example
   * ```ts
   * const { code, stdout } = await spawn(moduleId, { args: ["app"], stdout: "piped" }).output();
   * console.log(code, new TextDecoder().decode(stdout));
   * ```
   */
  async output(): Promise<ProcessOutput> {
    if (this.#stdin !== null) await this.#stdin.close();
    const [stdout, stderr, status] = await Promise.all([
      collect(this.#stdout),
      collect(this.#stderr),
      this.status,
    ]);
    return { ...status, stdout, stderr };
  }
}

function notPiped(stream: string): never {
  throw wasmError("WasiError", `the process's ${stream} is not piped; spawn it with \`${stream}: "piped"\``);
}

async function collect(stream: WasmProcessOutput | null): Promise<Uint8Array> {
  if (stream === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * Runs a WASI command (a module that exports `_start`) as a process on a thread of its own, and
 * returns at once. Everything is checked here, as `instantiate` checks it; the module is
 * instantiated on the process's thread. Piped streams are bounded (64 KiB): a guest that writes
 * faster than the app reads waits, so its output never piles up in the host.
 *
 * @param moduleId An id from `compile` or `compileFile`.
 * @param options WASI grants, limits, stdio (see {@link SpawnOptions}).
 * @throws {WasmError} PermissionDenied (5009) unless the manifest grants `[capabilities.wasm] execute`,
 *   or if a preopen is outside `[capabilities.wasm] preopens`.
 * @throws {WasmError} InvalidModuleHandle (5004) if the id names no live module.
 * @throws {WasmError} WasiError (5010) for an invalid option, JS host functions in `imports`,
 *   `"capture"`, or `interruptible: false`.
 * @throws {WasmError} InstantiateError (5001) if the module is not a WASI command (no `_start`),
 *   or past `max_instances`.
 * @example
 * ```ts
 * const proc = spawn(await compileFile("./cat.wasm"), { args: ["cat"], stdin: "piped", stdout: "piped" });
 * await proc.stdin.write(new TextEncoder().encode("hello\n"));
 * await proc.stdin.close();
 * for await (const chunk of proc.stdout) console.log(new TextDecoder().decode(chunk));
 * console.log(await proc.status); // { code: 0, reason: "exit" }
 * ```
 */
export function spawn(moduleId: string, options?: SpawnOptions): WasmProcess {
  const raw = rawId(moduleId, "module");
  let wasi: unknown = options;
  let imports: unknown;
  if (typeof options === "object" && options !== null && "imports" in options) {
    ({ imports, ...wasi } = options);
  }
  if (options !== undefined && (typeof options !== "object" || options === null || Array.isArray(options))) {
    throw wasmError("WasiError", `spawn: the options must be an object, got ${describe(options)}`);
  }
  const split = splitImports(imports);
  const id = reservingNow(() => ops.op_wasm_process_spawn(raw, configJson(wasi, "spawn"), split.modules, split.host));
  return new WasmProcess(id, {
    stdin: options?.stdin === "piped",
    stdout: options?.stdout === "piped",
    stderr: options?.stderr === "piped",
  });
}
