// The WebAssembly namespace's functions and Module's statics. One line per check.
import { readBytes } from "runtime:fs";

type AddExports = { add(a: number, b: number): number };
const add = (instance: WebAssembly.Instance) => (instance.exports as unknown as AddExports).add(2, 3);
const text = (buffer: ArrayBuffer) => String.fromCharCode(...new Uint8Array(buffer));

const addBytes = await readBytes("./add.wasm");
const garbage = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 255, 1, 2, 3]);
console.log(`validate good: ${WebAssembly.validate(addBytes)}`);
console.log(`validate garbage: ${WebAssembly.validate(garbage)}`);

const kinds = new WebAssembly.Module(await readBytes("./kinds.wasm"));
console.log(`new Module: ${kinds instanceof WebAssembly.Module}`);
console.log(`exports: ${JSON.stringify(WebAssembly.Module.exports(kinds))}`);
console.log(`imports: ${JSON.stringify(WebAssembly.Module.imports(kinds))}`);
const sections = WebAssembly.Module.customSections(kinds, "hello");
const buffers = sections.every((section) => section instanceof ArrayBuffer);
console.log(`customSections hello: ${sections.length} ${buffers} ${sections.map(text).join(",")}`);
console.log(`customSections absent: ${WebAssembly.Module.customSections(kinds, "absent").length}`);

const compiled = await WebAssembly.compile(addBytes);
console.log(`compile: ${compiled instanceof WebAssembly.Module}`);
// A whole ArrayBuffer rather than a view, as hash-wasm passes it.
const fromBuffer = await WebAssembly.compile(addBytes.slice().buffer);
console.log(`compile an ArrayBuffer: ${fromBuffer instanceof WebAssembly.Module}`);
const source = await WebAssembly.instantiate(addBytes);
const pair = [source.module instanceof WebAssembly.Module, source.instance instanceof WebAssembly.Instance];
console.log(`instantiate bytes: ${pair.join(" ")} ${add(source.instance)}`);
const instance = await WebAssembly.instantiate(compiled);
console.log(`instantiate module: ${instance instanceof WebAssembly.Instance} ${add(instance)}`);
const direct = new WebAssembly.Instance(compiled);
console.log(`new Instance: ${direct instanceof WebAssembly.Instance} ${add(direct)}`);
console.log(`exports frozen: ${Object.isFrozen(instance.exports)}`);
const tags = [compiled, direct, new WebAssembly.Memory({ initial: 1 }), new WebAssembly.Global({ value: "i32" }, 1), WebAssembly];
console.log(`toStringTag: ${tags.map((o) => Object.prototype.toString.call(o)).join(" ")}`);
