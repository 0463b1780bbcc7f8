// A loop that keeps sixteen values in registers (live_registers.wat) runs long enough for the
// epoch ticker to pass its deadlines many times. Each time, the loop's epoch check calls into the
// host (to yield to the event loop, or to check a timeout) and must find every value as it left
// it: the answer must be the one the same loop gives without interruption checks. With `fuel`,
// the loop also counts fuel, and calls the host when it runs out.
import { compileFile, instantiate, isWasmError } from "runtime:wasm";

const N = 200_000_000;
const id = await compileFile("./live_registers.wasm");
const unchecked = await instantiate(id, { interruptible: false });
const checked = await instantiate(id);
const expected = unchecked.exports.run(N) as bigint;
console.log("short loops agree:", [0, 1, 2, 1000].every((n) => checked.exports.run(n) === unchecked.exports.run(n)));

// `exports`: a synchronous call; at each deadline the host lets it go on.
console.log("exports, with checks:", checked.exports.run(N) === expected);

// `call`: the guest yields to the event loop at its deadlines; a 1 ms interval runs meanwhile.
let ticks = 0;
const interval = setInterval(() => ticks++, 1);
const [yielded] = await checked.call<[bigint]>("run", N);
clearInterval(interval);
console.log("call, yielding:", yielded === expected, "timers ran during it:", ticks > 0);

// With a deadline of its own, checked at every tick and not reached.
const timed = await instantiate(id, { timeoutMs: 60_000 });
console.log("call, with a deadline:", (await timed.call<[bigint]>("run", N))[0] === expected);

// A deadline that is reached: the trap is raised from the same host call.
const short = await instantiate(id, { timeoutMs: 20 });
try {
  await short.call("run", 2_000_000_000);
  console.log("short deadline: not stopped");
} catch (e) {
  console.log("short deadline:", isWasmError(e) ? `${e.code} ${e.name}` : String(e));
}
// The instance that trapped answers right afterwards.
console.log("after the trap:", (await short.call<[bigint]>("run", 1000))[0] === unchecked.exports.run(1000));

// With fuel metering as well (an engine of its own, with epoch checks too): the same answer with
// fuel to spare while the call yields, and a trap when the fuel runs out.
const fueled = await instantiate(id, { fuel: 1e15 });
console.log("call, with fuel:", (await fueled.call<[bigint]>("run", N))[0] === expected);
const starved = await instantiate(id, { fuel: 1_000_000 });
try {
  await starved.call("run", N);
  console.log("fuel runs out: not stopped");
} catch (e) {
  console.log("fuel runs out:", isWasmError(e) ? `${e.code} ${e.name}` : String(e));
}
console.log("after running out:", (await starved.call<[bigint]>("run", 1000))[0] === unchecked.exports.run(1000));
