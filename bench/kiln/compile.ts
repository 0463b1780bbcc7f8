// P4: compileFile of one module in a fresh kiln process, timed inside the app. bench/run.mjs runs
// it twice per cache directory (KILN_CACHE_DIR): cold (empty) and warm (what the first run left).
// Kiln.args[0] is the path. Prints one JSON line: {"compileMs"}.
import { compileFile, dropModule } from "runtime:wasm";
import { emit } from "./common.ts";

const t0 = performance.now();
const moduleId = await compileFile(Kiln.args[0]);
const compileMs = performance.now() - t0;
await dropModule(moduleId);
emit({ compileMs });
