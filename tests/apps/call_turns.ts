// `await instance.call` on both of its paths (plain numbers, and slots for i64), for calls that do
// not end at once: they wait for a flag that only a JS timer sets, so each can end only if the
// event loop runs while it is pending (ext_wasm/src/call_first.rs).
import { compile, instantiate, isWasmError } from "runtime:wasm";

const instance = await instantiate(await compile(new TextEncoder().encode(`(module
  (memory (export "memory") 1)
  ;; Spins until the byte at the address is non-zero; returns it.
  (func (export "wait_flag") (param i32) (result i32)
    (loop $spin (br_if $spin (i32.eqz (i32.load8_u (local.get 0)))))
    (i32.load8_u (local.get 0)))
  ;; The same through the slots path (an i64 result): returns the byte plus 2^40.
  (func (export "wait_flag64") (param i32) (result i64)
    (loop $spin (br_if $spin (i32.eqz (i32.load8_u (local.get 0)))))
    (i64.add (i64.load8_u (local.get 0)) (i64.const 1099511627776)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))`)));
const flags = new Uint8Array(instance.memory.buffer);
const raise = (address: number, value: number, ms: number) => setTimeout(() => (flags[address] = value), ms);

// Each path: the call is still running when the timer fires.
raise(0, 7, 20);
console.log("numbers path:", (await instance.call("wait_flag", 0))[0]);
raise(1, 9, 20);
const [big] = await instance.call("wait_flag64", 1);
console.log("slots path:", typeof big, big);

// Calls made together on one instance take turns: the second waits for the first's store and
// ends after it, on either path.
const order: string[] = [];
const track = (name: string, p: Promise<unknown[]>) => p.then(([v]) => order.push(`${name}=${v}`));
raise(2, 1, 20);
await Promise.all([
  track("wait", instance.call("wait_flag", 2)),
  track("add", instance.call("add", 2, 3)),
  track("add64", instance.call("add64", 40n, 2n)),
]);
console.log("in turn:", order.join(" "));

// A call that fails at once is a rejected promise, not a throw.
let threw = false;
let pending: Promise<unknown> | undefined;
try {
  pending = instance.call("div", 1, 0);
} catch {
  threw = true;
}
const rejected = await pending!.then(() => "resolved", (e) => (isWasmError(e) ? `${e.code} ${e.name}` : "uncoded"));
console.log("failed call:", threw ? "threw" : rejected);
console.log("then:", (await instance.call("add", 20, 22))[0]);
