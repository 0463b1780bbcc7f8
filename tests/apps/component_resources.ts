// Resources (tests/fixtures/components/resources.wat, interface kiln:test/counters): a JS class per
// resource with the constructor, methods and static functions; `live()` is counted by the guest
// (constructed minus destroyed by its destructor), so it shows when the guest's destructor ran.
// `Symbol.dispose` and `using` are typed by TypeScript's esnext.disposable lib, as `kiln types`
// references it.
/// <reference lib="esnext.disposable" />
import { compile, compileFile, instantiate, isWasmError, type WasmArg, type WasmInstance } from "runtime:wasm";

interface Counter {
  increment(by: number): number;
  get(): number;
  [Symbol.dispose](): void;
}
interface CounterClass {
  new (start: number): Counter;
  merge(a: Counter, b: Counter): Counter;
  readonly prototype: Counter;
}
interface Counters {
  Counter: CounterClass;
  live(): number;
  consume(c: Counter): number;
}
interface Exports {
  "kiln:test/counters": Counters;
}

function describeError(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `not a WasmError: ${String(e)}`;
}
function attempt(label: string, f: () => unknown): void {
  try {
    console.log(`${label}: ${String(f())}`);
  } catch (e) {
    console.log(`${label}: ${describeError(e)}`);
  }
}

const id = await compileFile("./resources.wat");
const inst: WasmInstance<Exports> = await instantiate<Exports>(id);
const call = (name: string, ...args: unknown[]) => inst.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;
const ns = inst.exports["kiln:test/counters"];
const { Counter } = ns;

console.log(`class: ${Counter.name}, live at start: ${ns.live()}`);
const c = new Counter(5);
console.log(`new Counter(5): instanceof ${c instanceof Counter}, get ${c.get()}, live ${ns.live()}`);
console.log(`increment(3): ${c.increment(3)}, get ${c.get()}`);
console.log(`increment wraps: ${c.increment(2 ** 32 - 1)}`);
const d = new Counter(10);
const m = Counter.merge(c, d);
console.log(`merge(7, 10): ${m.get()}, instanceof ${m instanceof Counter}, live ${ns.live()}`);
// Borrows leave the arguments usable.
console.log(`after merge: ${c.get()} ${d.get()}`);

// Nothing reaches the guest when the arguments are wrong.
attempt("increment(-1)", () => c.increment(-1));
attempt("increment()", () => (c.increment as (...a: unknown[]) => number)());
attempt("new Counter(-1)", () => new Counter(-1));
attempt("new Counter(1.5)", () => new Counter(1.5));
console.log(`unchanged: get ${c.get()}, live ${ns.live()}`);
attempt("merge(c, {})", () => Counter.merge(c, {} as Counter));
attempt("consume(3)", () => ns.consume(3 as unknown as Counter));
attempt("get on a plain object", () => Counter.prototype.get.call({}));

// own: consume moves the counter into the guest, which drops it.
console.log(`consume(d): ${ns.consume(d)}, live ${ns.live()}`);
attempt("d.get() after the move", () => d.get());
attempt("consume(d) again", () => ns.consume(d));
attempt("merge(c, d) after the move", () => Counter.merge(c, d));
d[Symbol.dispose]();
console.log(`dispose after the move: live ${ns.live()}`);

// Symbol.dispose runs the guest's destructor; twice is harmless.
m[Symbol.dispose]();
console.log(`m disposed: live ${ns.live()}`);
m[Symbol.dispose]();
console.log(`m disposed again: live ${ns.live()}`);
attempt("m.get() after dispose", () => m.get());
{
  using scoped = new Counter(1);
  console.log(`in a using block: ${scoped.get()}, live ${ns.live()}`);
}
console.log(`after the using block: live ${ns.live()}`);

// Through call, by the full names.
const [r] = (await call("kiln:test/counters#[constructor]counter", 5)) as [Counter];
console.log(`call constructor: instanceof ${r instanceof Counter}, get ${r.get()}, live ${ns.live()}`);
console.log(`call increment: ${JSON.stringify(await call("kiln:test/counters#[method]counter.increment", r, 2))}`);
console.log(`call get: ${JSON.stringify(await call("kiln:test/counters#[method]counter.get", r))}`);
const [merged] = (await call("kiln:test/counters#[static]counter.merge", r, c)) as [Counter];
console.log(`call merge: ${merged.get()}, live ${JSON.stringify(await call("kiln:test/counters#live"))}`);
console.log(`call consume: ${JSON.stringify(await call("kiln:test/counters#consume", merged))}, live ${ns.live()}`);
console.log(`call get after the move: ${await call("kiln:test/counters#[method]counter.get", merged).then(String, describeError)}`);

// A counter of another instance of the same component is refused, and left alone.
const other = await instantiate<Exports>(id);
const foreign = new other.exports["kiln:test/counters"].Counter(100);
attempt("merge with another instance's counter", () => Counter.merge(c, foreign));
attempt("consume another instance's counter", () => ns.consume(foreign));
console.log(`the foreign counter still works: ${foreign.get()}, its instance's live ${other.exports["kiln:test/counters"].live()}`);
console.log(`call with it: ${await call("kiln:test/counters#consume", foreign).then(String, describeError)}`);
console.log(`live here ${ns.live()}, there ${other.exports["kiln:test/counters"].live()}`);

// Resources outlive nothing: once the instance is dropped, using one fails; disposing it does not.
await other.drop();
attempt("foreign.get() after its instance was dropped", () => foreign.get());
attempt("foreign dispose after its instance was dropped", () => foreign[Symbol.dispose]());
c[Symbol.dispose]();
r[Symbol.dispose]();
console.log(`all disposed: live ${ns.live()}`);

// A resource exported at the top level (`exports.Thing`), and an own parameter followed by
// another: when a later argument is wrong, nothing moves, so the thing stays the caller's.
const thingWat = `(component
  (type $thing (resource (rep i32)))
  (core func $new (canon resource.new $thing))
  (core func $drop (canon resource.drop $thing))
  (core module $m
    (import "r" "new" (func $new (param i32) (result i32)))
    (import "r" "drop" (func $drop (param i32)))
    (func (export "make") (result i32) (call $new (i32.const 7)))
    (func (export "take") (param $h i32) (param $n i32) (result i32)
      (call $drop (local.get $h))
      (local.get $n)))
  (core instance $i (instantiate $m
    (with "r" (instance (export "new" (func $new)) (export "drop" (func $drop))))))
  (export $t "thing" (type $thing))
  (func (export "make") (result (own $t)) (canon lift (core func $i "make")))
  (func (export "take") (param "t" (own $t)) (param "n" u32) (result u32)
    (canon lift (core func $i "take"))))`;
interface Thing { [Symbol.dispose](): void }
interface Things {
  Thing: { new (): Thing; readonly name: string };
  make(): Thing;
  take(t: Thing, n: number): number;
}
const things = await instantiate<Things>(await compile(new TextEncoder().encode(thingWat)));
const thing = things.exports.make();
console.log(`top-level resource: ${Object.keys(things.exports).join(", ")}; instanceof ${thing instanceof things.exports.Thing}`);
attempt("new Thing() without a constructor", () => new things.exports.Thing());
attempt("take(thing, -1)", () => things.exports.take(thing, -1));
attempt("take(thing, 5) after the refused call", () => things.exports.take(thing, 5));
attempt("take(thing, 6) after the move", () => things.exports.take(thing, 6));
