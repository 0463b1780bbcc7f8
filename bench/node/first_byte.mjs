// Process start-up as an outside observer sees it, run by bench/run.mjs: starts a command
// (`wasmtime run hello.wasm ...`, or `kiln run kiln/spawn.ts once ...`) `repeats` times after one
// untimed warm-up run (which also fills the command's compile cache, if it has one), and times each
// from child_process.spawn to the first byte on its stdout, and to its exit.
//
//   node first_byte.mjs '<json spec>'   spec: {"cmd", "args": [...], "repeats", "env"?: {extra
//                                        variables}, "expect"?: the whole stdout it must print}
//
// Prints one JSON line: {"firstByteMs": [...], "exitMs": [...], "output"}. A run that fails (exit
// status not 0, or other output than expected) ends it with "error: ..." on stderr and status 1.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

import { measure } from "../shared.mjs";

const spec = JSON.parse(process.argv[2]);
const env = { ...process.env, ...(spec.env ?? {}) };
const TIMEOUT_MS = 60_000;

function once() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(spec.cmd, spec.args, { env, stdio: ["ignore", "pipe", "pipe"] });
    // A run that hangs is ended, and fails.
    const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
    let first = null;
    const out = [];
    const err = [];
    child.stdout.on("data", (chunk) => {
      if (first === null) first = performance.now() - t0;
      out.push(chunk);
    });
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      const exit = performance.now() - t0;
      clearTimeout(timer);
      const output = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString().trim();
      if (code !== 0) {
        const line = stderr.split("\n").find((l) => l.startsWith("error:")) ?? stderr.split("\n")[0];
        const how = signal === "SIGKILL" && exit >= TIMEOUT_MS ? `did not exit within ${TIMEOUT_MS / 1000} s` : `exited with ${code ?? signal}`;
        return reject(new Error(`${spec.cmd} ${how}${line ? `: ${line.replace(/^(error: )?(Uncaught )?/, "")}` : ""}`));
      }
      if (first === null) return reject(new Error(`${spec.cmd} printed nothing on stdout`));
      if (spec.expect !== undefined && output !== spec.expect) {
        return reject(new Error(`${spec.cmd} printed ${JSON.stringify(output)}, expected ${JSON.stringify(spec.expect)}`));
      }
      resolve({ first, exit, output });
    });
  });
}

try {
  const exitMs = [];
  let output = "";
  const firstByteMs = await measure(spec.repeats, async () => {
    const r = await once();
    exitMs.push(r.exit);
    output = r.output;
    return r.first;
  });
  // The first exit time was the warm-up's.
  console.log(JSON.stringify({ firstByteMs, exitMs: exitMs.slice(1), output }));
} catch (e) {
  console.error(`error: ${e.message}`);
  process.exitCode = 1;
}
