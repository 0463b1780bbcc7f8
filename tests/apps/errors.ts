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
// A second drop() is refused as a rejected promise, not a throw; the first resolved.
const dropAgain = (() => {
  try {
    return gone.drop().then(() => "resolved", (e) => `rejected with ${e.code} ${e.name}`);
  } catch {
    return "threw";
  }
})();
console.log(`drop twice: ${await dropAgain}`);
await expect("memory", () => inst.memory.read(65530, 100));
await expect("type", () => inst.call("div", 1.5, 2));
await expect("io", () => compileFile("./missing.wasm"));
await expect("wasi", () => instantiate(loops, { preopen: {} } as any));
await expect("fuel", () => instantiate(loops, { fuel: 10_000 }).then((i) => i.call("spin")));
// A component function returning the err of its top-level result<u32, string>.
const failing = `(component
  (core module $m
    (memory (export "memory") 1)
    (data (i32.const 16) "no such thing, try another key")
    (func (export "get") (result i32)
      (i32.store8 (i32.const 0) (i32.const 1))
      (i32.store (i32.const 4) (i32.const 16))
      (i32.store (i32.const 8) (i32.const 30))
      (i32.const 0)))
  (core instance $i (instantiate $m))
  (func (export "get") (result (result u32 (error string)))
    (canon lift (core func $i "get") (memory (core memory $i "memory")) string-encoding=utf8)))`;
await expect("component", () => compile(new TextEncoder().encode(failing)).then((id) => instantiate(id)).then((i) => i.call("get")));
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
