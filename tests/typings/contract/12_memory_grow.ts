// The contract's example, type-checked as written by tests/typings.rs.
// Prelude (the context the contract's snippet assumes):
import type { WasmInstance } from "runtime:wasm";
declare const instance: WasmInstance;
// ---- verbatim from the contract ----
const prevSize = await instance.memory.grow(1);
console.log(`Grew from ${prevSize} to ${prevSize + 1} pages`);
