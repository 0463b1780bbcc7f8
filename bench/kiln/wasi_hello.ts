// P9 start-up, whole process: a WASI hello (kernels/hello.c) as an app runs a guest command:
// compile it (from KILN_CACHE_DIR when warm), instantiate it with its arguments and the host's
// stdout, and call _start. Timed from outside by bench/node/first_byte.mjs.
//
//   kiln run wasi_hello.ts <path of hello.wasm> <argv0> <args...>
import { compileFile, instantiate } from "runtime:wasm";

const [path, ...args] = Kiln.args;
const instance = await instantiate(await compileFile(path), { args, stdout: "inherit" });
await instance.call("_start");
