// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, instantiate, types } from "runtime:wasm";

const instance = await instantiate(await compileFile("./math.wasm"));

// Explicit i64 for large integers
const [result] = await instance.call(
  "large_add",
  types.i64(9007199254740992n),
  types.i64(1n)
);

// Explicit float types
const [area] = await instance.call(
  "circle_area",
  types.f64(3.14159)
);
