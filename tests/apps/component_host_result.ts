// A JS host function for an import whose result is a top-level `result<T, E>` (host_imports.wat's
// `lookup: func(key: string) -> result<u32, string>`) returns the `ok` value itself, and throws a
// ComponentError whose payload is the `err` value, as the component's own functions give them: the
// mapping is the same both ways (and `kiln types` types `Imports["kiln:test/host"].lookup` as
// returning `number`). Any other throw traps the guest.
import { ComponentError, compileFile, instantiate, isWasmError } from "runtime:wasm";

interface Point { x: number; y: number }
interface Exports {
  tryLookup(key: string): number;
}
const seen: string[] = [];
const id = await compileFile("./host_imports.wat");
// A trap leaves a component instance that cannot be entered again: each failing case gets its own.
const make = () => instantiate<Exports>(id, {
  imports: {
    "kiln:test/host": {
      log: (_msg: string) => {},
      transform: (p: Point) => p,
      lookup: (key: string): number => {
        seen.push(key);
        if (key === "") throw new ComponentError("empty key", "no key given");
        if (key === "boom") throw new Error("not a component error");
        if (key === "payload") throw new ComponentError("wrong payload", 5);
        return key.length * 10;
      },
    },
    double: (x: number) => 2 * x,
  },
});
for (const keys of [["abc", "", "abc"], ["payload"], ["boom"]]) {
  const inst = await make();
  for (const key of keys) {
    try {
    // try-lookup returns 4294967295 when lookup returns err.
      console.log(`tryLookup(${JSON.stringify(key)}): ${inst.exports.tryLookup(key)}`);
    } catch (e) {
      console.log(`tryLookup(${JSON.stringify(key)}): ${isWasmError(e) ? `${e.code} ${e.message}` : String(e)}`);
    }
  }
}
console.log(`lookup saw: ${JSON.stringify(seen)}`);
