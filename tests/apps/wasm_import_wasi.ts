// A WASI module imported as an ES module (tests/wasm_imports.rs): `instantiate` gives it WASI,
// with the host's stdout.
// @ts-ignore: typed by `kiln types`
import { greet } from "./wasi.wasm";

console.log("before");
console.log("errno:", greet());
console.log("after");
