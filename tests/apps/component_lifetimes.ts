// How long component instances and their modules live, and the limits of a call: a dropped
// instance refuses calls (5005); dropping the module does not stop its instances; `timeoutMs` and
// `fuel` stop a component that loops (5011), written here as component text and compiled with
// `compile`.
import {
  compile,
  compileFile,
  dropModule,
  instantiate,
  isWasmError,
  type ComponentExports,
  type WasmArg,
} from "runtime:wasm";

function describeError(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}: ${e.message}` : `not a WasmError: ${String(e)}`;
}
function attempt(label: string, f: () => unknown): void {
  try {
    console.log(`${label}: ${JSON.stringify(f())}`);
  } catch (e) {
    console.log(`${label}: ${describeError(e)}`);
  }
}
async function settle(label: string, p: Promise<unknown>): Promise<void> {
  console.log(`${label}: ${await p.then((v) => JSON.stringify(v), describeError)}`);
}

// drop(): later use fails with 5005.
const types = await compileFile("./types.wat");
const inst = await instantiate<ComponentExports>(types);
const { add } = inst.exports;
console.log(`before drop: ${add(1, 2)}`);
await inst.drop();
attempt("exports after drop", () => add(1, 2));
attempt("exports.safeDiv after drop", () => inst.exports.safeDiv(4, 2));
await settle("call after drop", inst.call("add", 1, 2));
await settle("getExports after drop", inst.getExports());
await settle("drop again", inst.drop());

// dropModule: the module id is gone, its instances live on.
const shapes = await compileFile("./shapes.wat");
const live = await instantiate<ComponentExports>(shapes);
await dropModule(shapes);
console.log(`after dropModule: ${live.exports.version()} ${JSON.stringify(await live.call("kiln:test/shapes#area", ...([2, 3] as WasmArg[])))}`);
await settle("instantiate the dropped module", instantiate(shapes));
await live.drop();

// A component that loops forever, and one that counts down n times.
const loops = await compile(new TextEncoder().encode(`(component
  (core module $m
    (func (export "spin") (loop $l (br $l)))
    (func (export "count") (param $n i32) (result i32)
      (local $i i32)
      (block $done
        (loop $next
          (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      (local.get $i)))
  (core instance $i (instantiate $m))
  (func (export "spin") (canon lift (core func $i "spin")))
  (func (export "count") (param "n" u32) (result u32) (canon lift (core func $i "count"))))`));

const timed = await instantiate<ComponentExports>(loops, { timeoutMs: 200 });
console.log(`count(1000) under timeoutMs: ${timed.exports.count(1000)}`);
let ticks = 0;
const ticker = setInterval(() => ticks++, 10);
const started = Date.now();
await settle("spin under timeoutMs, call", timed.call("spin"));
clearInterval(ticker);
console.log(`stopped within 5 s: ${Date.now() - started < 5000}, timers ran meanwhile: ${ticks > 0}`);
const timedSync = await instantiate<ComponentExports>(loops, { timeoutMs: 200 });
attempt("spin under timeoutMs, exports", () => timedSync.exports.spin());
// The guest was stopped in the middle of a call: its instance cannot be entered again.
attempt("the instance after the timeout", () => timedSync.exports.count(5));

const fueled = await instantiate<ComponentExports>(loops, { fuel: 100000 });
console.log(`count(100) with fuel, twice (fuel is per call): ${fueled.exports.count(100)} ${fueled.exports.count(100)}`);
attempt("count(10000000) out of fuel, exports", () => fueled.exports.count(10000000));
const fueled2 = await instantiate<ComponentExports>(loops, { fuel: 100000 });
await settle("spin out of fuel, call", fueled2.call("spin"));
