// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, dropModule } from "runtime:wasm";

const moduleId = await compileFile("./module.wasm");
// Use the module...
await dropModule(moduleId);
