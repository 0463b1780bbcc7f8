//! `.wasm` files imported as ES modules (`import { add } from "./add.wasm"`,
//! runtime/src/wasm_module.rs) and their typings from `kiln types` (runtime/src/wasm_types.rs),
//! through a real kiln process and the pinned tsc.

use std::collections::BTreeSet;
use std::path::Path;

use kiln_test_support::{kiln, repo, tsc, wat, App};

/// A test app's source, to stage under another name.
fn source(app: &str) -> String {
  std::fs::read_to_string(repo().join("tests/apps").join(app)).unwrap()
}

/// `main` with add.wasm, uses.wasm and the TS modules they and the app import.
fn staged(main: &str) -> App {
  App::new(main)
    .wat("wasm_import/add.wat", "add.wasm")
    .wat("wasm_import/uses.wat", "uses.wasm")
    .file("wasm_import_helpers.ts", source("wasm_import_helpers.ts"))
    .file("wasm_import_counter.ts", source("wasm_import_counter.ts"))
}

const ADD_OUTPUT: &str = concat!(
  "add: 5 0\n",
  "divmod: [ 3, 2 ] large_add: 9007199254740993n\n",
  "is-even: 1 0 answer: 42n\n",
  "memory: hello 1 page\n",
  "after poke: Hello\n",
  "wrong argument: 5007\n",
  "compute: 1015 triples: 1\n",
  "bump: 1 2 3 4\n",
  "same instance: true true 5\n",
  // Not `count_global` (mutable) or `table`: runtime:wasm has no JS object for them.
  "exports: add,answer,bump,divmod,is-even,large_add,memory,poke\n",
);

#[test]
fn wasm_exports_are_imported_and_called_synchronously() {
  // add.wasm is imported by main.ts, by wasm_import_counter.ts and by uses.wasm, and dynamically twice: one
  // instance (its counter counts across all of them). uses.wasm's imports come from wasm_import_helpers.ts
  // (a function and a global) and add.wasm.
  staged("wasm_import.ts").allow_all().run().ok(ADD_OUTPUT);
}

#[test]
fn a_wasi_module_gets_wasi_with_the_hosts_stdout() {
  App::new("wasm_import_wasi.ts")
    .allow_all()
    .wat("wasm_import/wasi.wat", "wasi.wasm")
    .run()
    .ok("before\nhello from WASI\nerrno: 0\nafter\n");
}

/// Runs tests/apps/wasm_import_errors.ts, which imports each of `files` dynamically and prints
/// what it got, under `manifest`.
fn errors(manifest: &str, files: &[&str]) -> String {
  let app = staged("wasm_import_errors.ts")
    .manifest(manifest)
    .wat("wasm_import/missing.wat", "missing.wasm")
    .wat("wasm_import/env.wat", "env.wasm")
    .wat("wasm_import/wasi.wat", "wasi.wasm")
    .wat("wasm_import/cycle.wat", "cycle.wasm")
    .file("broken.wasm", &wat("wasm_import/add.wat")[..40])
    .file("text.wasm", "(module)")
    .file("component.wasm", wat::parse_str("(component)").unwrap());
  let run = app.run_with_args(files);
  run.success().to_string()
}

#[test]
fn loading_is_gated_by_load_and_execute() {
  let add = ["./add.wasm"];
  let out = errors("[capabilities.wasm]\nexecute = true\n", &add);
  assert!(
    out.starts_with(
      "./add.wasm: PermissionDenied 5009 compileFile(\"./add.wasm\") (./add.wasm) needs [capabilities.wasm] load"
    ),
    "{out}"
  );
  let out = errors("[capabilities.wasm]\nload = true\n", &add);
  assert!(out.starts_with("./add.wasm: PermissionDenied 5009 instantiate needs [capabilities.wasm] execute"), "{out}");
  // A glob that covers another file does not cover this one.
  let out = errors("[capabilities.wasm]\nload = [\"./uses.wasm\"]\nexecute = true\n", &add);
  assert!(out.contains("is not granted by [capabilities.wasm] load"), "{out}");
  // Granted: it loads.
  assert_eq!(errors("[capabilities.wasm]\nload = [\"./*.wasm\"]\nexecute = true\n", &add), "./add.wasm: imported\n");
}

#[test]
fn each_failure_names_the_file_and_has_its_code() {
  let out = errors(
    "[capabilities.wasm]\nload = true\nexecute = true\n",
    &[
      "./missing.wasm",
      "./broken.wasm",
      "./env.wasm",
      "./text.wasm",
      "./component.wasm",
      "./gone.wasm",
      "./cycle.wasm",
      "./wasi.wasm",
    ],
  );
  let importer = "(imported by file://./main.ts)";
  for line in [
    "./missing.wasm: InstantiateError 5001 ./missing.wasm imports the function `nope` (i32) -> () from \"./wasm_import_helpers.ts\", \
     but that module exports no \"nope\"; export a function named \"nope\" from it\n"
      .to_string(),
    format!("./broken.wasm: CompileError 5000 cannot import ./broken.wasm {importer}: it is not a valid WebAssembly module: "),
    format!("./env.wasm: InstantiateError 5001 cannot import ./env.wasm {importer}: it imports \"log\" from \"env\", which is not a module specifier;"),
    format!("./text.wasm: CompileError 5000 cannot import ./text.wasm {importer}: it is not a WebAssembly binary"),
    format!("./component.wasm: IoError 5008 cannot import ./component.wasm {importer}: it is a WebAssembly component"),
    format!("./gone.wasm: IoError 5008 cannot load the module ./gone.wasm {importer}: "),
    "./cycle.wasm: InstantiateError 5001 ./cycle.wasm imports the function `f` () -> () from \"./cycle.wasm\", which has \
     not run yet: the two import each other;"
      .to_string(),
    "./wasi.wasm: imported\n".to_string(),
  ] {
    assert!(out.contains(&line), "{line}\nnot in:\n{out}");
  }
}

#[test]
fn a_failed_static_import_stops_the_app() {
  let run = App::from_source("import \"./broken.wasm\";\nconsole.log(\"never\");\n")
    .allow_all()
    .file("broken.wasm", &wat("wasm_import/add.wat")[..40])
    .run();
  assert_eq!(run.status, Some(1), "{}", run.stderr);
  assert_eq!(run.stdout, "");
  assert!(run.stderr.starts_with("error: Uncaught CompileError [code 5000]: cannot import "), "{}", run.stderr);
  assert!(run.stderr.contains("broken.wasm (imported by file://"), "{}", run.stderr);
}

/// Lines of `text` that end with `// error` (1-based).
fn marked_lines(text: &str) -> BTreeSet<usize> {
  text.lines().enumerate().filter(|(_, l)| l.trim_end().ends_with("// error")).map(|(i, _)| i + 1).collect()
}

fn path(p: &Path) -> &str {
  p.to_str().unwrap()
}

#[test]
fn kiln_types_declares_each_wasm_for_tsc() {
  let app = staged("wasm_import.ts")
    .allow_all()
    .wat("wasm_import/add.wat", "lib/math.wasm")
    .file("text.wasm", "(module)")
    .file("node_modules/pkg/skipped.wasm", wat("wasm_import/add.wat"));
  let dir = app.path();
  let report = kiln(dir, ["types"]).success().to_string();
  for line in [
    "wrote ./kiln-types/wasm/add.d.wasm.ts (the types of `import ... from \"./add.wasm\"`)\n",
    "wrote ./kiln-types/wasm/lib/math.d.wasm.ts (the types of `import ... from \"./lib/math.wasm\"`)\n",
    "wrote ./kiln-types/wasm/uses.d.wasm.ts",
    "skipped ./text.wasm: not a WebAssembly binary",
  ] {
    assert!(report.contains(line), "{line}\nnot in:\n{report}");
  }
  assert!(!report.contains("skipped.wasm"), "{report}");
  let add = std::fs::read_to_string(dir.join("kiln-types/wasm/add.d.wasm.ts")).unwrap();
  for line in [
    "// GENERATED by `kiln types` from the WebAssembly module add.wasm: do not edit;",
    "import type { WasmMemory } from \"runtime:wasm\";\n",
    "export declare const memory: WasmMemory;\n",
    "export declare const answer: bigint;\n",
    "export declare function add(p0: number, p1: number): number;\n",
    "export declare function divmod(p0: number, p1: number): [number, number];\n",
    "export declare function large_add(p0: number | bigint, p1: number | bigint): bigint;\n",
    "export declare function poke(p0: number, p1: number): void;\n",
    "declare function _kiln_export_0(p0: number): number;\nexport { _kiln_export_0 as \"is-even\" };\n",
  ] {
    assert!(add.contains(line), "{line}\nnot in add.d.wasm.ts:\n{add}");
  }

  // The app as it runs, with its `@ts-ignore`s gone, type-checks with these declarations.
  let main = std::fs::read_to_string(dir.join("main.ts")).unwrap();
  let strict = main.lines().filter(|l| !l.starts_with("// @ts-ignore")).collect::<Vec<_>>().join("\n");
  std::fs::write(dir.join("main.ts"), strict).unwrap();
  let counter = source("wasm_import_counter.ts").replace("// @ts-ignore: typed by `kiln types`\n", "");
  std::fs::write(dir.join("wasm_import_counter.ts"), counter).unwrap();
  std::fs::write(
    dir.join("lib/use.ts"),
    "import { add } from \"./math.wasm\";\nimport { compute } from \"../uses.wasm\";\n\
     const n: number = add(1, 2);\nconst m: number = compute(n);\nconsole.log(n, m);\n",
  )
  .unwrap();
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_eq!(checked.status, Some(0), "{}", checked.stdout);
  // And still runs the same (the strict copy is what kiln runs now).
  app.run().ok(ADD_OUTPUT);

  // Misuse is a type error, on exactly the marked lines.
  let misuse = r#"import { add, answer, divmod, large_add, memory, "is-even" as isEven } from "./add.wasm";
const n: number = add(1, 2);
const [q, r]: [number, number] = divmod(7, 2);
const big: bigint = large_add(1, 2n);
const pages: number = await memory.size();
const even: number = isEven(2);
const fortyTwo: bigint = answer;
add("x", 2); // error
add(1); // error
add(1, 2, 3); // error
const s: string = add(1, 2); // error
const wrong: number = large_add(1, 2); // error
const missing = divmod(1); // error
isEven(1n); // error
memory.grow("1"); // error
const asNumber: number = answer; // error
console.log(n, q, r, big, pages, even, fortyTwo, s, wrong, missing, asNumber);
"#;
  std::fs::write(dir.join("bad.ts"), misuse).unwrap();
  let bad_import =
    "import { count_global } from \"./add.wasm\"; // error\nimport { nope } from \"./uses.wasm\"; // error\n\
                    console.log(count_global, nope);\n";
  std::fs::write(dir.join("bad_import.ts"), bad_import).unwrap();
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  let reported = |file: &str| -> BTreeSet<usize> {
    checked
      .stdout
      .lines()
      .filter(|l| l.contains("error TS"))
      .filter_map(|l| l.split(&format!("/{file}(")).nth(1)?.split(',').next()?.parse().ok())
      .collect()
  };
  assert_eq!(
    reported("bad.ts"),
    marked_lines(misuse),
    "tsc's errors (left) vs the marked lines (right):\n{}",
    checked.stdout
  );
  assert_eq!(reported("bad_import.ts"), marked_lines(bad_import), "{}", checked.stdout);
  assert_eq!(marked_lines(misuse).len(), 9);
  assert!(!checked.stdout.contains("main.ts(") && !checked.stdout.contains("use.ts("), "{}", checked.stdout);

  // A module that is gone takes its declarations with it.
  std::fs::remove_file(dir.join("lib/math.wasm")).unwrap();
  let again = kiln(dir, ["types"]).success().to_string();
  assert!(again.contains("removed ./kiln-types/wasm/lib/math.d.wasm.ts: its module is gone"), "{again}");
  assert!(!dir.join("kiln-types/wasm/lib").exists());
}
