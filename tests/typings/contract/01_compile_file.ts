// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, instantiate } from "runtime:wasm";

const moduleId = await compileFile("./math.wasm");
const instance = await instantiate(moduleId);
const [result] = await instance.call("add", 2, 3);
console.log(result); // 5
