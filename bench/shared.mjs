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

/** The TypeScript esbuild's row transforms (bench/kiln/esbuild.ts, node/esbuild.mjs): `n` small
 * modules' worth of classes, generics, enums and template strings, each request a different one. */
export function esbuildSource(i) {
  return `export enum Kind${i} { A, B, C }
interface Shape${i}<T> { kind: Kind${i}; value: T; tags?: readonly string[] }
export class Box${i}<T extends number | string> implements Shape${i}<T> {
  kind = Kind${i}.B;
  constructor(public value: T, private readonly scale: number = ${i}) {}
  describe(): string { return \`box ${i}: \${String(this.value)} x\${this.scale}\`; }
  static of<U extends number | string>(value: U): Box${i}<U> { return new Box${i}(value); }
}
export const total${i} = [1, 2, 3].map((x: number) => x * ${i}).reduce((a, b) => a + b, 0);
`;
}

/**
 * esbuild's row: the first transform after `initialize` (its `ms`), then `repeats` timed runs of
 * `count` transforms each, awaited one after another as a build tool's requests are. Returns
 * { firstMs, ms: [per run], bytes } (bytes: the output's total length, which every peer must match).
 */
export async function esbuildTransforms(esbuild, count, repeats) {
  let t0 = performance.now();
  let bytes = (await esbuild.transform(esbuildSource(0), { loader: "ts" })).code.length;
  const firstMs = performance.now() - t0;
  const ms = [];
  for (let r = 0; r < repeats; r++) {
    t0 = performance.now();
    for (let i = 1; i <= count; i++) bytes += (await esbuild.transform(esbuildSource(i), { loader: "ts" })).code.length;
    ms.push(performance.now() - t0);
  }
  return { firstMs, ms, bytes };
}

/**
 * tree-sitter's row (bench/kiln/tree_sitter.ts, node/tree_sitter.mjs): `Parser.init` with the
 * runtime's bytes, `Language.load` of the grammar (an emscripten side module, linked into the
 * runtime's memory and table), the first parse of `source` (its `firstMs`, all three together),
 * then `repeats` timed runs of `count` parses. Returns { firstMs, ms: [per run], nodes } (nodes: the
 * syntax nodes of every parse together, which every peer must match).
 */
export async function treeSitterParses({ Parser, Language }, runtime, grammar, source, count, repeats) {
  let t0 = performance.now();
  await Parser.init({ wasmBinary: runtime });
  const parser = new Parser();
  parser.setLanguage(await Language.load(grammar));
  let nodes = parser.parse(source).rootNode.descendantCount;
  const firstMs = performance.now() - t0;
  const ms = [];
  for (let r = 0; r < repeats; r++) {
    t0 = performance.now();
    for (let i = 0; i < count; i++) nodes += parser.parse(source).rootNode.descendantCount;
    ms.push(performance.now() - t0);
  }
  return { firstMs, ms, nodes };
}

/**
 * Through the runtime's `WebAssembly` API: a JS import called from a guest loop (hostcall.wasm's
 * `loop(n)`, f = x + 1), and an import that calls an export of its own instance back
 * (reenter.wasm's `loop(n)`, f = (x) => exports.g(x), as emscripten's `invoke_*` wrappers call
 * exports). Each run is one `loop(count)`, checked; ns per round trip, per run.
 */
export async function importRuns(hostcallWasm, reenterWasm, count, repeats) {
  const expected = ((count * (count + 1)) / 2) | 0;
  const { instance: plain } = await WebAssembly.instantiate(hostcallWasm, { env: { f: (x) => x + 1 } });
  let exports;
  const { instance: back } = await WebAssembly.instantiate(reenterWasm, { env: { f: (x) => exports.g(x) } });
  exports = back.exports;
  const run = (loop, what) =>
    measure(repeats, () => {
      const t0 = now();
      const r = loop(count);
      const t = now() - t0;
      if (r !== expected) throw new Error(`${what}: loop(${count}) = ${r}, expected ${expected}`);
      return (t * 1e9) / count;
    });
  const importCall = await run(plain.exports.loop, "hostcall.wasm");
  const importCallsBack = await run(back.exports.loop, "reenter.wasm");
  return { importCall, importCallsBack };
}

/**
 * P1a's exception rows (bench/kiln/webassembly_calls.ts, deno/calls.ts): `throw.wasm`'s `boom`
 * (it throws its own tag, with its argument) called through the runtime's `WebAssembly` and caught
 * in JS, `rethrow.wasm`'s `pass` (it calls a JS import that throws its argument, which reaches
 * the caller through the guest), a JS `throw { i }` with its catch, and a `new Error().stack`
 * read, `count` of each per run, and an Error rejected through two async functions, awaited and
 * caught, and `throw.wasm`'s `trap` (a WebAssembly.RuntimeError) caught in JS. Resolves to
 * { exceptionOut, trapOut, importThrow, throwObject, stackRead, asyncReject }: ns per
 * exception or read, per run.
 */
export async function exceptionRuns(throwWasm, rethrowWasm, count, repeats) {
  const { instance } = await WebAssembly.instantiate(throwWasm);
  const { e, boom } = instance.exports;
  const caught = (n) => {
    try {
      boom(n);
    } catch (error) {
      return error;
    }
  };
  const first = caught(7);
  if (!(first instanceof WebAssembly.Exception) || first.getArg(e, 0) !== 7) {
    throw new Error(`throw.wasm's boom(7) gave ${String(first)}`);
  }
  const exceptionOut = await measure(repeats, () => {
    const t0 = now();
    for (let i = 0; i < count; i++) caught(i);
    return ((now() - t0) * 1e9) / count;
  });
  // A trap (throw.wasm's `trap`: `unreachable`), which reaches JS as a WebAssembly.RuntimeError.
  const { trap } = instance.exports;
  const trapped = () => {
    try {
      trap();
    } catch (error) {
      return error;
    }
  };
  const firstTrap = trapped();
  if (!(firstTrap instanceof WebAssembly.RuntimeError)) throw new Error(`throw.wasm's trap() gave ${String(firstTrap)}`);
  const trapOut = await measure(repeats, () => {
    const t0 = now();
    for (let i = 0; i < count; i++) trapped();
    return ((now() - t0) * 1e9) / count;
  });
  // A JS import's throw through the guest to its caller (rethrow.wasm's `pass`), which gets the
  // value thrown as it was.
  const { instance: rethrow } = await WebAssembly.instantiate(rethrowWasm, {
    env: {
      f: (n) => {
        throw n;
      },
    },
  });
  const { pass } = rethrow.exports;
  const importThrow = await measure(repeats, () => {
    let sum = 0;
    const t0 = now();
    for (let i = 0; i < count; i++) {
      try {
        pass(i);
      } catch (error) {
        sum += error;
      }
    }
    const t = now() - t0;
    if (sum !== (count * (count - 1)) / 2) throw new Error(`rethrow.wasm's pass: the values caught sum to ${sum}`);
    return (t * 1e9) / count;
  });
  const throwObject = await measure(repeats, () => {
    const t0 = now();
    for (let i = 0; i < count; i++) {
      try {
        throw { i };
      } catch {
        // measured: the throw and its catch
      }
    }
    return ((now() - t0) * 1e9) / count;
  });
  const made = (i) => new Error(`read ${i}`);
  let length = 0;
  const stackRead = await measure(repeats, () => {
    const t0 = now();
    for (let i = 0; i < count; i++) length += made(i).stack.length;
    return ((now() - t0) * 1e9) / count;
  });
  if (length === 0) throw new Error("new Error().stack read as empty");
  // An Error thrown in an async function, after an await, and awaited through another: the
  // engine stitches an "at async" frame into its stack at each await it passes.
  const rejects = async (i) => {
    await null;
    throw new Error(`rejected ${i}`);
  };
  const awaits = async (i) => await rejects(i);
  let rejections = 0;
  const asyncReject = await measure(repeats, async () => {
    const t0 = now();
    for (let i = 0; i < count; i++) {
      try {
        await awaits(i);
      } catch {
        rejections++;
      }
    }
    return ((now() - t0) * 1e9) / count;
  });
  if (rejections !== count * (repeats + 1)) throw new Error(`${rejections} rejections caught, expected ${count * (repeats + 1)}`);
  return { exceptionOut, trapOut, importThrow, throwObject, stackRead, asyncReject };
}
