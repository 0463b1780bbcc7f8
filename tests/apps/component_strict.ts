// Nothing is coerced: each wrong value is a TypeError (5007) whose message names the function, the
// path of the value and what it should be; through `instance.exports` it throws, through `call`
// the promise rejects with the same error. A wrong call reaches no guest code.
import { compileFile, instantiate, isWasmError, type ComponentExports, type WasmArg } from "runtime:wasm";

const inst = await instantiate<ComponentExports>(await compileFile("./types.wat"));
const x = inst.exports;
const call = (name: string, ...args: unknown[]) => inst.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;

function describeError(e: unknown): string {
  if (!isWasmError(e)) return `not a WasmError: ${String(e)}`;
  return `${e.code} ${e.name}: ${e.message}`;
}

/** Calls the export both ways; prints the synchronous error, and whether `call` rejected alike. */
async function bad(label: string, name: string, ...args: unknown[]): Promise<void> {
  let sync = "no error";
  try {
    const f = x[name.replace(/-(.)/g, (_, c: string) => c.toUpperCase())] as (...a: unknown[]) => unknown;
    f(...args);
  } catch (e) {
    sync = describeError(e);
  }
  let promise: Promise<unknown[]>;
  try {
    promise = call(name, ...args);
  } catch (e) {
    console.log(`${label}: ${sync}\n  call threw synchronously: ${describeError(e)}`);
    return;
  }
  const asynchronous = await promise.then(() => "no error", describeError);
  console.log(`${label}: ${sync}${asynchronous === sync ? "" : `\n  call: ${asynchronous}`}`);
}

await bad("u8 256", "echo-u8", 256);
await bad("u8 -1", "echo-u8", -1);
await bad("s8 -129", "echo-s8", -129);
await bad("s16 32768", "echo-s16", 32768);
await bad("u16 65536", "echo-u16", 65536);
await bad("s32 2**31", "echo-s32", 2 ** 31);
await bad("u32 -1", "echo-u32", -1);
await bad("u32 2**32", "echo-u32", 2 ** 32);
await bad("u32 1.5", "echo-u32", 1.5);
await bad("u32 NaN", "echo-u32", NaN);
await bad("u32 bigint", "echo-u32", 1n);
await bad("u32 string", "echo-u32", "1");
await bad("s32 boolean", "echo-s32", true);
await bad("s64 number", "echo-s64", 1);
await bad("s64 2n**63n", "echo-s64", 2n ** 63n);
await bad("u64 -1n", "echo-u64", -1n);
await bad("u64 2n**64n", "echo-u64", 2n ** 64n);
await bad("f32 bigint", "echo-f32", 1n);
await bad("f64 string", "echo-f64", "1.5");
await bad("bool number", "echo-bool", 1);
await bad("char two chars", "echo-char", "ab");
await bad("char empty", "echo-char", "");
await bad("char lone surrogate", "echo-char", "\uD800");
await bad("char number", "echo-char", 65);
await bad("string number", "echo-string", 1);
await bad("string undefined", "echo-string", undefined);
await bad("bytes array", "echo-bytes", [1, 2, 3]);
await bad("bytes Uint16Array", "echo-bytes", new Uint16Array(2));
await bad("bytes ArrayBuffer", "echo-bytes", new ArrayBuffer(2));
await bad("list element", "echo-u32s", [1, "2"]);
await bad("list not an array", "echo-u32s", new Uint32Array(2));
await bad("missing field", "echo-order", {
  orderId: 1n,
  items: [{ id: 1, name: "a", tags: [] }, { id: 2, name: "b" }],
});
await bad("nested field", "echo-order", { orderId: 1n, items: [{ id: -1, name: "a", tags: [] }] });
await bad("deep element", "echo-order", { orderId: 1n, items: [{ id: 1, name: "a", tags: ["x", 2] }] });
await bad("unknown field", "echo-order", { orderId: 1n, items: [], extra: 1 });
await bad("kebab-case key", "echo-order", { "order-id": 1n, items: [] });
await bad("record null", "echo-order", null);
await bad("variant unknown tag", "echo-shape", { tag: "square", val: 1 });
await bad("variant missing payload", "echo-shape", { tag: "circle" });
await bad("variant payload tuple", "echo-shape", { tag: "rect", val: [1] });
await bad("variant as a string", "echo-shape", "none");
await bad("enum not a case", "echo-color", "purple");
await bad("enum camelCase", "echo-color", "blueGreen");
await bad("enum index", "echo-color", 0);
await bad("flags unknown", "echo-perms", { read: true, delete: true });
await bad("flags non-boolean", "echo-perms", { read: 1 });
await bad("flags array", "echo-perms", ["read"]);
await bad("tuple short", "echo-tuple", [1, "a"]);
await bad("tuple long", "echo-tuple", [1, "a", 1, 2]);
await bad("tuple element", "echo-tuple", [1, "a", "b"]);
await bad("option null", "echo-option", null);
await bad("nested option untagged", "echo-nested", 5);
await bad("nested option tag", "echo-nested", { tag: "some" });
await bad("result untagged", "echo-result", 5);
await bad("result payload", "echo-result", { tag: "err", val: 5 });
await bad("too few", "add", 1);
await bad("too many", "add", 1, 2, 3);
await bad("none", "echo-string");

// An unknown name.
console.log(`unknown function: ${await call("nope").then(() => "no error", describeError)}`);
