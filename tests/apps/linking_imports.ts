// moduleImports: each module's imports, like WebAssembly.Module.imports, with their types. Prints
// "<file>: <n> imports", then each import as JSON with its keys in the documented order (module,
// name, kind, params, results, type; any other key after them).
import { compileFile, moduleImports } from "runtime:wasm";

const ORDER = ["module", "name", "kind", "params", "results", "type"];

function ordered(entry: object): Record<string, unknown> {
  const source = entry as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ORDER) if (key in source) out[key] = source[key];
  for (const key of Object.keys(source)) if (!(key in out)) out[key] = source[key];
  return out;
}

for (const file of ["./dynamic.wasm", "./link_user.wasm", "./easter.wasm", "./chain_b.wasm"]) {
  const imports = await moduleImports(await compileFile(file));
  console.log(`${file}: ${imports.length} imports`);
  for (const entry of imports) console.log(`  ${JSON.stringify(ordered(entry))}`);
}
