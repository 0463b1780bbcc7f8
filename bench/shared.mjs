// Shared by every peer of the benchmarks: the driver and the Node peer (Node.js) and the Kiln apps
// (bench/kiln/*.ts import it; Kiln loads plain JS modules too), so that each peer hashes the same
// bytes and times its work the same way. Types: shared.d.mts.

/** Seconds since an arbitrary start, from the runtime's monotonic clock. */
export const now = () => performance.now() / 1000;

/** One untimed warm-up run, then `repeats` timed runs; each run returns its own measurement. */
export async function measure(repeats, run) {
  await run();
  const out = [];
  for (let i = 0; i < repeats; i++) out.push(await run());
  return out;
}

/** The 1 MiB block every peer hashes (xorshift32 from 0x9E3779B9, little-endian words). */
export function block() {
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

/** hash-wasm's buffer size (MAX_HEAP in its JS): each Hash_Update takes this much. */
export const CHUNK = 16 * 1024;

/** How hash-wasm's JS drives each module: Hash_Init's argument and Hash_Final's arguments. */
export const HASHES = { sha256: { init: 256, final: [] }, blake3: { init: 0, final: [32] } };

export function hex(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += bytes[i].toString(16).padStart(2, "0");
  return s;
}

/**
 * Times `run()` (one kernel run returning its checksum) `repeats` times after a warm-up, and checks
 * that the checksum never changes. Resolves to `{ times, checksum }`.
 */
export async function timeChecked(name, repeats, run) {
  const checksum = await run();
  const times = await measure(repeats, async () => {
    const t0 = now();
    const c = await run();
    const t = now() - t0;
    if (c !== checksum) throw new Error(`${name}: result changed: ${c} != ${checksum}`);
    return t;
  });
  return { times, checksum };
}
