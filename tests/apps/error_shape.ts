// The error a synchronous call throws, or an awaited call that fails on its first poll, is made in
// Rust (ext_wasm/src/raise.rs); an async op's (a call that yielded to the event loop first) by
// deno_core's error builder (ext_wasm/js/errors.js's class). They must look the same to JS.
// Prints one line per error: its class, name, code, own properties with their attributes, and its
// symbol-keyed properties; then where a synchronous call's stack starts.
import { compileFile, instantiate } from "runtime:wasm";

const module = await compileFile("./loop.wasm");
const inst = await instantiate(module);
// Calls that run past 30 ms fail with 5011: `spin` yields to the event loop before that, so an
// awaited call of it fails in the async op, and a synchronous one in its op.
const limited = await instantiate(module, { timeoutMs: 30 });

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
const firstPoll = await rejected(inst.call("trap_unreachable"));
console.log("sync", shape(sync));
console.log("sync div", shape(divided));
console.log("first poll", shape(firstPoll));
console.log("same message", sync.message === firstPoll.message);
const spunSync = caught(() => (limited.exports.spin as () => void)());
const spunAsync = await rejected(limited.call("spin"));
console.log("sync timeout", shape(spunSync));
console.log("async op timeout", shape(spunAsync));
console.log("same", shape(spunSync) === shape(spunAsync), spunSync.message === spunAsync.message);
// The stack starts at the call's caller, as the builder's `Error.captureStackTrace` makes it.
const frame = String(sync.stack).split("\n")[1].trim();
console.log("first frame", frame.startsWith("at callsTheTrap ("), String(sync.stack).split("\n")[0]);
// An app that replaced the global `Error` with something that is not a constructor: raise.rs
// falls back to the message itself, as deno_core does for an op's error.
const original = globalThis.Error;
(globalThis as { Error: unknown }).Error = () => {};
const bare = caught(callsTheTrap);
const bareFirstPoll = await rejected(inst.call("trap_unreachable"));
globalThis.Error = original;
console.log("no Error", typeof bare, bare === bareFirstPoll, bare);
