// Biome (npm's @biomejs/wasm-web: Rust built by wasm-bindgen with reference types, 35 MB of
// WebAssembly) through its own glue, on Kiln's WebAssembly global: every JS value the glue hands
// the guest (settings objects, strings, errors) crosses as an `externref`, and the module keeps
// them in its exported table of externrefs. It formats and lints a TypeScript file.
// Usage: kiln run biome.ts <biome_wasm.js> <biome_wasm_bg.wasm>
import { readBytes } from "runtime:fs";

type Workspace = {
  openProject(params: unknown): { projectKey: number };
  updateSettings(params: unknown): unknown;
  openFile(params: unknown): unknown;
  formatFile(params: unknown): { code: string };
  pullDiagnostics(params: unknown): { diagnostics: { category: string }[] };
};
type Glue = { initSync(options: { module: Uint8Array }): unknown; main(): void; Workspace: new () => Workspace };

const [glue, wasm] = Kiln.args;
const biome = await import(`file://${glue}`) as Glue;
biome.initSync({ module: await readBytes(wasm) });
biome.main();

const workspace = new biome.Workspace();
const { projectKey } = workspace.openProject({ path: "/", openUninitialized: true });
workspace.updateSettings({ projectKey, configuration: { formatter: { indentStyle: "space", indentWidth: 2 } } });
const content = "const   unused = {a:1,b:[1,2,3]}\nexport function twice(a:number){return a*2}\n";
workspace.openFile({ projectKey, path: "/a.ts", content: { type: "fromClient", content, version: 0 } });
console.log(`formatted: ${JSON.stringify(workspace.formatFile({ projectKey, path: "/a.ts" }).code)}`);
const { diagnostics } = workspace.pullDiagnostics({
  projectKey,
  path: "/a.ts",
  categories: ["syntax", "lint"],
  pullCodeActions: false,
  only: [],
  skip: [],
});
console.log(`lint: ${diagnostics.map((d) => d.category).join(", ")}`);
try {
  workspace.openFile({ projectKey, path: "/b.ts", content: { type: "bogus" } });
} catch (e) {
  // The guest's error, made by a JS import and handed back through the table of externrefs.
  console.log(`bad params: ${e instanceof Error} ${(e as Error).message.includes("unknown variant `bogus`")}`);
}
