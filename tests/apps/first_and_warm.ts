// Shared by call_numbers_op.ts and call_slots_op.ts: `call` takes one path on an export's first
// call and another once the export is warm, so each case runs as the first call of a fresh
// instance and again on a warm one, and both must answer the same.
import { instantiate, type WasmInstance } from "runtime:wasm";

/** A result as the tests print it: bigints with their `n`, and `-0` as such. */
export const show = (v: unknown): string => typeof v === "bigint" ? `${v}n` : Object.is(v, -0) ? "-0" : String(v);

/** A call's outcome as one line: its results, or its error's code, name and message. */
export const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    (r) => `ok [${(r as unknown[]).map(show).join(", ")}]`,
    (e) => `${(e as { code?: number }).code} ${(e as Error).name}: ${(e as Error).message}`,
  );

/**
 * Runs each case on a fresh instance of `module` (its first call) and on one `warmUp` made warm,
 * and prints `label: outcome`, or `label: first ... / later ...` when the two disagree.
 */
export async function firstAndWarm(
  module: string,
  cases: [string, (i: WasmInstance) => Promise<unknown>][],
  warmUp: (i: WasmInstance) => Promise<void>,
): Promise<void> {
  for (const [label, run] of cases) {
    const fresh = await instantiate(module);
    const first = await outcome(run(fresh));
    const warm = await instantiate(module);
    await warmUp(warm);
    const later = await outcome(run(warm));
    console.log(first === later ? `${label}: ${first}` : `${label}: first ${first} / later ${later}`);
    await fresh.drop();
    await warm.drop();
  }
}
