// Captured stdio: stdin from bytes, stdout and stderr kept for takeStdout/takeStderr, the cap.
import { compileFile, instantiate, isWasmError } from "runtime:wasm";

const id = await compileFile("./echo.wasm");
const text = new TextDecoder();
const inst = await instantiate(id, { stdin: new TextEncoder().encode("input"), stdout: "capture", stderr: "capture" });
console.log("render:", await inst.call("render"));
console.log("stdout:", JSON.stringify(text.decode(inst.takeStdout())));
console.log("stderr:", JSON.stringify(text.decode(inst.takeStderr())));
console.log("taken again:", inst.takeStdout().length);

// 20 MiB into a 16 MiB capture: the writes past the cap fail in the guest; nothing is cut.
const [written] = await inst.call<[number]>("flood", 20);
const flood = inst.takeStdout();
console.log("flood:", written, "MiB written,", flood.length === written * (1 << 20) ? "all of it captured" : `${flood.length} bytes captured`);
console.log("after a take the guest writes again:", (await inst.call("flood", 1))[0], inst.takeStdout().length);

for (const [label, action] of [
  ["not captured", async () => (await instantiate(id)).takeStdout()],
  ["both ways", async () => await instantiate(id, { stdout: "inherit", inheritStdout: true })],
  ["bad stdin", async () => await instantiate(id, { stdin: 42 as unknown as Uint8Array })],
] as const) {
  try {
    await action();
    console.log(`${label}: ok`);
  } catch (e) {
    console.log(`${label}:`, isWasmError(e) ? `${e.code} ${e.name}` : String(e));
  }
}
const inherit = await instantiate(id, { stdin: new TextEncoder().encode("to the terminal"), stdout: "inherit" });
await inherit.call("render");
