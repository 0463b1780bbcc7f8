// Module linking, Bacalhau's case: dynamic.wasm, a WASI command, imports `easter` from the module
// named "input.wasm", which `imports` maps to easter.wasm, a library (a reactor without `_start`).
// Prints one line per check; the guest's own output (the day of Easter) is interleaved.
import { compileFile, instantiate, type WasmInstance } from "runtime:wasm";

function linked(instance: WasmInstance, name: string): WasmInstance {
  const found = instance.linked[name];
  if (found === undefined) throw new Error(`no linked instance "${name}" in ${JSON.stringify(Object.keys(instance.linked))}`);
  return found;
}

const lib = await compileFile("./easter.wasm");
const dynamic = await compileFile("./dynamic.wasm");

// The guest prints easter(2022) itself: "17".
const app = await instantiate(dynamic, { imports: { "input.wasm": lib }, inheritStdout: true });
await app.call("_start");
console.log("_start resolved");

const easter = linked(app, "input.wasm");
console.log(`linked: ${JSON.stringify(Object.keys(app.linked))}`);
console.log(`linked moduleId is the library's: ${easter.moduleId === lib}`);
console.log(`linked easter(2022): ${JSON.stringify(await easter.call("easter", 2022))}`);
console.log(`linked exports.easter(2025): ${easter.exports.easter<number>(2025)}`);

// argv[1] is the year: Easter 2024 was on March 31. Each instantiate links its own library instance.
const again = await instantiate(dynamic, {
  imports: { "input.wasm": lib },
  inheritStdout: true,
  args: ["dynamic", "2024"],
});
await again.call("_start");
console.log(`a second app has its own library instance: ${linked(again, "input.wasm").id !== easter.id}`);
