// One case per error code: prints "<code> <name> <ok|bad message>" for each.
import { compile, compileFile, dropModule, instantiate, types } from "runtime:wasm";

async function expect(label: string, action: () => Promise<unknown>) {
  try {
    await action();
    console.log(`${label}: no error`);
  } catch (e: any) {
    const helpful = typeof e.message === "string" && e.message.length > 20;
    console.log(`${label}: ${e.code} ${e.name} ${helpful ? "ok" : "bad message: " + e.message}`);
  }
}

const loops = await compileFile("./loop.wasm");
const inst = await instantiate(loops);

await expect("compile", () => compile(new Uint8Array([0, 97, 115, 109, 9, 9])));
await expect("instantiate", () => compileFile("./needs_import.wasm").then((m) => instantiate(m)));
await expect("call", () => inst.call("trap_unreachable"));
await expect("export", () => inst.call("no_such_function"));
await expect("module handle", () => instantiate("424242"));
const gone = await instantiate(loops);
await gone.drop();
await expect("instance handle", () => gone.call("spin"));
await expect("memory", () => inst.memory.read(65530, 100));
await expect("type", () => inst.call("div", 1.5, 2));
await expect("io", () => compileFile("./missing.wasm"));
await expect("wasi", () => instantiate(loops, { preopen: {} } as any));
await expect("fuel", () => instantiate(loops, { fuel: 10_000 }).then((i) => i.call("spin")));
await expect("module handle (dropped)", async () => {
  const m = await compileFile("./loop.wasm");
  await dropModule(m);
  await dropModule(m);
});
await expect("type (count)", () => inst.call("div", 1));
await expect("type (i64 range)", () => inst.call("count", types.i64(2n ** 64n)));
await expect("type (wrong helper)", () => inst.call("div", types.f64(1), 2));
await expect("call (divide by zero)", () => inst.call("div", 1, 0));
await expect("type (v128)", () => inst.call("simd", 1));
