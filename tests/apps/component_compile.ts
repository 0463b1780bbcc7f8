// compile / compileFile take a component as binary or as `(component ...)` text; a broken one
// fails with CompileError (5000) saying why; core modules are still modules.
import { compile, compileFile, instantiate, isWasmError, moduleImports, type ComponentExports } from "runtime:wasm";

function describeError(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `not a WasmError: ${String(e)}`;
}
const encode = (text: string) => new TextEncoder().encode(text);

// The binary of types.wat (made by the test with the `wat` crate) and its text.
for (const file of ["./types.wasm", "./types.wat"]) {
  const inst = await instantiate<ComponentExports>(await compileFile(file));
  console.log(`${file}: add ${inst.exports.add(20, 22)}, safeDiv ${inst.exports.safeDiv(9, 2)}, ${(await inst.getExports()).length} exports`);
}

// Text with a comment before the first form, through compile().
const small = await compile(encode(`;; a comment
  (; and another ;)
  (component
    (core module $m (func (export "seven") (result i32) (i32.const 7)))
    (core instance $i (instantiate $m))
    (func (export "seven") (result u32) (canon lift (core func $i "seven"))))`));
const seven = await instantiate<ComponentExports>(small);
console.log(`compile(text): seven() = ${seven.exports.seven()}, imports ${JSON.stringify(await moduleImports(small))}`);

const empty = await instantiate(await compile(encode("(component)")));
console.log(`(component): exports ${JSON.stringify(Object.keys(empty.exports))}, getExports ${JSON.stringify(await empty.getExports())}`);

// Broken components.
for (const [label, bytes] of [
  ["an export of an undefined function", encode(`(component (export "f" (func $nope)))`)],
  ["a lift of a core function of the wrong type", encode(`(component
    (core module $m (func (export "f") (param i64)))
    (core instance $i (instantiate $m))
    (func (export "f") (param "x" u32) (canon lift (core func $i "f"))))`)],
  ["unbalanced text", encode("(component (core module")],
  ["a binary preamble and nothing else", new Uint8Array([0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0, 0xff])],
] as [string, Uint8Array][]) {
  const got = await compile(bytes).then(() => "compiled", describeError);
  console.log(`${label}: ${got.split("\n")[0]}`);
}

// A core module is still a core module.
const core = await instantiate(await compile(encode(`(module (func (export "add") (param i32 i32) (result i32)
  (i32.add (local.get 0) (local.get 1))))`)));
console.log(`core module: ${JSON.stringify(await core.call("add", 1, 2))}, id ${/^\d+$/.test(core.id) ? "numeric" : core.id}`);
console.log(`component instance id: ${seven.id.startsWith("c") ? "c<n>" : seven.id}`);
