// Context row: esbuild (npm's esbuild-wasm, Go compiled to WebAssembly) through its own browser
// glue on Kiln's WebAssembly global, with no worker, as tests/esbuild.rs runs it. Times
// `initialize` (compile from Kiln's cache, instantiate, Go's start), the first transform, then
// runs of transforms (../shared.mjs, esbuildTransforms), the same as node/esbuild.mjs on Node.js
// and Deno. Kiln.args: the glue, the module, transforms per run, runs. Prints one JSON line.
import { readBytes } from "runtime:fs";
import { esbuildTransforms } from "../shared.mjs";
import { emit } from "./common.ts";

type Esbuild = {
  initialize(options: { wasmModule: WebAssembly.Module; worker: boolean }): Promise<void>;
  transform(code: string, options: { loader: string }): Promise<{ code: string }>;
};

const [glue, wasm, count, repeats] = Kiln.args;
const t0 = performance.now();
const esbuild = await import(`../${glue}`) as Esbuild;
await esbuild.initialize({ wasmModule: await WebAssembly.compile(await readBytes(wasm)), worker: false });
const initMs = performance.now() - t0;
emit({ initMs, ...await esbuildTransforms(esbuild, Number(count), Number(repeats)) });
// Go's runtime keeps a timer of its own pending for about a second; the figures are taken.
Kiln.exit(0);
