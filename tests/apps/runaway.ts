// The app-wide limits of [capabilities.wasm] (timeout_ms = 200, max_memory_bytes = 4 MiB,
// max_table_elements = 1000, max_modules = 3): runaway guests stop, the process stays small.
import { compileFile, dropModule, instantiate, isWasmError } from "runtime:wasm";

const outcome = (e: unknown) => (isWasmError(e) ? `${e.code} ${e.name}` : `uncoded ${String(e)}`);
const MiB = 1024 * 1024;
const rssBefore = Kiln.memoryUsage().rss;

const bombs = await compileFile("./bomb.wasm");
const instance = await instantiate(bombs);

// A loop under the app's default deadline, while an interval keeps firing.
let ticks = 0;
const timer = setInterval(() => ticks++, 10);
const start = performance.now();
const spun = await instance.call("spin").then(() => "returned", outcome);
const elapsed = performance.now() - start;
clearInterval(timer);
console.log(`spin: ${spun}; within 2x: ${elapsed < 400}; timers fired: ${ticks >= 5}`);

// An instance's own timeoutMs overrides the app's default.
const patient = await instantiate(bombs, { timeoutMs: 600 });
const t0 = performance.now();
await patient.call("spin").catch(() => undefined);
console.log(`own deadline honoured: ${performance.now() - t0 >= 550}`);

// A memory bomb stops at the cap: 4 MiB is 64 pages.
const [pages] = await instance.call("memory_bomb");
console.log(`memory bomb stopped at ${pages} pages`);
console.log(`host grow past cap: ${await instance.memory.grow(1).then(() => "grew", outcome)}`);

// Many bombs in turn: the process stays bounded (each instance is dropped after).
for (let i = 0; i < 20; i++) {
  const b = await instantiate(bombs);
  await b.call("memory_bomb");
  await b.drop();
}
const grown = (Kiln.memoryUsage().rss - rssBefore) / MiB;
console.log(`rss bounded: ${grown < 64}`);

// Table growth is capped.
const [grew] = await instance.call("table_grow", 10);
const [refused] = await instance.call("table_grow", 5000);
console.log(`table grow 10: ${grew}; past cap: ${refused}`);

// Unbounded recursion is a trap, not a crash.
const deep = await compileFile("./loop.wasm");
const recurser = await instantiate(deep);
console.log(`recursion: ${await recurser.call("recurse", 0).then(() => "returned", outcome)}`);

// The app's deadline binds every instance: one cannot opt out of interruption checks.
console.log(`uninterruptible under timeout_ms: ${await instantiate(deep, { interruptible: false }).then(() => "made", outcome)}`);

// max_modules = 3: bomb, loop, and one more; the fourth is refused until one is dropped.
const third = await compileFile("./loop.wasm");
console.log(`fourth module: ${await compileFile("./loop.wasm").then(() => "loaded", outcome)}`);
await dropModule(third);
console.log(`after dropModule: ${await compileFile("./loop.wasm").then(() => "loaded", outcome)}`);
