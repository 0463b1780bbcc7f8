// A component built from Python (tests/fixtures/components/py: stats.wit and app.py, made into
// stats.wasm by PyPI's componentize-py in tests/component_py.rs), called through its exports.
import { ComponentError, compileFile, instantiate } from "runtime:wasm";

type Summary = { count: number; mean: number; label: string };
type Stats = {
  summarize(values: number[], label: string): Summary;
  shout(text: string): string;
  parseInt(text: string): bigint;
};

const id = await compileFile("./stats.wasm");
const inst = await instantiate<Stats>(id);

const names = (await inst.getExports())
  .filter((e) => e.kind === "function" && !e.name.includes("#"))
  .map((e) => e.name)
  .sort();
console.log(`functions: ${names.join(", ")}`);

const show = (s: Summary) => `count=${s.count} mean=${s.mean} label=${JSON.stringify(s.label)}`;
console.log(`summarize: ${show(inst.exports.summarize([1, 2, 3], "x"))}`);
console.log(`summarize: ${show(inst.exports.summarize([0.5, 1.25], "halves"))}`);
console.log(`summarize: ${show(inst.exports.summarize([], ""))}`);

console.log(`call shout: ${JSON.stringify(await inst.call("shout", "hi"))}`);
console.log(`shout: ${inst.exports.shout("grüße, 世界")}`);

for (const text of ["42", "-9223372036854775808"]) {
  const n = inst.exports.parseInt(text);
  console.log(`parseInt(${JSON.stringify(text)}): ${typeof n} ${n}`);
}

try {
  const n = inst.exports.parseInt("x");
  console.log(`parseInt("x"): no error, ${n}`);
} catch (e) {
  if (!(e instanceof ComponentError)) throw e;
  console.log(`parseInt("x"): ${e.name} ${e.code} payload ${JSON.stringify(e.payload)}`);
}
// The instance is still usable after the guest returned an error.
console.log(`after the error: ${inst.exports.shout("ok")}`);
