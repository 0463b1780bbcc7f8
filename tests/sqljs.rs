//! SQLite on Kiln's `WebAssembly` global: npm's `sql.js` (emscripten output, 0.6 MB of
//! WebAssembly) through its own glue, on wasmtime. It takes the paths emscripten's glue takes: JS
//! imports that read and grow memory, and `addFunction` putting JS functions in the module's
//! table for C to call (sql.js's `create_function`).
//!
//! The package comes from bench/node_modules (bench/package-lock.json pins it; `./x setup` and
//! `./x test` install it).

use kiln_test_support::{App, Package};

#[test]
fn sqlite_runs_through_sql_js_on_wasmtime() {
  // timeout_ms: the engine's interpreter cannot enforce it and refuses the module (5009), so this
  // passes only on wasmtime.
  let sqljs = Package::find("sql.js/dist", "sql-wasm.js", "sql-wasm.wasm", "timeout_ms = 60000\n");
  App::new("sqljs.ts").manifest(&sqljs.manifest).run_with_args(&sqljs.args()).ok(concat!(
    "rows: [[50,1275,\"row 9\"]]\n",
    "a JS function in SQL: [[2],[4],[6]]\n",
    "a JS function that throws: true \"\"\n",
    r#"bad SQL: true "near \"SELEKT\": syntax error""#,
    "\n",
    "export: SQLite format 3 true\n",
  ));
}
