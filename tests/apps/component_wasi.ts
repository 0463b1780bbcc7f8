// WASI preview 2 for components that need no grant: a `wasi:cli/run` command (hello_cli.wat)
// with its stdout captured, inherited (the real process stdout) or discarded, and
// wasi:cli/environment (env_probe.wat): nothing unless the instance gives it.
import { compileFile, instantiate, isWasmError, spawn, type ComponentExports, type WasmArg } from "runtime:wasm";

function describeError(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `not a WasmError: ${String(e)}`;
}
const text = (bytes: Uint8Array) => JSON.stringify(new TextDecoder().decode(bytes));

const cli = await compileFile("./hello_cli.wat");
const captured = await instantiate<ComponentExports>(cli, { stdout: "capture" });
const results = await captured.call("wasi:cli/run#run");
console.log(`run: ${results.length} result, ${String(results[0])}; stdout ${text(captured.takeStdout())}`);
console.log(`taken again: ${text(captured.takeStdout())}`);
await captured.call("wasi:cli/run@0.2.0#run");
console.log(`by the versioned name: ${text(captured.takeStdout())}`);
console.log(`run() through exports: ${String(captured.exports["wasi:cli/run@0.2.0"].run())}; stdout ${text(captured.takeStdout())}`);
for (const e of await captured.getExports()) console.log(`export ${e.kind} ${e.name}: ${e.wit}`);
try {
  captured.takeStderr();
} catch (e) {
  console.log(`takeStderr without capture: ${describeError(e)}`);
}

// Inherited: the guest writes to the process's stdout, between the app's own lines.
const inherited = await instantiate(cli, { inheritStdout: true });
console.log("before the inherited run");
await inherited.call("wasi:cli/run#run");
console.log("after the inherited run");
// Discarded by default.
const silent = await instantiate(cli);
await silent.call("wasi:cli/run#run");
console.log(`the default discards it; takeStdout: ${(() => {
  try {
    return text(silent.takeStdout());
  } catch (e) {
    return describeError(e);
  }
})()}`);

// A command also runs as a process, with its stdout piped; a component that is not one is refused.
const output = await spawn(cli, { stdout: "piped" }).output();
console.log(`spawn: ${output.code} ${output.reason}, stdout ${text(output.stdout)}`);
try {
  spawn(await compileFile("./types.wat"));
  console.log("spawn of a component without wasi:cli/run: spawned");
} catch (e) {
  console.log(`spawn of a component without wasi:cli/run: ${describeError(e)}`);
}

// wasi:cli/environment: nothing by default (kiln's own SECRET is not passed through); what the
// instance gives.
const env = await compileFile("./env_probe.wat");
const bare = await instantiate<ComponentExports>(env);
console.log(`default: env-count ${bare.exports.envCount()}, arg-count ${bare.exports.argCount()}, first-env ${JSON.stringify(bare.exports.firstEnv())}`);
const given = await instantiate<ComponentExports>(env, { env: { GREETING: "hi there", OTHER: "2" }, args: ["prog", "--flag", "x"] });
console.log(`given: env-count ${given.exports.envCount()}, arg-count ${given.exports.argCount()}, first-env ${JSON.stringify(given.exports.firstEnv())}`);
const call = (name: string, ...args: unknown[]) => given.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;
console.log(`call first-env: ${JSON.stringify(await call("first-env"))}`);
