// Contract: instance.drop() in a finally block.
import { compileFile, instantiate, dropModule } from "runtime:wasm";

const moduleId = await compileFile("./module.wasm");
const instance = await instantiate(moduleId);

try {
  await instance.call("process");
} finally {
  await instance.drop();
  await dropModule(moduleId);
}

try {
  await instance.call("process");
} catch (e: any) {
  console.log(e.code, e.name);
}
