// `[capabilities.wasm] max_instances` (2 here) counts component instances with core ones, and a
// dropped component instance frees its place.
import { compile, compileFile, instantiate, isWasmError } from "runtime:wasm";

const component = await compileFile("./types.wat");
const core = await compile(new TextEncoder().encode(`(module (func (export "f")))`));
const a = await instantiate(component);
const b = await instantiate(core);
for (const [label, id] of [["a third (component)", component], ["a third (core module)", core]]) {
  const got = await instantiate(id).then(() => "instantiated", (e) => (isWasmError(e) ? `${e.code} ${e.message}` : String(e)));
  console.log(`${label}: ${got}`);
}
await a.drop();
const c = await instantiate(component);
console.log(`after dropping the component instance: ${JSON.stringify(await c.call("add", 1, 1))}`);
await b.drop();
