// Contract: instance.memory.write(offset, data). print_string writes through WASI, which this
// instance does not let reach stdout; a second instance with inheritStdout shows it.
import { compileFile, instantiate } from "runtime:wasm";

const instance = await instantiate(await compileFile("./strings.wasm"));

// Allocate memory in WASM
const [ptr] = await instance.call("allocate", 13);

// Write string to WASM memory
const data = new TextEncoder().encode("Hello, World!");
await instance.memory.write(ptr, data);

// Call function that uses the string
await instance.call("print_string", ptr, data.length);

console.log("read back:", new TextDecoder().decode(await instance.memory.read(ptr, data.length)));

const shown = await instantiate(await compileFile("./strings.wasm"), { inheritStdout: true });
const [p] = await shown.call("allocate", 13);
await shown.memory.write(p, data);
await shown.call("print_string", p, data.length);
