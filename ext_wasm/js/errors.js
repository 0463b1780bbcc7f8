// Registers the JS classes of runtime:wasm's errors, so that an error an op raises arrives as an
// Error whose `name` is the contract's (CompileError, ..., FuelExhausted) with a numeric `code`.
// The names come from ErrorCode in ext_wasm/src/error.rs, through op_wasm_error_codes.
const core = globalThis.Deno.core;

const CODES = new Map(core.ops.op_wasm_error_codes());

/**
 * Registers a deno_core error builder for each `[className, name]`: an op's error of that class
 * arrives as an Error (a TypeError for the name "TypeError", so `instanceof TypeError` holds)
 * whose own `name` is `name` (not enumerable, as an Error class's is).
 */
export function registerNamedErrors(classes) {
  for (const [className, name] of classes) {
    core.registerErrorBuilder(className, (message) => {
      const error = name === "TypeError" ? new TypeError(message) : new Error(message);
      Object.defineProperty(error, "name", { value: name, writable: true, configurable: true, enumerable: false });
      return error;
    });
  }
}

// Keys are namespaced (ErrorCode::class in error.rs).
registerNamedErrors([...CODES.keys()].map((name) => [`Wasm.${name}`, name]));

/** An Error of the contract's class `name` (a key of ErrorCode: "TypeError", "IoError", ...)
 * carrying its numeric `code`, for JS that raises Kiln's errors itself. */
export function codedError(name, message) {
  return core.buildCustomError(`Wasm.${name}`, message, [["code", CODES.get(name)]]);
}

// Where the ops are kept unwrapped (a symbol key of core.ops), for the glue in ts/, which checks
// its arguments itself.
const UNCHECKED = Symbol.for("kiln.uncheckedOps");

/** The names given to codeArgumentErrors, and the wrappers it made. */
const coded = new Set();
const wrappers = new WeakSet();

/**
 * Makes deno_core's argument-conversion failures of the named ops (a string where an op takes a
 * number, a number where it takes bytes) coded errors: TypeError, 5007, naming the op. Errors the
 * ops raise themselves already carry their code and pass through.
 */
export function codeArgumentErrors(names) {
  const unchecked = (core.ops[UNCHECKED] ??= {});
  for (const name of names) {
    const op = core.ops[name];
    if (typeof op !== "function" || wrappers.has(op)) continue;
    coded.add(name);
    unchecked[name] ??= op;
    const recode = (error) => {
      if (error instanceof TypeError && error.code === undefined) {
        const message = `${name}: ${error.message}; see ts/kiln_internal.d.ts for its parameter types`;
        throw codedError("TypeError", message);
      }
      throw error;
    };
    const wrapper = {
      [name](...args) {
        let result;
        try {
          result = op(...args);
        } catch (error) {
          recode(error);
        }
        return result instanceof Promise ? result.catch(recode) : result;
      },
    }[name];
    wrappers.add(wrapper);
    core.ops[name] = wrapper;
  }
}

// A runtime started from a snapshot that holds this module gets fresh op functions on `core.ops`
// from deno_core, without the wrappers above: the embedder calls this once per start, before any
// other code (kiln: runtime/js/seal.js), as
// `core.ops[Symbol.for("kiln.uncheckedOps")][Symbol.for("kiln.codeArgumentErrors")]()`. It wraps
// the same ops again. (`core` itself is frozen.)
(core.ops[UNCHECKED] ??= {})[Symbol.for("kiln.codeArgumentErrors")] = () => codeArgumentErrors([...coded]);

import "ext:ext_wasm/webassembly.js";

// deno_core's own op_wasm_streaming_* ops share the prefix; they are not Kiln's.
codeArgumentErrors(
  Object.keys(core.ops).filter((name) => name.startsWith("op_wasm_") && !name.startsWith("op_wasm_streaming_")),
);
