// A JS host function for an import whose result is a top-level `result<T, E>` (host_imports.wat's
// `lookup: func(key: string) -> result<u32, string>`) returns the `ok` value itself, as the
// component's own functions give it: the mapping is the same both ways (and `kiln types` types
// `Imports["kiln:test/host"].lookup` as returning `number`).
import { compileFile, instantiate, isWasmError, type ImportObject } from "runtime:wasm";

interface Point { x: number; y: number }
interface Exports {
  tryLookup(key: string): number;
}
const imports = {
  "kiln:test/host": {
    log: (_msg: string) => {},
    transform: (p: Point) => p,
    lookup: (key: string): number => key.length * 10,
  },
  double: (x: number) => 2 * x,
};
const inst = await instantiate<Exports>(await compileFile("./host_imports.wat"), {
  imports: imports as unknown as ImportObject,
});
try {
  console.log(`tryLookup("abc"): ${inst.exports.tryLookup("abc")}`);
} catch (e) {
  console.log(`tryLookup("abc"): ${isWasmError(e) ? `${e.code} ${e.message}` : String(e)}`);
}
