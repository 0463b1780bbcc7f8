// P4 context: CRuby's start-up. npm's @ruby/3.4-wasm-wasi ruby.wasm is a WASI reactor built for JS
// interop, driven through the legacy wit-bindgen canonical ABI (tests/apps/ruby.ts does the same
// in full, with its own checks): it has no `_start`, and it imports 24 functions from
// `rb-js-abi-host` and `canonical_abi` that only its `js` gem calls. Each repeat instantiates it
// (which runs `_initialize`) with those imports as JS host functions, calls `ruby-init` with the
// arguments the package's RubyVM passes, and evaluates `puts 1` (flushing $stdout, which Ruby
// buffers on a pipe), timed together with performance.now. What Ruby prints is captured and
// checked. Kiln.args: the path, the number of repeats. Prints one JSON line: {"ms": [per run]}.
import { compileFile, type HostFunction, type ImportObject, instantiate, moduleImports } from "runtime:wasm";
import { emit, measure } from "./common.ts";

const [path, repeats] = Kiln.args;
const moduleId = await compileFile(path);

// rb-abi-value handles: the guest mints one for a raw value with resource_new and reads it back
// with resource_get. Every other non-WASI import fails loudly if Ruby ever calls it.
let handles: number[] = [];
const namespaces: Record<string, Record<string, HostFunction>> = {};
for (const i of await moduleImports(moduleId)) {
  if (i.module === "wasi_snapshot_preview1" || i.kind !== "function") continue;
  const ns = (namespaces[i.module] ??= {});
  if (i.name === "resource_new_rb-abi-value") ns[i.name] = (raw: number) => handles.push(raw) - 1;
  else if (i.name === "resource_get_rb-abi-value") ns[i.name] = (handle: number) => handles[handle];
  else {
    ns[i.name] = () => {
      throw new Error(`ruby.wasm called ${i.module}.${i.name}, which \`puts 1\` should not need`);
    };
  }
}
const imports: ImportObject = namespaces;
const utf8 = new TextEncoder();

const ms = await measure(Number(repeats), async () => {
  handles = [];
  const t0 = performance.now();
  const instance = await instantiate(moduleId, { imports, args: ["ruby.wasm"], stdout: "capture", stderr: "capture" });
  const names = (await instance.getExports()).map((e) => e.name);
  /** The export `name`, or for a wit-bindgen one `name: func(...) -> ...`. */
  const guest = (name: string) => instance.exports[names.find((e) => e === name || e.startsWith(`${name}: func(`))!];
  const realloc = guest("cabi_realloc");
  /** A NUL-terminated copy of `text` in guest memory, as Ruby's C API wants it: (ptr, len). */
  const cString = (text: string): [number, number] => {
    const bytes = utf8.encode(`${text}\0`);
    const ptr = realloc<number>(0, 0, 1, bytes.length);
    new Uint8Array(instance.memory.buffer).set(bytes, ptr);
    return [ptr, bytes.length];
  };
  // ruby-init(args: list<string>): (ptr, len) pairs, 8 bytes each.
  const args = ["ruby.wasm", "-EUTF-8", "-e_=0"];
  const list = realloc<number>(0, 0, 4, args.length * 8);
  for (const [i, arg] of args.entries()) {
    const [ptr, len] = cString(arg);
    const pairs = new DataView(instance.memory.buffer, list + i * 8, 8);
    pairs.setInt32(0, ptr, true);
    pairs.setInt32(4, len, true);
  }
  guest("ruby-init")(list, args.length);
  // rb-eval-string-protect returns a pointer to (handle, tag); tag 0 is no exception.
  const area = guest("rb-eval-string-protect")<number>(...cString("puts 1; $stdout.flush"));
  const tag = new DataView(instance.memory.buffer).getInt32(area + 4, true);
  const t = performance.now() - t0;
  const out = new TextDecoder().decode(instance.takeStdout());
  if (tag !== 0 || out !== "1\n") {
    const err = new TextDecoder().decode(instance.takeStderr());
    throw new Error(`ruby printed ${JSON.stringify(out)} (tag ${tag}), stderr: ${err}`);
  }
  await instance.drop();
  return t;
});
emit({ ms });
