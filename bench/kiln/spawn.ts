// Process start-up: a WASI command (kernels/hello.c, which prints its arguments) run as a process
// with `spawn` (ts/wasm_process.ts), timed from the `spawn()` call to the first byte of its stdout.
//
//   Kiln.args = ["inapp", path, repeats, ...guest args]: in one kiln process, a warm-up then
//     `repeats` runs, each spawn(moduleId, { args, stdout: "piped" }), then `await proc.stdout.read()`
//     for the first chunk, the rest drained, and `await proc.status`. Prints one JSON line:
//     {"firstByteMs", "spawnMs" (until spawn() returned), "exitMs" (until the status resolved),
//     "output"} (per-run lists in ms), or {"firstByteMs": "missing: spawn"} on a Kiln without it.
//   Kiln.args = ["once", path, ...guest args]: one spawn with the guest's stdout inherited, so that
//     bench/node/first_byte.mjs times the whole kiln process to the first byte of its stdout.
//     Prints nothing of its own.
//
// The module is compiled (or loaded from KILN_CACHE_DIR) before the clock starts.
import * as wasm from "runtime:wasm";
import { compileFile } from "runtime:wasm";
import { emit, measure } from "./common.ts";

/** The process API (ts/wasm_process.ts), typed here so that this app type-checks on a Kiln without it. */
interface ProcessStatus {
  code: number;
  reason: "exit" | "killed" | "timeout" | "trap";
  message?: string;
}
interface Reader {
  read(): Promise<Uint8Array | null>;
}
interface WasmProcess {
  stdout: Reader | null;
  status: Promise<ProcessStatus>;
}
type Spawn = (
  moduleId: string,
  options: { args: string[]; stdout: "piped" | "inherit" | "null"; stderr: "piped" | "inherit" | "null" },
) => WasmProcess;

const [mode, path, ...rest] = Kiln.args;
const spawn = (wasm as unknown as { spawn?: Spawn }).spawn;

function checkStatus(status: ProcessStatus): void {
  if (status.reason !== "exit" || status.code !== 0) {
    throw new Error(`the guest ended with ${status.reason} ${status.code}${status.message ? `: ${status.message}` : ""}`);
  }
}

if (mode === "inapp") {
  const [repeats, ...args] = rest;
  if (typeof spawn !== "function") {
    emit({ firstByteMs: "missing: spawn" });
  } else {
    const moduleId = await compileFile(path);
    const spawnMs: number[] = [];
    const exitMs: number[] = [];
    let output = "";
    const firstByteMs = await measure(Number(repeats), async () => {
      const t0 = performance.now();
      const proc = spawn(moduleId, { args, stdout: "piped", stderr: "inherit" });
      const t1 = performance.now();
      const first = await proc.stdout!.read();
      const t2 = performance.now();
      if (!first || first.length === 0) throw new Error("the guest printed nothing on stdout");
      const chunks = [first];
      for (let c = await proc.stdout!.read(); c; c = await proc.stdout!.read()) chunks.push(c);
      const status = await proc.status;
      const t3 = performance.now();
      checkStatus(status);
      const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
      }
      output = new TextDecoder().decode(bytes);
      spawnMs.push(t1 - t0);
      exitMs.push(t3 - t0);
      return t2 - t0;
    });
    // The first entry of each was the warm-up.
    emit({ firstByteMs, spawnMs: spawnMs.slice(1), exitMs: exitMs.slice(1), output });
  }
} else if (mode === "once") {
  if (typeof spawn !== "function") throw new Error("missing: spawn");
  const moduleId = await compileFile(path);
  const proc = spawn(moduleId, { args: rest, stdout: "inherit", stderr: "inherit" });
  checkStatus(await proc.status);
} else {
  throw new Error(`unknown mode ${mode}: inapp or once`);
}
