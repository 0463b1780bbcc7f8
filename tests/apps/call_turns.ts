// `await instance.call` on both of its paths (plain numbers, and slots for i64), for calls that do
// not end at once: they wait for a flag that only a JS timer sets, so each can end only if the
// event loop runs while it is pending (ext_wasm/src/call_first.rs). At the end, `instantiate`'s
// two paths.
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

// `instantiate` takes the same two paths. A start function that sleeps (a WASI clock poll of
// 30 ms) does not end on the first poll: a timer due at once fires before the instance is made.
const sleeperWat = (end: string) => `(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $started (mut i32) (i32.const 0))
  (func $start
    ;; One subscription at 0: a clock (tag 0 at 8), monotonic (id 1 at 16), 30 ms from now (24).
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 30000000))
    (drop (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    ${end})
  (start $start)
  (func (export "started") (result i32) (global.get $started)))`;
const turns: string[] = [];
setTimeout(() => turns.push("timer"), 0);
const sleeper = await instantiate(await compile(new TextEncoder().encode(sleeperWat("(global.set $started (i32.const 1))"))));
turns.push("instantiated");
console.log("sleeping start:", turns.join(" "), "started =", (await sleeper.call("started"))[0]);

// One that fails after its first poll is a rejection with the start function's error.
const trapping = await compile(new TextEncoder().encode(sleeperWat("unreachable")));
const failed = await instantiate(trapping).then(() => "made", (e) => (isWasmError(e) ? `${e.code} ${e.name}` : "uncoded"));
console.log("sleeping start that traps:", failed);

// An instance with fuel waits for its module to be compiled for the fuel engine, off the JS
// thread. Made together, each is finished by its own op.
const adder = await compile(new TextEncoder().encode(
  `(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`,
));
const sums = await Promise.all([1, 2, 3].map((n) => instantiate(adder, { fuel: 1_000 }).then((i) => i.call("add", n, 40))));
console.log("made with fuel:", sums.map(([v]) => v).join(" "));
