// Shared by the Kiln benchmark apps: what every peer shares (../shared.mjs), the no-op ops, and
// the shape of what they print.

export { block, CHUNK, exceptionRuns, HASHES, hex, importRuns, measure, now, timeChecked } from "../shared.mjs";
export type { CallsSpec } from "../shared.mjs";

/** Deno.core.ops, for the no-op ops the call figures compare against (bench/run.mjs runs kiln
 * with KILN_EXPOSE_INTERNALS=1, which keeps them reachable). */
export function coreOps(): Record<string, ((...args: unknown[]) => unknown) | undefined> {
  return (globalThis as unknown as { Deno: { core: { ops: Record<string, (...args: unknown[]) => unknown> } } }).Deno
    .core.ops;
}

/** Prints the app's one JSON line. */
export function emit(result: unknown): void {
  console.log(JSON.stringify(result));
}
