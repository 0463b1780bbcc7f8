// Module linking through a chain a -> b -> c: each module's own imports are resolved from the same
// `imports` map, and a module imported by two others is instantiated once. Prints one line per check.
import { compileFile, instantiate, type WasmInstance } from "runtime:wasm";

function linked(instance: WasmInstance, name: string): WasmInstance {
  const found = instance.linked[name];
  if (found === undefined) throw new Error(`no linked instance "${name}" in ${JSON.stringify(Object.keys(instance.linked))}`);
  return found;
}

async function one(instance: WasmInstance, name: string, ...args: number[]): Promise<number | bigint | undefined> {
  return (await instance.call(name, ...args))[0];
}

const a = await compileFile("./chain_a.wasm");
const b = await compileFile("./chain_b.wasm");
const c = await compileFile("./chain_c.wasm");

// a imports only from b; b imports from c.
const chain = await instantiate(a, { imports: { "b.wasm": b, "c.wasm": c } });
console.log(`chain: a_add(0) = ${await one(chain, "a_add", 0)}`);
console.log(`chain: linked ${JSON.stringify(Object.keys(chain.linked).sort())}`);
console.log(`chain: b calls ${await one(linked(chain, "b.wasm"), "calls")}, c calls ${await one(linked(chain, "c.wasm"), "calls")}`);

// chain_app imports from a, b and c: b is imported by a and chain_app, c by b and chain_app.
const app = await instantiate(await compileFile("./chain_app.wasm"), {
  imports: { "c.wasm": c, "a.wasm": a, "b.wasm": b },
});
console.log(`app: run(0) = ${await one(app, "run", 0)}`);
console.log(`app: direct_b(0) = ${await one(app, "direct_b", 0)}`);
console.log(`app: direct_c(0) = ${await one(app, "direct_c", 0)}`);
console.log(`app: linked ${JSON.stringify(Object.keys(app.linked).sort())}`);
// One instance of b served a and app (2 calls); one instance of c served b and app (3 calls).
console.log(`app: b calls ${await one(linked(app, "b.wasm"), "calls")}, c calls ${await one(linked(app, "c.wasm"), "calls")}`);
console.log(`app: a's b_add reaches the same b: ${await one(linked(app, "a.wasm"), "a_add", 1)}, b calls ${await one(linked(app, "b.wasm"), "calls")}`);
