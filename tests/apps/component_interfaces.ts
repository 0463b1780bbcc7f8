// Exported interfaces (tests/fixtures/components/shapes.wat): `exports["kiln:test/shapes"]` beside
// the top-level `version`, `call("kiln:test/shapes#area")`; what getExports() and moduleImports()
// list for components, with WIT text.
import { compileFile, instantiate, isWasmError, moduleImports, type WasmArg } from "runtime:wasm";

interface Point { x: number; y: number }
interface Shapes {
  version(): string;
  "kiln:test/shapes": {
    area(w: number, h: number): number;
    mid(a: Point, b: Point): Point;
  };
}

const shapes = await instantiate<Shapes>(await compileFile("./shapes.wat"));
const call = (name: string, ...args: unknown[]) => shapes.call(name, ...(args as WasmArg[])) as Promise<unknown[]>;
const iface = shapes.exports["kiln:test/shapes"];
console.log(`top-level keys: ${Object.keys(shapes.exports).join(", ")}`);
console.log(`interface keys: ${Object.keys(iface).join(", ")}`);
console.log(`frozen: ${Object.isFrozen(shapes.exports)} ${Object.isFrozen(iface)}`);
console.log(`version(): ${shapes.exports.version()}`);
console.log(`area(3, 4.5): ${iface.area(3, 4.5)}`);
console.log(`mid: ${JSON.stringify(iface.mid({ x: 0, y: 0 }, { x: 4, y: -2 }))}`);
console.log(`call area: ${JSON.stringify(await call("kiln:test/shapes#area", 2, 0.25))}`);
console.log(`call mid: ${JSON.stringify(await call("kiln:test/shapes#mid", { x: 1, y: 1 }, { x: 2, y: 2 }))}`);
console.log(`call version: ${JSON.stringify(await call("version"))}`);
for (const name of ["area", "kiln:test/shapes#nope", "kiln:test/other#area"]) {
  const got = await call(name, 1, 1).then((r) => JSON.stringify(r), (e) => (isWasmError(e) ? `${e.code} ${e.message}` : String(e)));
  console.log(`call ${name}: ${got}`);
}
try {
  iface.mid({ x: 0, y: 0 }, { x: 1 } as Point);
} catch (e) {
  console.log(`mid with a missing field: ${isWasmError(e) ? `${e.code} ${e.message}` : String(e)}`);
}

console.log("shapes exports:");
for (const e of await shapes.getExports()) console.log(`  ${e.kind} ${e.name}: ${e.wit}`);

const types = await instantiate(await compileFile("./types.wat"));
const listed = await types.getExports();
console.log(`types exports: ${listed.length}`);
for (const name of ["safe-div", "echo-order", "echo-nested", "echo-result", "fallible", "echo-perms", "echo-bytes", "echo-tuple"]) {
  const e = listed.find((e) => e.name === name);
  console.log(`  ${name}: ${e?.kind} ${e?.wit} params ${String(e?.params)}`);
}

const resources = await instantiate(await compileFile("./resources.wat"));
console.log("resources exports:");
for (const e of await resources.getExports()) console.log(`  ${e.kind} ${e.name}: ${e.wit}`);

console.log("host_imports imports:");
for (const i of await moduleImports(await compileFile("./host_imports.wat"))) {
  console.log(`  ${JSON.stringify(i.module)} ${i.name} ${i.kind}: ${i.wit}`);
}
console.log("hello_cli imports:");
for (const i of await moduleImports(await compileFile("./hello_cli.wat"))) {
  console.log(`  ${JSON.stringify(i.module)} ${i.name} ${i.kind}: ${i.wit}`);
}
console.log(`shapes imports: ${JSON.stringify(await moduleImports(await compileFile("./shapes.wat")))}`);
