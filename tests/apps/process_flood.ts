// A guest writes 200 MiB to a piped stdout that the app reads slowly: every byte arrives, and
// the host's peak resident set (VmHWM) grows by far less than the output, so the pipe applies
// backpressure instead of buffering what the app has not read yet.
import { compileFile, spawn } from "runtime:wasm";
import { readTextFile } from "runtime:fs";

const MiB = 1 << 20;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A `kB` field of /proc/self/status, in bytes. */
async function procStatus(field: string): Promise<number> {
  const text = await readTextFile("/proc/self/status");
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  if (!match) throw new Error(`no ${field} in /proc/self/status`);
  return Number(match[1]) * 1024;
}

const talker = await compileFile("./talker.wasm");
// Once through the whole path first, so that what it allocates once is in the baseline.
const warm = await spawn(talker, { args: ["talker", "flood", "1"], stdout: "piped" }).output();
console.log("warm-up:", warm.code, warm.reason, warm.stdout.length === MiB);

const before = await procStatus("VmHWM");
const proc = spawn(talker, { args: ["talker", "flood", "200"], stdout: "piped" });
let bytes = 0;
let allX = true;
let nextPause = MiB;
for await (const chunk of proc.stdout) {
  bytes += chunk.length;
  // Checking every byte would be slow in the JS engine; the ends of every chunk will do.
  if (chunk.length > 0 && (chunk[0] !== 0x78 || chunk[chunk.length - 1] !== 0x78)) allX = false;
  // Read slowly: a 5 ms pause after every MiB (about a second in all). The guest writes far
  // faster than this, so a pipe without backpressure would fill the host with what is unread.
  if (bytes >= nextPause) {
    nextPause += MiB;
    await sleep(5);
  }
}
const status = await proc.status;
const after = await procStatus("VmHWM");
const growth = (after - before) / MiB;
console.error(`VmHWM ${(before / MiB).toFixed(1)} MiB -> ${(after / MiB).toFixed(1)} MiB (+${growth.toFixed(1)} MiB)`);
console.log("status:", status.code, status.reason);
console.log(`bytes: ${bytes} (${bytes === 200 * MiB ? "200 MiB" : "not 200 MiB"}), all 'x': ${allX}`);
console.log(`peak RSS grew by less than 100 MiB: ${growth < 100}`);
