// A member that traps or passes its deadline is replaced by a fresh instance, and the pool keeps
// serving meanwhile: the trap rejects with CallError (5002), the deadline with FuelExhausted (5011).
import { compileFile, createPool, isWasmError } from "runtime:wasm";

const worker = await compileFile("./pool_worker.wasm");

function describe(e: unknown): string {
  return isWasmError(e) ? `${e.code} ${e.name}` : `not a WasmError: ${String(e)}`;
}

const settle = <T>(call: Promise<T>) => call.then((r) => `resolved ${JSON.stringify(r)}`, describe);

// work(n) is the sum of i*i for i < n, mod 2^32, as a signed 32-bit integer.
function expected(n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc = (acc + Math.imul(i, i)) | 0;
  return acc;
}
const works = (pool: Awaited<ReturnType<typeof createPool>>, count: number) =>
  Promise.all(Array.from({ length: count }, (_, i) => pool.call("work", 1000 + i))).then(
    (rs) => (rs.every((r, i) => (Number(r[0]) | 0) === expected(1000 + i)) ? `${count} right` : "wrong results"),
    describe,
  );

// One member: poison sets its global and traps; the next call sees a fresh instance's global.
{
  const pool = await createPool(worker, { size: 1 });
  console.log("size 1, check:", await settle(pool.call("check")));
  console.log("size 1, poison:", await settle(pool.call("poison")));
  console.log("size 1, check after the trap:", await settle(pool.call("check")));
  console.log("size 1, work:", await works(pool, 5));
  await pool.drop();
}

// Two members: a trap in one while calls keep being served; afterwards no member is poisoned.
{
  const pool = await createPool(worker, { size: 2 });
  const [poisoned, served] = await Promise.all([settle(pool.call("poison")), works(pool, 40)]);
  console.log("size 2, poison:", poisoned, "meanwhile:", served);
  const checks = await Promise.all(Array.from({ length: 20 }, () => pool.call("check")));
  console.log("size 2, checks after the trap:", checks.every(([c]) => c === 0) ? "all 0" : JSON.stringify(checks));
  // Both members trap, at once; both are replaced.
  console.log(
    "size 2, two poisons:",
    (await Promise.all([settle(pool.call("poison")), settle(pool.call("poison"))])).join(", "),
  );
  const later = await Promise.all(Array.from({ length: 20 }, () => pool.call("check")));
  console.log("size 2, checks after both:", later.every(([c]) => c === 0) ? "all 0" : JSON.stringify(later));
  await pool.drop();
}

// Two members: while one runs an endless call, the other serves (a pool that ran calls one at a
// time would never answer work(10) here); dropping the pool then stops the endless call.
{
  const pool = await createPool(worker, { size: 2 });
  const spin = settle(pool.call("spin"));
  console.log("beside an endless call:", await settle(pool.call("work", 10)));
  await pool.drop();
  console.log("the endless call after drop:", await spin);
}

// Two members, a 300 ms deadline: spin runs into it on one member while the other serves; then
// the pool serves on both again.
{
  const pool = await createPool(worker, { size: 2, timeoutMs: 300 });
  const [spin, served] = await Promise.all([settle(pool.call("spin")), works(pool, 20)]);
  console.log("timeout:", spin, "meanwhile:", served);
  console.log("timeout, then:", await works(pool, 20));
  await pool.drop();
}

// One member, a deadline: after a timeout the (replaced) member serves the next calls.
{
  const pool = await createPool(worker, { size: 1, timeoutMs: 300 });
  console.log("size 1, spin:", await settle(pool.call("spin")));
  console.log("size 1, after the timeout:", await settle(pool.call("work", 10)), await settle(pool.call("check")));
  await pool.drop();
}
