// P8: component-model calls in Kiln, against jco's transpiled JS on Node (bench/node/component.mjs
// times the same calls). The component is wat/component.wat's binary (build/wasm/component.wasm,
// the bytes jco transpiles): `add: func(a: u32, b: u32) -> u32` and
// `blob-len: func(b: blob) -> u32` with `record blob { name: string, data: list<u8> }`.
//
// Kiln.args[0] is a JSON spec: {"component": path of component.wasm, "calls": N add calls per run,
// "blobCalls": N blobLen calls per run, "blobBytes": bytes of blob.data, "repeats"}. Prints one
// JSON line: {"add": [ns per call, per run], "blobLen": [...]}, each a string saying why it is
// missing when this Kiln cannot load or call the component (a Kiln without the component model).
import { compileFile, instantiate } from "runtime:wasm";
import { emit, measure, now } from "./common.ts";

interface Spec {
  component: string;
  calls: number;
  blobCalls: number;
  blobBytes: number;
  repeats: number;
}

/** The component's exports, as jco names and maps them (the typings type `exports` untyped). */
interface Exports {
  add(a: number, b: number): number;
  blobLen(b: { name: string; data: Uint8Array }): number;
}

const spec: Spec = JSON.parse(Kiln.args[0]);
const R = spec.repeats;
const out: Record<string, number[] | string> = {};

const message = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split("\n")[0];

let exports: Partial<Exports> | undefined;
let instance: Awaited<ReturnType<typeof instantiate>> | undefined;
try {
  instance = await instantiate(await compileFile(spec.component));
  exports = (instance as unknown as { exports?: Partial<Exports> }).exports;
} catch (e) {
  // A Kiln without the component model rejects the binary (it is no core module).
  const why = `missing: components (${message(e)})`;
  out.add = out.blobLen = why;
}

if (instance && (typeof exports?.add !== "function" || typeof exports?.blobLen !== "function")) {
  out.add = out.blobLen = `missing: instance.exports.add / blobLen (exports: ${Object.keys(exports ?? {}).join(", ") || "none"})`;
} else if (instance && exports) {
  const { add, blobLen } = exports as Exports;
  // The same checks as the Node peer's: u32 arithmetic wraps, and blob-len counts the name's
  // UTF-8 bytes.
  if (add(2, 3) !== 5) throw new Error(`add(2, 3) = ${add(2, 3)}`);
  if (add(0xffffffff, 2) !== 1) throw new Error(`add(0xffffffff, 2) = ${add(0xffffffff, 2)}`);
  const data = new Uint8Array(spec.blobBytes);
  for (let i = 0; i < data.length; i++) data[i] = i & 255;
  const expected = 4 + data.length;
  if (blobLen({ name: "blob", data }) !== expected) throw new Error(`blobLen = ${blobLen({ name: "blob", data })}, expected ${expected}`);
  if (blobLen({ name: "héllo", data: new Uint8Array(3) }) !== 9) throw new Error("blobLen does not count UTF-8 bytes");

  out.add = await measure(R, () => {
    const n = spec.calls;
    let sink = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) sink += add(i, 1);
    const t = now() - t0;
    if (sink < 0) throw new Error("unreachable");
    return (t * 1e9) / n;
  });
  out.blobLen = await measure(R, () => {
    const n = spec.blobCalls;
    const blob = { name: "blob", data };
    let sink = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) sink += blobLen(blob);
    const t = now() - t0;
    if (sink !== n * expected) throw new Error(`blobLen returned ${sink / n} on average, expected ${expected}`);
    return (t * 1e9) / n;
  });
}
// Optional: the component API may give its instances no drop (the process ends here anyway).
if (instance) await (instance as { drop?: () => Promise<void> }).drop?.();

emit(out);
