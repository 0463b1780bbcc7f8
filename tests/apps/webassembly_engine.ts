// Which engine runs the global WebAssembly. The manifest sets timeout_ms = 300: on wasmtime an
// export that loops forever is stopped at the deadline (Kiln's code 5011); the interpreter
// (KILN_WEBASSEMBLY=interpreter), which cannot enforce the deadline, refuses to instantiate.
import { readBytes } from "runtime:fs";

type SpinExports = { spin(): void; add(a: number, b: number): number };
type Coded = { code?: number; name?: string; message?: string };

const module = new WebAssembly.Module(await readBytes("./spin.wasm"));
let instance: WebAssembly.Instance | undefined;
try {
  instance = new WebAssembly.Instance(module);
  console.log("new Instance: ok");
} catch (e) {
  const error = e as Coded;
  console.log(`new Instance: ${error.code} ${error.name}`);
  console.log(`names timeout_ms: ${String(error.message).includes("timeout_ms")}`);
}
if (instance !== undefined) {
  const exports = instance.exports as unknown as SpinExports;
  console.log(`add: ${exports.add(2, 3)}`);
  const started = performance.now();
  try {
    exports.spin();
    console.log("spin: returned");
  } catch (e) {
    console.log(`spin: ${(e as Coded).code} ${e instanceof Error}`);
  }
  const elapsed = performance.now() - started;
  console.log(`stopped at the deadline: ${elapsed >= 200 && elapsed < 10_000}`);
}
