// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, instantiate } from "runtime:wasm";

// Basic instantiation
const moduleId = await compileFile("./pure.wasm");
const instance = await instantiate(moduleId);
