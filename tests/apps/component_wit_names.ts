// The WIT names of a component's types, in getExports() and in TypeError messages: the same
// whether the component exports its named types (types.wat) or imports them with `eq` bounds
// (types-wit.wat, the layout wit-component, cargo-component and jco make). Staged as ./types.wat.
import { compileFile, instantiate, isWasmError, type ComponentExports } from "runtime:wasm";

const inst = await instantiate<ComponentExports>(await compileFile("./types.wat"));
const listed = await inst.getExports();
for (const name of ["echo-order", "echo-shape", "echo-color", "echo-perms", "blob-len"]) {
  console.log(`${name}: ${listed.find((e) => e.name === name)?.wit}`);
}
const x = inst.exports;
for (const [label, f] of [
  ["record", () => x.echoOrder(null)],
  ["variant", () => x.echoShape("none")],
  ["enum", () => x.echoColor("purple")],
  ["flags", () => x.echoPerms([])],
] as const) {
  try {
    f();
    console.log(`${label}: no error`);
  } catch (e) {
    console.log(`${label}: ${isWasmError(e) ? `${e.code} ${e.message}` : String(e)}`);
  }
}
