// No thread is left behind: once spawned processes have ended (by exit, trap, kill, timeout) and
// pools are dropped (idle, after a replaced member, with a call still running), the `Threads:`
// count of /proc/self/status is back to what it was before any was made. `kiln run main.ts warm`
// only compiles the modules, so that the real run reads them from the compilation cache and no
// compiler or cache thread starts during it.
import { compileFile, createPool, isWasmError, spawn } from "runtime:wasm";
import { readTextFile } from "runtime:fs";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function threads(): Promise<number> {
  const match = (await readTextFile("/proc/self/status")).match(/^Threads:\s+(\d+)/m);
  if (!match) throw new Error("no Threads: in /proc/self/status");
  return Number(match[1]);
}

/**
 * Polls the thread count until it is at most `baseline`: threads are joined asynchronously after a
 * process settles or a pool's drop resolves. The contract needs no time here; 2 s is room for a
 * loaded CI machine, and a thread that is really left behind stays past it.
 */
async function backTo(baseline: number): Promise<string> {
  const deadline = performance.now() + 2000;
  let count = await threads();
  while (count > baseline && performance.now() < deadline) {
    await sleep(25);
    count = await threads();
  }
  return count <= baseline ? "back to the baseline" : `${count} threads, the baseline was ${baseline}`;
}

function describe(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `not a WasmError: ${String(e)}`;
}

const talker = await compileFile("./talker.wasm");
const cat = await compileFile("./cat.wasm");
const worker = await compileFile("./pool_worker.wasm");
if (Kiln.args[0] === "warm") {
  console.log("warm");
  Kiln.exit(0);
}

// Reading a file, compiling, and a pool's drop (which joins its threads) run on the event loop's
// shared pool of blocking threads, which keeps an idle thread for 10 s before it ends it. Grow
// that pool before the baseline with reads at once, so that its idle threads are counted there,
// and a blocking task later reuses one instead of adding a thread that is no process's or pool's.
await Promise.all(Array.from({ length: 16 }, () => threads()));

// The baseline, once the count holds still (the runtime's own threads have all started).
let baseline = await threads();
for (let steady = 0, tries = 0; steady < 3 && tries < 40; tries++) {
  await sleep(50);
  const count = await threads();
  steady = count === baseline ? steady + 1 : 0;
  baseline = count;
}

// Processes, all at once, ending every way.
{
  const encoder = new TextEncoder();
  const piped = spawn(cat, { args: ["cat"], stdin: "piped", stdout: "piped" });
  const spinning = spawn(talker, { args: ["talker", "spin"], stdout: "piped" });
  const blocked = spawn(cat, { args: ["cat"], stdin: "piped" });
  const all = [
    spawn(talker, { args: ["talker", "print-sleep-print"], stdout: "piped" }).output(),
    spawn(talker, { args: ["talker", "stderr"], stdout: "piped", stderr: "piped" }).output(),
    spawn(talker, { args: ["talker", "exit", "3"] }).status,
    spawn(talker, { args: ["talker", "trap"] }).status,
    spawn(talker, { args: ["talker", "sleep"], timeoutMs: 200 }).status,
    spawn(talker, { args: ["talker", "flood", "4"], stdout: "piped" }).output(),
    spinning.status,
    blocked.status,
  ];
  await piped.stdin.write(encoder.encode("through cat\n"));
  await piped.stdin.close();
  all.push(piped.output());
  await spinning.stdout.read(); // "ready": it computes now
  // While processes run, their threads are counted: the measure can see a thread left behind.
  const running = await threads();
  console.error(`threads: baseline ${baseline}, with processes running ${running}`);
  console.log("more threads while processes run:", running > baseline);
  spinning.kill();
  blocked.kill();
  const ends = (await Promise.all(all)).map((s) => `${s.code} ${s.reason}`);
  console.log("processes:", ends.join(", "));
}
console.log("after the processes:", await backTo(baseline));

// A pool that served calls, had a member replaced after a trap and one after a timeout.
{
  const pool = await createPool(worker, { size: 3, timeoutMs: 300 });
  const results = await Promise.all(Array.from({ length: 30 }, (_, i) => pool.call("work", i)));
  const serving = await threads();
  console.error(`threads: baseline ${baseline}, with a pool of 3 ${serving}`);
  console.log("at least 3 more threads with a pool of 3:", serving >= baseline + 3);
  const traps = await pool.call("poison").then(() => "resolved", describe);
  const timeouts = await pool.call("spin").then(() => "resolved", describe);
  const checks = await Promise.all(Array.from({ length: 6 }, () => pool.call("check")));
  await pool.drop();
  console.log("pool:", results.length, "calls,", traps, timeouts, "checks:", checks.join(" "));
}
console.log("after the pool:", await backTo(baseline));

// A pool dropped while one member runs an endless call and another call waits.
{
  const pool = await createPool(worker, { size: 1 });
  const running = pool.call("spin").then(() => "resolved", describe);
  const queued = pool.call("work", 10).then(() => "resolved", describe);
  await sleep(50);
  await pool.drop();
  console.log("dropped pool:", await running, await queued);
}
console.log("after the dropped pool:", await backTo(baseline));
