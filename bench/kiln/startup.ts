// P4 start-up: instantiate a WASI command with arguments and run its _start, as an app starting a
// guest program would. Kiln.args: the path, the number of repeats, then the guest's argv. Prints
// one JSON line: {"ms": [per run]}.
import { compileFile, instantiate } from "runtime:wasm";
import { emit, measure } from "./common.ts";

const [path, repeats, ...args] = Kiln.args;
const moduleId = await compileFile(path);
const ms = await measure(Number(repeats), async () => {
  const t0 = performance.now();
  const instance = await instantiate(moduleId, { args });
  await instance.call("_start");
  const t = performance.now() - t0;
  await instance.drop();
  return t;
});
emit({ ms });
