// esbuild (npm's esbuild-wasm: Go compiled to WebAssembly, 14 MB) through its own browser glue,
// on Kiln's WebAssembly global. Go's wasm_exec.js drives the module: every Go value that crosses
// to JS goes through its `gojs` imports (syscall/js), esbuild's service answers requests through
// JS callbacks, and the glue starts only where `self` and `crypto.getRandomValues` exist.
// Usage: kiln run esbuild.ts <esm/browser.js> <esbuild.wasm>
import { readBytes } from "runtime:fs";

type Message = { text: string; location: { line: number; column: number; lineText: string } | null };
type Esbuild = {
  initialize(options: { wasmModule: WebAssembly.Module; worker: boolean }): Promise<void>;
  transform(code: string, options: Record<string, unknown>): Promise<{ code: string; warnings: Message[] }>;
  build(options: Record<string, unknown>): Promise<{ outputFiles: { text: string }[]; errors: Message[] }>;
  version: string;
};

const [glue, wasm] = Kiln.args;
const esbuild = await import(`file://${glue}`) as Esbuild;
// No worker: the Go program runs on the app's own thread, its calls on wasmtime.
await esbuild.initialize({ wasmModule: await WebAssembly.compile(await readBytes(wasm)), worker: false });
console.log(`esbuild ${esbuild.version}`);

const ts = "enum Color { Red, Green }\nexport const pick = (c: Color): string => Color[c] ?? `none`;\n";
console.log(`transform: ${JSON.stringify((await esbuild.transform(ts, { loader: "ts", minify: true })).code)}`);

try {
  await esbuild.transform("const x = ;", { loader: "ts" });
  console.log("syntax error accepted");
} catch (e) {
  const [first] = (e as { errors: Message[] }).errors;
  console.log(`error: ${first.text} at ${first.location?.line}:${first.location?.column}`);
}

// A bundle of three modules that live only in this app, through a plugin: esbuild calls the JS
// callbacks back for every import it resolves and loads.
const files: Record<string, string> = {
  "main.ts": 'import { greet } from "./greet.ts";\nimport { upper } from "./text.ts";\nconsole.log(upper(greet("kiln")));\n',
  "greet.ts": 'import { upper } from "./text.ts";\nexport const greet = (name: string) => `hello, ${upper(name)}`;\n',
  "text.ts": "export const upper = (s: string): string => s.toUpperCase();\nexport const unused = 1;\n",
};
const calls: string[] = [];
const bundle = await esbuild.build({
  entryPoints: ["main.ts"],
  bundle: true,
  write: false,
  format: "esm",
  plugins: [{
    name: "in-memory",
    setup(build: { onResolve: Function; onLoad: Function }) {
      build.onResolve({ filter: /.*/ }, (args: { path: string }) => {
        calls.push(`resolve ${args.path}`);
        return { path: args.path.replace(/^\.\//, ""), namespace: "mem" };
      });
      build.onLoad({ filter: /.*/, namespace: "mem" }, (args: { path: string }) => {
        calls.push(`load ${args.path}`);
        return { contents: files[args.path], loader: "ts" };
      });
    },
  }],
});
// esbuild resolves and loads on several goroutines, so the calls' order may vary; the set may not.
console.log(`plugin calls: ${calls.sort().join(", ")}`);
const text = bundle.outputFiles[0].text;
console.log(`bundle:\n${text}`);
(0, eval)(text); // the bundle runs: HELLO, KILN

// Many requests in a row: each crosses between Go and JS dozens of times.
let total = 0;
for (let i = 0; i < 200; i++) {
  total += (await esbuild.transform(`export const n${i}: number = ${i} * 2;`, { loader: "ts" })).code.length;
}
console.log(`200 transforms: ${total} bytes`);
