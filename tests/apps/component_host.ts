// JS host functions for a component's imports (tests/fixtures/components/host_imports.wat):
// `imports: { "kiln:test/host": { log, transform, lookup }, double }`, called with WIT values and
// answering with them; async host functions under `await call(...)` while timers fire; and what
// fails: a host function that throws (5002), one that returns a wrong value (5007), a missing,
// unknown or WASI import (5001).
import {
  compileFile,
  instantiate,
  isWasmError,
  type ImportObject,
  type WasmArg,
  type WasmInstance,
} from "runtime:wasm";

interface Point { x: number; y: number }
interface Exports {
  greet(name: string): string;
  moveTwice(p: Point): Point;
  tryLookup(key: string): number;
  quadruple(x: number): number;
}
interface Host {
  "kiln:test/host": {
    log(msg: string): void;
    transform(p: Point): Point;
    lookup(key: string): unknown;
  };
  double(x: number): number | Promise<number>;
}

function describeError(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `not a WasmError: ${String(e)}`;
}
function attempt(label: string, f: () => unknown): void {
  try {
    console.log(`${label}: ${JSON.stringify(f())}`);
  } catch (e) {
    console.log(`${label}: ${describeError(e)}`);
  }
}

const id = await compileFile("./host_imports.wat");
const make = (host: Host | Record<string, unknown>): Promise<WasmInstance<Exports>> =>
  // `imports` is typed for core modules' host functions (numbers in, numbers out).
  instantiate<Exports>(id, { imports: host as unknown as ImportObject });
const logs: string[] = [];
const seen: string[] = [];
const host = (): Host => ({
  "kiln:test/host": {
    log: (msg) => {
      logs.push(msg);
    },
    transform: (p) => {
      seen.push(`transform ${JSON.stringify(p)} ${typeof p.x}`);
      return { x: p.x + 1, y: p.y * 2 };
    },
    lookup: () => {
      throw new Error("lookup is not called here");
    },
  },
  double: (x) => 2 * x,
});

const inst = await make(host());
const call = (name: string, ...args: unknown[]) => inst.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;
console.log(`greet: ${inst.exports.greet("kiln")}, logged ${JSON.stringify(logs)}`);
console.log(`moveTwice: ${JSON.stringify(inst.exports.moveTwice({ x: 1, y: 3 }))}`);
console.log(`transform saw: ${seen.join("; ")}`);
console.log(`quadruple: ${inst.exports.quadruple(5)}`);
console.log(`call greet: ${JSON.stringify(await call("greet", "async"))}, logged ${JSON.stringify(logs)}`);
console.log(`call quadruple: ${JSON.stringify(await call("quadruple", 3))}`);
attempt("greet with a long name", () => [inst.exports.greet("ü".repeat(1000)).length, logs.at(-1)?.length]);
console.log(`call move-twice: ${JSON.stringify(await call("move-twice", { x: -5, y: -1 }))}`);

// An async host function: `call` waits for it, and the event loop runs meanwhile.
const events: string[] = [];
const slow = await make({
  ...host(),
  double: async (x: number) => {
    events.push(`double(${x}) starts`);
    await new Promise((resolve) => setTimeout(resolve, 30));
    events.push(`double(${x}) returns ${2 * x}`);
    return 2 * x;
  },
});
setTimeout(() => events.push("timer"), 0);
const quad = await slow.call("quadruple", 3);
events.push(`call resolved ${JSON.stringify(quad)}`);
console.log(`async host function: ${events.join(", ")}`);
// A synchronous call cannot wait for a promise. The guest was stopped in the middle of its call, so
// the instance cannot be entered again (as after any trap).
attempt("async host function under exports", () => slow.exports.quadruple(1));
console.log(`after it, call: ${await slow.call("quadruple", 2).then(String, describeError)}`);

// A host function that throws: the call fails with 5002 naming it. The guest was stopped in the
// middle of its call, so its instance cannot be entered again.
const throwingHost = (): Host => ({
  ...host(),
  "kiln:test/host": {
    ...host()["kiln:test/host"],
    log: () => {
      throw new Error("boom");
    },
  },
});
const throwing = await make(throwingHost());
attempt("log throws, exports", () => throwing.exports.greet("x"));
attempt("the instance after the trap", () => throwing.exports.quadruple(2));
const throwing2 = await make(throwingHost());
console.log(`log throws, call: ${await throwing2.call("greet", ...(["x"] as unknown as WasmArg[])).then(String, describeError)}`);

// Host functions that return a wrong value: 5007, naming the function and the path; each on an
// instance of its own.
async function wrong(label: string, host: Record<string, unknown>, f: (i: WasmInstance<Exports>) => unknown): Promise<void> {
  const i = await make(host);
  attempt(label, () => f(i));
}
await wrong("transform returns a point without y", {
  ...host(),
  "kiln:test/host": { ...host()["kiln:test/host"], transform: (p: Point) => ({ x: p.x }) },
}, (i) => i.exports.moveTwice({ x: 1, y: 1 }));
await wrong("transform returns an extra field", {
  ...host(),
  "kiln:test/host": { ...host()["kiln:test/host"], transform: () => ({ x: 1, y: 2, z: 3 }) },
}, (i) => i.exports.moveTwice({ x: 1, y: 1 }));
await wrong("transform returns nothing", {
  ...host(),
  "kiln:test/host": { ...host()["kiln:test/host"], transform: () => {} },
}, (i) => i.exports.moveTwice({ x: 1, y: 1 }));
await wrong("double returns a string", { ...host(), double: () => "2" }, (i) => i.exports.quadruple(1));
await wrong("double returns 1.5", { ...host(), double: () => 1.5 }, (i) => i.exports.quadruple(1));
await wrong("double returns -2", { ...host(), double: () => -2 }, (i) => i.exports.quadruple(1));
await wrong("double returns a bigint", { ...host(), double: () => 2n }, (i) => i.exports.quadruple(1));
const wrongCall = await make({ ...host(), double: () => "2" });
console.log(`double returns a string, call: ${await wrongCall.call("quadruple", 1).then(String, describeError)}`);
// A value returned for a function without results is ignored.
const loud = await make({ ...host(), "kiln:test/host": { ...host()["kiln:test/host"], log: () => 5 } });
attempt("log returns 5", () => loud.exports.greet("y"));

// Instantiation checks.
async function refused(label: string, imports: Record<string, unknown> | undefined): Promise<void> {
  const got = await instantiate(id, imports === undefined ? {} : { imports: imports as unknown as ImportObject })
    .then(() => "instantiated", describeError);
  console.log(`${label}: ${got}`);
}
const { double: _double, ...withoutDouble } = host();
await refused("missing double", withoutDouble);
const { transform: _transform, ...partial } = host()["kiln:test/host"];
await refused("missing transform", { ...host(), "kiln:test/host": partial });
await refused("no imports", undefined);
await refused("unknown function", { ...host(), triple: (x: number) => 3 * x });
await refused("unknown member", { ...host(), "kiln:test/host": { ...host()["kiln:test/host"], extra: () => 0 } });
await refused("unknown interface", { ...host(), "kiln:test/other": { log: () => {} } });
await refused("not a function", { ...host(), double: 2 });
await refused("WASI interface", { ...host(), "wasi:cli/stdout@0.2.0": { "get-stdout": () => 0 } });
const cli = await compileFile("./hello_cli.wat");
const wasiGot = await instantiate(cli, {
  imports: { "wasi:cli/stdout@0.2.0": { "get-stdout": () => 0 } } as unknown as ImportObject,
}).then(() => "instantiated", describeError);
console.log(`WASI interface of a component that imports it: ${wasiGot}`);
