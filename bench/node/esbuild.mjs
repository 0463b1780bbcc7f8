// Context row: esbuild (npm's esbuild-wasm) through its own browser glue with no worker, on
// Node.js or Deno (both run this file), as bench/kiln/esbuild.ts runs it in Kiln.
//   node esbuild.mjs <glue> <module> <transforms per run> <runs>
// Prints one JSON line: { initMs, firstMs, ms: [per run], bytes }.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { esbuildTransforms } from "../shared.mjs";

// The browser glue reaches its globals through `self`, which Node.js does not define.
globalThis.self ??= globalThis;
const [glue, wasm, count, repeats] = process.argv.slice(2);
const t0 = performance.now();
const esbuild = await import(pathToFileURL(glue).href);
await esbuild.initialize({ wasmModule: await WebAssembly.compile(readFileSync(wasm)), worker: false });
const initMs = performance.now() - t0;
console.log(JSON.stringify({ initMs, ...await esbuildTransforms(esbuild, Number(count), Number(repeats)) }));
// Go's runtime keeps a timer of its own pending for about a second; the figures are taken.
process.exit(0);
