// Contract: instance.memory.size() and instance.memory.grow(pages).
import { compileFile, instantiate } from "runtime:wasm";

const instance = await instantiate(await compileFile("./module.wasm"));

const pages = await instance.memory.size();
console.log(`Memory: ${pages * 64} KB`);

const prevSize = await instance.memory.grow(1);
console.log(`Grew from ${prevSize} to ${prevSize + 1} pages`);
