// WASI preview 1 beside module linking: a plain WASI command instantiates as before (with no
// `imports`, or an empty map), and a linked library that imports WASI itself shares the app's WASI
// (its stdout is the app's). Prints one line per check; the guests' own output is interleaved.
import { compileFile, instantiate, type WasmInstance } from "runtime:wasm";

function linked(instance: WasmInstance, name: string): WasmInstance {
  const found = instance.linked[name];
  if (found === undefined) throw new Error(`no linked instance "${name}" in ${JSON.stringify(Object.keys(instance.linked))}`);
  return found;
}

const plain = await compileFile("./link_plain_wasi.wasm");
const before = await instantiate(plain, { inheritStdout: true });
await before.call("_start");
console.log(`plain: linked ${JSON.stringify(Object.keys(before.linked))}`);
const empty = await instantiate(plain, { inheritStdout: true, imports: {} });
await empty.call("_start");
console.log(`plain with an empty imports map: linked ${JSON.stringify(Object.keys(empty.linked))}`);

const lib = await compileFile("./link_wasi_lib.wasm");
const app = await instantiate(await compileFile("./link_wasi_app.wasm"), { imports: { lib }, inheritStdout: true });
await app.call("_start");
console.log("app _start resolved");
await linked(app, "lib").call("say");
console.log("library say resolved");
