// SQLite through npm's sql.js (emscripten output) and its own glue, on Kiln's WebAssembly global,
// as a web page would load it: the glue instantiates the module with its JS imports, and
// `create_function` puts a JS function in the module's table (emscripten's `addFunction` wraps it
// in an instance of its own) for SQLite to call through a C function pointer.
// Usage: kiln run sqljs.ts <sql-wasm.js> <sql-wasm.wasm>
import { readBytes, readTextFile } from "runtime:fs";

type Result = { columns: string[]; values: unknown[][] }[];
type Database = {
  run(sql: string, params?: unknown[]): void;
  exec(sql: string): Result;
  create_function(name: string, fn: (...args: never[]) => unknown): void;
  export(): Uint8Array;
};

const [glue, wasm] = Kiln.args;
// A classic script, as a <script> tag would run it: `initSqlJs` is its top-level binding.
const initSqlJs = new Function(`${await readTextFile(glue)}\nreturn initSqlJs;`)() as (
  config: { wasmBinary: Uint8Array },
) => Promise<{ Database: new () => Database }>;
const SQL = await initSqlJs({ wasmBinary: await readBytes(wasm) });
const db = new SQL.Database();

db.run("CREATE TABLE t (a INTEGER, b TEXT)");
db.run("BEGIN");
for (let i = 1; i <= 50; i++) db.run("INSERT INTO t VALUES (?, ?)", [i, `row ${i}`]);
db.run("COMMIT");
console.log(`rows: ${JSON.stringify(db.exec("SELECT count(*), sum(a), max(b) FROM t")[0].values)}`);

db.create_function("twice", (x: number) => x * 2);
console.log(`a JS function in SQL: ${JSON.stringify(db.exec("SELECT twice(a) FROM t WHERE a <= 3")[0].values)}`);
db.create_function("boom", () => {
  throw new Error("boom from JS");
});
for (const [label, sql] of [["a JS function that throws", "SELECT boom()"], ["bad SQL", "SELEKT 1"]]) {
  try {
    db.exec(sql);
    console.log(`${label}: no error`);
  } catch (e) {
    // sql.js reports a throwing function with an empty message, on Node too.
    console.log(`${label}: ${e instanceof Error} ${JSON.stringify((e as Error).message)}`);
  }
}
const file = db.export();
console.log(`export: ${new TextDecoder().decode(file.subarray(0, 15))} ${file.length % 512 === 0}`);
