// Walks what the runtime really provides, for tests/typings.rs to compare with the typings:
// the ops registered under Kiln's prefixes, each typed module's exports (with class methods), and
// the globals.
import * as wasm from "runtime:wasm";
import * as fs from "runtime:fs";

type Walked = { kind: string; methods: string[] };

function walk(module: Record<string, unknown>): Record<string, Walked> {
  const out: Record<string, Walked> = {};
  for (const [name, value] of Object.entries(module)) {
    const isClass = typeof value === "function" && /^class\b/.test(Function.prototype.toString.call(value));
    const methods = isClass
      ? Object.getOwnPropertyNames((value as { prototype: object }).prototype).filter((m) => m !== "constructor")
      : [];
    out[name] = { kind: isClass ? "class" : typeof value === "function" ? "function" : "const", methods };
  }
  return out;
}

const core = (globalThis as unknown as { Deno: { core: { ops: Record<string, unknown> } } }).Deno.core;
const ops = Object.keys(core.ops).filter((op) => /^op_(wasm|fs|kiln)_/.test(op)).sort();
const globals = Object.fromEntries(
  (Kiln.args as string[]).map((name) => [name, typeof (globalThis as Record<string, unknown>)[name]]),
);

console.log(JSON.stringify({
  ops,
  modules: { "runtime:wasm": walk(wasm), "runtime:fs": walk(fs) },
  globals,
  importMeta: Object.keys(import.meta).sort(),
}));
