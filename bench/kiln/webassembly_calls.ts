// P1a's context for Kiln's `WebAssembly` global (ts/wasm_webassembly.ts, on wasmtime): the same
// synchronous add.wasm call as calls.ts measures on the engine's interpreter, through the
// standard API Kiln installs by default; and what an exception costs that leaves the guest
// (throw.wasm's `boom`, caught in JS), what a trap costs (its `trap`), and a JS import's throw
// through the guest (rethrow.wasm's `pass`), beside a JS `throw` of a plain object, an Error's
// `stack` read and an Error rejected through two async functions; and a JS import's round trip,
// and an import that calls its own instance's export back (P1c's context).
//
// Kiln.args[0] is a JSON spec: {"add": path of add.wasm, "throw": path of throw.wasm, "rethrow":
// path of rethrow.wasm, "hostcall": path of hostcall.wasm, "reenter": path of reenter.wasm,
// "calls": N calls per run, "throws": N throws per run, "hostCalls": N round trips per run,
// "repeats"}.
// Prints one JSON line: {"webassemblyAdd": [ns per call, per run], "exceptionOut": [ns per
// exception], "trapOut": [ns per trap], "importThrow": [ns per throw], "throwObject": [ns per
// throw], "stackRead": [ns per new Error().stack], "asyncReject": [ns per rejection],
// "importCall": [ns per round trip], "importCallsBack": [...]}.
import { readBytes } from "runtime:fs";
import { type CallsSpec, emit, exceptionRuns, importRuns, measure, now } from "./common.ts";

const spec: CallsSpec = JSON.parse(Kiln.args[0]);
const { instance } = await WebAssembly.instantiate(await readBytes(spec.add));
const add = (instance.exports as unknown as { add(a: number, b: number): number }).add;
if (add(2, 3) !== 5) throw new Error(`WebAssembly exports.add(2, 3) = ${add(2, 3)}`);
const webassemblyAdd = await measure(spec.repeats, () => {
  const n = spec.calls;
  const t0 = now();
  for (let i = 0; i < n; i++) add(i, 1);
  return ((now() - t0) * 1e9) / n;
});

const { exceptionOut, trapOut, importThrow, throwObject, stackRead, asyncReject } = await exceptionRuns(
  await readBytes(spec.throw),
  await readBytes(spec.rethrow),
  spec.throws,
  spec.repeats,
);
const { importCall, importCallsBack } = await importRuns(await readBytes(spec.hostcall), await readBytes(spec.reenter), spec.hostCalls, spec.repeats);
emit({ webassemblyAdd, exceptionOut, trapOut, importThrow, throwObject, stackRead, asyncReject, importCall, importCallsBack });
