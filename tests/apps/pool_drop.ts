// Dropping a pool: calls running (endless spins) and calls queued behind them all reject with
// InvalidInstanceHandle (5005), drop() resolves, and later calls reject with 5005 too.
import { compileFile, createPool, isWasmError } from "runtime:wasm";

const worker = await compileFile("./pool_worker.wasm");

function describe(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `not a WasmError: ${String(e)}`;
}

{
  const pool = await createPool(worker, { size: 2 });
  const outcomes: string[] = [];
  const track = (label: string, call: Promise<unknown>) =>
    call.then(
      () => outcomes.push(`${label}: resolved`),
      (e) => outcomes.push(`${label}: ${describe(e)}`),
    );
  const calls = [
    track("running spin 1", pool.call("spin")),
    track("running spin 2", pool.call("spin")),
    track("queued work 1", pool.call("work", 10)),
    track("queued work 2", pool.call("work", 20)),
    track("queued spin", pool.call("spin")),
  ];
  // Time for both members to start their spins; the outcome is the same if they had not.
  await new Promise<void>((resolve) => setTimeout(resolve, 100));
  console.log("settled before drop:", outcomes.length);
  // The spins never end by themselves, so drop() must stop them. The bound only tells "stopped"
  // from "hung", with room for a loaded CI machine.
  const started = performance.now();
  await pool.drop();
  console.log(`drop resolved within 5000 ms: ${performance.now() - started < 5000}`);
  await Promise.all(calls);
  for (const line of outcomes.sort()) console.log(line);
  for (const [label, call] of [
    ["work after drop", () => pool.call("work", 1)],
    ["check after drop", () => pool.call("check")],
  ] as const) {
    console.log(`${label}:`, await call().then(() => "resolved", describe));
  }
}

// An idle pool drops at once; its calls are refused afterwards.
{
  const pool = await createPool(worker, { size: 3 });
  console.log("idle pool work:", (await pool.call("work", 3))[0]);
  await pool.drop();
  console.log("idle pool after drop:", await pool.call("work", 3).then(() => "resolved", describe));
}
