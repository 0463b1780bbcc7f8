// CRuby 3.4 (npm's @ruby/3.4-wasm-wasi, ruby+stdlib.wasm: a WASI reactor) evaluating Ruby under
// Kiln. Its 24 non-WASI imports (`rb-js-abi-host`, `canonical_abi`) are given here as JS host
// functions, and its exports are driven with the legacy wit-bindgen canonical ABI done by hand, as
// the package's own glue does (@ruby/wasm-wasi: vm.js and bindgen/legacy/rb-abi-guest.js):
// strings go in as (ptr, len) after `cabi_realloc`, NUL-terminated; a `tuple<handle, s32>` or a
// `string` result comes back as a pointer to a return area; a `handle<rb-abi-value>` is an index
// into a table the host keeps, filled by the guest's `canonical_abi.resource_new_rb-abi-value`.
// Usage: kiln run ruby.ts <path to ruby+stdlib.wasm>
import { compileFile, type HostFunction, instantiate, moduleImports } from "runtime:wasm";

const path = Kiln.args[0];
if (path === undefined) throw new Error("usage: kiln run ruby.ts <path to ruby+stdlib.wasm>");
const moduleId = await compileFile(path);

// rb-abi-value handles: the guest's raw values (pointers to its own boxes that keep a Ruby VALUE
// alive), by handle index. The guest mints a handle with resource_new and, given a handle, asks
// for its raw value with resource_get; the host frees the raw value with the guest's
// `canonical_abi_drop_rb-abi-value` when it no longer needs it.
const rbValues: (number | undefined)[] = [];
const rawValue = (handle: number): number => {
  const raw = rbValues[handle];
  if (raw === undefined) throw new RangeError(`rb-abi-value handle ${handle} is not valid`);
  return raw;
};

/** A host function that Ruby calls only from its `js` gem (never here): it fails loudly. */
const unexpected = (name: string): HostFunction => () => {
  throw new Error(`ruby.wasm called ${name}, which this test does not expect`);
};
const hostImports = [
  "rb_wasm_throw_prohibit_rewind_exception",
  "eval-js: func(code: string) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }",
  "is-js: func(value: handle<js-abi-value>) -> bool",
  "instance-of: func(value: handle<js-abi-value>, klass: handle<js-abi-value>) -> bool",
  "global-this: func() -> handle<js-abi-value>",
  "int-to-js-number: func(value: s32) -> handle<js-abi-value>",
  "float-to-js-number: func(value: float64) -> handle<js-abi-value>",
  "string-to-js-string: func(value: string) -> handle<js-abi-value>",
  "bool-to-js-bool: func(value: bool) -> handle<js-abi-value>",
  "proc-to-js-function: func(value: u32) -> handle<js-abi-value>",
  "rb-object-to-js-rb-value: func(raw-rb-abi-value: u32) -> handle<js-abi-value>",
  "js-value-to-string: func(value: handle<js-abi-value>) -> string",
  "js-value-to-integer: func(value: handle<js-abi-value>) -> variant { as-float(float64), bignum(string) }",
  "export-js-value-to-host: func(value: handle<js-abi-value>) -> ()",
  "import-js-value-from-host: func() -> handle<js-abi-value>",
  "js-value-typeof: func(value: handle<js-abi-value>) -> string",
  "js-value-equal: func(lhs: handle<js-abi-value>, rhs: handle<js-abi-value>) -> bool",
  "js-value-strictly-equal: func(lhs: handle<js-abi-value>, rhs: handle<js-abi-value>) -> bool",
  "reflect-apply: func(target: handle<js-abi-value>, this-argument: handle<js-abi-value>, arguments: list<handle<js-abi-value>>) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }",
  "reflect-get: func(target: handle<js-abi-value>, property-key: string) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }",
  "reflect-set: func(target: handle<js-abi-value>, property-key: string, value: handle<js-abi-value>) -> variant { success(handle<js-abi-value>), failure(handle<js-abi-value>) }",
];
const imports = {
  "rb-js-abi-host": Object.fromEntries(hostImports.map((name) => [name, unexpected(`rb-js-abi-host.${name}`)])),
  canonical_abi: {
    "resource_new_rb-abi-value": (raw: number) => rbValues.push(raw) - 1,
    "resource_get_rb-abi-value": (handle: number) => rawValue(handle),
    "resource_drop_js-abi-value": unexpected("canonical_abi.resource_drop_js-abi-value"),
  },
};

// Every import that is not WASI must be one of the stubs above: 24 of them.
const provided = new Set(Object.entries(imports).flatMap(([m, fns]) => Object.keys(fns).map((n) => `${m}.${n}`)));
const needed = (await moduleImports(moduleId)).filter((i) => i.module !== "wasi_snapshot_preview1");
const missing = needed.filter((i) => !provided.has(`${i.module}.${i.name}`)).map((i) => `${i.module}.${i.name}`);
console.log(`imports: ${needed.length} non-WASI, ${provided.size} provided, missing: ${missing.join(", ") || "none"}`);

// A reactor: instantiate runs its `_initialize`. Ruby needs no preopen or environment.
const instance = await instantiate(moduleId, { imports, args: ["ruby.wasm"], inheritStdout: true, inheritStderr: true });
const exportNames = (await instance.getExports()).map((e) => e.name);
/** The full name of the export `name` or, for the wit-bindgen ones, of `name: func(...) -> ...`. */
function fullName(name: string): string {
  const full = exportNames.filter((e) => e === name || e.startsWith(`${name}: func(`));
  if (full.length !== 1) throw new Error(`ruby.wasm exports ${full.length} functions named ${name}`);
  return full[0];
}
/** The export `name`, called synchronously (the host functions it reaches run meanwhile). */
const guest = (name: string) => instance.exports[fullName(name)];

const utf8 = new TextEncoder();
const memory = instance.memory;
const i32At = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset).getInt32(offset, true);

/** Copies `text` (NUL-terminated, as Ruby's C API wants) into guest memory: its (ptr, len). */
async function guestString(text: string): Promise<[number, number]> {
  const bytes = utf8.encode(`${text}\0`);
  const ptr = guest("cabi_realloc")<number>(0, 0, 1, bytes.length);
  await memory.write(ptr, bytes);
  return [ptr, bytes.length];
}

/** `ruby-init: func(args: list<string>)`: a list of (ptr, len) pairs, 8 bytes each, align 4. */
async function rubyInit(args: string[]): Promise<void> {
  const list = guest("cabi_realloc")<number>(0, 0, 4, args.length * 8);
  const pairs = new DataView(new ArrayBuffer(args.length * 8));
  for (const [i, arg] of args.entries()) {
    const [ptr, len] = await guestString(arg);
    pairs.setInt32(i * 8, ptr, true);
    pairs.setInt32(i * 8 + 4, len, true);
  }
  await memory.write(list, new Uint8Array(pairs.buffer));
  // Through the asynchronous path for once: the event loop runs while Ruby boots.
  await instance.call(fullName("ruby-init"), list, args.length);
}

/** Reads a `tuple<handle<rb-abi-value>, s32>` from its return area: the handle's raw value and the tag. */
async function valueAndTag(area: number): Promise<[number, number]> {
  const bytes = await memory.read(area, 8);
  return [rawValue(i32At(bytes, 0)), i32At(bytes, 4)];
}

/** `rb-eval-string-protect`: the result's raw value, and the Ruby tag (0: no exception, 6: raise). */
async function evalRuby(code: string): Promise<[number, number]> {
  const [ptr, len] = await guestString(code);
  return valueAndTag(guest("rb-eval-string-protect")<number>(ptr, len));
}

/** Passes a raw value back to the guest: a new handle for it (the guest resource_gets it). */
const handleOf = (raw: number) => rbValues.push(raw) - 1;

/** `rstring-ptr`: a Ruby String's contents, read from the (ptr, len) its return area holds. */
async function rubyString(raw: number): Promise<string> {
  const area = guest("rstring-ptr")<number>(handleOf(raw));
  const pair = await memory.read(area, 8);
  const text = new TextDecoder().decode(await memory.read(i32At(pair, 0), i32At(pair, 4)));
  guest("cabi_post_rstring-ptr")(area);
  return text;
}

/** `rb-funcallv-protect` with no arguments: `recv.method`, its raw value and tag. */
async function callMethod(recv: number, method: string): Promise<[number, number]> {
  const [ptr, len] = await guestString(method);
  const mid = guest("rb-intern")<number>(ptr, len);
  const args = guest("cabi_realloc")<number>(0, 0, 4, 0);
  return valueAndTag(guest("rb-funcallv-protect")<number>(handleOf(recv), mid, args, 0));
}

const drop = (raw: number) => guest("canonical_abi_drop_rb-abi-value")(raw);

// The arguments the package's RubyVM passes by default.
await rubyInit(["ruby.wasm", "-EUTF-8", "-e_=0"]);
console.log("ruby-init: done");

const [putsValue, putsTag] = await evalRuby("puts 1 + 1");
drop(putsValue);
// Ruby buffers $stdout when it is not a terminal (as here, a pipe) and flushes it at exit; a
// reactor never exits, so flush it as Ruby's own exit would.
const [flushed, flushTag] = await evalRuby("$stdout.flush");
drop(flushed);
console.log(`puts tag: ${putsTag}, flush tag: ${flushTag}`);

const [version, versionTag] = await evalRuby(`"kiln:" + RUBY_VERSION`);
const versionText = await rubyString(version);
console.log(`version tag: ${versionTag}, ${/^kiln:3\.4\.\d+$/.test(versionText) ? "kiln:3.4.x" : versionText}`);
drop(version);

const [sum, sumTag] = await evalRuby("(1..10).map { |x| x * x }.sum.to_s + ' ' + 'ruby'.upcase.reverse");
console.log(`eval tag: ${sumTag}, result: ${await rubyString(sum)}`);
drop(sum);

// An exception: tag 6 (TAG_RAISE), the exception from rb-errinfo, its message by rb-funcallv.
const [, raiseTag] = await evalRuby(`raise ArgumentError, "boom from " + "ruby"`);
const error = guest("rb-errinfo")<number>();
const [message, messageTag] = await callMethod(rawValue(error), "message");
const [className] = await callMethod((await callMethod(rawValue(error), "class"))[0], "name");
console.log(`raise tag: ${raiseTag}, ${await rubyString(className)}: ${await rubyString(message)} (tag ${messageTag})`);
guest("rb-clear-errinfo")();
const [after, afterTag] = await evalRuby("$!.inspect");
console.log(`after rb-clear-errinfo: tag ${afterTag}, $! = ${await rubyString(after)}`);
