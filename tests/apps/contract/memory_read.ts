// Contract: instance.memory.read(offset, length).
import { compileFile, instantiate } from "runtime:wasm";

const instance = await instantiate(await compileFile("./strings.wasm"));

// Get a string from WASM memory
const [ptr, len] = await instance.call("get_greeting");
const bytes = await instance.memory.read(ptr, len);
const greeting = new TextDecoder().decode(bytes);
console.log(greeting); // "Hello, World!"
