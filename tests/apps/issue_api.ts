// The linking issue's API example, as written there (plus the lines that print what it did).
import { compileFile, instantiate, moduleImports, type WasmCaller } from "runtime:wasm";

const lib = await compileFile("./easter.wasm");
const app = await instantiate(await compileFile("./dynamic.wasm"), {
  imports: {
    "input.wasm": lib,                                  // a module id
    env: {
      log: (ptr: number, len: number, caller: WasmCaller) => {
        console.log(new TextDecoder().decode(caller.memory.read(ptr, len)));
      },
      now: () => Date.now(),                            // f64 result
      fetchText: async (id: number) => 42,              // async host function
      limit: 1000,                                      // a number/bigint satisfies an immutable global
    },
  },
});
app.linked["input.wasm"];       // the WasmInstance made for that module, sharing the store
await moduleImports(lib);       // [{ module, name, kind, params?, results?, type? }], like WebAssembly.Module.imports

console.log(await app.linked["input.wasm"].call("easter", 2022));
console.log((await moduleImports(lib)).length, JSON.stringify((await moduleImports(await compileFile("./dynamic.wasm")))[0]));
