// Context row: tree-sitter (npm's web-tree-sitter with tree-sitter-javascript's grammar) through
// its own glue on Node.js or Deno (both run this file), as bench/kiln/tree_sitter.ts runs it in Kiln.
//   node tree_sitter.mjs <glue> <runtime module> <grammar> <file to parse> <parses per run> <runs>
// Prints one JSON line: { importMs, firstMs, ms: [per run], nodes }.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { treeSitterParses } from "../shared.mjs";

const [glue, runtime, grammar, file, count, repeats] = process.argv.slice(2);
const t0 = performance.now();
const treeSitter = await import(pathToFileURL(glue).href);
const importMs = performance.now() - t0;
const source = readFileSync(file, "utf8");
console.log(JSON.stringify({
  importMs,
  ...await treeSitterParses(treeSitter, readFileSync(runtime), readFileSync(grammar), source, Number(count), Number(repeats)),
}));
