// DOMException, atob and btoa, line for line as Deno 2.9 runs them (tests/web_globals.rs).
const show = (label: string, f: () => unknown) => {
  try {
    console.log(label, JSON.stringify(f()));
  } catch (e) {
    // A DOMException's code is its legacy code; a TypeError's is the runtime's own (Kiln: 5007).
    const code = e instanceof DOMException ? e.code : "";
    console.log(label, "threw", (e as Error).constructor.name, (e as Error).name, code);
  }
};
const e = new DOMException("m", "AbortError");
console.log("made", e.name, e.message, e.code, e instanceof DOMException, e instanceof Error, String(e));
console.log("own", Object.getOwnPropertyNames(e).join(), Object.keys(e).length, JSON.stringify(e), typeof e.stack);
console.log("stack line", e.stack?.split("\n")[0]);
console.log("isError", (Error as unknown as { isError(v: unknown): boolean }).isError(e));
console.log("tags", Object.prototype.toString.call(e), Object.prototype.toString.call(DOMException.prototype));
console.log("chain", Object.getPrototypeOf(DOMException.prototype) === Error.prototype, Object.getPrototypeOf(DOMException) === Function.prototype);
console.log("constructor", DOMException.length, DOMException.name, Object.getOwnPropertyNames(DOMException.prototype).slice(0, 5).join());
const code = Object.getOwnPropertyDescriptor(DOMException.prototype, "code")!;
const constant = Object.getOwnPropertyDescriptor(DOMException, "ABORT_ERR")!;
console.log("descriptors", typeof code.get, code.enumerable, code.configurable, constant.writable, constant.enumerable, constant.configurable);
console.log("constants", DOMException.DATA_CLONE_ERR, e.INVALID_STATE_ERR);
const options = new DOMException("m", { name: "TimeoutError", cause: "why" } as unknown as string);
console.log("options", options.name, options.code, (options as { cause?: unknown }).cause, Object.getOwnPropertyNames(options).join());
const defaults = new DOMException();
console.log("defaults", JSON.stringify(defaults.message), defaults.name, defaults.code, String(defaults));
console.log("no code", new DOMException("x", "EncodingError").code, new DOMException("x", "toString").code);
class Sub extends DOMException {
  extra = 1;
  constructor() {
    super("sub", "NotFoundError");
  }
}
const sub = new Sub();
console.log("subclass", sub instanceof Sub, sub instanceof DOMException, sub.name, sub.code, sub.extra);
show("call", () => (DOMException as unknown as (m: string) => unknown)("x"));
show("brand", () => Object.getOwnPropertyDescriptor(DOMException.prototype, "name")!.get!.call({}));
show("symbol message", () => new DOMException(Symbol() as unknown as string));
const clone = structuredClone(e);
console.log("clone", clone instanceof DOMException, clone !== e, clone.name, clone.message);
const signal = AbortSignal.abort();
const reason = signal.reason as DOMException;
console.log("abort reason", reason instanceof DOMException, reason.name, reason.code);

console.log("atob", atob(" YW Jj\n"), atob("YWJjZA"), atob("YQ=="), JSON.stringify(atob("")), atob(null as unknown as string).length);
console.log("btoa", btoa("\xff\x00a"), btoa(undefined as unknown as string), btoa(""));
for (const text of ["YQ=", "Y", "YQ===", "YQ==a", "Y=Q=", "YQ\u00a0", "*"]) show(`atob ${JSON.stringify(text)}`, () => atob(text));
show("btoa U+0100", () => btoa("\u0100"));
show("atob()", () => (atob as unknown as () => string)());
show("btoa()", () => (btoa as unknown as () => string)());
console.log("lengths", atob.length, btoa.length, atob.name, btoa.name);
