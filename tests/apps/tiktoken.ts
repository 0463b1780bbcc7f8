// OpenAI's tokenizer (npm's tiktoken: Rust compiled by wasm-bindgen, a 5.6 MB module with the
// encodings' ranks in it) through its own glue on Kiln's WebAssembly global, as its bundler
// entry (tiktoken.js) loads it: the glue module is the wasm module's import object.
//
// wasm-bindgen's glue caches views of the memory and makes new ones only when a cached view's
// `byteLength` is 0, that is, when growth has detached the old buffer, as the JS API says it
// must. `get_encoding` grows the memory from 91 to 185 pages, so before Kiln detached the
// `WebAssembly` global's buffers on growth, the glue kept writing strings through a view of the
// old length and the guest trapped on what it read.
// Usage: kiln run tiktoken.ts <node_modules/tiktoken>
import { readBytes } from "runtime:fs";

type Encoder = { encode(text: string, allowed?: string): Uint32Array; decode(tokens: Uint32Array): Uint8Array; free(): void };
type Glue = {
  __wbg_set_wasm(exports: WebAssembly.Exports): void;
  get_encoding(name: string): Encoder;
  encoding_for_model(model: string): Encoder;
  get_encoding_name_for_model(model: string): string;
};

const [dir] = Kiln.args;
const glue = await import(`file://${dir}/tiktoken_bg.js`) as Glue;
const { instance } = await WebAssembly.instantiate(await readBytes(`${dir}/tiktoken_bg.wasm`), {
  "./tiktoken_bg.js": glue as unknown as Record<string, WebAssembly.ImportValue>,
});
glue.__wbg_set_wasm(instance.exports);
const memory = instance.exports.memory as WebAssembly.Memory;
const pagesBefore = memory.buffer.byteLength / 65536;

const cl100k = glue.get_encoding("cl100k_base");
console.log(`memory grew: ${memory.buffer.byteLength / 65536 > pagesBefore}`);
const tokens = cl100k.encode("hello world, this is tiktoken");
console.log(`tokens: ${[...tokens].join(",")}`);
console.log(`decoded: ${new TextDecoder().decode(cl100k.decode(tokens))}`);
console.log(`special: ${[...cl100k.encode("<|endoftext|>", "all")].join(",")}`);
const long = "The quick brown fox jumps over the lazy dog. ".repeat(2000);
const many = cl100k.encode(long);
console.log(`a long text: ${many.length} tokens, round trip ${new TextDecoder().decode(cl100k.decode(many)) === long}`);
cl100k.free();
console.log(`encoding for gpt-4o: ${glue.get_encoding_name_for_model("gpt-4o")}`);
const o200k = glue.get_encoding("o200k_base");
console.log(`o200k: ${[...o200k.encode("hello world")].join(",")}`);
o200k.free();
