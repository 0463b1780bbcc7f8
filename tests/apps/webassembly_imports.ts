// JS functions as a module's imports: called with the guest's arguments and no more, results
// converted to the declared type, a throw handed to the export's caller unchanged; and an export
// of one instance as an import of another.
import { readBytes } from "runtime:fs";

type Fn = (...args: number[]) => number;
type ImportsExports = { callLog: Fn; callFive: Fn; callNone: Fn; callFail: Fn; addTwice: Fn };

const show = (value: unknown) => (typeof value === "bigint" ? `${value}n` : String(value));
const seen: string[] = [];
const thrown = new RangeError("thrown by the import");
const math = new WebAssembly.Instance(new WebAssembly.Module(await readBytes("./add.wasm")));
const imports = {
  env: {
    log(...args: unknown[]) {
      seen.push(`${args.length} [${args.map(show).join(", ")}]`);
    },
    five: () => "5",
    none: () => {},
    fail: () => {
      throw thrown;
    },
  },
  math: { add: math.exports.add },
};
const module = new WebAssembly.Module(await readBytes("./imports.wasm"));
const exports = new WebAssembly.Instance(module, imports).exports as unknown as ImportsExports;

exports.callLog();
console.log(`log: ${seen.join("; ")}`);
console.log(`returning "5": ${show(exports.callFive())}`);
console.log(`returning nothing: ${show(exports.callNone())}`);
let caught: unknown;
try {
  exports.callFail();
} catch (e) {
  caught = e;
}
console.log(`thrown reaches the caller: ${caught === thrown}`);
console.log(`still usable: ${show(exports.callFive())}`);
console.log(`an export as an import: ${show(exports.addTwice(5))}`);
