// The JS engine's built-in `WebAssembly` (WAMR's interpreter on the QuickJS backend), gated by
// the manifest like runtime:wasm: compiling or validating needs [capabilities.wasm] load,
// instantiating needs execute (see ext_wasm/src/builtin.rs). The originals stay in this module's
// scope; the wrappers take their place on the global object and as the prototypes'
// `constructor`, so no path from an app's objects leads back to an unchecked original.
const core = globalThis.Deno.core;
const check = core.ops.op_wasm_builtin_check;
const wasm = globalThis.WebAssembly;

function wrapConstructor(name, kind) {
  const original = wasm[name];
  if (typeof original !== "function") return;
  const what = `new WebAssembly.${name}`;
  const wrapper = {
    [name]: function (...args) {
      if (new.target === undefined) throw new TypeError(`${what} must be called with new`);
      if (name === "Instance") check("instantiate", what);
      else check(kind, what);
      return Reflect.construct(original, args, new.target);
    },
  }[name];
  Object.defineProperty(wrapper, "prototype", { value: original.prototype, writable: false });
  Object.defineProperty(original.prototype, "constructor", {
    value: wrapper,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  for (const key of Object.getOwnPropertyNames(original)) {
    if (key === "prototype" || key === "length" || key === "name") continue;
    const descriptor = Object.getOwnPropertyDescriptor(original, key);
    if (descriptor !== undefined) Object.defineProperty(wrapper, key, descriptor);
  }
  wasm[name] = wrapper;
}

function wrapFunction(name, gate) {
  const original = wasm[name];
  if (typeof original !== "function") return;
  wasm[name] = {
    [name](...args) {
      try {
        gate(`WebAssembly.${name}`, args);
      } catch (error) {
        // compile/instantiate report failures as rejections; validate throws.
        if (name === "validate") throw error;
        return Promise.reject(error);
      }
      return Reflect.apply(original, wasm, args);
    },
  }[name];
}

if (wasm !== undefined) {
  wrapConstructor("Module", "compile");
  wrapConstructor("Instance", "instantiate");
  wrapFunction("validate", (what) => check("compile", what));
  wrapFunction("compile", (what) => check("compile", what));
  wrapFunction("compileStreaming", (what) => check("compile", what));
  wrapFunction("instantiate", (what, args) => {
    // From bytes it compiles first; from a Module it only instantiates.
    if (!(args[0] instanceof wasm.Module)) check("compile", what);
    check("instantiate", what);
  });
  wrapFunction("instantiateStreaming", (what) => {
    check("compile", what);
    check("instantiate", what);
  });
}
