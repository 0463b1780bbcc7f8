// Module linking, one import of each kind: link_user.wasm imports a function, a memory, a mutable
// and an immutable global and a table from the module named "provider" (link_provider.wasm). Each
// check goes through the link, and then through the provider's side, to show the two share it.
import { compileFile, instantiate, type WasmInstance } from "runtime:wasm";

function linked(instance: WasmInstance, name: string): WasmInstance {
  const found = instance.linked[name];
  if (found === undefined) throw new Error(`no linked instance "${name}" in ${JSON.stringify(Object.keys(instance.linked))}`);
  return found;
}

async function one(instance: WasmInstance, name: string, ...args: number[]): Promise<number | bigint | undefined> {
  return (await instance.call(name, ...args))[0];
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

const provider = await compileFile("./link_provider.wasm");
const user = await instantiate(await compileFile("./link_user.wasm"), { imports: { provider } });
const p = linked(user, "provider");
console.log(`linked: ${JSON.stringify(Object.keys(user.linked))}`);

// Function.
console.log(`function: call_twice(21) = ${await one(user, "call_twice", 21)}`);
console.log(`function: exports.call_twice(5) = ${user.exports.call_twice<number>(5)}`);

// Memory: the user re-exports the provider's memory as "memory".
console.log(`memory: user reads "${text(await user.memory.read(0, 5))}"`);
console.log(`memory: read_byte(1) = ${await one(user, "read_byte", 1)}`);
await user.call("write_byte", 5, 33);
console.log(`memory: provider reads "${text(await p.memory.read(0, 6))}"`);
await p.memory.write(0, new TextEncoder().encode("J"));
console.log(`memory: user reads "${text(await user.memory.read(0, 6))}"`);

// Mutable global.
console.log(`global: bump() = ${await one(user, "bump")}, then ${await one(user, "bump")}`);
console.log(`global: provider get_counter() = ${await one(p, "get_counter")}`);
await p.call("set_counter", 10);
console.log(`global: user counter_value() = ${await one(user, "counter_value")}`);

// Immutable global.
console.log(`global: get_base() = ${await one(user, "get_base")}`);

// Table: slot 0 holds the provider's twice; the user puts its own negate into slot 1.
console.log(`table: indirect(0, 21) = ${await one(user, "indirect", 0, 21)}`);
await user.call("fill_slot", 1);
console.log(`table: provider call_slot(1, 7) = ${await one(p, "call_slot", 1, 7)}`);
console.log(`table: user indirect(1, 7) = ${await one(user, "indirect", 1, 7)}`);
