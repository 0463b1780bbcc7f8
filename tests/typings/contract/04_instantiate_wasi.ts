// The contract's example, type-checked as written by tests/typings.rs.
// Prelude (the context the contract's snippet assumes):
import { compileFile, instantiate } from "runtime:wasm";
// ---- verbatim from the contract ----
const wasiModuleId = await compileFile("./app.wasm");
const wasiInstance = await instantiate(wasiModuleId, {
  preopens: { "/data": "./app-data" },
  env: { "HOME": "/data" },
  args: ["app", "--verbose"],
  inheritStdout: true,
});
await wasiInstance.call("_start");
