// Every runtime:wasm and runtime:fs function, and every raw op behind them, called with values of
// the wrong type or range: each call must fail with a coded error (or succeed), never anything else.
import * as wasm from "runtime:wasm";
import * as fs from "runtime:fs";

type Fn = (...args: unknown[]) => unknown;
const ops = (globalThis as unknown as { Deno: { core: { ops: Record<string, Fn> } } }).Deno.core.ops;

const shared = new Uint8Array(new SharedArrayBuffer(16));
// A view whose buffer is then detached (ArrayBuffer.prototype.transfer moves its contents away).
const detachedBuffer = new ArrayBuffer(16);
const detachedView = new Uint8Array(detachedBuffer);
const transfer = (detachedBuffer as unknown as { transfer?: () => ArrayBuffer }).transfer;
if (transfer) transfer.call(detachedBuffer);

const BAD: [string, unknown][] = [
  ["undefined", undefined], ["null", null], ["NaN", NaN], ["-1", -1], ["0", 0], ["1.5", 1.5],
  ["2^53", 2 ** 53], ["1e300", 1e300], ["Infinity", Infinity], ["-Infinity", -Infinity],
  ["string", "x"], ["numeric string", "1"], ["object", {}], ["array", [1, 2]], ["bigint", 10n],
  ["huge bigint", 2n ** 70n], ["symbol", Symbol("s")], ["function", () => 1], ["true", true],
  ["shared bytes", shared], ["detached view", detachedView], ["foreign id", 987654],
  ["foreign id string", "987654"],
];

let calls = 0;
let coded = 0;
let succeeded = 0;
const uncoded: string[] = [];

async function attempt(label: string, f: () => unknown): Promise<void> {
  calls++;
  try {
    await f();
    succeeded++;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (wasm.isWasmError(e) && typeof code === "number" && code >= 5000 && code <= 5011) coded++;
    else uncoded.push(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

/** Calls `f` with each bad value in each position, the other positions holding `good` values. */
async function matrix(label: string, f: Fn, good: unknown[]): Promise<void> {
  for (let position = 0; position < Math.max(good.length, 1); position++) {
    for (const [name, value] of BAD) {
      const args = good.slice();
      args[position] = value;
      await attempt(`${label}(arg ${position + 1} = ${name})`, () => f(...args));
    }
  }
}

const moduleId = await wasm.compileFile("./loop.wasm");
const instance = await wasm.instantiate(moduleId);
const raw = Number(instance.id);
const dropped = await wasm.instantiate(moduleId);
await dropped.drop();
const droppedModule = await wasm.compileFile("./loop.wasm");
await wasm.dropModule(droppedModule);
const bytes = await fs.readBytes("./loop.wasm");

const publicFns: [string, Fn, unknown[]][] = [
  ["compile", wasm.compile as Fn, [bytes]],
  ["compileFile", wasm.compileFile as Fn, ["./loop.wasm"]],
  ["dropModule", wasm.dropModule as Fn, [droppedModule]],
  ["instantiate", wasm.instantiate as Fn, [moduleId, {}]],
  ["types.i32", wasm.types.i32 as Fn, [1]],
  ["types.i64", wasm.types.i64 as Fn, [1n]],
  ["types.f32", wasm.types.f32 as Fn, [1]],
  ["types.f64", wasm.types.f64 as Fn, [1]],
  ["call", instance.call.bind(instance) as Fn, ["div", 6, 3]],
  ["memory.read", instance.memory.read.bind(instance.memory) as Fn, [0, 4]],
  ["memory.write", instance.memory.write.bind(instance.memory) as Fn, [0, new Uint8Array(4)]],
  ["memory.grow", instance.memory.grow.bind(instance.memory) as Fn, [0]],
  ["dropped.call", dropped.call.bind(dropped) as Fn, ["div", 6, 3]],
  ["dropped.memory.read", dropped.memory.read.bind(dropped.memory) as Fn, [0, 4]],
  ["readBytes", fs.readBytes as Fn, ["./loop.wasm"]],
  ["readTextFile", fs.readTextFile as Fn, ["./manifest.app.toml"]],
  ["exports.div", instance.exports.div as Fn, [6, 3]],
];
// count(n) loops n times, so a huge n needs the deadline to stop it.
const bounded = await wasm.instantiate(moduleId, { timeoutMs: 100 });
publicFns.push(["exports.count (slot path)", bounded.exports.count as Fn, [5n]]);
const boundedRaw = Number(bounded.id);
// A synchronous export held past its instance's drop.
const late = await wasm.instantiate(moduleId);
publicFns.push(["dropped exports.div", late.exports.div as Fn, [6, 3]]);
await late.drop();
await attempt("dropped.exports", () => dropped.exports);
for (const [label, f, good] of publicFns) await matrix(label, f, good);

// Config values of the wrong type.
for (const key of ["preopens", "env", "args", "inheritStdout", "fuel", "timeoutMs", "maxMemoryBytes", "nope"]) {
  for (const [name, value] of BAD) {
    await attempt(`instantiate({ ${key}: ${name} })`, () => wasm.instantiate(moduleId, { [key]: value } as wasm.WasiConfig));
  }
}

// Ranges: huge lengths, offsets past the end, huge growth.
await attempt("read 2^40", () => instance.memory.read(0, 2 ** 40));
await attempt("read at 2^53-1", () => instance.memory.read(2 ** 53 - 1, 1));
await attempt("write past end", () => instance.memory.write(65535, new Uint8Array(2)));
await attempt("grow 2^31", () => instance.memory.grow(2 ** 31));

// An exported table of functions (Kiln's WebAssembly.Table serves it with the table ops): slot 0
// holds `f`, export number 1.
const tableModule = await wasm.compile(
  new TextEncoder().encode('(module (table (export "t") 2 funcref) (func (export "f")) (elem (i32.const 0) 0))'),
);
const tableRaw = Number((await wasm.instantiate(tableModule)).id);

// The raw ops, with the same values.
const rawOps: [string, unknown[]][] = [
  ["op_wasm_module_ref_tables", [Number(tableModule)]],
  ["op_wasm_table_size", [tableRaw, "t", -1]],
  ["op_wasm_table_get", [tableRaw, "t", -1, 0]],
  ["op_wasm_table_set", [tableRaw, "t", -1, 1, 1, 0]],
  ["op_wasm_table_grow", [tableRaw, "t", -1, 1, -1, 0]],
  ["op_wasm_table_set_js", [tableRaw, "t", -1, 1, 0, "i32", "i32"]],
  ["op_wasm_table_grow_js", [tableRaw, "t", -1, 1, 0, "i32", ""]],
  // The externref forms, on a table of functions in a store of runtime:wasm (which holds no JS
  // values): refused, with a code.
  ["op_wasm_table_get_ref", [tableRaw, "t", -1, 0]],
  ["op_wasm_table_set_ref", [tableRaw, "t", -1, 1, 0]],
  ["op_wasm_table_grow_ref", [tableRaw, "t", -1, 1, 0]],
  // An adopted table the store does not have, and a function of an instance of another store.
  ["op_wasm_table_size", [tableRaw, "t", 7]],
  ["op_wasm_table_set", [tableRaw, "t", -1, 0, 0, raw]],
  ["op_wasm_module_compile", [bytes]],
  ["op_wasm_module_compile_file", ["./loop.wasm"]],
  ["op_wasm_module_drop", [Number(droppedModule)]],
  ["op_wasm_instance_create", [Number(moduleId), "", "", 0]],
  ["op_wasm_instance_linked", [raw]],
  ["op_wasm_instance_take_output", [raw, 1]],
  // Host-call ops: no call is parked, so even the "good" token names nothing (5005).
  ["op_wasm_instance_begin", [Number(moduleId), "", "", "[[\"env\",\"f\",\"function\",null]]", 0]],
  ["op_wasm_instance_end", [1]],
  // Joins the store of `raw` with a module that imports nothing of it, naming an extern of it.
  ["op_wasm_instance_join", [raw, Number(moduleId), `[["env","m","extern",[${raw},"memory",0]]]`, 0, true]],
  ["op_wasm_instance_joined", [1]],
  ["op_wasm_hcall_begin", [raw, 7, false, new Uint8Array(16)]],
  // Begins and runs a call of export 7 (div) of the instance with a deadline, given as one number.
  ["op_wasm_hcall_call_sync", [boundedRaw * 65536 + 7, new Uint8Array(24)]],
  ["op_wasm_hcall_run", [1, new Uint8Array(16)]],
  ["op_wasm_hcall_run_sync", [1, new Uint8Array(16)]],
  ["op_wasm_hcall_resume", [1, 0, 0, new Uint8Array(8), ""]],
  ["op_wasm_hcall_resume_sync", [1, 0, 0, new Uint8Array(8), ""]],
  ["op_wasm_hcall_cancel", [1]],
  ["op_wasm_caller_call", [1, "div", 2, new Uint8Array(16)]],
  ["op_wasm_caller_call_index", [1, raw, 7, 2, new Uint8Array(16)]],
  ["op_wasm_caller_signature", [1, "div"]],
  ["op_wasm_caller_memory_read", [1, 0, new Uint8Array(4)]],
  ["op_wasm_caller_memory_write", [1, 0, new Uint8Array(4)]],
  ["op_wasm_caller_memory_size", [1]],
  ["op_wasm_module_imports", [Number(moduleId)]],
  ["op_wasm_instance_exports", [raw]],
  ["op_wasm_instance_call", [raw, "div", new Uint8Array(16)]],
  // div is export number 7 of loop.wat; the packed form is instance id * 2^16 + export index.
  // A bad index can land on `spin` (1.5 becomes 1), so these use the instance with a deadline.
  ["op_wasm_instance_call_sync", [boundedRaw, 7, new Uint8Array(16)]],
  ["op_wasm_instance_call_numbers", [boundedRaw * 65536 + 7, 6, 3, 0]],
  // The bound form of instance.exports: called unbound, a refused argument has no function to go
  // back to, and the refusal itself is the error.
  ["op_wasm_export_call", [boundedRaw * 65536 + 7, 6, 3]],
  ["op_wasm_export_call_void", [boundedRaw * 65536 + 7, 6, 3]],
  // A call that does not end on its first poll is left for op_wasm_call_unfinished; with nothing
  // left, that op refuses (5002) instead of waiting.
  ["op_wasm_instance_call_numbers_first", [boundedRaw * 65536 + 7, 6, 3, 0]],
  ["op_wasm_call_unfinished", []],
  // The ids of JS values wasmtime freed (none here): it takes nothing, so nothing is refused.
  ["op_wasm_refs_freed", [1]],
  ["op_wasm_memory_read", [raw, 0, new Uint8Array(4)]],
  ["op_wasm_memory_write", [raw, 0, new Uint8Array(4)]],
  ["op_wasm_memory_size", [raw]],
  ["op_wasm_memory_grow", [raw, 0]],
  ["op_wasm_instance_drop", [Number(dropped.id)]],
  // A reclaim token (ext_wasm/src/reclaim.rs) and a registry's drop, both of a dropped instance:
  // neither ever throws, and neither may touch another instance.
  ["op_wasm_reclaim_token", [Number(dropped.id), false]],
  ["op_wasm_instance_forget", [Number(dropped.id), false]],
  ["op_fs_read_bytes", ["./loop.wasm"]],
  ["op_fs_read_text_file", ["./manifest.app.toml"]],
  ["op_kiln_random_fill", [new Uint8Array(4)]],
  ["op_kiln_url_parse", ["https://example.com/", "", false]],
  ["op_kiln_url_set", ["https://example.com/", 7, "/p"]],
  ["op_kiln_url_search_parse", ["a=1"]],
  ["op_kiln_url_search_serialize", [[["a", "1"]]]],
  ["op_kiln_decode_utf16", [new Uint8Array(4), false, false]],
  ["op_kiln_decode_windows1252", [new Uint8Array(4)]],
  ["op_kiln_compress", ["gzip", new Uint8Array(4)]],
  ["op_kiln_decompress", ["gzip", new Uint8Array([31, 139, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])]],
];
// A component's synchronous ops: one of plain numbers (add, function 0 of `comp`), one whose
// values the op reads itself (echo, function 1); and an instance whose import is a JS function,
// which the synchronous ops must refuse instead of waiting for JS that cannot run.
const comp = await wasm.instantiate(await wasm.compile(new TextEncoder().encode(`(component
  (core module $m
    (memory (export "memory") 1)
    (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64))
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "len") (param i32 i32) (result i32) (local.get 1)))
  (core instance $i (instantiate $m))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (func (export "add") (param "a" u32) (param "b" u32) (result u32) (canon lift (core func $i "add")))
  (func (export "len") (param "s" string) (result u32)
    (canon lift (core func $i "len") (memory $mem) (realloc $realloc) string-encoding=utf8)))`)));
const compRaw = Number(String(comp.id).slice(1));
const hosted = await wasm.instantiate(await wasm.compile(new TextEncoder().encode(`(component
  (import "ping" (func $ping (result u32)))
  (core func $p (canon lower (func $ping)))
  (core module $m (import "h" "ping" (func $ping (result i32))) (func (export "go") (result i32) (call $ping)))
  (core instance $i (instantiate $m (with "h" (instance (export "ping" (func $p))))))
  (func (export "go") (result u32) (canon lift (core func $i "go"))))`)), { imports: { ping: () => 7 } });
const hostedRaw = Number(String(hosted.id).slice(1));
rawOps.push(
  ["op_wasm_component_call_numbers", [compRaw * 65536, 2, 3, 0]],
  // Called unbound: a refused argument has no JS path to go back to, and the refusal is the error.
  ["op_wasm_component_call_direct", [compRaw * 65536 + 1, "abc"]],
  ["op_wasm_component_call_sync", [compRaw, 1, new Uint8Array(16), 7, new Uint8Array(0)]],
);
await attempt("op_wasm_component_call_direct on a store with JS host functions", () => ops.op_wasm_component_call_direct.call(() => 0, hostedRaw * 65536));
await attempt("op_wasm_component_call_numbers on a store with JS host functions", () => ops.op_wasm_component_call_numbers(hostedRaw * 65536, 0, 0, 0));
for (const [name, good] of rawOps) await matrix(name, ops[name], good);
await attempt("op_wasm_instance_call short buffer", () => ops.op_wasm_instance_call(raw, "div", new Uint8Array(3)));
await attempt("op_wasm_instance_call_sync short buffer", () => ops.op_wasm_instance_call_sync(boundedRaw, 7, new Uint8Array(3)));
await attempt("op_wasm_instance_call_sync past the exports", () => ops.op_wasm_instance_call_sync(boundedRaw, 999, new Uint8Array(16)));
await attempt("op_wasm_instance_call_numbers on a memory", () => ops.op_wasm_instance_call_numbers(raw * 65536, 0, 0, 0));
await attempt("op_wasm_instance_call_numbers on an i64 function", () => ops.op_wasm_instance_call_numbers(raw * 65536 + 2, 1, 0, 0));
await attempt("op_wasm_export_call without arguments", () => ops.op_wasm_export_call());
await attempt("op_wasm_export_call bound to a non-function", () => ops.op_wasm_export_call.call({}, boundedRaw * 65536 + 7, "x", 3));
await attempt("op_wasm_export_call past the exports", () => ops.op_wasm_export_call(boundedRaw * 65536 + 999, 1, 2));
await attempt("op_wasm_export_call on an i64 function", () => ops.op_wasm_export_call(raw * 65536 + 2, 1, 0));
await attempt("op_wasm_instance_create bad json", () => ops.op_wasm_instance_create(Number(moduleId), "{", ""));
await attempt("op_wasm_instance_create bad imports", () => ops.op_wasm_instance_create(Number(moduleId), "", "{"));
await attempt("op_wasm_instance_create unknown module", () => ops.op_wasm_instance_create(Number(moduleId), "", "[[\"m\", 99999]]"));

// The instance still works after all of that.
const [q] = await instance.call("div", 6, 3);
console.log(JSON.stringify({ calls, coded, succeeded, uncoded: uncoded.slice(0, 30), uncodedCount: uncoded.length, stillWorks: q === 2 }));
