// runtime:kiln/seal.js: defines `globalThis.__kilnSeal`, which `kiln run` (runtime/src/run.rs)
// calls once before any app code, and which removes itself. The module is evaluated into the
// start-up snapshot (runtime/src/snapshot.rs), so a start only calls the function, a script of one
// line, instead of loading and evaluating a module (without a snapshot, run.rs evaluates it first).
// The seal hands deno_core's `core` to the runtime: modules (runtime:wasm/core keeps it privately),
// then removes from the global object what only the runtime itself may use: `Deno` (the raw ops)
// and `__bootstrap`. What an app can reach afterwards is listed in the README ("What an app can
// reach"), and tests/typings.rs checks that every global is either standard JavaScript or typed in
// ts/kiln_globals.d.ts.
import "runtime:wasm/core";
import { install as installWebAssembly } from "runtime:wasm/webassembly";

// Error stacks show the app's frames only: frames of the runtime's own modules (runtime:wasm, its
// internals, ext: modules) say nothing about where the app went wrong. deno_core calls
// `Error.prepareStackTrace` with the call sites (file paths already made from file: URLs); this
// formats them as the default does, minus the runtime's. An app may replace it with its own.
const INTERNAL_FILE = /^(ext|runtime):/;

function formatFrame(site) {
  let file = site.getFileName() ?? "<anonymous>";
  if (file.startsWith("/")) file = `file://${encodeURI(file)}`;
  const location = `${file}:${site.getLineNumber()}:${site.getColumnNumber()}`;
  const name = site.getFunctionName();
  const prefix = site.isAsync?.() ? "async " : site.isConstructor?.() ? "new " : "";
  return name ? `${prefix}${name} (${location})` : `${prefix}${location}`;
}

function prepareStackTrace(error, sites) {
  let head;
  try {
    head = String(error);
  } catch {
    head = "Error";
  }
  const frames = sites.filter((site) => !INTERNAL_FILE.test(site.getFileName() ?? "")).map(formatFrame);
  return [head, ...frames.map((frame) => `    at ${frame}`)].join("\n");
}

Object.defineProperty(globalThis, "__kilnSeal", { value: seal, configurable: true, writable: true });

function seal() {
  // The ops' coded argument errors (ext_wasm/js/errors.js): deno_core binds fresh op functions on
  // every start from the start-up snapshot (runtime/src/snapshot.rs), without them.
  globalThis.Deno.core.ops[Symbol.for("kiln.uncheckedOps")][Symbol.for("kiln.codeArgumentErrors")]();

  // `WebAssembly` on wasmtime (ts/wasm_webassembly.ts) instead of the engine's interpreter, unless
  // KILN_WEBASSEMBLY=interpreter.
  installWebAssembly();

  // Set here, on every start, rather than when the module is evaluated: a property set on a
  // built-in such as `Error` is not kept by the start-up snapshot.
  Error.prepareStackTrace = prepareStackTrace;

  // How an uncaught non-Error is shown (bootstrap.js): deno_core keeps it outside the JS heap, so
  // the snapshot does not, either.
  const formatThrown = Symbol.for("kiln.formatThrown");
  globalThis.Deno.core.ops.op_set_format_exception_callback(globalThis[formatThrown]);
  delete globalThis[formatThrown];

  // KILN_EXPOSE_INTERNALS=1 (set by the person running kiln, never by an app) keeps them, for
  // Kiln's own tests and benchmarks that call raw ops.
  if (!globalThis[Symbol.for("kiln.exposeInternals")]) {
    delete globalThis.Deno;
    delete globalThis.__bootstrap;
  }
  // The QuickJS shim's helpers that nothing calls at run time. The shim's polyfills do call the
  // others (Atomics.waitAsync, Temporal, `import source`), so those stay, typed in
  // ts/kiln_globals.d.ts.
  delete globalThis.gc;
  delete globalThis.__v8xPostForegroundTask;
  delete globalThis.__v8xAtomicsNumWaitersForTesting;
  delete globalThis.__v8xAtomicsNumUnresolvedAsyncPromisesForTesting;
  delete globalThis[Symbol.for("kiln.exposeInternals")];
  delete globalThis.__kilnSeal;
}
