// `URL` and `URLSearchParams`, as the URL Standard has them: npm packages locate their files with
// `new URL("x.wasm", import.meta.url)` (emscripten's and wasm-bindgen's glue do), and apps build
// and read URLs with them. Parsing and the setters are the `url` crate's WHATWG parser
// (runtime/src/url.rs); this side keeps the components the last parse gave. The module is loaded
// on an app's first use of either global (bootstrap.js), after the seal has taken `Deno` off the
// global object, so the ops come from bootstrap.js through `urlClasses`.
import { codedError } from "ext:ext_wasm/errors.js";

let op_kiln_url_parse, op_kiln_url_set, op_kiln_url_search_parse, op_kiln_url_search_serialize;
/** bootstrap.js's lazy modules: `blob()` loads blob.js for `createObjectURL`. */
let modules;

/** The two classes, on deno_core's `ops`. */
export function urlClasses(ops, lazy) {
  ({ op_kiln_url_parse, op_kiln_url_set, op_kiln_url_search_parse, op_kiln_url_search_serialize } = ops);
  modules = lazy;
  return { URL, URLSearchParams };
}

const SET = { href: 0, protocol: 1, username: 2, password: 3, host: 4, hostname: 5, port: 6, pathname: 7, search: 8, hash: 9 };

/** The components of `href` against `base`, or null. */
function parse(href, base) {
  return base === undefined ? op_kiln_url_parse(String(href), "", false) : op_kiln_url_parse(String(href), String(base), true);
}

function invalid(href, base) {
  const against = base === undefined ? "" : ` against the base ${JSON.stringify(String(base))}`;
  return codedError("TypeError", `Invalid URL: ${JSON.stringify(String(href))}${against} is not a valid URL; give an absolute URL, or a base`);
}

// The URL a URLSearchParams made by `url.searchParams` writes its changes to.
const owners = new WeakMap();

class URLSearchParams {
  #list = [];

  constructor(init = undefined) {
    if (init === undefined || init === null) return;
    if (typeof init === "object" || typeof init === "function") {
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const entry = [...pair];
          if (entry.length !== 2) {
            throw codedError("TypeError", "URLSearchParams: each pair of the sequence must have two items, a name and a value");
          }
          this.#list.push([String(entry[0]), String(entry[1])]);
        }
      } else {
        for (const name of Reflect.ownKeys(init)) {
          const descriptor = Reflect.getOwnPropertyDescriptor(init, name);
          if (typeof name === "string" && descriptor?.enumerable) this.#list.push([name, String(init[name])]);
        }
      }
      return;
    }
    const text = String(init);
    this.#list = op_kiln_url_search_parse(text.startsWith("?") ? text.slice(1) : text);
  }

  /** Replaces the pairs (the owning URL's search changed). */
  static reset(params, search) {
    params.#list = op_kiln_url_search_parse(search.startsWith("?") ? search.slice(1) : search);
  }

  #update() {
    const url = owners.get(this);
    if (url !== undefined) URLs.setQuery(url, this.#list.length === 0 ? "" : this.toString());
  }

  get size() {
    return this.#list.length;
  }

  append(name, value) {
    this.#list.push([String(name), String(value)]);
    this.#update();
  }

  delete(name, value = undefined) {
    const [n, v] = [String(name), value === undefined ? undefined : String(value)];
    this.#list = this.#list.filter(([k, x]) => k !== n || (v !== undefined && x !== v));
    this.#update();
  }

  get(name) {
    const n = String(name);
    return this.#list.find(([k]) => k === n)?.[1] ?? null;
  }

  getAll(name) {
    const n = String(name);
    return this.#list.filter(([k]) => k === n).map(([, v]) => v);
  }

  has(name, value = undefined) {
    const [n, v] = [String(name), value === undefined ? undefined : String(value)];
    return this.#list.some(([k, x]) => k === n && (v === undefined || x === v));
  }

  set(name, value) {
    const [n, v] = [String(name), String(value)];
    const at = this.#list.findIndex(([k]) => k === n);
    if (at === -1) this.#list.push([n, v]);
    else this.#list = this.#list.filter(([k], i) => k !== n || i === at).map((pair, i) => (i === at ? [n, v] : pair));
    this.#update();
  }

  sort() {
    // Stable, by the names' UTF-16 code units, as the standard says.
    this.#list = this.#list.map((pair, i) => [pair, i]).sort(([[a], i], [[b], j]) => (a < b ? -1 : a > b ? 1 : i - j)).map(([pair]) => pair);
    this.#update();
  }

  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw codedError("TypeError", "URLSearchParams.forEach: the callback must be a function");
    for (let i = 0; i < this.#list.length; i++) {
      const [name, value] = this.#list[i];
      callback.call(thisArg, value, name, this);
    }
  }

  *entries() {
    for (let i = 0; i < this.#list.length; i++) yield [...this.#list[i]];
  }

  *keys() {
    for (let i = 0; i < this.#list.length; i++) yield this.#list[i][0];
  }

  *values() {
    for (let i = 0; i < this.#list.length; i++) yield this.#list[i][1];
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  toString() {
    return op_kiln_url_search_serialize(this.#list);
  }

  get [Symbol.toStringTag]() {
    return "URLSearchParams";
  }
}

// What the classes share without exposing it: URLSearchParams updates its URL's query.
const URLs = {
  setQuery: undefined,
};

class URL {
  #parts;
  #params = null;

  constructor(url, base = undefined) {
    const parts = parse(url, base);
    if (parts === null) throw invalid(url, base);
    this.#parts = parts;
  }

  static canParse(url, base = undefined) {
    return parse(url, base) !== null;
  }

  /** A `blob:` URL naming `blob` (a Blob or File) until `revokeObjectURL`; `fetch` reads it. */
  static createObjectURL(blob) {
    return modules.blob().createObjectURL(blob);
  }

  static revokeObjectURL(url) {
    modules.loaded.blob()?.revokeObjectURL(url);
  }

  static parse(url, base = undefined) {
    const parts = parse(url, base);
    if (parts === null) return null;
    const made = new URL("about:blank");
    made.#parts = parts;
    return made;
  }

  #set(which, value) {
    const parts = op_kiln_url_set(this.#parts.href, SET[which], String(value));
    if (parts === null) throw invalid(value);
    this.#parts = parts;
    if (this.#params !== null && (which === "href" || which === "search")) URLSearchParams.reset(this.#params, parts.search);
  }

  static {
    URLs.setQuery = (url, query) => {
      url.#parts = op_kiln_url_set(url.#parts.href, SET.search, query) ?? url.#parts;
    };
  }

  get href() {
    return this.#parts.href;
  }
  set href(value) {
    this.#set("href", value);
  }
  get origin() {
    return this.#parts.origin;
  }
  get protocol() {
    return this.#parts.protocol;
  }
  set protocol(value) {
    this.#set("protocol", value);
  }
  get username() {
    return this.#parts.username;
  }
  set username(value) {
    this.#set("username", value);
  }
  get password() {
    return this.#parts.password;
  }
  set password(value) {
    this.#set("password", value);
  }
  get host() {
    return this.#parts.host;
  }
  set host(value) {
    this.#set("host", value);
  }
  get hostname() {
    return this.#parts.hostname;
  }
  set hostname(value) {
    this.#set("hostname", value);
  }
  get port() {
    return this.#parts.port;
  }
  set port(value) {
    this.#set("port", value);
  }
  get pathname() {
    return this.#parts.pathname;
  }
  set pathname(value) {
    this.#set("pathname", value);
  }
  get search() {
    return this.#parts.search;
  }
  set search(value) {
    this.#set("search", value);
  }
  get hash() {
    return this.#parts.hash;
  }
  set hash(value) {
    this.#set("hash", value);
  }

  get searchParams() {
    if (this.#params === null) {
      this.#params = new URLSearchParams(this.#parts.search);
      owners.set(this.#params, this);
    }
    return this.#params;
  }

  toString() {
    return this.#parts.href;
  }

  toJSON() {
    return this.#parts.href;
  }

  get [Symbol.toStringTag]() {
    return "URL";
  }
}

