// instance.exports: the synchronous fast path. Same values and the same coded errors as call().
import { compile, compileFile, instantiate, isWasmError, types } from "runtime:wasm";

/** The code and name of the error `f` throws (with `withMessage`, the code and message). */
function code(f: () => unknown, withMessage = false): string {
  try {
    f();
    return "no error";
  } catch (e) {
    return isWasmError(e) ? `${e.code} ${withMessage ? e.message : e.name}` : `uncoded ${e}`;
  }
}

const math = await instantiate(await compileFile("./math.wasm"));
const { add, large_add, circle_area } = math.exports;
console.log("add:", add(2, 3), add(-1, 2 ** 32 - 1), add<number>(types.i32(40), 2));
console.log("large_add:", large_add(9007199254740992n, 1n), large_add(1, types.i64(2n)));
console.log("circle_area:", circle_area<number>(1) === Math.PI);
console.log("keys:", Object.keys(math.exports).join(","), Object.isFrozen(math.exports));
console.log("same as call:", add(7, 8) === (await math.call("add", 7, 8))[0]);
// call() reports bad arguments as a rejection, never by throwing synchronously.
const rejected = math.call("add", "x" as unknown as number, 1);
console.log("call rejects:", rejected instanceof Promise, await rejected.then(() => "ok", (e) => e.code));

const shapes = await instantiate(await compile(new TextEncoder().encode(`(module
  (func (export "none"))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_s (local.get 0) (local.get 1)) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "sum5") (param i32 i32 i32 i32 i32) (result i32)
    (i32.add (i32.add (i32.add (i32.add (local.get 0) (local.get 1)) (local.get 2)) (local.get 3)) (local.get 4)))
  (func (export "mix") (param f32 f64 i64) (result f64)
    (f64.add (f64.add (f64.promote_f32 (local.get 0)) (local.get 1)) (f64.convert_i64_s (local.get 2))))
  (func (export "half") (param f32) (result f32) (f32.div (local.get 0) (f32.const 2)))
  (func (export "trap") unreachable)
  (memory 1 1)
  (func (export "never_in_bounds") (result i32) (i32.load offset=70000 (i32.const 0)))
  (func (export "spin") (loop $l (br $l)))
  (func (export "simd") (param v128)))`)), { timeoutMs: 100 });
const x = shapes.exports;
console.log("none:", x.none());
console.log("divmod:", x.divmod(17, 5));
console.log("sum5:", x.sum5(1, 2, 3, 4, 5));
console.log("mix:", x.mix(0.5, 0.25, 2n));
console.log("half:", x.half(3));

console.log("too many:", code(() => add(1, 2, 3)));
console.log("too few:", code(() => add(1)));
console.log("not a number:", code(() => add("1" as unknown as number, 2)));
console.log("fraction:", code(() => add(1.5, 2)));
console.log("out of range:", code(() => add(2 ** 32, 2)));
console.log("bigint for i32:", code(() => add(1n, 2)));
console.log("wrong tag:", code(() => add(types.f64(1), 2)));
console.log("slot path wrong count:", code(() => x.sum5(1, 2)));
console.log("v128:", code(() => x.simd(0)));
console.log("trap:", code(() => x.trap()));
// Traps that always happen (`unreachable`, an access past the memory's maximum) are raised by a
// call in the compiled code, not a signal (patches/wasmtime-cranelift.patch): the same errors, and
// the instance goes on working after them.
console.log("unreachable:", code(() => x.trap(), true));
console.log("never in bounds:", code(() => x.never_in_bounds(), true));
console.log("after traps:", x.divmod(7, 2), (await shapes.call("divmod", 9, 4)).join(" "));
console.log("trap through call:", await shapes.call("never_in_bounds").then(() => "no error", (e) => `${e.code} ${e.message}`));
// The op checks plain numbers itself and the JS side converts only a refused call's arguments,
// then calls again: the guest must run once, whatever the arguments were, and a bad argument's
// error must name it.
const counter = await instantiate(await compile(new TextEncoder().encode(`(module
  (global $n (mut i32) (i32.const 0))
  (func (export "bump") (param i32 f64) (result i32)
    (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
  (func (export "tick") (param i32) (global.set $n (i32.add (global.get $n) (local.get 0)))))`)));
const { bump, tick } = counter.exports;
console.log(
  "runs once:",
  bump(1, 2),
  bump(types.i32(1), 2),
  bump(1, types.f64(2)),
  tick(types.i32(10)),
  bump(2 ** 32 - 1, -0),
);
const message = (f: () => unknown) => {
  try {
    f();
    return "no error";
  } catch (e) {
    return (e as Error).message;
  }
};
console.log("names the argument:", message(() => bump(1, "2" as unknown as number)));
console.log("names the missing one:", message(() => bump(1)));
console.log("void with a bad argument:", code(() => tick(0.5)), bump(0, 0));
// A function of the common shape is the op itself, bound to its export: `name` and `length` are
// the export's, trailing `undefined`s are not arguments, and any other extra argument is refused.
const u = undefined as unknown as number;
console.log("name and length:", add.name, add.length, bump.length, tick.length, x.none.length);
console.log("trailing undefined:", add(1, 2, u), tick(1, u), x.none(u));
console.log("extra:", code(() => add(1, 2, u, 4)), code(() => tick(1, 2)), code(() => x.none(0)));
console.log("missing in the middle:", message(() => bump(1, u)), message(() => add(u, 2)));
// A refused argument is converted by JS, which may run any code meanwhile: a tagged value whose
// getter calls into the same instance, and one whose getter throws.
const reentrant = { type: "i32", get value() { return bump<number>(0, 0) * 100; } };
console.log("reentrant conversion:", bump(reentrant as unknown as number, 0), tick(reentrant as unknown as number), bump(0, 0));
const throwing = { type: "i32", get value(): number { throw new RangeError("from the getter"); } };
console.log("throwing conversion:", message(() => add(throwing as unknown as number, 1)), add(1, 1));
console.log("this is ignored:", add.call({}, 3, 4), Reflect.apply(add, null, [5, 6]));

// A runaway guest is stopped by timeoutMs even though the call cannot yield; no timer fires
// while it runs, and the instance works afterwards.
let ticks = 0;
const timer = setInterval(() => ticks++, 5);
const started = performance.now();
console.log("spin:", code(() => x.spin()), "within 2x:", performance.now() - started < 200, "ticks during:", ticks);
clearInterval(timer);
console.log("after spin:", x.divmod(9, 4));

// Fuel stops it too.
const fueled = await instantiate(await compileFile("./math.wasm"), { fuel: 1_000 });
console.log("fuel ok:", fueled.exports.add(1, 1));

// interruptible: false compiles without interruption checks; it is refused beside anything that
// must stop a call.
const mathModule = await compileFile("./math.wasm");
const unchecked = await instantiate(mathModule, { interruptible: false });
console.log("uninterruptible:", unchecked.exports.add(1, 2), (await unchecked.call("add", 3, 4))[0]);
const refused = (config: object) =>
  instantiate(mathModule, config).then(() => "made", (e) => (isWasmError(e) ? `${e.code} ${/interruptible/.test(e.message)}` : "uncoded"));
console.log("with timeoutMs:", await refused({ interruptible: false, timeoutMs: 5 }));
console.log("with fuel:", await refused({ interruptible: false, fuel: 5 }));
console.log("interruptible: true:", await refused({ interruptible: true, timeoutMs: 5 }));

// A call in flight on the instance: the synchronous path says the instance is busy.
const slow = await instantiate(await compile(new TextEncoder().encode(
  `(module (func (export "spin") (loop $l (br $l))) (func (export "one") (result i32) i32.const 1))`,
)), { timeoutMs: 300 });
const pending = slow.call("spin").catch((e) => (isWasmError(e) ? e.code : "uncoded"));
console.log("busy:", code(() => slow.exports.one()));
console.log("pending call ended:", await pending, "then:", slow.exports.one());

// A WASI command through the synchronous path: its imports run inline.
const app = await instantiate(await compileFile("./app.wasm"), { args: ["app", "--exit=3"] });
const start = app.exports._start;
const exit = (() => {
  try {
    start();
    return "returned";
  } catch (e) {
    return isWasmError(e) ? `${e.code} exitCode=${e.exitCode}` : `uncoded ${e}`;
  }
})();
console.log("wasi exit:", exit);
const ok = await instantiate(await compileFile("./app.wasm"), { args: ["app"] });
console.log("wasi exit 0:", ok.exports._start());

// A function outlives the variable holding its instance; after drop() it fails with 5005.
const held = (await instantiate(await compileFile("./math.wasm"))).exports.add;
console.log("held:", held(20, 22));
await math.drop();
const fresh = await instantiate(await compileFile("./math.wasm"));
await fresh.drop();
console.log("after drop:", code(() => add(1, 2)), code(() => fresh.exports));
