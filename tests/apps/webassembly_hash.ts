// The npm library hash-wasm (bench/node_modules) on the global WebAssembly: it compiles its
// modules from ArrayBuffers, instantiates them, passes null for i32 parameters, reads memory.buffer
// and a global through DataView (`getUint32(exports.STATE_SIZE)`), and runs several instances of
// one module. Kiln.args[0] is the absolute path of its dist/index.esm.js.
interface Hasher {
  init(): Hasher;
  update(data: Uint8Array | string): Hasher;
  digest(): string;
  save(): Uint8Array;
  load(state: Uint8Array): Hasher;
}
interface HashWasm {
  sha256(data: Uint8Array | string): Promise<string>;
  blake3(data: Uint8Array | string): Promise<string>;
  createSHA256(): Promise<Hasher>;
}

// The specifier goes through a variable: the library is outside tests/apps (tests/webassembly_api.rs).
const library: string = Kiln.args[0];
const hashWasm = (await import(library)) as HashWasm;

const mib = new Uint8Array(1 << 20);
for (let i = 0; i < mib.length; i++) mib[i] = i % 251;

console.log(`sha256("abc"): ${await hashWasm.sha256("abc")}`);
console.log(`sha256(1 MiB): ${await hashWasm.sha256(mib)}`);
// Half the input into one hasher, its state saved and loaded into a second (another instance).
const first = (await hashWasm.createSHA256()).init().update(mib.subarray(0, 300_000));
const second = (await hashWasm.createSHA256()).load(first.save()).update(mib.subarray(300_000));
console.log(`sha256 saved and loaded halfway: ${second.digest()}`);
console.log(`blake3("abc"): ${await hashWasm.blake3("abc")}`);
console.log(`blake3(1 MiB): ${await hashWasm.blake3(mib)}`);
