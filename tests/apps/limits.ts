// Fuel, deadlines, the event loop during long calls, memory caps, and recovery after traps.
import { compileFile, instantiate } from "runtime:wasm";

const loops = await compileFile("./loop.wasm");

// A 10 ms interval keeps firing while a guest spins for 2 s.
let ticks = 0;
const interval = setInterval(() => ticks++, 10);
const spinner = await instantiate(loops, { timeoutMs: 2000 });
const started = performance.now();
try {
  await spinner.call("spin");
} catch (e: any) {
  const elapsed = performance.now() - started;
  console.log(`spin: ${e.code} ${e.name} timed out: ${/timed out/.test(e.message)}`);
  console.log(`stopped within 2x deadline: ${elapsed < 4000}`);
}
clearInterval(interval);
console.log(`interval kept firing: ${ticks >= 50}`);

// Fuel is a per-call budget.
const fueled = await instantiate(loops, { fuel: 100_000 });
console.log("small call:", (await fueled.call("count", 100n))[0]);
console.log("again:", (await fueled.call("count", 100n))[0]);
try {
  await fueled.call("count", 100_000_000n);
} catch (e: any) {
  console.log(`big call: ${e.code} ${e.name}`);
}

// Memory cap: the guest sees -1, memory.grow rejects with 5006.
const capped = await instantiate(loops, { maxMemoryBytes: 4 * 65536 });
console.log("guest grow 2:", (await capped.call("grow", 2))[0]);
console.log("guest grow 5:", (await capped.call("grow", 5))[0]);
try {
  await capped.memory.grow(10);
} catch (e: any) {
  console.log(`host grow: ${e.code} ${e.name}`);
}
console.log("pages:", await capped.memory.size());

// Stack overflow is a trap; the runtime and the instance stay usable.
try {
  await capped.call("recurse", 0);
} catch (e: any) {
  console.log(`recurse: ${e.code} ${e.name}`);
}
console.log("after overflow:", (await capped.call("div", 84, 2))[0]);
