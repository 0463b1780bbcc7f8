// `navigator`, as the HTML Standard's NavigatorID, NavigatorLanguage and
// NavigatorConcurrentHardware have it (and Deno has it): what npm glue reads to size a thread pool
// (`hardwareConcurrency`, emscripten's and wasm-bindgen-rayon's) or to pick a locale. Loaded on an
// app's first use (bootstrap.js), so its values are this run's, never the start-up snapshot's.
import { codedError } from "ext:ext_wasm/errors.js";

const KEY = Symbol("navigator");

export function navigatorApi(ops) {
  let facts = null;
  const read = (self, what) => {
    if (!(self instanceof Navigator)) throw codedError("TypeError", `Navigator.${what}: Illegal invocation (call it on navigator)`);
    if (facts === null) {
      const [hardwareConcurrency, language, userAgent, platform] = ops.op_kiln_navigator();
      facts = { hardwareConcurrency, language, userAgent, platform };
    }
    return facts;
  };

  class Navigator {
    constructor(key = undefined) {
      if (key !== KEY) throw codedError("TypeError", "Illegal constructor: use the global `navigator`");
    }

    /** The logical processors this process may run on (its CPU affinity), at least 1. */
    get hardwareConcurrency() {
      return read(this, "hardwareConcurrency").hardwareConcurrency;
    }

    /** The user's language as a BCP 47 tag, from LC_ALL, LC_MESSAGES or LANG ("en-US" if none). */
    get language() {
      return read(this, "language").language;
    }

    /** The user's languages, most preferred first: a new array on each read, as in Deno. */
    get languages() {
      return [read(this, "languages").language];
    }

    /** "Kiln/<version>". */
    get userAgent() {
      return read(this, "userAgent").userAgent;
    }

    /** The operating system and architecture, e.g. "Linux x86_64". */
    get platform() {
      return read(this, "platform").platform;
    }
  }
  for (const name of ["hardwareConcurrency", "language", "languages", "userAgent", "platform"]) {
    Object.defineProperty(Navigator.prototype, name, { enumerable: true });
  }
  Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: "Navigator", configurable: true });
  return { Navigator, navigator: new Navigator(KEY) };
}
