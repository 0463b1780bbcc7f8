//! CRuby on Kiln: npm's `@ruby/3.4-wasm-wasi` (ruby+stdlib.wasm, a 30 MB WASI reactor) evaluates
//! `puts 1 + 1` through the real binary, its 24 `rb-js-abi-host` and `canonical_abi` imports given
//! as JS host functions and the canonical ABI done by hand in tests/apps/ruby.ts.
//!
//! The module comes from bench/node_modules (bench/package-lock.json pins it; `./x setup` and
//! `./x test` install it). Its cold compile takes half a minute on a 2-core machine; the compiled
//! code is cached in `test_cache_dir()`, so later runs take about a second.

use std::time::Instant;

use kiln_test_support::{repo, App, Package};

#[test]
fn ruby_evaluates_puts_one_plus_one() {
  let wasm = repo().join("bench/node_modules/@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm");
  assert!(
    wasm.exists(),
    "{} is missing: run `./x setup` (or `npm ci --prefix bench`) to install the pinned npm modules",
    wasm.display()
  );
  let started = Instant::now();
  let run = App::new("ruby.ts").allow_all().run_with_args(&[wasm.to_str().expect("a UTF-8 path")]);
  eprintln!("ruby.ts ran in {:.1?}", started.elapsed());
  run.ok(concat!(
    "imports: 24 non-WASI, 24 provided, missing: none\n",
    "ruby-init: done\n",
    "2\n",
    "puts tag: 0, flush tag: 0\n",
    "version tag: 0, kiln:3.4.x\n",
    "eval tag: 0, result: 385 YBUR\n",
    "raise tag: 6, ArgumentError: boom from ruby (tag 0)\n",
    "after rb-clear-errinfo: tag 0, $! = nil\n",
  ));
}

#[test]
fn ruby_runs_through_its_packages_own_browser_glue_on_the_webassembly_global() {
  // The glue and the module are read from bench/node_modules, outside the app's directory.
  let ruby = Package::find("@ruby/3.4-wasm-wasi/dist", "browser.umd.js", "ruby+stdlib.wasm", "");
  let started = Instant::now();
  let run = App::new("ruby_glue.ts").manifest(&ruby.manifest).run_with_args(&ruby.args());
  eprintln!("ruby_glue.ts ran in {:.1?}", started.elapsed());
  // `puts` reaches the glue's console printer through its JS fd_write, which logs the line with
  // its newline (hence the empty line after it).
  run.ok(concat!("version: 3.4.x\n", "sum: 55\n", "hello from ruby\n", "\n", "block: [2, 4, 6]\n", "raise: true\n",));
}
