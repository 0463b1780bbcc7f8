// A WASI guest blocked reading stdin (the test keeps it open and writes nothing): the deadline
// stops it on both paths, and the event loop runs while `call` waits.
import { compileFile, instantiate } from "runtime:wasm";

const sleeper = await compileFile("./sleeper.wasm");
const config = { args: ["sleeper", "stdin"], inheritStdin: true, inheritStdout: true, timeoutMs: 500 };

let ticks = 0;
const interval = setInterval(() => ticks++, 50);
const reader = await instantiate(sleeper, config);
let started = performance.now();
try {
  await reader.call("_start");
  console.log("call: read returned");
} catch (e: any) {
  const elapsed = performance.now() - started;
  console.error(`call: ${e.code} after ${elapsed.toFixed(0)} ms, ${ticks} ticks`);
  console.log(`call: ${e.code} ${e.name}; within 1000 ms: ${elapsed < 1000}; ticked: ${ticks >= 3}`);
}
clearInterval(interval);
console.log("nap after:", (await reader.call("nap", 10))[0]);

const syncReader = await instantiate(sleeper, config);
started = performance.now();
try {
  syncReader.exports._start();
  console.log("exports: read returned");
} catch (e: any) {
  const elapsed = performance.now() - started;
  console.error(`exports: ${e.code} after ${elapsed.toFixed(0)} ms`);
  console.log(`exports: ${e.code} ${e.name}; within 1000 ms: ${elapsed < 1000}`);
}
console.log("nap after:", syncReader.exports.nap(10));

// poll() on stdin with a 200 ms timeout and no deadline: the timeout ends it, on both paths.
const poller = await instantiate(sleeper, { args: ["sleeper", "poll", "200"], inheritStdin: true, inheritStdout: true });
started = performance.now();
await poller.call("_start");
console.log(`call: poll timed out after 200 ms: ${performance.now() - started >= 195}`);
const syncPoller = await instantiate(sleeper, { args: ["sleeper", "poll", "200"], inheritStdin: true, inheritStdout: true });
started = performance.now();
syncPoller.exports._start();
console.log(`exports: poll timed out after 200 ms: ${performance.now() - started >= 195}`);
