// Kiln's side of exception handling: the codes and messages of what the `WebAssembly` global
// refuses, runtime:wasm's own API meeting a module that throws, and many exceptions thrown into a
// guest that swallows them. The modules are built from WAT by tests/exceptions.rs.
import { compileFile, instantiate } from "runtime:wasm";

const W = WebAssembly;
const show = (e: unknown) => {
  const { name, code, message } = e as { name: string; code?: number; message: string };
  return `${name} ${code} ${message}`;
};
const read = async (name: string) => await (await fetch(new URL(`./${name}`, import.meta.url))).arrayBuffer();

for (
  const f of [
    // @ts-expect-error v128 is not a payload type Kiln passes.
    () => new W.Tag({ parameters: ["v128"] }),
    // @ts-expect-error the parameters are a list.
    () => new W.Tag({ parameters: 5 }),
    () => new W.Exception(W.JSTag, [1]),
    () => new W.Exception(new W.Tag({ parameters: [] }), []).getArg(new W.Tag({ parameters: [] }), 0),
    () => new W.Exception(new W.Tag({ parameters: ["i32"] }), [1]).getArg(W.JSTag, 0),
    () => new W.Exception(new W.Tag({ parameters: [] }), []).getArg(W.JSTag, 0),
  ]
) {
  try {
    f();
  } catch (e) {
    console.log(show(e));
  }
}
const t = new W.Tag({ parameters: ["i32"] });
console.log("stack", new W.Exception(t, [1]).stack, new W.Exception(t, [1], { traceStack: true }).stack?.includes("main.ts"));

// A module importing a tag of another type, and a JS tag where the module wants another type.
for (const given of [new W.Tag({ parameters: ["f64"] }), W.JSTag]) {
  await W.instantiate(await read("b.wasm"), { a: { e: given } }).catch((e: Error) => console.log(show(e)));
}

// runtime:wasm's own API: no tags in its imports, and an uncaught exception is a 5002 that says so.
const here = new URL(".", import.meta.url).pathname;
const thrower = await instantiate(await compileFile(`${here}c.wasm`));
try {
  await thrower.call("boom", 5);
} catch (e) {
  console.log(show(e), (e as { exception?: unknown }).exception);
}
try {
  thrower.exports.boom(5);
} catch (e) {
  console.log(show(e));
}
console.log("caught inside", (await thrower.call("safe", 3))[0], thrower.exports.safe(4));
try {
  await instantiate(await compileFile(`${here}s.wasm`));
} catch (e) {
  console.log(show(e), (e as { stage?: string }).stage);
}
try {
  await instantiate(await compileFile(`${here}b.wasm`), { imports: { a: { f: () => {} } } });
} catch (e) {
  console.log(show(e));
}
// ... but a linked module gives one: b imports c's tag and throws it.
const linked = await instantiate(await compileFile(`${here}b.wasm`), { imports: { a: await compileFile(`${here}c.wasm`) } });
try {
  linked.exports.boom(8);
} catch (e) {
  console.log("linked:", show(e));
}

// Many JS exceptions thrown into a guest that swallows them: each is made and dropped; the one
// that escapes afterwards is still the object JS threw.
const t2 = new W.Tag({ parameters: ["i32", "i64"] });
let thrown: unknown = null;
const { instance } = await W.instantiate(await read("a.wasm"), {
  env: {
    t: t2,
    js: W.JSTag,
    call: (n: number) => {
      thrown = n % 2 === 0 ? new W.Exception(t2, [n, 1n]) : new Error(`n ${n}`);
      throw thrown;
    },
  },
});
const ex = instance.exports as Record<string, (n: number) => unknown>;
let swallowed = 0;
for (let n = 0; n < 500; n++) swallowed += ex.swallow(n) as number;
let sum = 0n;
for (let n = 0; n < 200; n += 2) sum += ex.guard(n) as bigint;
try {
  ex.pass(10);
} catch (e) {
  console.log("swallowed", swallowed, "caught by tag", sum, "the last one escapes as itself", e === thrown);
}
