// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, instantiate, dropModule } from "runtime:wasm";

const moduleId = await compileFile("./module.wasm");
const instance = await instantiate(moduleId);

try {
  await instance.call("process");
} finally {
  await instance.drop();
  await dropModule(moduleId);
}
