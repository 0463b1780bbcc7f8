// Context row: tree-sitter (npm's web-tree-sitter, an emscripten main module, with
// tree-sitter-javascript's grammar, a side module linked into it through the JS API) through its
// own glue on Kiln's WebAssembly global, as tests/tree_sitter.rs runs it. Times the glue's import,
// then `Parser.init`, `Language.load` and the first parse, then runs of parses (../shared.mjs,
// treeSitterParses), the same as node/tree_sitter.mjs on Node.js and Deno. Kiln.args: the glue,
// the runtime's module, the grammar, the file to parse, parses per run, runs. Prints one JSON line.
import { readBytes } from "runtime:fs";
import { treeSitterParses } from "../shared.mjs";
import { emit } from "./common.ts";

const [glue, runtime, grammar, file, count, repeats] = Kiln.args;
const t0 = performance.now();
const treeSitter = await import(`../${glue}`) as { Parser: unknown; Language: unknown };
const importMs = performance.now() - t0;
const source = new TextDecoder().decode(await readBytes(file));
emit({
  importMs,
  ...await treeSitterParses(treeSitter, await readBytes(runtime), await readBytes(grammar), source, Number(count), Number(repeats)),
});
