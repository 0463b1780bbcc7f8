// Shared by the Kiln benchmark apps: the hash input, timing, and the shape of what they print.

/** Seconds since an arbitrary start, from Kiln's monotonic clock. */
export const now = (): number => performance.now() / 1000;

/** One untimed warm-up run, then `repeats` timed runs; each run returns its own measurement. */
export async function measure(repeats: number, run: () => Promise<number> | number): Promise<number[]> {
  await run();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) out.push(await run());
  return out;
}

/** The 1 MiB block every peer hashes (xorshift32 from 0x9E3779B9, little-endian words). */
export function block(): Uint8Array {
  const words = new Uint32Array(1 << 18);
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer);
}

export const CHUNK = 16 * 1024; // hash-wasm's buffer (MAX_HEAP in its JS)

/** How hash-wasm's JS drives each module: Hash_Init's argument and Hash_Final's arguments. */
export const HASHES: Record<string, { init: number; final: number[] }> = {
  sha256: { init: 256, final: [] },
  blake3: { init: 0, final: [32] },
};

export function hex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s;
}

/** Deno.core.ops, for the no-op ops the call figures compare against. */
export function coreOps(): Record<string, ((...args: unknown[]) => unknown) | undefined> {
  return (globalThis as unknown as { Deno: { core: { ops: Record<string, (...args: unknown[]) => unknown> } } }).Deno
    .core.ops;
}

/** Prints the app's one JSON line. */
export function emit(result: unknown): void {
  console.log(JSON.stringify(result));
}
