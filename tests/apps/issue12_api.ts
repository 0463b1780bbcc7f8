// The processes-and-pools issue's API example, as written there (with an id for each kind of
// module it uses, and the lines that print what it did).
import { compileFile, instantiate, spawn, createPool } from "runtime:wasm";

{
  // A process: a WASI command on its own thread, like Deno.Command's child process.
  const proc = spawn(await compileFile("./cat.wasm"), {
    args: ["cat"], env: {}, preopens: {},            // the instantiate options, same checks
    stdin: "piped", stdout: "piped", stderr: "inherit", // "piped" | "inherit" | "null"
    timeoutMs: 10_000, maxMemoryBytes: 64 << 20,
  });
  await proc.stdin.write(new TextEncoder().encode("hello\n"));
  await proc.stdin.close();
  let text = "";
  for await (const chunk of proc.stdout) { text += new TextDecoder().decode(chunk); }
  const status = await proc.status;                  // { code: number, reason: "exit" | "killed" | "timeout" | "trap", message?: string }
  proc.kill();                                       // idempotent; status settles within 100 ms
  console.log("cat:", JSON.stringify(text), JSON.stringify(status));
  const id = await compileFile("./talker.wasm");
  const { code, stdout, stderr } = await spawn(id, { args: ["x", "stderr"], stdout: "piped", stderr: "piped" }).output();
  console.log("output:", code, JSON.stringify(new TextDecoder().decode(stdout)), JSON.stringify(new TextDecoder().decode(stderr)));
}
{
  // Captured output of an instance, for reactors called many times.
  const id = await compileFile("./echo.wasm");
  const inst = await instantiate(id, { stdin: new TextEncoder().encode("input"), stdout: "capture", stderr: "capture" });
  await inst.call("render");
  const out: Uint8Array = inst.takeStdout();           // what was written since the last take
  console.log("captured:", JSON.stringify(new TextDecoder().decode(out)));
}
{
  // A pool: N instances of one module, each on its own thread, serving calls FIFO.
  const id = await compileFile("./pool_worker.wasm");
  const pool = await createPool(id, { size: 2, timeoutMs: 1000 });  // plus any instantiate option
  const [r] = await pool.call("work", 1_000_000);
  await pool.drop();
  console.log("pool:", r, pool.size);
}
