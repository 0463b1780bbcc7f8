// spawn's piped stdio: stdout arrives while the guest still runs, stdin is written in pieces and
// closed, output() collects both streams, and streams that are not piped cannot be touched.
import { compileFile, isWasmError, spawn } from "runtime:wasm";

const talker = await compileFile("./talker.wasm");
const cat = await compileFile("./cat.wasm");
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function describe(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `not a WasmError: ${String(e)}`;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return all;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// 1. print-sleep-print: "one" is read while the guest sleeps its 300 ms, before it has exited.
{
  const proc = spawn(talker, { args: ["talker", "print-sleep-print"], stdout: "piped" });
  const first = await proc.stdout.read();
  console.log("first chunk:", JSON.stringify(first === null ? null : decoder.decode(first)));
  // A zero-delay timer fires long before the guest wakes from its 300 ms sleep, so a status that
  // is already settled here means the output was held back until the guest exited.
  const early = await Promise.race([
    proc.status.then(() => "settled"),
    new Promise<string>((resolve) => setTimeout(() => resolve("pending"), 0)),
  ]);
  console.log("status after the first chunk:", early);
  const rest: Uint8Array[] = [];
  for await (const chunk of proc.stdout) rest.push(chunk);
  console.log("rest:", JSON.stringify(decoder.decode(concat(rest))));
  console.log("read at the end:", await proc.stdout.read());
  const status = await proc.status;
  console.log("status:", status.code, status.reason);
}

// 2. stdin through cat: several writes (one larger than any pipe buffer), then close; the output,
// read concurrently, equals the input.
{
  const proc = spawn(cat, { args: ["cat"], stdin: "piped", stdout: "piped" });
  const collected: Uint8Array[] = [];
  const reader = (async () => {
    for await (const chunk of proc.stdout) collected.push(chunk);
  })();
  const big = new Uint8Array(300 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 10)) & 0xff;
  const pieces = [encoder.encode("alpha\n"), encoder.encode("beta\n"), big, encoder.encode("gamma\n")];
  for (const piece of pieces) await proc.stdin.write(piece);
  await proc.stdin.close();
  await reader;
  const status = await proc.status;
  const input = concat(pieces);
  const output = concat(collected);
  console.log("cat:", status.code, status.reason, `${output.length} of ${input.length} bytes, equal: ${same(input, output)}`);
}

// 3. output(): the exit code and both piped streams.
{
  const { code, reason, stdout, stderr } = await spawn(talker, {
    args: ["talker", "stderr"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  console.log("output:", code, reason, JSON.stringify(decoder.decode(stdout)), JSON.stringify(decoder.decode(stderr)));
}

// 4. output() with stdin from bytes, and a non-piped stderr that comes back empty.
{
  const out = await spawn(cat, { args: ["cat"], stdin: encoder.encode("from bytes\n"), stdout: "piped" }).output();
  console.log("bytes stdin:", out.code, out.reason, JSON.stringify(decoder.decode(out.stdout)), out.stderr.length);
}

// 5. output() closes a piped stdin the app did not close: cat sees the end of its input and exits.
{
  const proc = spawn(cat, { args: ["cat"], stdin: "piped", stdout: "piped", timeoutMs: 10_000 });
  await proc.stdin.write(encoder.encode("left open\n"));
  const out = await proc.output();
  console.log("unclosed stdin:", out.code, out.reason, JSON.stringify(decoder.decode(out.stdout)));
}

// 6. A non-zero exit through output(), stdout not piped: empty.
{
  const out = await spawn(talker, { args: ["talker", "exit", "7"] }).output();
  console.log("exit 7:", out.code, out.reason, out.stdout.length, out.stderr.length);
}

// 7. Streams that are not piped throw WasiError when touched.
{
  const proc = spawn(talker, { args: ["talker", "exit", "0"], stdout: "null", stderr: "inherit" });
  for (const [label, touch] of [
    ["stdin (default)", () => proc.stdin],
    ["stdout null", () => proc.stdout],
    ["stderr inherit", () => proc.stderr],
  ] as const) {
    try {
      touch();
      console.log(`${label}: reachable`);
    } catch (e) {
      console.log(`${label}: ${describe(e)}`);
    }
  }
  const status = await proc.status;
  console.log("status:", status.code, status.reason);
}
