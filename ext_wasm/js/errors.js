// Registers the JS classes of runtime:wasm's errors, so that an error an op raises arrives as an
// Error whose `name` is the contract's (CompileError, ..., FuelExhausted) with a numeric `code`.
// The names come from ErrorCode in ext_wasm/src/error.rs, through op_wasm_error_codes.
const core = globalThis.Deno.core;

for (const [name] of core.ops.op_wasm_error_codes()) {
  // Keys are namespaced (ErrorCode::class in error.rs); TypeError keeps JS's own class, so
  // `instanceof TypeError` holds.
  core.registerErrorBuilder(`Wasm.${name}`, (message) => {
    const error = name === "TypeError" ? new TypeError(message) : new Error(message);
    Object.defineProperty(error, "name", { value: name, writable: true, configurable: true, enumerable: false });
    return error;
  });
}
