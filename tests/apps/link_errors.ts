// Missing and mistyped imports: instantiate's 5001 lists every import that cannot be satisfied.
import { compileFile, instantiate, isWasmError } from "runtime:wasm";

for (const file of ["./missing_imports.wasm", "./wasi_mismatch.wasm"]) {
  try {
    await instantiate(await compileFile(file));
    console.log(`${file}: instantiated`);
  } catch (e) {
    if (!isWasmError(e)) throw e;
    console.log(`${file}: ${e.code} ${e.name}: ${e.message}`);
  }
}
