// WASI: args, env, preopen read and write, escape attempts, exit codes.
import { compileFile, instantiate } from "runtime:wasm";
import { readTextFile } from "runtime:fs";

const app = await compileFile("./app.wasm");
const first = await instantiate(app, {
  preopens: { "/data": "./app-data" },
  env: { HOME: "/home/guest" },
  args: ["app", "one", "two words"],
  inheritStdout: true,
});
await first.call("_start");
console.log("host sees:", (await readTextFile("./app-data/output.txt")).trim());

const failing = await instantiate(app, { args: ["app", "--exit=3"], inheritStdout: false });
try {
  await failing.call("_start");
} catch (e: any) {
  console.log(`exit: ${e.code} ${e.name} exitCode=${e.exitCode}`);
}

const readonly = await instantiate(app, {
  preopens: { "/data": { path: "./app-data", readonly: true } },
  args: ["ro"],
  inheritStdout: true,
});
await readonly.call("_start");
