// How a spawned process ends: its exit status, a trap, running out of fuel, kill() while it
// computes, sleeps, waits on stdin or on a full stdout pipe, and timeoutMs.
//
// Kills and timeouts are timed only to tell "stopped" from "ran on": the contract says a killed
// status settles within 100 ms, but this checks 1000 ms so that a loaded 2-core CI machine cannot
// make it flaky; every guest here would otherwise run for 60 s or forever.
import { compileFile, spawn } from "runtime:wasm";

const talker = await compileFile("./talker.wasm");
const cat = await compileFile("./cat.wasm");
const decoder = new TextDecoder();

type Proc = ReturnType<typeof spawn>;
type Status = Awaited<Proc["status"]>;

function show(label: string, status: Status): void {
  const message = status.reason === "exit" ? "" : `, message: ${typeof status.message === "string" && status.message.length > 0}`;
  console.log(`${label}: ${status.code} ${status.reason}${message}`);
}

/** Waits for the guest's "ready" line on its piped stdout: it is now computing or sleeping. */
async function ready(proc: Proc): Promise<string> {
  const chunk = await proc.stdout.read();
  return chunk === null ? "end of output" : JSON.stringify(decoder.decode(chunk));
}

/** Kills `proc` and reports how it ended, and whether it settled within the (generous) bound. */
async function kill(label: string, proc: Proc): Promise<void> {
  const started = performance.now();
  proc.kill();
  const status = await proc.status;
  const elapsed = performance.now() - started;
  show(label, status);
  console.log(`${label} settled within 1000 ms: ${elapsed < 1000}`);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Exit statuses: proc_exit(0), _start returning, proc_exit(3).
show("exit 0", await spawn(talker, { args: ["talker", "exit", "0"] }).status);
show("main returns", await spawn(talker, { args: ["talker", "stderr"] }).status);
show("exit 3", await spawn(talker, { args: ["talker", "exit", "3"] }).status);

// A trap, and running out of fuel, are both "trap" (134).
show("trap", await spawn(talker, { args: ["talker", "trap"] }).status);
show("out of fuel", await spawn(talker, { args: ["talker", "spin"], fuel: 1_000_000 }).status);

// kill() while the guest computes.
{
  const proc = spawn(talker, { args: ["talker", "spin"], stdout: "piped" });
  console.log("spin:", await ready(proc));
  await kill("killed while computing", proc);
}

// kill() while the guest sleeps (60 s).
{
  const proc = spawn(talker, { args: ["talker", "sleep"], stdout: "piped" });
  console.log("sleep:", await ready(proc));
  await kill("killed while sleeping", proc);
}

// kill() while the guest waits on a piped stdin that is never written nor closed.
{
  const proc = spawn(cat, { args: ["cat"], stdin: "piped", stdout: "piped" });
  await sleep(100); // time for cat to reach its read; a kill before it would be as valid
  await kill("killed while reading stdin", proc);
}

// kill() while the guest is blocked writing to a piped stdout nobody reads.
{
  const proc = spawn(talker, { args: ["talker", "flood", "200"], stdout: "piped" });
  await sleep(100);
  await kill("killed while writing to a full pipe", proc);
}

// kill() right after spawn, twice; and kill() after the process exited changes nothing.
{
  const proc = spawn(talker, { args: ["talker", "sleep"] });
  proc.kill();
  proc.kill();
  show("killed at once, twice", await proc.status);
  proc.kill();
  show("killed again after it ended", await proc.status);
}
{
  const proc = spawn(talker, { args: ["talker", "exit", "0"] });
  const before = await proc.status;
  proc.kill();
  show("kill after exit", await proc.status);
  console.log("same status:", JSON.stringify(before) === JSON.stringify(await proc.status));
}

// timeoutMs stops a guest that computes, sleeps, or waits on stdin. The bound tells the 300 ms
// deadline from a 60 s sleep or an endless loop, with room for a loaded machine.
for (const [label, mode] of [
  ["timeout while computing", "spin"],
  ["timeout while sleeping", "sleep"],
]) {
  const started = performance.now();
  const status = await spawn(talker, { args: ["talker", mode], timeoutMs: 300 }).status;
  show(label, status);
  console.log(`${label} settled within 5000 ms: ${performance.now() - started < 5000}`);
}
{
  const proc = spawn(cat, { args: ["cat"], stdin: "piped", timeoutMs: 300 });
  show("timeout while reading stdin", await proc.status);
}
