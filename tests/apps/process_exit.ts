// How the app ends with processes and pools around; the mode is Kiln.args[0].
//   exit  a 60 s sleeper, a cat waiting on stdin and a pool running endless calls are all still
//         running when the app calls Kiln.exit(0): kiln exits 0 at once
//   code  the same, with Kiln.exit(3): kiln exits 3
//   kill  a sleeper is killed and its status awaited, and a pool is used and left undropped;
//         the app then ends normally: kiln exits 0 (the child's 137 is not kiln's)
import { compileFile, createPool, spawn } from "runtime:wasm";

const talker = await compileFile("./talker.wasm");
const cat = await compileFile("./cat.wasm");
const worker = await compileFile("./pool_worker.wasm");
const decoder = new TextDecoder();
const mode = Kiln.args[0];

if (mode === "exit" || mode === "code") {
  const sleeper = spawn(talker, { args: ["talker", "sleep"], stdout: "piped" });
  const ready = await sleeper.stdout.read();
  console.log("sleeper:", ready === null ? "ended" : decoder.decode(ready).trim());
  const reader = spawn(cat, { args: ["cat"], stdin: "piped" });
  void reader.status;
  const pool = await createPool(worker, { size: 2 });
  for (let i = 0; i < 3; i++) pool.call("spin").catch(() => {});
  await new Promise<void>((resolve) => setTimeout(resolve, 50));
  console.log("exiting");
  Kiln.exit(mode === "exit" ? 0 : 3);
} else if (mode === "kill") {
  const sleeper = spawn(talker, { args: ["talker", "sleep"], stdout: "piped" });
  const ready = await sleeper.stdout.read();
  console.log("sleeper:", ready === null ? "ended" : decoder.decode(ready).trim());
  sleeper.kill();
  const status = await sleeper.status;
  console.log("status:", status.code, status.reason);
  const pool = await createPool(worker, { size: 2 });
  console.log("pool:", (await pool.call("work", 10))[0]);
  console.log("ending");
} else {
  throw new Error(`unknown mode ${mode}`);
}
