//! Tests of `kiln types` for components: telling components apart, and the declarations.

use super::*;

#[test]
fn components_modules_and_other_files_are_told_apart() {
  let dir = tempfile_dir("kinds");
  let write = |name: &str, bytes: &[u8]| {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
  };
  assert!(component(&write("c.wat", b"(component)")).unwrap().is_some());
  assert!(component(&write("m.wat", b"(module)")).unwrap().is_none());
  assert!(component(&write("m.wasm", b"\0asm\x01\0\0\0")).unwrap().is_none());
  let broken = component(&write("b.wat", b"(component (func")).unwrap_err();
  assert!(broken.starts_with("not WebAssembly (binary or text): ") && broken.contains("line:column 1:"), "{broken}");
  assert!(!broken.contains('\n'), "{broken}");
  std::fs::remove_dir_all(&dir).unwrap();
}

/// A new empty directory of its own for a test.
fn tempfile_dir(test: &str) -> PathBuf {
  let dir = std::env::temp_dir().join(format!("kiln-component-types-{test}-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).unwrap();
  dir
}

/// A world with every kind of WIT type, docs, name clashes and imports of both kinds.
const KITCHEN_WIT: &str = r#"
package kiln:test@0.1.0;

/// Things the host gives.
interface host {
  /// A handle the host makes.
  resource handle {
    constructor(name: string);
    /// Its name.
    name: func() -> string;
  }
  log: func(msg: string, in: u32);
  fetch: func(url: string) -> result<list<u8>, string>;
}

/// Counters that live in the component.
interface counters {
  use host.{handle};
  resource counter {
    /// Starts at `start`.
    constructor(start: u32);
    increment: func(by: u32) -> u32;
    merge: static func(a: borrow<counter>, b: borrow<counter>) -> counter;
    %constructor: func();
  }
  resource token;
  record item { id: u32 }
  make-token: func() -> token;
  adopt: func(h: handle) -> counter;
  first: func(items: list<item>) -> option<item>;
}

world kitchen {
  import host;
  import wasi:cli/environment@0.2.0;
  import double: func(x: u32) -> u32;

  /// An item.
  record item {
    /// Its id: "*/" ends no comment.
    id: u32,
    order-id: u64,
    note: option<string>,
  }
  /// A shape.
  variant shape {
    /// Round.
    circle(f64),
    none,
  }
  type maybe = option<u32>;
  record exports { x: u32 }
  flags perms { read, exec-all }
  enum color { red, blue-green }

  export counters;
  /// Divides.
  export safe-div: func(a: s32, b: s32) -> result<s32, string>;
  export nested: func(v: option<maybe>) -> list<option<option<u32>>>;
  export results: func(r: list<result<_, string>>) -> result<tuple<u8, s64>>;
  export use-things: func(i: item, s: shape, p: perms, c: color, e: exports, in: string) -> item;
}

package wasi:cli@0.2.0 {
  interface environment {
    get-arguments: func() -> list<string>;
  }
}
"#;

/// The declarations of `KITCHEN_WIT`'s world.
fn kitchen() -> String {
  let mut resolve = wit_parser::Resolve::default();
  let package = resolve.push_str("kitchen.wit", KITCHEN_WIT).unwrap();
  let world = resolve.select_world(&[package], Some("kitchen")).unwrap();
  emit::render(&resolve, world)
}

#[track_caller]
fn assert_has(text: &str, lines: &[&str]) {
  for line in lines {
    assert!(text.contains(line), "missing:\n{line}\nin:\n{text}");
  }
}

#[test]
fn every_kind_of_type_is_declared_as_runtime_wasm_maps_it() {
  let dts = kitchen();
  assert!(dts.starts_with("/// <reference lib=\"esnext.disposable\" />\n"), "{dts}");
  assert_has(
    &dts,
    &[
      // Records (camelCase keys, u64 as bigint), with their docs, made safe for a comment.
      "/** An item. */\nexport interface Item {\n  /** Its id: \"*\\/\" ends no comment. */\n  id: number;\n  orderId: bigint;\n  note?: string | undefined;\n}",
      // The interface's `item` comes second: it is named after its interface.
      "export interface CountersItem {\n  id: number;\n}",
      // A WIT name TypeScript needs (`exports`) gets the world's name in front.
      "export interface KitchenExports {\n  x: number;\n}",
      "/**\n * A shape.\n * - `circle`: Round.\n */\nexport type Shape =\n  | { tag: \"circle\"; val: number }\n  | { tag: \"none\" };",
      "export type Maybe = number | undefined;",
      "export interface Perms {\n  read?: boolean;\n  execAll?: boolean;\n}",
      "export type Color = \"red\" | \"blue-green\";",
      // Resources: constructor, methods, static functions, dispose.
      "export declare class Counter {\n  /** Starts at `start`. */\n  constructor(start: number);\n  increment(by: number): number;\n  static merge(a: Counter, b: Counter): Counter;\n  [\"constructor\"](): void;\n  /** Drops the resource now: its destructor runs. */\n  [Symbol.dispose](): void;\n}",
      "export declare class Token {\n  /** It has no constructor: functions that return one make it. */\n  private constructor();",
      "/** A handle the host makes. */\nexport declare class Handle {\n  constructor(name: string);\n  /** Its name. */\n  name(): string;",
      // Top-level functions: camelCase, a top-level result unwrapped (err thrown), nested ones tagged.
      "  /**\n   * Divides.\n   * @throws {ComponentError} (code 5012) when the result is `err`; its `payload` is the error, a `string`.\n   */\n  safeDiv(a: number, b: number): number;",
      "  nested(v: { tag: \"some\"; val: number } | { tag: \"none\" } | undefined): Array<{ tag: \"some\"; val: number } | { tag: \"none\" } | undefined>;",
      "  results(r: Array<{ tag: \"ok\" } | { tag: \"err\"; val: string }>): [number, bigint];",
      "  useThings(i: Item, s: Shape, p: Perms, c: Color, e: KitchenExports, in_: string): Item;",
      // An exported interface: keyed by its full name, with its classes.
      "  /** Counters that live in the component. */\n  \"kiln:test/counters@0.1.0\": {\n    Counter: typeof Counter;\n    Token: typeof Token;\n    makeToken(): Token;\n    adopt(h: Handle): Counter;\n    first(items: CountersItem[]): CountersItem | undefined;\n  };\n}",
      // The host's imports: all but WASI's.
      "export type Imports = {\n  /** Things the host gives. */\n  \"kiln:test/host@0.1.0\": {\n    log(msg: string, in_: number): void | Promise<void>;\n    /** Returns the `ok` value of a WIT `result`; to return `err`, throw `new ComponentError(message, payload)` with the error, a `string`, as `payload`. */\n    fetch(url: string): Uint8Array | Promise<Uint8Array>;\n  };\n  double(x: number): number | Promise<number>;\n};",
    ],
  );
  assert!(!dts.contains("wasi") && !dts.contains("getArguments"), "{dts}");
}

#[test]
fn a_world_without_resources_or_imports() {
  let mut resolve = wit_parser::Resolve::default();
  let package =
    resolve.push_str("calc.wit", "package a:b;\nworld calc { export add: func(a: u32, b: u32) -> u32; }").unwrap();
  let world = resolve.select_world(&[package], Some("calc")).unwrap();
  let dts = emit::render(&resolve, world);
  assert!(!dts.contains("reference lib"), "{dts}");
  assert_has(
    &dts,
    &[
      "export interface Exports {\n  add(a: number, b: number): number;\n}",
      "export type Imports = { [name: string]: never };",
    ],
  );
}

#[test]
fn writes_one_file_per_component_and_removes_stale_ones() {
  let dir = tempfile_dir("write");
  let component = "(component (core module $m (func (export \"f\"))) (core instance $i (instantiate $m)) \
                   (func (export \"do-it\") (canon lift (core func $i \"f\"))))";
  let files = [
    ("calc.wat", component),
    ("calc.wasm", component), // the same component, compiled: the same file
    ("sub/deep.wat", component),
    ("core.wat", "(module)"),
    ("broken.wat", "(component"),
    ("other/calc.txt", component),
    ("node_modules/x.wat", component),
    (".git/x.wat", component),
    ("kiln-types/x.wat", component),
  ];
  for (name, text) in files {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let bytes = if name.ends_with(".wasm") { wat::parse_str(text).unwrap() } else { text.as_bytes().to_vec() };
    std::fs::write(path, bytes).unwrap();
  }
  let out = dir.join("kiln-types/components");
  std::fs::create_dir_all(out.join("gone")).unwrap();
  std::fs::write(out.join("gone/old.d.ts"), format!("{GENERATED} from ...\n")).unwrap();
  std::fs::write(out.join("mine.d.ts"), "// my own\n").unwrap();

  let report = write(&dir).unwrap();
  let report: Vec<String> = report.iter().map(|l| l.replace(&format!("{}/", dir.display()), "")).collect();
  assert_eq!(
    report,
    [
      "skipped broken.wat: not WebAssembly (binary or text): expected `)` at line:column 1:11",
      "wrote kiln-types/components/calc.d.ts (the types of the component calc.wasm)",
      "calc.wat has the types of calc.wasm: kiln-types/components/calc.d.ts is for both",
      "wrote kiln-types/components/sub/deep.d.ts (the types of the component sub/deep.wat)",
      "removed kiln-types/components/gone/old.d.ts: its component is gone",
    ]
  );
  let calc = std::fs::read_to_string(out.join("calc.d.ts")).unwrap();
  assert!(calc.starts_with(GENERATED), "{calc}");
  assert_has(
    &calc,
    &[
      "//   import type { Exports } from \"./kiln-types/components/calc.d.ts\";\n",
      "//   const instance = await instantiate<Exports>(await compileFile(\"./calc.wasm\"));\n",
      "export interface Exports {\n  doIt(): void;\n}",
    ],
  );
  assert!(out.join("sub/deep.d.ts").exists());
  assert_eq!(std::fs::read_to_string(out.join("mine.d.ts")).unwrap(), "// my own\n");
  assert!(!out.join("x.d.ts").exists());
  assert!(!out.join("gone").exists());
  std::fs::remove_dir_all(&dir).unwrap();
}
