// P9 context: kiln/wasi_hello.ts on Deno's `node:wasi` (Node's WASI API, which Deno 2 implements).
//
//   deno run --allow-read=<path> wasi_hello_node.ts <path of hello.wasm> <argv0> <args...>
import { WASI } from "node:wasi";

const [path, ...args] = Deno.args;
const wasi = new WASI({ version: "preview1", args, env: {}, returnOnExit: true });
const instance = new WebAssembly.Instance(new WebAssembly.Module(Deno.readFileSync(path)), wasi.getImportObject());
const code = wasi.start(instance);
if (code) Deno.exit(code);
