// maxMemoryBytes bounds all the memories of a store together: the memories of a multi-memory
// module, and those of instances linked into one store by `imports`.
import { compileFile, instantiate } from "runtime:wasm";

const PAGE = 65536;

async function attempt(label: string, action: () => Promise<unknown>) {
  try {
    console.log(`${label}: ${JSON.stringify(await action())}`);
  } catch (e: any) {
    console.log(`${label}: ${e.code} ${e.name}`);
  }
}

// Two memories of 2 pages each under a 4-page cap: the cap is reached at instantiation, so every
// growth fails, though each memory alone would stay under it.
const two = await compileFile("./two_memories.wasm");
const full = await instantiate(two, { maxMemoryBytes: 4 * PAGE });
await attempt("4-page cap, grow a by 1", () => full.call("grow_a", 1));
await attempt("4-page cap, grow b by 1", () => full.call("grow_b", 1));
await attempt("4-page cap, grow a by 2 (4 pages alone)", () => full.call("grow_a", 2));
await attempt("4-page cap, memory.grow(1) from JS", () => full.memory.grow(1));
await attempt("4-page cap, sizes", () => full.call("sizes"));

// Under a 6-page cap each grows by one page, and then neither can: 3 + 3 pages.
const six = await instantiate(two, { maxMemoryBytes: 6 * PAGE });
await attempt("6-page cap, grow a by 1", () => six.call("grow_a", 1));
await attempt("6-page cap, grow b by 1", () => six.call("grow_b", 1));
await attempt("6-page cap, grow a by 1 again", () => six.call("grow_a", 1));
await attempt("6-page cap, grow b by 1 again", () => six.call("grow_b", 1));
await attempt("6-page cap, memory.grow(1) from JS", () => six.memory.grow(1));
await attempt("6-page cap, sizes", () => six.call("sizes"));

// Memories whose initial sizes pass the cap fail instantiate.
await attempt("3-page cap, instantiate", () => instantiate(two, { maxMemoryBytes: 3 * PAGE }).then(() => "made"));

// Two instances linked into one store share the cap: 2 + 2 pages of 5.
const provider = await compileFile("./cap_provider.wasm");
const user = await compileFile("./cap_user.wasm");
const app = await instantiate(user, { imports: { provider }, maxMemoryBytes: 5 * PAGE });
const linked = app.linked["provider"];
await attempt("linked, user grows by 1", () => app.call("grow", 1));
await attempt("linked, provider grows by 1 (from the user)", () => app.call("grow_provider", 1));
await attempt("linked, provider grows by 1 (its own call)", () => linked.call("grow", 1));
await attempt("linked, provider memory.grow(1) from JS", () => linked.memory.grow(1));
await attempt("linked, user memory.grow(1) from JS", () => app.memory.grow(1));
await attempt("linked, pages", async () => [await app.memory.size(), await linked.memory.size()]);
await attempt("linked, 3-page cap, instantiate", () =>
  instantiate(user, { imports: { provider }, maxMemoryBytes: 3 * PAGE }).then(() => "made"));

// Each store has its own total: the provider alone, in a store of its own, grows to 5 pages.
const alone = await instantiate(provider, { maxMemoryBytes: 5 * PAGE });
await attempt("alone, grow by 3", () => alone.call("grow", 3));
await attempt("alone, grow by 1", () => alone.call("grow", 1));

// The refusal at instantiation says which cap and how much the memories need.
try {
  await instantiate(two, { maxMemoryBytes: 3 * PAGE });
} catch (e: any) {
  console.log("instantiate message names the cap:", e.message.includes("262144 bytes") && e.message.includes("maxMemoryBytes"));
}
