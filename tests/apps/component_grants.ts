// WASI preview 2 grants for components: wasi:filesystem, wasi:sockets and wasi:http are linked only
// when `[capabilities.wasm] wasi` grants them (5009 otherwise, naming the interface and the
// manifest key), an instance's `wasi` option can only narrow that grant, and preopens are granted
// by `[capabilities.wasm] preopens`. The same app runs under several manifests.
import { compileFile, instantiate, isWasmError, type ComponentExports, type InstantiateOptions } from "runtime:wasm";

function describeError(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `not a WasmError: ${String(e)}`;
}

const probes: [string, string][] = [
  ["fs_probe", "preopenCount"],
  ["sockets_probe", "probe"],
  ["http_probe", "probe"],
];
const options: [string, InstantiateOptions][] = [
  ["default", {}],
  ["wasi: []", { wasi: [] }],
  ["wasi: [filesystem]", { wasi: ["filesystem"] }],
  ["wasi: [sockets, http]", { wasi: ["sockets", "http"] }],
];
for (const [probe, fn] of probes) {
  const id = await compileFile(`./${probe}.wat`);
  for (const [label, config] of options) {
    let got: string;
    try {
      const inst = await instantiate<ComponentExports>(id, config);
      got = `${fn}() = ${inst.exports[fn]()}`;
    } catch (e) {
      got = describeError(e);
    }
    console.log(`${probe} ${label}: ${got}`);
  }
}

// Preopens: the guest sees the directories it is given, under their guest paths.
for (const [label, config] of [
  ["/data", { preopens: { "/data": "./data" } }],
  ["/data and /more", { preopens: { "/data": "./data", "/more": { path: "./data", readonly: true } } }],
  ["outside the manifest's preopens", { preopens: { "/etc": "/etc" } }],
] as [string, InstantiateOptions][]) {
  try {
    const inst = await instantiate<ComponentExports>(await compileFile("./fs_probe.wat"), config);
    console.log(`preopens ${label}: count ${inst.exports.preopenCount()}, first ${JSON.stringify(inst.exports.firstPreopen())}`);
  } catch (e) {
    console.log(`preopens ${label}: ${describeError(e)}`);
  }
}

// cli, io, clocks and random need no grant.
const cli = await instantiate(await compileFile("./hello_cli.wat"), { wasi: [], stdout: "capture" });
await cli.call("wasi:cli/run#run");
console.log(`hello_cli with wasi: []: ${JSON.stringify(new TextDecoder().decode(cli.takeStdout()))}`);
