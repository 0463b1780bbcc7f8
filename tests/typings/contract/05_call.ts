// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, instantiate } from "runtime:wasm";

const moduleId = await compileFile("./calculator.wasm");
const instance = await instantiate(moduleId);

// Simple call with auto-typed arguments
const [sum] = await instance.call("add", 10, 20);
console.log(sum); // 30

// Call with multiple return values
const [quotient, remainder] = await instance.call("divmod", 17, 5);
console.log(quotient, remainder); // 3 2
