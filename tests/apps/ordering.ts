// console.log and a guest writing to the inherited stdout interleave in the order they happened.
import { compileFile, instantiate } from "runtime:wasm";

const strings = await compileFile("./strings.wasm");
const guest = await instantiate(strings, { inheritStdout: true });
const [ptr, len] = await guest.call("get_greeting");
for (let i = 0; i < 3; i++) {
  console.log(`host ${i}`);
  await guest.call("print_string", ptr, len);
}
console.log("host done");
