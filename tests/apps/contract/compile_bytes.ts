// Contract: compile(bytes).
import { compile, instantiate } from "runtime:wasm";
import { readBytes } from "runtime:fs";

const bytes = await readBytes("./module.wasm");
const moduleId = await compile(bytes);
const instance = await instantiate(moduleId);

const [sum] = await instance.call("add", 40, 2);
console.log(typeof moduleId, sum);
