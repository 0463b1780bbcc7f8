// Contract: instantiate(moduleId, wasiConfig?), both snippets.
import { compileFile, instantiate } from "runtime:wasm";

// Basic instantiation
const moduleId = await compileFile("./pure.wasm");
const instance = await instantiate(moduleId);

const wasiModuleId = await compileFile("./app.wasm");
const wasiInstance = await instantiate(wasiModuleId, {
  preopens: { "/data": "./app-data" },
  env: { "HOME": "/data" },
  args: ["app", "--verbose"],
  inheritStdout: true,
});
await wasiInstance.call("_start");

console.log("pure add:", (await instance.call("add", 1, 1))[0]);
