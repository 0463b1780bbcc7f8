// WASI reactors: instantiate runs `_initialize` once, under the instance's limits, and fails with
// a coded error when it cannot. Prints one line per case.
import { compileFile, instantiate, isWasmError, type WasiConfig } from "runtime:wasm";

async function outcome(label: string, file: string, config?: WasiConfig): Promise<void> {
  try {
    const instance = await instantiate(await compileFile(file), config);
    console.log(`${label}: instantiated, ok() = ${(await instance.call("ok"))[0]}`);
  } catch (e) {
    if (!isWasmError(e)) throw e;
    console.log(`${label}: ${e.code} ${e.name}: ${e.message}`);
  }
}

const reactor = await instantiate(await compileFile("./reactor.wasm"), {
  env: { GREETING: "hello" },
  inheritStdout: true,
});
console.log("instantiated");
console.log(`runs: ${(await reactor.call("runs"))[0]}`);
console.log(`greeting length: ${(await reactor.call("greeting_length"))[0]}`);

await outcome("trap", "./initialize_traps.wasm");

// The loop runs as an async call: timers keep firing until timeoutMs stops it.
let ticks = 0;
const timer = setInterval(() => ticks++, 10);
await outcome("timeout", "./initialize_loops.wasm", { timeoutMs: 300 });
clearInterval(timer);
console.log(`timers fired meanwhile: ${ticks > 0}`);

await outcome("fuel", "./initialize_loops.wasm", { fuel: 100_000 });
await outcome("both", "./command_and_reactor.wasm");
await outcome("bad type", "./initialize_bad_type.wasm");
await outcome("exit 0", "./initialize_exit_0.wasm");
await outcome("exit 7", "./initialize_exit_7.wasm");
