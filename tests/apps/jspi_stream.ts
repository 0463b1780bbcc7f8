// A C program (tests/fixtures/jspi_stream.c) that reads its input with a blocking call, fed by an
// async JS source through WebAssembly.Suspending: the same lines on Kiln and on Deno 2.9.
const bytes = await (await fetch(new URL("./jspi_stream.wasm", import.meta.url))).arrayBuffer();
const input = new TextEncoder().encode(Array.from({ length: 3000 }, (_, i) => `line ${i}: ${"x".repeat(i % 17)}`).join("\n") + "\n");
let offset = 0;
let turns = 0;
let memory: WebAssembly.Memory | null = null;
const reports: number[] = [];

// Each chunk arrives in a later turn of the event loop, as a network read's would.
const readChunk = new WebAssembly.Suspending(async (pointer: number, capacity: number) => {
  await new Promise<void>((resolve) => setTimeout(() => { turns++; resolve(); }, 0));
  const n = Math.min(capacity, input.length - offset);
  new Uint8Array(memory!.buffer, pointer, n).set(input.subarray(offset, offset + n));
  offset += n;
  return n;
});
const { instance } = await WebAssembly.instantiate(bytes, {
  env: { read_chunk: readChunk, progress: (total: number) => reports.push(total) },
});
const exports = instance.exports as {
  memory: WebAssembly.Memory;
  _initialize(): void;
  digest(capacity: number): number;
  lines(): number;
};
memory = exports.memory;
exports._initialize();
const digest = WebAssembly.promising(exports.digest);

let expected = 2166136261;
for (const byte of input) expected = Math.imul(expected ^ byte, 16777619) >>> 0;
const hash = (await digest(4096)) >>> 0;
console.log("bytes", input.length, "digest matches", hash === expected, hash.toString(16));
console.log("lines", exports.lines(), "reads", turns, "progress", reports.length, reports[reports.length - 1]);
