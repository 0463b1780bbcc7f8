// `instance.call` of an export of the common shape (up to three numbers in, at most one out) runs
// through a function made on the export's first call and kept for the later ones
// (ts/wasm_instance.ts, numbersCall). Each case below runs twice: as the first call of a fresh
// instance, and on an instance whose function is already made. Both must answer the same.
import { compileFile, instantiate, type WasmInstance } from "runtime:wasm";

const module = await compileFile("./math.wasm");
const outcome = (p: Promise<unknown>) =>
  p.then(
    (r) => `ok [${(r as unknown[]).map(String).join(", ")}]`,
    (e) => `${(e as { code?: number }).code} ${(e as Error).name}: ${(e as Error).message}`,
  );
const cases: [string, (i: WasmInstance) => Promise<unknown>][] = [
  ["add", (i) => i.call("add", 2, 3)],
  ["add u32", (i) => i.call("add", 2 ** 31 + 1, 1)],
  ["add negative", (i) => i.call("add", -5, 3)],
  ["add too few", (i) => i.call("add", 1)],
  ["add too many", (i) => i.call("add", 1, 2, 3)],
  ["add string", (i) => i.call("add", "1" as unknown as number, 2)],
  ["add fraction", (i) => i.call("add", 1, 2.5)],
  ["add out of range", (i) => i.call("add", 2 ** 32, 0)],
  ["add bigint", (i) => i.call("add", 1n as unknown as number, 0)],
  ["add undefined", (i) => i.call("add", undefined as unknown as number, 1)],
  ["circle_area", (i) => i.call("circle_area", 2)],
  ["circle_area string", (i) => i.call("circle_area", "2" as unknown as number)],
  ["circle_area NaN", (i) => i.call("circle_area", NaN)],
  ["missing export", (i) => i.call("nope", 1)],
  ["large_add", (i) => i.call("large_add", 1n as unknown as number, 2n as unknown as number)],
];
for (const [label, run] of cases) {
  const fresh = await instantiate(module);
  const first = await outcome(run(fresh));
  const warm = await instantiate(module);
  for (const name of ["add", "circle_area", "large_add"]) await warm.call(name, ...(name === "large_add" ? [1n, 1n] as unknown as number[] : name === "add" ? [1, 1] : [1]));
  const later = await outcome(run(warm));
  console.log(first === later ? `${label}: ${first}` : `${label}: first ${first} / later ${later}`);
  await fresh.drop();
  await warm.drop();
}
// After drop(), the kept function reaches a dropped instance.
const dropped = await instantiate(module);
await dropped.call("add", 1, 1);
await dropped.drop();
console.log(`after drop: ${await outcome(dropped.call("add", 1, 1))}`);
