// The contract's example, type-checked as written by tests/typings.rs.
// Prelude (the context the contract's snippet assumes):
import { compileFile, instantiate } from "runtime:wasm";
// ---- verbatim from the contract ----
const instance = await instantiate(await compileFile("./strings.wasm"));

// Allocate memory in WASM
const [ptr] = await instance.call("allocate", 13);

// Write string to WASM memory
const data = new TextEncoder().encode("Hello, World!");
await instance.memory.write(ptr, data);

// Call function that uses the string
await instance.call("print_string", ptr, data.length);
