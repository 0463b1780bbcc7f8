// createPool's refusals (WasiError, 5010) and calls that fail without harming the pool.
import { compileFile, createPool, isWasmError } from "runtime:wasm";

const worker = await compileFile("./pool_worker.wasm");

function describe(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `not a WasmError: ${String(e)}`;
}

for (const [label, options] of [
  ["size 0", { size: 0 }],
  ["size -1", { size: -1 }],
  ["size 1.5", { size: 1.5 }],
  ["size 65", { size: 65 }],
  ["size NaN", { size: NaN }],
  ["size \"2\"", { size: "2" }],
  ["stdout capture", { size: 1, stdout: "capture" }],
  ["stderr capture", { size: 1, stderr: "capture" }],
  ["stdout piped", { size: 1, stdout: "piped" }],
  ["stderr piped", { size: 1, stderr: "piped" }],
  ["stdin piped", { size: 1, stdin: "piped" }],
  ["interruptible false", { size: 1, interruptible: false }],
  ["a JS host function", { size: 1, imports: { env: { f: () => 0 } } }],
  ["unknown option", { size: 1, bogus: true }],
] as const) {
  try {
    const pool = await createPool(worker, options as never);
    console.log(`${label}: not refused`);
    await pool.drop();
  } catch (e) {
    console.log(`${label}: ${describe(e)}`);
  }
}

// The bounds themselves are accepted, with other instantiate options.
for (const size of [1, 64]) {
  const pool = await createPool(worker, { size, timeoutMs: 5_000, maxMemoryBytes: 1 << 20, stdout: "null" });
  const results = await Promise.all(Array.from({ length: size }, () => pool.call("work", 4)));
  console.log(`size ${size}: pool.size ${pool.size}, ${results.length} results, all 14: ${results.every(([r]) => r === 14)}`);
  await pool.drop();
}

// A call to a missing export, or with the wrong arguments, is refused as instance.call refuses it,
// and the pool keeps serving.
{
  const pool = await createPool(worker, { size: 1 });
  for (const [label, call] of [
    ["missing export", () => pool.call("nope")],
    ["missing argument", () => pool.call("work")],
    ["wrong argument", () => pool.call("work", "ten" as never)],
  ] as const) {
    console.log(`${label}:`, await call().then(() => "resolved", describe));
  }
  console.log("then work(4):", (await pool.call("work", 4))[0]);
  await pool.drop();
}
