// Module linking failures: a cycle, a missing module, a missing field and mistyped imports all fail
// `instantiate` with InstantiateError (5001). Prints "<label>: <code> <name>: <message>" per case,
// the message on one line (its newlines shown as " | ").
import { compileFile, instantiate, isWasmError } from "runtime:wasm";

async function attempt(label: string, file: string, imports: Record<string, string>): Promise<void> {
  try {
    await instantiate(await compileFile(file), { imports });
    console.log(`${label}: instantiated`);
  } catch (e) {
    if (!isWasmError(e)) throw e;
    console.log(`${label}: ${e.code} ${e.name}: ${e.message.replaceAll("\n", " | ")}`);
  }
}

const provider = await compileFile("./link_provider.wasm");
const x = await compileFile("./cycle_x.wasm");
const y = await compileFile("./cycle_y.wasm");
const b = await compileFile("./chain_b.wasm");

await attempt("cycle", "./cycle_x.wasm", { "x.wasm": x, "y.wasm": y });
await attempt("missing module", "./link_user.wasm", { supplier: provider });
await attempt("missing module in a linked module", "./chain_a.wasm", { "b.wasm": b });
await attempt("missing field", "./link_missing.wasm", { provider });
await attempt("function type", "./link_bad_func.wasm", { provider });
await attempt("global type", "./link_bad_global.wasm", { provider });
