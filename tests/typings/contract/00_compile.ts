// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compile, instantiate } from "runtime:wasm";
import { readBytes } from "runtime:fs";

const bytes = await readBytes("./module.wasm");
const moduleId = await compile(bytes);
const instance = await instantiate(moduleId);
