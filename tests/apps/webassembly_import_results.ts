// What a JS import of the `WebAssembly` API returns, coerced to its result type as the JS API says
// (ToInt32, ToNumber, Math.fround; ignored without a result), and the arguments and `this` it is
// called with: line for line as Deno 2.9 (V8) runs it. Kiln calls such an import from Rust and
// takes a number of the result's type itself; anything else goes through the JS coercion.
const bytes = await (await fetch(new URL("./results.wasm", import.meta.url))).arrayBuffer();
let returning: unknown;
const seen = new Set<string>();
const note = function (this: unknown, ...args: unknown[]): unknown {
  seen.add(`${args.length} (${args.map((a) => Object.is(a, -0) ? "-0" : String(a)).join(", ")}) this ${String(this)}`);
  return returning;
};
type Fn = (...args: number[]) => unknown;
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { ri: note, rf: note, rd: note, rv: note, r6: note } }) as unknown as {
  exports: Record<string, Fn>;
};
const values: [string, unknown][] = [
  ["0", 0], ["-0", -0], ["3.7", 3.7], ["-3.7", -3.7], ["2^31", 2 ** 31], ["2^32+5", 2 ** 32 + 5], ["-2^31-1", -(2 ** 31) - 1],
  ["1/3", 1 / 3], ["1e300", 1e300], ["NaN", NaN], ["Infinity", Infinity], ["-Infinity", -Infinity], ["undefined", undefined],
  ["null", null], ["true", true], ['"12"', "12"], ['"x"', "x"], ["[]", []], ["[7]", [7]], ["{}", {}],
  ["valueOf 9", { valueOf: () => 9 }], ["valueOf throws", { valueOf: () => { throw new RangeError("no"); } }], ["5n", 5n],
  ["symbol", Symbol("s")], ["promise", Promise.resolve(4)], ["function", () => 1],
];
const show = (f: () => unknown): string => {
  try {
    const r = f();
    return Object.is(r, -0) ? "-0" : String(r);
  } catch (e) {
    return `threw ${(e as Error)?.constructor?.name} ${(e as Error)?.constructor === RangeError ? (e as Error).message : ""}`.trim();
  }
};
for (const [label, value] of values) {
  returning = value;
  console.log(
    `${label}: i32 ${show(() => exports.ti(1))}, f32 ${show(() => exports.tf(1.5))}, f64 ${show(() => exports.td(-0))}, ` +
      `none ${show(() => exports.tv(2, 0.5))}, six arguments ${show(() => exports.t6(-3, 0.25, 1.5, 2 ** 31, -0, 7))}`,
  );
}
console.log([...seen].join(" | "));
