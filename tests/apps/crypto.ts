// `crypto` and `self`, the globals browser-first npm packages look for (Go's wasm_exec.js needs
// crypto.getRandomValues to start). Each check prints what it found, so a fill that leaves zeros,
// repeats itself, or writes outside the view changes the output.

// A whole 64 KiB: every byte value shows up, none far more often than the 256 times expected.
const big = new Uint8Array(65536);
const same = crypto.getRandomValues(big);
const counts = new Array(256).fill(0);
for (const byte of big) counts[byte]++;
console.log("same array:", same === big, "all values:", counts.every((c) => c > 0), "max count < 400:", Math.max(...counts) < 400);
const again = crypto.getRandomValues(new Uint8Array(32));
const twice = crypto.getRandomValues(new Uint8Array(32));
console.log("two fills differ:", again.some((b, i) => b !== twice[i]));

// A view fills its own bytes only, whatever the element type.
const backing = new ArrayBuffer(32);
const words = new Uint32Array(backing, 8, 2);
crypto.getRandomValues(words);
const bytes = new Uint8Array(backing);
console.log("outside the view zero:", bytes.slice(0, 8).every((b) => b === 0) && bytes.slice(16).every((b) => b === 0));
console.log("inside the view set:", bytes.slice(8, 16).some((b) => b !== 0));
const bigints = crypto.getRandomValues(new BigUint64Array(4));
console.log("bigints:", bigints.every((v) => typeof v === "bigint") && new Set(bigints).size === 4);
console.log("empty:", crypto.getRandomValues(new Int16Array(0)).length);

for (const [label, value] of [
  ["Float64Array", new Float64Array(2)],
  ["DataView", new DataView(new ArrayBuffer(4))],
  ["plain array", [1, 2, 3]],
  ["null", null],
  ["65537 bytes", new Uint8Array(65537)],
] as [string, unknown][]) {
  try {
    crypto.getRandomValues(value as Uint8Array);
    console.log(label, "accepted");
  } catch (e) {
    const error = e as Error & { code?: number };
    console.log(label, error.name, error.code, error.message);
  }
}

const uuids = new Set<string>();
for (let i = 0; i < 1000; i++) uuids.add(crypto.randomUUID());
const pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
console.log("uuids:", uuids.size, [...uuids].every((u) => pattern.test(u)));

console.log("self:", self === globalThis, typeof self.crypto.getRandomValues);
