// `DOMException` as WebIDL has it, and `atob`/`btoa`, which throw it. Loaded on an app's first use
// (bootstrap.js).
//
// The JS engine has a DOMException of its own, but making one costs 0.26-0.37 ms here (Deno: 3 us): the
// engine builds and formats its stack trace at once, through the shim's source-mapping callback,
// for any value that is not one of its error objects (BENCHMARKS.md, the twentieth pass). So each
// DOMException here is made as such an error object (`Reflect.construct(Error, [], new.target)`),
// whose trace is formatted only if `stack` is read, with `DOMException.prototype` and
// `Error.prototype` above it, as in Deno: `instanceof Error` and `Error.isError` are true, and it
// has an own `stack` (and `cause`, when the options give one). The engine's `atob` and `btoa`
// throw the engine's DOMException, so the input is checked here first and they only see what
// they accept.
import { codedError } from "ext:ext_wasm/errors.js";

/** Each DOMException's name, message and legacy code (a WeakMap: the constructor is a function,
 * so that `DOMException`'s own prototype is `Function.prototype`, as in V8). */
const state = new WeakMap();

/** The legacy codes of the names that have one (WebIDL's error names table); others are 0. */
const CODES = new Map([
  ["IndexSizeError", 1],
  ["HierarchyRequestError", 3],
  ["WrongDocumentError", 4],
  ["InvalidCharacterError", 5],
  ["NoModificationAllowedError", 7],
  ["NotFoundError", 8],
  ["NotSupportedError", 9],
  ["InUseAttributeError", 10],
  ["InvalidStateError", 11],
  ["SyntaxError", 12],
  ["InvalidModificationError", 13],
  ["NamespaceError", 14],
  ["InvalidAccessError", 15],
  ["TypeMismatchError", 17],
  ["SecurityError", 18],
  ["NetworkError", 19],
  ["AbortError", 20],
  ["URLMismatchError", 21],
  ["QuotaExceededError", 22],
  ["TimeoutError", 23],
  ["InvalidNodeTypeError", 24],
  ["DataCloneError", 25],
]);

/** The constants on both `DOMException` and its prototype. */
const CONSTANTS = [
  "INDEX_SIZE_ERR",
  "DOMSTRING_SIZE_ERR",
  "HIERARCHY_REQUEST_ERR",
  "WRONG_DOCUMENT_ERR",
  "INVALID_CHARACTER_ERR",
  "NO_DATA_ALLOWED_ERR",
  "NO_MODIFICATION_ALLOWED_ERR",
  "NOT_FOUND_ERR",
  "NOT_SUPPORTED_ERR",
  "INUSE_ATTRIBUTE_ERR",
  "INVALID_STATE_ERR",
  "SYNTAX_ERR",
  "INVALID_MODIFICATION_ERR",
  "NAMESPACE_ERR",
  "INVALID_ACCESS_ERR",
  "VALIDATION_ERR",
  "TYPE_MISMATCH_ERR",
  "SECURITY_ERR",
  "NETWORK_ERR",
  "ABORT_ERR",
  "URL_MISMATCH_ERR",
  "QUOTA_EXCEEDED_ERR",
  "TIMEOUT_ERR",
  "INVALID_NODE_TYPE_ERR",
  "DATA_CLONE_ERR",
];

/** WebIDL's DOMString conversion: String(), except that a symbol is a TypeError. */
function domString(value, what) {
  if (typeof value === "symbol") throw codedError("TypeError", `${what}: a symbol cannot be converted to a string; pass a string`);
  return String(value);
}

/**
 * `new DOMException(message = "", options = "Error")`: `options` is the name, or an object with
 * `name` and `cause`.
 */
export function DOMException(message = "", options = "Error") {
  if (new.target === undefined) throw codedError("TypeError", "DOMException: the constructor must be called with new");
  const made = Reflect.construct(Error, [], new.target);
  let name;
  if (options !== null && typeof options === "object") {
    name = options.name === undefined ? "Error" : domString(options.name, "DOMException");
    if ("cause" in options) {
      Object.defineProperty(made, "cause", { value: options.cause, writable: true, enumerable: false, configurable: true });
    }
  } else {
    name = domString(options, "DOMException");
  }
  state.set(made, { message: domString(message, "DOMException"), name, code: CODES.get(name) ?? 0 });
  return made;
}

/** The state of a DOMException, or a TypeError for anything else (WebIDL's brand check). */
function of(exception, what) {
  const found = state.get(exception);
  if (found === undefined) throw codedError("TypeError", `DOMException.prototype.${what}: the receiver is not a DOMException`);
  return found;
}

Object.defineProperty(DOMException, "prototype", {
  value: Object.create(Error.prototype),
  writable: false,
  enumerable: false,
  configurable: false,
});
const proto = DOMException.prototype;
Object.defineProperty(proto, "constructor", { value: DOMException, writable: true, enumerable: false, configurable: true });
for (const key of ["message", "name", "code"]) {
  Object.defineProperty(proto, key, {
    get: {
      [key]() {
        return of(this, key)[key];
      },
    }[key],
    enumerable: true,
    configurable: true,
  });
}
CONSTANTS.forEach((key, i) => {
  const constant = { value: i + 1, writable: false, enumerable: true, configurable: false };
  Object.defineProperty(DOMException, key, constant);
  Object.defineProperty(proto, key, constant);
});
Object.defineProperty(proto, Symbol.toStringTag, { value: "DOMException", configurable: true });

/** What base64 text may hold once ASCII whitespace and up to two final `=` are gone. */
const BASE64 = /^[A-Za-z0-9+/]*$/;

/** `atob` and `btoa` over the engine's `atob` and `btoa` (`engine`), throwing this DOMException. */
export function base64(engine) {
  return {
    atob: {
      atob(data) {
        if (arguments.length === 0) throw codedError("TypeError", "atob: 1 argument required, but only 0 present");
        let text = domString(data, "atob").replace(/[\t\n\f\r ]/g, "");
        if (text.length % 4 === 0) text = text.replace(/==?$/, "");
        if (text.length % 4 === 1 || !BASE64.test(text)) {
          throw new DOMException(
            "atob: the string is not valid base64: it may hold only A-Z, a-z, 0-9, + and /, with up to two = " +
              "at the end and whitespace anywhere",
            "InvalidCharacterError",
          );
        }
        return engine.atob(text);
      },
    }.atob,
    btoa: {
      btoa(data) {
        if (arguments.length === 0) throw codedError("TypeError", "btoa: 1 argument required, but only 0 present");
        const text = domString(data, "btoa");
        if (/[^\x00-\xff]/.test(text)) {
          throw new DOMException(
            "btoa: the string has a character above U+00FF; encode it to bytes first (TextEncoder) and " +
              "pass those as a binary string",
            "InvalidCharacterError",
          );
        }
        return engine.btoa(text);
      },
    }.btoa,
  };
}
