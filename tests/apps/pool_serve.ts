// A pool of 2 serves 1,000 calls issued at once (every result is right and every promise settles
// exactly once) and 200 made one at a time; a pool of 1 runs calls in the order they were made
// (FIFO).
import { compileFile, createPool } from "runtime:wasm";

const worker = await compileFile("./pool_worker.wasm");

// work(n) is the sum of i*i for i < n, mod 2^32: prefix[n], as a signed 32-bit integer.
const LIMIT = 20_000;
const prefix = new Int32Array(LIMIT + 1);
for (let i = 0; i < LIMIT; i++) prefix[i + 1] = (prefix[i] + Math.imul(i, i)) | 0;

const pool = await createPool(worker, { size: 2, timeoutMs: 10_000 });
console.log("size:", pool.size);

const inputs = Array.from({ length: 1000 }, (_, i) => (i * 7919) % LIMIT);
const settled = new Array<number>(inputs.length).fill(0);
const calls = inputs.map((n, i) => {
  const call = pool.call("work", n);
  call.then(
    () => settled[i]++,
    () => settled[i]++,
  );
  return call;
});
const results = await Promise.all(calls);
await new Promise<void>((resolve) => setTimeout(resolve, 0));
const wrong = results.filter((r, i) => r.length !== 1 || (Number(r[0]) | 0) !== prefix[inputs[i]]).length;
console.log(`results: ${results.length}, wrong: ${wrong}`);
console.log(`settled exactly once: ${settled.every((n) => n === 1)}`);

// And again, to show the pool still serves after a burst.
const [again] = await pool.call("work", 100);
console.log("again:", (Number(again) | 0) === prefix[100]);
await pool.drop();

// One call at a time, each awaited before the next, with a pause after every 20 long enough for
// idle members to stop looking for work and sleep (the next call must wake one).
const paced = await createPool(worker, { size: 2 });
let pacedWrong = 0;
for (let i = 0; i < 200; i++) {
  const n = (i * 104_729) % LIMIT;
  const [r] = await paced.call("work", n);
  if ((Number(r) | 0) !== prefix[n]) pacedWrong++;
  if (i % 20 === 19) await new Promise<void>((resolve) => setTimeout(resolve, 2));
}
console.log(`one at a time: 200, wrong: ${pacedWrong}`);
await paced.drop();

// One member: calls are served in the order they were made. The guest numbers the calls it runs
// (the order in which promises settle says nothing: the event loop may deliver them in any order).
const single = await createPool(worker, { size: 1 });
const tickets = await Promise.all(Array.from({ length: 50 }, () => single.call("ticket")));
console.log("FIFO:", tickets.every(([t], i) => t === i) ? "in order" : JSON.stringify(tickets));
await single.drop();
