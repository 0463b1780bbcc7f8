// `.wasm` ES module imports (tests/wasm_imports.rs): functions called synchronously, the memory,
// a constant global, a string export name, imports from a TS module and from another .wasm, and
// one instance per file however it is imported.
// The .wasm imports are typed by the kiln-types/wasm/*.d.wasm.ts that `kiln types` writes
// (tests/wasm_imports.rs checks this app with them); tests/typings.rs checks it without them.
// @ts-ignore: typed by `kiln types`
import { add, answer, bump, divmod, "is-even" as isEven, large_add, memory, poke } from "./add.wasm";
// @ts-ignore: typed by `kiln types`
import { bump_there, compute } from "./uses.wasm";
import { bumpFromAnotherModule, triples } from "./wasm_import_counter.ts";

console.log("add:", add(2, 3), add(-1, 1));
console.log("divmod:", divmod(17, 5), "large_add:", large_add(9007199254740992n, 1n));
console.log("is-even:", isEven(4), isEven(7), "answer:", answer);
console.log("memory:", new TextDecoder().decode(await memory.read(0, 5)), await memory.size(), "page");
poke(0, 72);
console.log("after poke:", new TextDecoder().decode(await memory.read(0, 5)));
try {
  Reflect.apply(add, undefined, ["x", 2]);
} catch (e) {
  console.log("wrong argument:", (e as { code?: number }).code);
}
console.log("compute:", compute(5), "triples:", triples());
console.log("bump:", bump(), bumpFromAnotherModule(), bump_there(), bump());
// @ts-ignore: typed by `kiln types`
const again = await import("./add.wasm");
console.log("same instance:", again.memory === memory, again.bump === bump, again.bump());
// @ts-ignore: typed by `kiln types`
const all = await import("./add.wasm");
console.log("exports:", Object.keys(all).sort().join(","));
