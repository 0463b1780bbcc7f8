// Run with a manifest that grants load but not execute: spawn and createPool are refused with
// PermissionDenied (5009), spawn synchronously.
import { compileFile, createPool, isWasmError, spawn } from "runtime:wasm";

const talker = await compileFile("./talker.wasm");
const worker = await compileFile("./pool_worker.wasm");

function describe(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `not a WasmError: ${String(e)}`;
}

try {
  spawn(talker, { args: ["talker", "exit", "0"] });
  console.log("spawn: not refused");
} catch (e) {
  console.log(`spawn: ${describe(e)}`);
}
try {
  await createPool(worker, { size: 1 });
  console.log("createPool: not refused");
} catch (e) {
  console.log(`createPool: ${describe(e)}`);
}
