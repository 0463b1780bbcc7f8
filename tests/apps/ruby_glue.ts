// CRuby through the npm package's own browser glue (@ruby/3.4-wasm-wasi's browser.umd.js, which
// bundles @ruby/wasm-wasi and @bjorn3/browser_wasi_shim), as a web page would run it: the glue
// compiles with WebAssembly.compile, gives the module a WASI written in JS and reads memory.buffer
// from inside its imports, and calls `_initialize` itself. On Kiln's WebAssembly global that all
// runs on wasmtime. Usage: kiln run ruby_glue.ts <browser.umd.js> <ruby+stdlib.wasm>
import { readBytes } from "runtime:fs";

const [glue, wasm] = Kiln.args;
await import(glue);
type Vm = { eval(code: string): { toString(): string } };
const { DefaultRubyVM } = (globalThis as unknown as Record<string, { DefaultRubyVM: (m: WebAssembly.Module) => Promise<{ vm: Vm }> }>)[
  "ruby-wasm-wasi"
];
const { vm } = await DefaultRubyVM(await WebAssembly.compile(await readBytes(wasm)));
console.log(`version: ${vm.eval("RUBY_VERSION").toString().slice(0, 4)}x`);
console.log(`sum: ${vm.eval("(1..10).sum").toString()}`);
vm.eval(`puts "hello from ruby"`);
console.log(`block: ${vm.eval("[1, 2, 3].map { |x| x * 2 }.inspect").toString()}`);
try {
  vm.eval(`raise ArgumentError, "boom"`);
} catch (e) {
  console.log(`raise: ${(e as Error).message.includes("boom")}`);
}
