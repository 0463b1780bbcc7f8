// Contract: dropModule(moduleId); a dropped module's id is then invalid.
import { compileFile, dropModule, instantiate } from "runtime:wasm";

const moduleId = await compileFile("./module.wasm");
// Use the module...
await dropModule(moduleId);

try {
  await instantiate(moduleId);
} catch (e: any) {
  console.log(e.code, e.name);
}
