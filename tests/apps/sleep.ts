// A WASI guest that sleeps, under `await instance.call`: the event loop runs during the sleep, a
// deadline stops it, and the instance works afterwards.
import { compileFile, instantiate } from "runtime:wasm";

const sleeper = await compileFile("./sleeper.wasm");

let ticks = 0;
const interval = setInterval(() => ticks++, 50);

/** Runs `_start` of a fresh instance with `args`; prints how it ended. */
async function run(label: string, args: string[], timeoutMs?: number) {
  const instance = await instantiate(sleeper, { args: ["sleeper", ...args], inheritStdout: true, timeoutMs });
  ticks = 0;
  const started = performance.now();
  let outcome: string;
  try {
    await instance.call("_start");
    outcome = "completed";
  } catch (e: any) {
    outcome = `${e.code} ${e.name} timed out: ${/timed out/.test(e.message)}`;
  }
  const elapsed = performance.now() - started;
  console.error(`${label}: ${outcome} after ${elapsed.toFixed(0)} ms, ${ticks} ticks`);
  return { instance, outcome, elapsed, ticks };
}

// sleep(3) under a 500 ms deadline: stopped at the deadline, with the interval ticking meanwhile.
const slept = await run("sleep 3 s", ["sleep", "3"], 500);
console.log(`sleep 3 s under timeoutMs 500: ${slept.outcome}`);
console.log(`stopped within 1000 ms: ${slept.elapsed < 1000}`);
console.log(`not before the deadline: ${slept.elapsed >= 450}`);
console.log(`interval ticked during the sleep: ${slept.ticks >= 3}`);

// The instance still works after the deadline: a short sleep in another export.
const t0 = performance.now();
console.log("nap after the deadline:", (await slept.instance.call("nap", 50))[0]);
console.log(`nap slept: ${performance.now() - t0 >= 45}`);
console.log("nap on the synchronous path:", slept.instance.exports.nap(20));

// nanosleep and an absolute clock_nanosleep under a deadline.
for (const mode of ["nanosleep", "abs"]) {
  const r = await run(`${mode} 5 s`, [mode, "5000"], 500);
  console.log(`${mode} 5 s under timeoutMs 500: ${r.outcome}; within 1000 ms: ${r.elapsed < 1000}`);
}

// A sched_yield loop under a deadline.
const yielded = await run("yield loop", ["yield", "5000"], 500);
console.log(`yield loop under timeoutMs 500: ${yielded.outcome}; within 1000 ms: ${yielded.elapsed < 1000}`);

// No deadline: the guest wakes up and finishes, and the event loop ran while it slept.
const woke = await run("nanosleep 300 ms", ["nanosleep", "300"]);
console.log(`nanosleep 300 ms without a deadline: ${woke.outcome}`);
console.log(`slept at least 300 ms: ${woke.elapsed >= 295}`);
console.log(`interval ticked during the sleep: ${woke.ticks >= 3}`);

// A sleep shorter than the deadline completes.
const short = await run("abs 200 ms", ["abs", "200"], 2000);
console.log(`abs 200 ms under timeoutMs 2000: ${short.outcome}; slept: ${short.elapsed >= 195}`);

clearInterval(interval);
