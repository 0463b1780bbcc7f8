// P1a's Deno peer: ns per synchronous `exports.add(i, 1)` on the same add.wasm, in the loop shape
// of kiln/calls.ts (V8 JIT code calling into Liftoff/TurboFan code), with an empty loop for context.
//
// With it, the peer of bench/kiln/webassembly_calls.ts's exceptions: throw.wasm's `boom` and
// `trap` caught in JS, rethrow.wasm's `pass` with a JS import that throws, a JS `throw` of a plain
// object, an Error's `stack` read, and an Error rejected through two async functions; and of P1c's
// context rows: a JS import's round trip, and an import that calls its own instance's export back.
//
//   deno run --allow-read=<paths> calls.ts '{"add": path of add.wasm, "throw": path of throw.wasm,
//     "rethrow": path of rethrow.wasm, "hostcall": path of hostcall.wasm, "reenter": path of
//     reenter.wasm, "calls": N, "throws": N, "hostCalls": N, "repeats": R}'
// Prints one JSON line: {"exportsAdd": [ns per call, per run], "emptyLoop": [...],
// "exceptionOut": [ns per exception], "trapOut": [ns per trap], "importThrow": [ns per throw],
// "throwObject": [ns per throw], "stackRead": [ns per read], "asyncReject": [ns per rejection],
// "importCall": [ns per round trip], "importCallsBack": [...]}.
import { type CallsSpec, exceptionRuns, importRuns, measure, now } from "../shared.mjs";

const spec: CallsSpec = JSON.parse(Deno.args[0]);
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

const { exceptionOut, trapOut, importThrow, throwObject, stackRead, asyncReject } = await exceptionRuns(
  Deno.readFileSync(spec.throw),
  Deno.readFileSync(spec.rethrow),
  spec.throws,
  spec.repeats,
);
const { importCall, importCallsBack } = await importRuns(Deno.readFileSync(spec.hostcall), Deno.readFileSync(spec.reenter), spec.hostCalls, spec.repeats);
console.log(JSON.stringify({ exportsAdd, emptyLoop, exceptionOut, trapOut, importThrow, throwObject, stackRead, asyncReject, importCall, importCallsBack }));
