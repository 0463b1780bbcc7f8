// An export that ends in bounded time (no loop, no call: ext_wasm/src/bounded.rs) runs without a
// fiber, in `call` and in `exports`; its twin `<name>_looped`, the same body in a loop that runs
// once, keeps the fiber. Each case runs on both, warm (after a first call, so `call` takes its op)
// through `call` and through `exports`, and prints one outcome when all four agree.
import { compileFile, instantiate, types, type WasmInstance, type WasmValue } from "runtime:wasm";
import { outcome, show } from "./first_and_warm.ts";

const module = await compileFile("./bounded_twins.wasm");
type Exports = Record<string, (...args: unknown[]) => unknown>;
const exportsOf = (i: WasmInstance) => (i as unknown as { exports: Exports }).exports;
const sync = (i: WasmInstance, name: string, args: unknown[]): Promise<unknown> => {
  try {
    const r = exportsOf(i)[name](...args);
    return Promise.resolve(r === undefined ? [] : Array.isArray(r) ? r : [r]);
  } catch (e) {
    return Promise.reject(e);
  }
};

/** An argument as the test prints it: a `types` value as its type and value. */
const arg = (v: unknown): string =>
  typeof v === "object" && v !== null ? `${(v as WasmValue).type}(${show((v as WasmValue).value)})` : show(v);

const cases: [string, unknown[]][] = [
  ["add", [2, 3]],
  ["add", [2 ** 31 - 1, 1]],
  ["half", [1.1]],
  ["half", [-0]],
  ["half", [NaN]],
  ["scale", [1e308, 10]],
  ["scale", [-0, 5]],
  ["wide", [types.i64(3037000500n), types.i64(3037000500n)]],
  ["wide", [types.i64(-1n), types.i64(9007199254740993n)]],
  ["swap", [7, 0.25]],
  ["mixed", [-1, types.i64(2n ** 53n), types.f32(0.1), 0.5]],
  ["keep", [8, 0x1ff]],
  ["pick", [0]],
  ["pick", [1]],
  ["pick", [7]],
  ["div", [7, -2]],
  ["div", [1, 0]],
  ["div", [-(2 ** 31), -1]],
  ["none", [41]],
];

for (const [name, args] of cases) {
  const seen = new Set<string>();
  const all: string[] = [];
  for (const which of [name, `${name}_looped`]) {
    const instance = await instantiate(module);
    await instance.call(which, ...(args as never[])).catch(() => {});
    const viaCall = await outcome(instance.call(which, ...(args as never[])));
    const viaExports = await outcome(sync(instance, which, args));
    for (const o of [viaCall, viaExports]) {
      seen.add(o.replaceAll(`\`${which}\``, `\`${name}\``));
      all.push(o);
    }
    await instance.drop();
  }
  console.log(seen.size === 1 ? `${name} ${args.map(arg).join(" ")}: ${[...seen][0]}` : `${name}: DIFFER ${all.join(" / ")}`);
}

// State the calls leave behind: a global and memory, seen by later calls of either kind.
for (const name of ["bump", "bump_looped"]) {
  const instance = await instantiate(module);
  const got: string[] = [];
  for (let k = 0; k < 3; k++) got.push(await outcome(instance.call(name)), await outcome(sync(instance, name, [])));
  await instance.call(name === "bump" ? "none" : "none_looped", 5);
  got.push(await outcome(instance.call(name === "bump" ? "last" : "last_looped")));
  const [byte] = await instance.memory.read(8, 1);
  await instance.call(name === "bump" ? "keep" : "keep_looped", 8, 0x2a);
  const [after] = await instance.memory.read(8, 1);
  console.log(`${name}: ${got.join(" ")} memory ${byte} -> ${after}`);
  await instance.drop();
}

// Limits hold without a fiber: fuel is checked on entry (and at loop headers), so one unit stops
// both twins before they run, and enough lets both end; a deadline far off does not stop them.
for (const name of ["long", "long_looped"]) {
  const starved = await instantiate(module, { fuel: 1 });
  const fed = await instantiate(module, { fuel: 10_000 });
  const timed = await instantiate(module, { timeoutMs: 1000 });
  console.log(
    `${name}: fuel 1 ${await outcome(starved.call(name))}, ${await outcome(sync(starved, name, []))};`,
    `fuel 10000 ${await outcome(fed.call(name))}; timeoutMs ${await outcome(timed.call(name))}`,
  );
  for (const i of [starved, fed, timed]) await i.drop();
}

// An export that calls WASI still runs (on its fiber) in the same store.
{
  const instance = await instantiate(module);
  console.log(`yields: ${await outcome(instance.call("yields"))} ${await outcome(sync(instance, "yields", []))}`);
  await instance.drop();
}
