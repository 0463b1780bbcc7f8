// [capabilities.wasm] max_instances caps live instances; dropping one frees a place.
import { compile, instantiate } from "runtime:wasm";

// compile() also takes WebAssembly text.
const wat = `(module (func (export "seven") (result i32) i32.const 7))`;
const id = await compile(new TextEncoder().encode(wat));
const first = await instantiate(id);
console.log("from WAT text:", (await first.call("seven"))[0]);
await instantiate(id);
try {
  await instantiate(id);
} catch (e: any) {
  console.log(`third: ${e.code} ${e.name} ${/max_instances/.test(e.message)}`);
}
await first.drop();
const again = await instantiate(id);
console.log("after drop:", (await again.call("seven"))[0]);
