// The engine's built-in WebAssembly under the manifest: each entry point that compiles or runs.
// Prints "label: ok" or "label: <code> <name>".
const bytes = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100,
  100, 0, 0, 10, 9, 1, 7, 0, 32, 0, 32, 1, 106, 11,
]);

async function attempt(label: string, action: () => unknown): Promise<void> {
  try {
    const result = await action();
    console.log(`${label}: ok${result === undefined ? "" : ` ${String(result)}`}`);
  } catch (e) {
    const error = e as { code?: number; name?: string; message?: string };
    console.log(`${label}: ${error.code} ${error.name}`);
    if (Kiln.args.includes("--messages")) console.log(`  ${error.message}`);
  }
}

type AddExports = { add(a: number, b: number): number };
const add = (instance: WebAssembly.Instance) => (instance.exports as unknown as AddExports).add(2, 3);

await attempt("validate", () => WebAssembly.validate(bytes));
await attempt("compile", async () => (await WebAssembly.compile(bytes)) instanceof WebAssembly.Module);
await attempt("new Module", () => new WebAssembly.Module(bytes) instanceof WebAssembly.Module);
await attempt("instantiate bytes", async () => add((await WebAssembly.instantiate(bytes)).instance));
let module: WebAssembly.Module | undefined;
try {
  module = new WebAssembly.Module(bytes);
} catch {
  // load is not granted: the checks below that need a module are skipped.
}
if (module !== undefined) {
  await attempt("instantiate module", async () => add(await WebAssembly.instantiate(module)));
  await attempt("new Instance", () => add(new WebAssembly.Instance(module)));
  // The prototype chain leads back to the gated constructors, not to the engine's originals.
  const Ctor = Object.getPrototypeOf(module).constructor as typeof WebAssembly.Module;
  await attempt("constructor from prototype", () => Ctor === WebAssembly.Module);
  await attempt("Instance via Reflect.construct", () => add(Reflect.construct(WebAssembly.Instance, [module])));
}
