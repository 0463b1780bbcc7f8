// runtime:kiln/seal.js: evaluated by `kiln run` (runtime/src/run.rs) before any app code.
// It hands deno_core's `core` to the runtime: modules (runtime:wasm/core keeps it privately),
// then removes from the global object what only the runtime itself may use: `Deno` (the raw ops)
// and `__bootstrap`. What an app can reach afterwards is listed in the README ("What an app can
// reach"), and tests/typings.rs checks that every global is either standard JavaScript or typed in
// ts/kiln_globals.d.ts.
import "runtime:wasm/core";

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
