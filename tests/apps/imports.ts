// What an app may import: below its root freely, elsewhere only with [capabilities.fs] read, and
// only the file kinds Kiln knows. Each attempt prints "label: ok" or "label: <code> <name>".
// Kiln.args: [outside JSON path, outside JS path].
const [outsideJson, outsideJs] = Kiln.args;

// Specifiers go through a variable: the files exist only in the staged app (tests/surface.rs).
const load = (specifier: string, json = false): Promise<unknown> =>
  json ? import(specifier, { with: { type: "json" } }) : import(specifier);

async function attempt(label: string, action: () => Promise<unknown>): Promise<string> {
  try {
    await action();
    console.log(`${label}: ok`);
    return "";
  } catch (e) {
    const error = e as { code?: number; name?: string; message?: string };
    console.log(`${label}: ${error.code} ${error.name}`);
    return error.message ?? "";
  }
}

await attempt("json in root", () => load("./data/config.json", true));
await attempt("ts in root", () => load("./lib/helper.ts"));
const outside = await attempt("json outside root", () => load(outsideJson, true));
await attempt("js outside root", () => load(outsideJs));
await attempt("symlink out of root", () => load("./data/escape.json", true));
const env = await attempt(".env in root", () => load("./.env"));
await attempt("no extension", () => load("./data/notes"));
await attempt("d.ts", () => load("./lib/types.d.ts"));
const missing = await attempt("missing module", () => load("./lib/missing.ts"));
await attempt("missing outside root", () => load(outsideJson.replace(/[^/]*$/, "missing.json"), true));

console.log(`secret leaked: ${env.includes("abc123secret")}`);
console.log(`names the importer: ${missing.includes("imported by file://") && missing.includes("main.ts")}`);
console.log(`names the root: ${outside.includes("outside the app's root")}`);
