// Capability gates, each attempted and reported as "label: ok" or "label: <code>".
import { compile, compileFile, instantiate } from "runtime:wasm";
import { readBytes, readTextFile } from "runtime:fs";

async function attempt(label: string, action: () => Promise<unknown>) {
  try {
    await action();
    console.log(`${label}: ok`);
  } catch (e: any) {
    console.log(`${label}: ${e.code}`);
  }
}

// The raw ops are reachable only when kiln runs with KILN_EXPOSE_INTERNALS=1 (as an embedder that
// does not seal its globals would); they must check the same grants.
const ops = (globalThis as any).Deno?.core.ops;
await attempt("load allowed", () => compileFile("./wasm/ok.wasm"));
await attempt("load outside glob", () => compileFile("./other/no.wasm"));
await attempt("load dotdot escape", () => compileFile("./wasm/../other/no.wasm"));
await attempt("load symlink escape", () => compileFile("./wasm/link.wasm"));
await attempt("load absolute outside", () => compileFile(Deno_cwd() + "/other/no.wasm"));
if (ops === undefined) console.log("raw op outside: unreachable");
else await attempt("raw op outside", () => ops.op_wasm_module_compile_file("./other/no.wasm"));
await attempt("compile bytes", () => compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])));
const id = await compileFile("./wasm/ok.wasm");
await attempt("execute", () => instantiate(id));
await attempt("preopen allowed", () => instantiate(id, { preopens: { "/d": "./data" } }));
await attempt("preopen denied", () => instantiate(id, { preopens: { "/d": "./other" } }));
await attempt("preopen dotdot", () => instantiate(id, { preopens: { "/d": "./data/../other" } }));
await attempt("preopen symlink", () => instantiate(id, { preopens: { "/d": "./data/escape" } }));
await attempt("fs read allowed", () => readTextFile("./data/hello.txt"));
await attempt("fs read denied", () => readBytes("./other/no.wasm"));
await attempt("fs read symlink", () => readBytes("./data/escape/no.wasm"));
await attempt("load symlink inside", () => compileFile("./wasm/inside.wasm"));
await attempt("load tilde", () => compileFile("~/wasm/ok.wasm"));
await attempt("load NUL byte", () => compileFile("./wasm/ok.wasm\0/../../other/no.wasm"));
await attempt("load glob name outside", () => compileFile("./other/[n]o*.wasm"));
await attempt("load glob name inside", () => compileFile("./wasm/[x]*.wasm"));
await attempt("fs read NUL byte", () => readBytes("./data/hello.txt\0"));
await attempt("fs read tilde", () => readBytes("~"));

function Deno_cwd(): string {
  // The app runs in its own directory; main.ts's URL tells where that is.
  return import.meta.url.replace(/^file:\/\//, "").replace(/\/main\.ts$/, "");
}
