// spawn's refusals: thrown synchronously for bad options, a denied preopen, a dropped or unknown
// module and a module with no `_start`; a failure to instantiate (a missing import) rejects
// `status` and `output()` instead. instantiate refuses "piped", which is for spawn only.
import { compileFile, dropModule, instantiate, isWasmError, spawn } from "runtime:wasm";

const talker = await compileFile("./talker.wasm");
const worker = await compileFile("./pool_worker.wasm");
const needsImport = await compileFile("./needs_import.wasm");
const dropped = await compileFile("./cat.wasm");
await dropModule(dropped);

function describe(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `not a WasmError: ${String(e)}`;
}

/** Runs `action`, which must throw before returning. */
function refused(label: string, action: () => unknown): void {
  try {
    const result = action();
    console.log(`${label}: not refused${result instanceof Promise ? " (returned a promise)" : ""}`);
  } catch (e) {
    console.log(`${label}: ${describe(e)}`);
  }
}

const args = ["talker", "exit", "0"];
refused("stdout capture", () => spawn(talker, { args, stdout: "capture" } as never));
refused("stderr capture", () => spawn(talker, { args, stderr: "capture" } as never));
refused("stdin capture", () => spawn(talker, { args, stdin: "capture" } as never));
refused("stdin a number", () => spawn(talker, { args, stdin: 42 } as never));
refused("stdout unknown", () => spawn(talker, { args, stdout: "pipe" } as never));
refused("unknown option", () => spawn(talker, { args, bogus: true } as never));
refused("interruptible false", () => spawn(talker, { args, interruptible: false } as never));
refused("a JS host function", () => spawn(talker, { args, imports: { env: { f: () => 0 } } } as never));
refused("preopen outside the grant", () => spawn(talker, { args, preopens: { "/data": "." } }));
refused("dropped module", () => spawn(dropped, { args }));
refused("unknown module", () => spawn("no-such-module", { args }));
refused("no _start", () => spawn(worker, {}));

// The limits are accepted, as instantiate takes them.
{
  const status = await spawn(talker, { args, timeoutMs: 10_000, maxMemoryBytes: 64 << 20, fuel: 1_000_000_000 }).status;
  console.log("with limits:", status.code, status.reason);
}

// A missing import: spawn returns, then status and output() reject with InstantiateError.
{
  let proc: ReturnType<typeof spawn> | undefined;
  try {
    proc = spawn(needsImport, { stdout: "piped" });
    console.log("missing import: spawned");
  } catch (e) {
    console.log(`missing import: spawn threw ${describe(e)}`);
  }
  if (proc) {
    await proc.status.then(
      (s) => console.log("missing import status: resolved", s.code, s.reason),
      (e) => console.log(`missing import status: ${describe(e)}`),
    );
    await proc.output().then(
      (o) => console.log("missing import output: resolved", o.code, o.reason),
      (e) => console.log(`missing import output: ${describe(e)}`),
    );
  }
}

// "piped" is for spawn: instantiate refuses it.
for (const [label, options] of [
  ["instantiate stdout piped", { stdout: "piped" }],
  ["instantiate stderr piped", { stderr: "piped" }],
] as const) {
  try {
    await instantiate(worker, options as never);
    console.log(`${label}: not refused`);
  } catch (e) {
    console.log(`${label}: ${describe(e)}`);
  }
}
