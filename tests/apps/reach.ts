// What an app can reach of the runtime's internals: each should be gone.
const g = globalThis as Record<string, unknown>;
console.log(`Deno: ${typeof g.Deno}`);
console.log(`__bootstrap: ${typeof g.__bootstrap}`);
let stolen = "none";
try {
  // A module evaluated by the app cannot reach core through runtime:wasm either.
  const wasm = await import("runtime:wasm");
  stolen = Object.keys(wasm).filter((k) => k === "core" || k === "ops").join(",") || "none";
} catch (e) {
  stolen = String(e);
}
console.log(`core via runtime:wasm: ${stolen}`);
let internal = "refused";
try {
  const specifier: string = "runtime:wasm/core";
  await import(specifier);
  internal = "imported";
} catch {
  // Refused, as it should be.
}
console.log(`runtime:wasm/core: ${internal}`);
