// An uncaught runtime:wasm error: kiln prints name, code, message and stack and exits non-zero.
import { compileFile } from "runtime:wasm";

console.log("before");
await compileFile("./does-not-exist.wasm");
console.log("not reached");
