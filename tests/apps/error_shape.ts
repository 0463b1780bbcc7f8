// The error a synchronous call throws is made in Rust (ext_wasm/src/raise.rs), an async call's by
// deno_core's error builder (ext_wasm/js/errors.js's class): the two must look the same to JS.
// Prints one line per error: its class, name, code, own properties with their attributes, and its
// symbol-keyed properties; then where a synchronous call's stack starts.
import { compileFile, instantiate } from "runtime:wasm";

const inst = await instantiate(await compileFile("./loop.wasm"));

function shape(e: any): string {
  const proto = Object.getPrototypeOf(e);
  const kind = proto === Error.prototype ? "Error" : proto === TypeError.prototype ? "TypeError" : "another class";
  const own = Object.getOwnPropertyNames(e).map((key) => {
    const d = Object.getOwnPropertyDescriptor(e, key)!;
    return `${key}:${d.enumerable ? "e" : "-"}${d.writable ? "w" : "-"}${d.configurable ? "c" : "-"}`;
  });
  const symbols = Object.getOwnPropertySymbols(e).map((s) => `${String(s)}=${JSON.stringify(e[s])}`);
  return `${kind} ${e.name} ${e.code} ${own.join(",")} ${symbols.join(",")} ${e instanceof Error}`;
}

function caught(f: () => unknown): any {
  try {
    f();
  } catch (e) {
    return e;
  }
  return null;
}

async function rejected(p: Promise<unknown>): Promise<any> {
  return await p.then(() => null, (e) => e);
}

function callsTheTrap(): unknown {
  return (inst.exports.trap_unreachable as () => void)();
}

const sync = caught(callsTheTrap);
const divided = caught(() => (inst.exports.div as (a: number, b: number) => number)(1, 0));
const async = await rejected(inst.call("trap_unreachable"));
console.log("sync", shape(sync));
console.log("sync div", shape(divided));
console.log("async", shape(async));
console.log("same", shape(sync) === shape(async), sync.message === async.message);
// The stack starts at the call's caller, as the builder's `Error.captureStackTrace` makes it.
const frame = String(sync.stack).split("\n")[1].trim();
console.log("first frame", frame.startsWith("at callsTheTrap ("), String(sync.stack).split("\n")[0]);
// An app that replaced the global `Error` with something that is not a constructor: both makers
// fall back to the message itself.
const original = globalThis.Error;
(globalThis as { Error: unknown }).Error = () => {};
const bare = caught(callsTheTrap);
const bareAsync = await rejected(inst.call("trap_unreachable"));
globalThis.Error = original;
console.log("no Error", typeof bare, bare === bareAsync, bare);
