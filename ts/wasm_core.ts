// runtime:wasm/core — internal to the runtime: modules (see wasm_values.ts).
//
// deno_core keeps its `core` object (the ops, the error builders) on `globalThis.Deno`, where app
// code could reach the raw ops. This module holds a private reference for runtime:wasm and
// runtime:fs, so that the embedder can take the global away: Kiln evaluates this module before
// any app code and then deletes `Deno` and the engine's internals (runtime/js/seal.js). An
// embedder that keeps `Deno.core` visible loses nothing: this module then reads the same object.

import type { ExtWasmOps, KilnFsOps } from "kiln:internal";

/** The parts of deno_core's `core` the runtime: modules use. */
export interface Core {
  ops: ExtWasmOps & Partial<KilnFsOps>;
  buildCustomError(className: string, message: string, props: [string, unknown][]): Error;
  /** UTF-8 (component strings). */
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}

const holder = globalThis as unknown as { Deno?: { core?: Core } };
const found = holder.Deno?.core;
if (found === undefined) {
  throw new Error("runtime:wasm/core must be evaluated before globalThis.Deno.core is removed");
}

export const core: Core = found;
