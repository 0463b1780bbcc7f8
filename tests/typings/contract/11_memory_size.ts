// The contract's example, type-checked as written by tests/typings.rs.
// Prelude (the context the contract's snippet assumes):
import type { WasmInstance } from "runtime:wasm";
declare const instance: WasmInstance;
// ---- verbatim from the contract ----
const pages = await instance.memory.size();
console.log(`Memory: ${pages * 64} KB`);
