// P1a's Deno peer: ns per synchronous `exports.add(i, 1)` on the same add.wasm, in the loop shape
// of kiln/calls.ts (V8 JIT code calling into Liftoff/TurboFan code), with an empty loop for context.
//
//   deno run --allow-read=<path> calls.ts '{"add": path of add.wasm, "calls": N, "repeats": R}'
// Prints one JSON line: {"exportsAdd": [ns per call, per run], "emptyLoop": [...]}.
import { measure, now } from "../shared.mjs";

const spec: { add: string; calls: number; repeats: number } = JSON.parse(Deno.args[0]);
const { add } = new WebAssembly.Instance(new WebAssembly.Module(Deno.readFileSync(spec.add)), {}).exports as {
  add: (a: number, b: number) => number;
};
if (add(2, 3) !== 5) throw new Error(`exports.add(2, 3) = ${add(2, 3)}`);

const emptyLoop = await measure(spec.repeats, () => {
  const n = spec.calls;
  let sink = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) sink += i;
  const t = now() - t0;
  if (sink < 0) throw new Error("unreachable");
  return (t * 1e9) / n;
});
const exportsAdd = await measure(spec.repeats, () => {
  const n = spec.calls;
  let sink = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) sink += add(i, 1);
  const t = now() - t0;
  if (sink === 0.5) throw new Error("unreachable");
  return (t * 1e9) / n;
});
console.log(JSON.stringify({ exportsAdd, emptyLoop }));
