// The contract's example, type-checked as written by tests/typings.rs.
// Prelude (the context the contract's snippet assumes):
import { compileFile, instantiate } from "runtime:wasm";
// ---- verbatim from the contract ----
const instance = await instantiate(await compileFile("./strings.wasm"));

// Get a string from WASM memory
const [ptr, len] = await instance.call("get_greeting");
const bytes = await instance.memory.read(ptr, len);
const greeting = new TextDecoder().decode(bytes);
console.log(greeting); // "Hello, World!"
