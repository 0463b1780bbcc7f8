// A JS import of the `WebAssembly` API that calls its own instance's exports back while the guest
// is inside it (as emscripten's `invoke_*` wrappers do on every call): the arguments converted by
// the JS API's rules, the results of each number type, a trap and a JS throw from inside, and a
// recursion through the import, line for line as Deno 2.9 (V8) runs it.
const bytes = await (await fetch(new URL("./back.wasm", import.meta.url))).arrayBuffer();
type Fn = (...args: unknown[]) => unknown;
let task: (n: number) => unknown = () => 0;
const thrown = new RangeError("from boom");
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
  env: {
    back: (n: number) => {
      const r = task(n);
      return typeof r === "number" ? r : 0;
    },
    boom: () => {
      throw thrown;
    },
  },
}) as unknown as { exports: Record<string, Fn> };
const show = (v: unknown) =>
  Object.is(v, -0) ? "-0" : typeof v === "string" ? JSON.stringify(v) : typeof v === "bigint" ? `${v}n` : String(v);
const inside = (label: string, f: () => unknown) => {
  let line = "";
  task = () => {
    try {
      line = show(f());
    } catch (e) {
      line = e === thrown ? "threw boom's RangeError itself" : `threw ${(e as Error)?.constructor?.name}`;
    }
    return 0;
  };
  exports.run(0);
  console.log(`${label}: ${line}`);
};
for (const v of [0, -0, 1.9, -1.9, 2 ** 31, 2 ** 32 + 3, NaN, Infinity, "7", true, null, undefined, { valueOf: () => 5 }, 5n]) {
  inside(`id_i32(${show(v)})`, () => exports.id_i32(v));
}
for (const v of [1 / 3, 1e40, -0, NaN, "2.5", undefined]) inside(`id_f32(${show(v)})`, () => exports.id_f32(v));
for (const v of [1 / 3, -0, 1e300, "x", null]) inside(`id_f64(${show(v)})`, () => exports.id_f64(v));
inside("sum3(1, 0.5, 0.25)", () => exports.sum3(1, 0.5, 0.25));
inside('sum3("2", "0.5", 1/3)', () => exports.sum3("2", "0.5", 1 / 3));
inside("sum3(1) (missing arguments)", () => exports.sum3(1));
inside("nothing()", () => exports.nothing());
inside("trap(1)", () => exports.trap(1));
inside("after the trap: id_i32(3)", () => exports.id_i32(3));
inside("calls_boom(1)", () => exports.calls_boom(1));
task = (n) => exports.down(n);
console.log("down through the import:", exports.run(4));
let count = 0;
task = (n) => {
  let s = 0;
  for (let i = 0; i < 1000; i++) s += exports.id_i32(i) as number;
  count++;
  return s + n;
};
console.log("a thousand calls back in one import:", exports.run(1), count);
