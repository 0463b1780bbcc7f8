// A second module importing add.wasm, which must get the same instance
// (tests/wasm_imports.rs).
// @ts-ignore: typed by `kiln types`
import { bump } from "./add.wasm";
import { tripleCalls } from "./wasm_import_helpers.ts";

export function bumpFromAnotherModule(): number {
  return bump();
}

export function triples(): number {
  return tripleCalls();
}
