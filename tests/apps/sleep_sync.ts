// A WASI guest that sleeps, on the synchronous path (`instance.exports`): it blocks the event loop,
// but the deadline still stops it, a sleep without one finishes, and the instance works afterwards.
import { compileFile, instantiate } from "runtime:wasm";

const sleeper = await compileFile("./sleeper.wasm");

/** Runs `_start` of a fresh instance synchronously with `args`; prints how it ended. */
async function run(label: string, args: string[], timeoutMs?: number) {
  const instance = await instantiate(sleeper, { args: ["sleeper", ...args], inheritStdout: true, timeoutMs });
  const started = performance.now();
  let outcome: string;
  try {
    instance.exports._start();
    outcome = "completed";
  } catch (e: any) {
    outcome = `${e.code} ${e.name} timed out: ${/timed out/.test(e.message)}`;
  }
  const elapsed = performance.now() - started;
  console.error(`${label}: ${outcome} after ${elapsed.toFixed(0)} ms`);
  return { instance, outcome, elapsed };
}

const slept = await run("sleep 3 s", ["sleep", "3"], 500);
console.log(`sleep 3 s under timeoutMs 500: ${slept.outcome}`);
console.log(`stopped within 1000 ms: ${slept.elapsed < 1000}`);
console.log(`not before the deadline: ${slept.elapsed >= 450}`);

// The instance still works after the deadline, on both paths.
const t0 = performance.now();
console.log("nap after the deadline:", slept.instance.exports.nap(50));
console.log(`nap slept: ${performance.now() - t0 >= 45}`);
console.log("nap through call:", (await slept.instance.call("nap", 20))[0]);
// A nap longer than the deadline is stopped too.
try {
  slept.instance.exports.nap(5000);
  console.log("nap 5 s: returned");
} catch (e: any) {
  console.log(`nap 5 s: ${e.code} ${e.name}`);
}

for (const mode of ["nanosleep", "abs"]) {
  const r = await run(`${mode} 5 s`, [mode, "5000"], 500);
  console.log(`${mode} 5 s under timeoutMs 500: ${r.outcome}; within 1000 ms: ${r.elapsed < 1000}`);
}
const yielded = await run("yield loop", ["yield", "5000"], 500);
console.log(`yield loop under timeoutMs 500: ${yielded.outcome}; within 1000 ms: ${yielded.elapsed < 1000}`);

// No deadline: the guest wakes up and finishes.
for (const mode of ["nanosleep", "abs"]) {
  const r = await run(`${mode} 200 ms`, [mode, "200"]);
  console.log(`${mode} 200 ms without a deadline: ${r.outcome}; slept: ${r.elapsed >= 195}`);
}
