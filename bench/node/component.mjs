// P8's Node.js peer: the component of wat/component.wat as jco (npm's @bytecodealliance/jco,
// pinned in package.json) transpiles it, an ES module that bench/run.mjs writes into
// build/jco/component/. Times its exports as bench/kiln/component.ts times Kiln's.
//
//   node component.mjs '<json spec>'   spec: {"module": path of jco's component.js, "calls": N
//                                       add calls per run, "blobCalls": N blobLen calls per run,
//                                       "blobBytes": bytes of blob.data, "repeats"}
// Prints one JSON line: {"add": [ns per call, per run], "blobLen": [...]}.
import { pathToFileURL } from "node:url";

import { measure, now } from "../shared.mjs";

const spec = JSON.parse(process.argv[2]);
const { add, blobLen } = await import(pathToFileURL(spec.module).href);

// The same checks as Kiln's: u32 arithmetic wraps, and blob-len counts the name's UTF-8 bytes.
if (add(2, 3) !== 5) throw new Error(`add(2, 3) = ${add(2, 3)}`);
if (add(0xffffffff, 2) !== 1) throw new Error(`add(0xffffffff, 2) = ${add(0xffffffff, 2)}`);
const data = new Uint8Array(spec.blobBytes);
for (let i = 0; i < data.length; i++) data[i] = i & 255;
const expected = 4 + data.length;
if (blobLen({ name: "blob", data }) !== expected) throw new Error(`blobLen = ${blobLen({ name: "blob", data })}, expected ${expected}`);
if (blobLen({ name: "héllo", data: new Uint8Array(3) }) !== 9) throw new Error("blobLen does not count UTF-8 bytes");

const out = {};
out.add = await measure(spec.repeats, () => {
  const n = spec.calls;
  let sink = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) sink += add(i, 1);
  const t = now() - t0;
  if (sink < 0) throw new Error("unreachable");
  return (t * 1e9) / n;
});
out.blobLen = await measure(spec.repeats, () => {
  const n = spec.blobCalls;
  const blob = { name: "blob", data };
  let sink = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) sink += blobLen(blob);
  const t = now() - t0;
  if (sink !== n * expected) throw new Error(`blobLen returned ${sink / n} on average, expected ${expected}`);
  return (t * 1e9) / n;
});
console.log(JSON.stringify(out));
