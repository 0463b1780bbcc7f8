// tree-sitter (npm's web-tree-sitter, C compiled by emscripten as a main module) parsing
// JavaScript with a grammar that is an emscripten side module (npm's tree-sitter-javascript),
// through the package's own glue on Kiln's WebAssembly global. Its dynamic linking is the JS
// API's: the glue makes the memory and the function table in JS, the main module imports them,
// and `Language.load` instantiates the grammar against the same memory, table and the main
// module's exports; on wasmtime these share one store (ext_wasm/src/join.rs).
// Usage: kiln run tree_sitter.ts <tree-sitter.js> <tree-sitter.wasm> <tree-sitter-javascript.wasm>
import { readBytes } from "runtime:fs";

type Node = { type: string; text: string; hasError: boolean; descendantCount: number; toString(): string };
type Tree = { rootNode: Node; edit(edit: Record<string, unknown>): void };
type Capture = { name: string; node: Node };
type TreeSitter = {
  Parser: {
    init(options: Record<string, unknown>): Promise<void>;
    new (): { setLanguage(language: unknown): void; parse(source: string, old?: Tree): Tree | null };
  };
  Language: { load(bytes: Uint8Array): Promise<{ abiVersion: number; query?: unknown }> };
  Query: new (language: unknown, source: string) => { captures(node: Node): Capture[] };
};

const [glue, runtimeWasm, grammarWasm] = Kiln.args;
const { Parser, Language, Query } = await import(`file://${glue}`) as TreeSitter;
// The glue names its .wasm with `new URL("tree-sitter.wasm", import.meta.url)`, then takes the bytes.
await Parser.init({ wasmBinary: await readBytes(runtimeWasm) });
const JavaScript = await Language.load(await readBytes(grammarWasm));
const parser = new Parser();
parser.setLanguage(JavaScript);

const tree = parser.parse("let x = 1 + f(2);")!;
console.log(tree.rootNode.toString());

const broken = parser.parse("let = ;")!;
console.log(`has an error: ${broken.rootNode.hasError}`);

// An edit and an incremental reparse: `1` becomes `10`.
tree.edit({
  startIndex: 8, oldEndIndex: 9, newEndIndex: 10,
  startPosition: { row: 0, column: 8 }, oldEndPosition: { row: 0, column: 9 }, newEndPosition: { row: 0, column: 10 },
});
const edited = parser.parse("let x = 10 + f(2);", tree)!;
console.log(`after the edit: ${edited.rootNode.text}`);

const query = new Query(JavaScript, "(call_expression function: (identifier) @callee)");
const source = "foo(1); bar.baz(2); qux(foo(3));";
console.log(`callees: ${query.captures(parser.parse(source)!.rootNode).map((c) => c.node.text).join(" ")}`);

// A real file: the glue itself (150 KB of JS), three times.
const big = new TextDecoder().decode(await readBytes(glue));
const counts = [0, 1, 2].map(() => parser.parse(big)!.rootNode.descendantCount);
console.log(`the glue parses: ${counts[0] > 10000 && counts.every((c) => c === counts[0])}, with errors: ${parser.parse(big)!.rootNode.hasError}`);
