// The contract's example, type-checked as written by tests/typings.rs.
// ---- verbatim from the contract ----
import { compileFile, instantiate } from "runtime:wasm";

const instance = await instantiate(await compileFile("./module.wasm"));
const exports = await instance.getExports();

for (const exp of exports) {
  console.log(`${exp.kind}: ${exp.name}`);
  if (exp.kind === "function") {
    console.log(`  params: ${exp.params?.join(", ")}`);
    console.log(`  results: ${exp.results?.join(", ")}`);
  }
}
