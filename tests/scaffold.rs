//! `kiln init` and `kiln types`: a new app runs as it is and type-checks with the real compiler.

use std::path::Path;

use kiln_test_support::{fixture, kiln, repo, run_kiln, tsc, wat};

fn tempdir() -> tempfile::TempDir {
  tempfile::Builder::new().prefix("scaffold").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap()
}

fn path(p: &Path) -> &str {
  p.to_str().unwrap()
}

#[test]
fn init_makes_an_app_that_runs_and_type_checks() {
  let tmp = tempdir();
  let dir = tmp.path().join("hello app");
  let out = kiln(tmp.path(), ["init", path(&dir)]);
  let report = out.success();
  for file in ["main.ts", "add.wat", "manifest.app.toml", "tsconfig.json", "kiln-types/runtime_wasm.d.ts"] {
    assert!(dir.join(file).exists(), "{file} missing; kiln init said:\n{report}");
  }
  let manifest = std::fs::read_to_string(dir.join("manifest.app.toml")).unwrap();
  assert!(manifest.contains("name = \"hello app\""), "{manifest}");

  // It runs from any working directory, with the manifest it was given.
  run_kiln(tmp.path(), [path(&dir.join("main.ts"))]).ok("2 + 3 = 5\n");
  run_kiln(&dir, ["main.ts"]).ok("2 + 3 = 5\n");

  // And type-checks under the tsconfig it was given.
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_eq!(checked.status, Some(0), "{}", checked.stdout);

  // A second init would overwrite the app: refused, nothing touched.
  std::fs::write(dir.join("main.ts"), "// mine\n").unwrap();
  let again = kiln(tmp.path(), ["init", path(&dir)]);
  assert_eq!(again.status, Some(1), "{}", again.stderr);
  assert!(again.stderr.contains("already exists"), "{}", again.stderr);
  assert_eq!(std::fs::read_to_string(dir.join("main.ts")).unwrap(), "// mine\n");
}

#[test]
fn types_writes_the_typings_and_keeps_a_users_tsconfig() {
  let tmp = tempdir();
  let dir = tmp.path();
  std::fs::write(
    dir.join("main.ts"),
    "import { compileFile, instantiate } from \"runtime:wasm\";\n\
     const instance = await instantiate(await compileFile(\"./m.wasm\"));\n\
     const [ptr, len] = await instance.call(\"get\");\n\
     console.log(new TextDecoder().decode(await instance.memory.read(ptr, len)));\n",
  )
  .unwrap();
  kiln(dir, ["types"]).success();
  for name in ["runtime_wasm.d.ts", "runtime_fs.d.ts", "kiln_globals.d.ts"] {
    let written = std::fs::read_to_string(dir.join("kiln-types").join(name)).unwrap();
    let committed = std::fs::read_to_string(repo().join("ts").join(name)).unwrap();
    assert_eq!(written, committed, "{name}");
  }
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_eq!(checked.status, Some(0), "{}", checked.stdout);

  // The typings bite: a misuse fails the check.
  std::fs::write(dir.join("bad.ts"), "import { compileFile } from \"runtime:wasm\";\nawait compileFile(1);\n").unwrap();
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_ne!(checked.status, Some(0));
  assert!(checked.stdout.contains("bad.ts(2,"), "{}", checked.stdout);

  // A tsconfig.json of the user's own is kept, with a note.
  std::fs::write(dir.join("tsconfig.json"), "{ \"mine\": true }\n").unwrap();
  let again = kiln(dir, ["types", "."]);
  assert!(again.success().contains("kept the existing"), "{}", again.stdout);
  assert_eq!(std::fs::read_to_string(dir.join("tsconfig.json")).unwrap(), "{ \"mine\": true }\n");
}

#[test]
fn bad_usage_is_reported() {
  let tmp = tempdir();
  let out = kiln(tmp.path(), ["types", "a", "b"]);
  assert_eq!(out.status, Some(2));
  assert!(out.stderr.contains("one optional directory"), "{}", out.stderr);
  let help = kiln(tmp.path(), ["--help"]);
  assert!(help.success().contains("kiln init [DIR]"), "{}", help.stdout);
}

/// Lines of `text` that end with `// error` (1-based).
fn marked_lines(text: &str) -> std::collections::BTreeSet<usize> {
  text.lines().enumerate().filter(|(_, l)| l.trim_end().ends_with("// error")).map(|(i, _)| i + 1).collect()
}

#[test]
fn types_writes_the_types_of_each_component_from_its_wit() {
  let tmp = tempdir();
  let dir = tmp.path();
  // Components in text and binary form (one in a subdirectory), a core module, a broken file, and
  // components where none are looked for.
  std::fs::copy(fixture("components/types.wat"), dir.join("calc.wat")).unwrap();
  std::fs::copy(fixture("components/host_imports.wat"), dir.join("host.wat")).unwrap();
  std::fs::create_dir_all(dir.join("lib")).unwrap();
  std::fs::write(dir.join("lib/counters.wasm"), wat("components/resources.wat")).unwrap();
  std::fs::copy(fixture("module.wat"), dir.join("core.wat")).unwrap();
  std::fs::write(dir.join("broken.wat"), "(component (func $f").unwrap();
  for hidden in ["node_modules/pkg", ".cache", "target"] {
    std::fs::create_dir_all(dir.join(hidden)).unwrap();
    std::fs::copy(fixture("components/types.wat"), dir.join(hidden).join("hidden.wat")).unwrap();
  }

  let out = kiln(dir, ["types"]);
  let report = out.success();
  let components = dir.join("kiln-types/components");
  for line in [
    "wrote ./kiln-types/components/calc.d.ts (the types of the component ./calc.wat)\n",
    "wrote ./kiln-types/components/lib/counters.d.ts (the types of the component ./lib/counters.wasm)\n",
    "skipped ./broken.wat: not WebAssembly (binary or text): expected `(` at line:column 1:20\n",
  ] {
    assert!(report.contains(line), "{line}\nnot in:\n{report}");
  }
  assert!(!report.contains("core.wat") && !report.contains("hidden"), "{report}");
  let written: Vec<_> = std::fs::read_dir(&components).unwrap().map(|e| e.unwrap().file_name()).collect();
  assert_eq!(written.len(), 3, "{written:?}"); // calc.d.ts, host.d.ts and lib/

  let calc = std::fs::read_to_string(components.join("calc.d.ts")).unwrap();
  for line in [
    "// GENERATED by `kiln types` from the WIT of the WebAssembly component calc.wat",
    "export interface Item {\n  id: number;\n  name: string;\n  tags: string[];\n}",
    "export interface Order {\n  orderId: bigint;\n  items: Item[];\n  note?: string | undefined;\n}",
    "export type Shape =\n  | { tag: \"circle\"; val: number }\n  | { tag: \"rect\"; val: [number, number] }\n  | { tag: \"none\" };",
    "export type Color = \"red\" | \"green\" | \"blue-green\";",
    "export interface Perms {\n  read?: boolean;\n  write?: boolean;\n  exec?: boolean;\n}",
    "export interface Blob {\n  name: string;\n  data: Uint8Array;\n}",
    "@throws {ComponentError} (code 5012) when the result is `err`; its `payload` is the error, a `string`.",
    "  safeDiv(a: number, b: number): number;",
    "  echoU64(v: bigint): bigint;",
    "  echoTuple(t: [number, string, number]): [number, string, number];",
    "  echoNested(v: { tag: \"some\"; val: number } | { tag: \"none\" } | undefined): { tag: \"some\"; val: number } | { tag: \"none\" } | undefined;",
    "  echoResult(v: { tag: \"ok\"; val: number } | { tag: \"err\"; val: string }): { tag: \"ok\"; val: number } | { tag: \"err\"; val: string } | undefined;",
    "  fallible(fail: boolean): void;",
    "export type Imports = { [name: string]: never };",
  ] {
    assert!(calc.contains(line), "{line}\nnot in calc.d.ts:\n{calc}");
  }
  let host = std::fs::read_to_string(components.join("host.d.ts")).unwrap();
  let imports = "export type Imports = {\n  \"kiln:test/host\": {\n    log(msg: string): void | Promise<void>;\n    \
                 transform(p: Point): Point | Promise<Point>;\n";
  assert!(host.contains(imports), "{host}");
  assert!(
    host.contains(
      "    lookup(key: string): number | Promise<number>;\n  };\n  double(x: number): number | Promise<number>;\n};"
    ),
    "{host}"
  );
  let counters = std::fs::read_to_string(components.join("lib/counters.d.ts")).unwrap();
  for line in [
    "/// <reference lib=\"esnext.disposable\" />",
    "export declare class Counter {\n  constructor(start: number);\n  increment(by: number): number;\n  get(): number;\n  \
     static merge(a: Counter, b: Counter): Counter;\n",
    "  [Symbol.dispose](): void;\n}",
    "  \"kiln:test/counters\": {\n    Counter: typeof Counter;\n    live(): number;\n    consume(c: Counter): number;\n  };",
  ] {
    assert!(counters.contains(line), "{line}\nnot in counters.d.ts:\n{counters}");
  }

  // An app that uses them as documented type-checks under the tsconfig kiln types wrote.
  std::fs::write(
    dir.join("main.ts"),
    r#"import { compileFile, ComponentError, instantiate } from "runtime:wasm";
import type { Exports as Calc, Item, Shape } from "./kiln-types/components/calc.d.ts";
import type { Exports as Counters } from "./kiln-types/components/lib/counters.d.ts";
import type { Exports as Host, Imports as HostImports } from "./kiln-types/components/host.d.ts";

const calc = await instantiate<Calc>(await compileFile("./calc.wat"));
const quotient: number = calc.exports.safeDiv(7, 2);
const item: Item = { id: 1, name: "a", tags: ["x"] };
const order = calc.exports.echoOrder({ orderId: 1n, items: [item], note: undefined });
calc.exports.echoOrder({ orderId: 2n, items: [] });
const shapes: Shape[] = [{ tag: "circle", val: 1 }, { tag: "rect", val: [1, 2] }, { tag: "none" }];
const perms = calc.exports.echoPerms({ read: true });
const color = calc.exports.echoColor("blue-green");
const nested = calc.exports.echoNested({ tag: "some", val: 1 });
const sum: bigint = calc.exports.sumBytes(new Uint8Array([1, 2]));
try {
  calc.exports.fallible(true);
} catch (e) {
  if (e instanceof ComponentError) console.log(e.payload);
}
const lib = await instantiate<Counters>(await compileFile("./lib/counters.wasm"));
const { Counter } = lib.exports["kiln:test/counters"];
{
  using counter = new Counter(1);
  counter.increment(2);
  const merged = Counter.merge(counter, counter);
  console.log(lib.exports["kiln:test/counters"].consume(merged));
}
const imports: HostImports = {
  "kiln:test/host": {
    log: (message) => console.log(message),
    transform: (p) => ({ x: p.x + 1, y: p.y * 2 }),
    lookup: async (key) => key.length,
  },
  double: (x) => 2 * x,
};
const host = await instantiate<Host>(await compileFile("./host.wat"), { imports });
const greeting: string = host.exports.greet("kiln");
console.log(quotient, order.items[0].tags, shapes, perms.exec, color, nested, sum, greeting);
"#,
  )
  .unwrap();
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  assert_eq!(checked.status, Some(0), "{}", checked.stdout);

  // Misuse is a type error, on exactly the marked lines.
  let misuse = r#"import { compileFile, instantiate } from "runtime:wasm";
import type { Exports as Calc, Item } from "./kiln-types/components/calc.d.ts";
import type { Exports as Counters } from "./kiln-types/components/lib/counters.d.ts";
import type { Imports as HostImports } from "./kiln-types/components/host.d.ts";
const calc = await instantiate<Calc>(await compileFile("./calc.wat"));
calc.exports.safeDiv("7", 2); // error
const item: Item = { id: 1, nam: "a", tags: [] }; // error
calc.exports.safeDivide(7, 2); // error
calc.exports.echoS64(1); // error
calc.exports.echoColor("purple"); // error
calc.exports.echoShape({ tag: "circle" }); // error
calc.exports.echoBytes([1, 2]); // error
const text: string = calc.exports.safeDiv(1, 2); // error
calc.exports.echoPerms({ read: true, exec: 1 }); // error
calc.exports.echoOrder({ orderId: 1, items: [] }); // error
const lib = await instantiate<Counters>(await compileFile("./lib/counters.wasm"));
new lib.exports["kiln:test/counters"].Counter("1"); // error
lib.exports["kiln:test/counters"].Counter.merge(1, 2); // error
lib.exports["kiln:test/shapes"].area(1, 2); // error
const noLookup: HostImports = { "kiln:test/host": { log() {}, transform: (p) => p }, double: (x) => x }; // error
const badDouble: HostImports["double"] = (x: string) => x.length; // error
console.log(item, text, noLookup, badDouble);
"#;
  std::fs::write(dir.join("bad.ts"), misuse).unwrap();
  let checked = tsc(&["-p", path(&dir.join("tsconfig.json"))]);
  let reported: std::collections::BTreeSet<usize> = checked
    .stdout
    .lines()
    .filter(|l| l.contains("bad.ts(") && l.contains("error TS"))
    .filter_map(|l| l.split("bad.ts(").nth(1)?.split(',').next()?.parse().ok())
    .collect();
  let expected = marked_lines(misuse);
  assert_eq!(expected.len(), 15);
  assert_eq!(reported, expected, "tsc's errors (left) vs the marked lines (right):\n{}", checked.stdout);
  assert!(!checked.stdout.contains("main.ts("), "{}", checked.stdout);

  // Run again without the counters component: its declarations go too.
  std::fs::remove_file(dir.join("lib/counters.wasm")).unwrap();
  let again = kiln(dir, ["types", path(dir)]);
  assert!(again.success().contains("removed"), "{}", again.stdout);
  assert!(!components.join("lib/counters.d.ts").exists());
  assert!(components.join("calc.d.ts").exists());
}
