// `fetch`, `Request`, `Response` and `Headers` for what an app reaches without a network: `file:`
// URLs, read under the manifest's `[capabilities.fs] read` (as runtime:fs's `readBytes`), `data:`
// URLs and the `blob:` URLs of `URL.createObjectURL` (runtime/js/blob.js).
// npm glue fetches its own `.wasm` this way: emscripten's with
// `fetch(new URL("x.wasm", import.meta.url))`, often through `WebAssembly.instantiateStreaming`.
// An `http:` or `https:` URL is a TypeError that says so: Kiln has no network access. Bodies are
// runtime/js/body.js's. Loaded on an app's first use of any of the four (bootstrap.js).
import { codedError } from "ext:ext_wasm/errors.js";
import { Body, extract, installBody, setBodyModules } from "ext:kiln_globals/body.js";

let op_fs_read_bytes;
/** bootstrap.js's lazy modules: blob.js and events.js, each loaded when needed. */
let modules;

/** The four globals, on deno_core's `ops`. */
export function fetchApi(ops, lazy) {
  ({ op_fs_read_bytes } = ops);
  modules = lazy;
  setBodyModules(lazy);
  return { fetch, Request, Response, Headers };
}

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** A header name as the Fetch Standard allows it (an HTTP token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerName(name) {
  const text = String(name);
  if (!TOKEN.test(text)) throw codedError("TypeError", `Headers: ${JSON.stringify(text)} is not a valid header name`);
  return text.toLowerCase();
}

function headerValue(value) {
  const text = String(value).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  if (/[\0\n\r]/.test(text)) throw codedError("TypeError", `Headers: ${JSON.stringify(text)} is not a valid header value`);
  return text;
}

class Headers {
  /** Lower-case name to value (values of one name joined with ", ", as `get` returns them). */
  #map = new Map();

  constructor(init = undefined) {
    if (init === undefined || init === null) return;
    if (init instanceof Headers) {
      for (const [name, value] of init) this.append(name, value);
    } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
      for (const pair of init) {
        const entry = [...pair];
        if (entry.length !== 2) throw codedError("TypeError", "Headers: each pair must have two items, a name and a value");
        this.append(entry[0], entry[1]);
      }
    } else if (typeof init === "object") {
      for (const name of Object.keys(init)) this.append(name, init[name]);
    } else {
      throw codedError("TypeError", "Headers: init must be an object, an array of pairs or a Headers");
    }
  }

  append(name, value) {
    const key = headerName(name);
    const text = headerValue(value);
    const had = this.#map.get(key);
    this.#map.set(key, had === undefined ? text : `${had}, ${text}`);
  }
  delete(name) {
    this.#map.delete(headerName(name));
  }
  get(name) {
    return this.#map.get(headerName(name)) ?? null;
  }
  has(name) {
    return this.#map.has(headerName(name));
  }
  set(name, value) {
    this.#map.set(headerName(name), headerValue(value));
  }
  forEach(callback, thisArg = undefined) {
    for (const [name, value] of this) Reflect.apply(callback, thisArg, [value, name, this]);
  }
  *entries() {
    yield* [...this.#map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
  *keys() {
    for (const [name] of this.entries()) yield name;
  }
  *values() {
    for (const [, value] of this.entries()) yield value;
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  get [Symbol.toStringTag]() {
    return "Headers";
  }
}

/** A fetched response: type "basic", status 200 (set by Response's static block). */
let made;
/** A Response's Body and Headers (set by its static block). */
let responseParts;

class Response {
  static {
    made = (bytes, headers, url) => Response.#made(bytes, 200, "OK", headers, "basic", url);
    responseParts = (response) => {
      if (typeof response !== "object" || response === null || !(#body in response)) throw codedError("TypeError", "Response: called on something that is not a Response");
      return { body: response.#body, headers: response.#headers };
    };
  }

  #body;
  #status;
  #statusText;
  #headers;
  #type;
  #url;

  constructor(body = null, init = {}) {
    const status = init?.status === undefined ? 200 : Number(init.status);
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw coded(new RangeError(`Response: the status must be an integer from 200 to 599, got ${String(init?.status)}`));
    }
    const [bytes, type] = extract(body, "Response");
    if (bytes !== null && (status === 204 || status === 205 || status === 304)) {
      throw codedError("TypeError", `Response: a ${status} response cannot have a body`);
    }
    this.#body = new Body(bytes);
    this.#status = status;
    this.#statusText = init?.statusText === undefined ? "" : String(init.statusText);
    this.#headers = new Headers(init?.headers);
    if (type !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", type);
    this.#type = "default";
    this.#url = "";
  }

  /** A response made here, for `fetch` and the static constructors. */
  static #made(bytes, status, statusText, headers, type, url) {
    const response = new Response(null, { status: status === 0 ? 200 : status });
    response.#body = bytes instanceof Body ? bytes : new Body(bytes);
    response.#status = status;
    response.#statusText = statusText;
    response.#headers = headers;
    response.#type = type;
    response.#url = url;
    return response;
  }

  static json(data, init = {}) {
    const text = JSON.stringify(data);
    if (text === undefined) throw codedError("TypeError", "Response.json: the data cannot be written as JSON");
    // application/json unless `init.headers` names a Content-Type (the constructor would add
    // text/plain for a string body).
    const response = new Response(encoder.encode(text), init);
    if (!response.#headers.has("content-type")) response.#headers.set("content-type", "application/json");
    return response;
  }

  static error() {
    return Response.#made(null, 0, "", new Headers(), "error", "");
  }

  static redirect(url, status = 302) {
    if (![301, 302, 303, 307, 308].includes(status)) {
      throw coded(new RangeError(`Response.redirect: ${status} is not a redirect status (301, 302, 303, 307, 308)`));
    }
    return Response.#made(null, status, "", new Headers({ location: new URL(url).href }), "default", "");
  }

  get type() {
    return this.#type;
  }
  get url() {
    return this.#url;
  }
  get redirected() {
    return false;
  }
  get status() {
    return this.#status;
  }
  get ok() {
    return this.#status >= 200 && this.#status <= 299;
  }
  get statusText() {
    return this.#statusText;
  }
  get headers() {
    return this.#headers;
  }
  clone() {
    if (this.#body.unusable) throw codedError("TypeError", "Response.clone: the body was already read");
    const headers = new Headers(this.#headers);
    return Response.#made(this.#body.clone(), this.#status, this.#statusText, headers, this.#type, this.#url);
  }
  get [Symbol.toStringTag]() {
    return "Response";
  }
}

installBody(Response, (response) => responseParts(response));

/** What fetch can do (it has no network): GET and HEAD. The Fetch Standard's methods it
 * normalizes to upper case, and those it forbids. */
const NORMALIZED = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
const FORBIDDEN = ["CONNECT", "TRACE", "TRACK"];

/** `input` (a string, a URL or a Request) as an absolute URL, or a TypeError naming `what`. */
function absoluteUrl(input, what) {
  const href = input instanceof URL ? input.href : input instanceof Request ? input.url : String(input);
  try {
    return new URL(href);
  } catch {
    throw codedError("TypeError", `${what}: ${JSON.stringify(href)} is not an absolute URL; Kiln has no page to resolve it against, so pass new URL(path, import.meta.url)`);
  }
}

/** A Request's Body and Headers (set by its static block). */
let requestParts;

/**
 * A request, as the Fetch Standard has it: what `fetch` takes besides a URL. Kiln's fetch carries
 * out GET and HEAD only, but a Request of any method can be made and read.
 */
class Request {
  static {
    requestParts = (request) => {
      if (typeof request !== "object" || request === null || !(#body in request)) {
        throw codedError("TypeError", "Request: called on something that is not a Request");
      }
      return { body: request.#body, headers: request.#headers };
    };
  }

  #url;
  #method = "GET";
  #headers;
  #signal;
  #body;

  constructor(input, init = {}) {
    if (arguments.length === 0) throw codedError("TypeError", "Request: 1 argument required (the URL), but only 0 present");
    const from = input instanceof Request ? input : null;
    this.#url = absoluteUrl(input, "Request").href;
    if (from !== null) this.#method = from.#method;
    if (init?.method !== undefined) {
      const method = String(init.method);
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) throw codedError("TypeError", `Request: ${JSON.stringify(method)} is not a valid method`);
      const upper = method.toUpperCase();
      if (FORBIDDEN.includes(upper)) throw codedError("TypeError", `Request: the method ${upper} is forbidden`);
      this.#method = NORMALIZED.includes(upper) ? upper : method;
    }
    this.#headers = new Headers(init?.headers ?? from?.#headers);
    const { AbortController, AbortSignal } = modules.events();
    const given = init?.signal ?? from?.#signal ?? null;
    if (given !== null && !(given instanceof AbortSignal)) throw codedError("TypeError", "Request: init.signal must be an AbortSignal");
    // The request's own signal follows the one given, as the standard has it.
    this.#signal = given === null ? new AbortController().signal : AbortSignal.any([given]);
    const givenBody = init?.body !== undefined && init.body !== null;
    const inherited = from !== null && init?.body === undefined && !from.#body.empty;
    if ((givenBody || inherited) && (this.#method === "GET" || this.#method === "HEAD")) {
      throw codedError("TypeError", `Request: a ${this.#method} request cannot have a body`);
    }
    if (givenBody) {
      const [bytes, type] = extract(init.body, "Request");
      this.#body = new Body(bytes);
      if (type !== null && !this.#headers.has("content-type")) this.#headers.set("content-type", type);
    } else if (inherited) {
      // The body moves to the new request, and the one given counts as read.
      if (from.#body.unusable) throw codedError("TypeError", "Request: the body of the request given was already read");
      this.#body = from.#body;
      from.#body = Body.spent();
    } else {
      this.#body = new Body(null);
    }
  }

  get method() {
    return this.#method;
  }
  get url() {
    return this.#url;
  }
  get headers() {
    return this.#headers;
  }
  get signal() {
    return this.#signal;
  }
  get destination() {
    return "";
  }
  get referrer() {
    return "about:client";
  }
  get referrerPolicy() {
    return "";
  }
  get mode() {
    return "cors";
  }
  get credentials() {
    return "same-origin";
  }
  get cache() {
    return "default";
  }
  get redirect() {
    return "follow";
  }
  get integrity() {
    return "";
  }
  get keepalive() {
    return false;
  }
  get isReloadNavigation() {
    return false;
  }
  get isHistoryNavigation() {
    return false;
  }
  get duplex() {
    return "half";
  }
  clone() {
    if (this.#body.unusable) throw codedError("TypeError", "Request.clone: the body was already read");
    const copy = new Request(this.#url, { method: this.#method, headers: this.#headers, signal: this.#signal });
    copy.#body = this.#body.clone();
    return copy;
  }
  get [Symbol.toStringTag]() {
    return "Request";
  }
}

installBody(Request, (request) => requestParts(request));

/** A RangeError (what the Fetch Standard throws for a bad status) with the code of Kiln's
 * argument errors, from the same table as `codedError`'s. */
const ARGUMENT_CODE = codedError("TypeError", "").code;
function coded(error) {
  Object.defineProperty(error, "code", { value: ARGUMENT_CODE, writable: true, configurable: true, enumerable: false });
  return error;
}

/** Content types by file extension, for what npm glue fetches (`instantiateStreaming` on other
 * engines wants `application/wasm`). */
const TYPES = {
  wasm: "application/wasm",
  js: "text/javascript",
  mjs: "text/javascript",
  json: "application/json",
  txt: "text/plain",
  html: "text/html",
  css: "text/css",
  svg: "image/svg+xml",
  png: "image/png",
};

async function fetchFile(url) {
  if (url.host !== "" && url.host !== "localhost") {
    throw codedError("TypeError", `fetch(${url.href}): a file: URL must name this machine (no host, or localhost)`);
  }
  const path = decodeURIComponent(url.pathname);
  let bytes;
  try {
    bytes = await op_fs_read_bytes(path);
  } catch (e) {
    if (e instanceof Error) e.message = `fetch(${url.href}): ${e.message}`;
    throw e;
  }
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  const headers = new Headers({ "content-type": TYPES[extension] ?? "application/octet-stream" });
  headers.set("content-length", String(bytes.byteLength));
  return made(bytes, headers, url.href);
}

/** The body and media type of a `data:` URL (the Fetch Standard's data: URL processor). */
function fetchData(url) {
  const href = url.href;
  const comma = href.indexOf(",");
  if (comma < 0) throw codedError("TypeError", `fetch: ${JSON.stringify(href.slice(0, 64))} is not a valid data: URL (no comma)`);
  let type = href.slice(5, comma).trim();
  let body = href.slice(comma + 1);
  const base64 = /;\s*base64\s*$/i.test(type);
  if (base64) type = type.replace(/;\s*base64\s*$/i, "").trim();
  let bytes = percentDecode(body);
  if (base64) {
    const text = latin1.decode(bytes).replace(/[\t\n\f\r ]/g, "");
    let binary;
    try {
      binary = atob(text);
    } catch {
      throw codedError("TypeError", "fetch: the data: URL's base64 is not valid");
    }
    bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }
  if (type === "" || type.startsWith(";")) type = `text/plain${type || ";charset=US-ASCII"}`;
  return made(bytes, new Headers({ "content-type": type }), href);
}

/** What `URL.createObjectURL` named. */
function fetchBlob(url) {
  const blob = modules.loaded.blob()?.resolveObjectURL(url.href);
  if (blob === undefined) {
    throw codedError("TypeError", `fetch(${url.href}): no Blob has this URL: it was revoked, or made by another runtime`);
  }
  const bytes = modules.blob().blobBytes(blob).slice();
  const headers = new Headers({ "content-length": String(bytes.byteLength), "content-type": blob.type });
  return made(bytes, headers, url.href);
}

function percentDecode(text) {
  const out = [];
  const raw = encoder.encode(text);
  for (let i = 0; i < raw.length; i++) {
    const hex = raw[i] === 0x25 && i + 2 < raw.length ? String.fromCharCode(raw[i + 1], raw[i + 2]) : "";
    if (/^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(raw[i]);
    }
  }
  return new Uint8Array(out);
}

async function fetch(input, init = undefined) {
  // Besides a Request, any object with a `url` string (what a Request-like wrapper has).
  const source = typeof input === "object" && input !== null && !(input instanceof Request) && !(input instanceof URL) &&
      typeof input.url === "string"
    ? input.url
    : input;
  absoluteUrl(source, "fetch");
  const request = new Request(source, init);
  const signal = request.signal;
  if (signal.aborted) throw signal.reason;
  const url = new URL(request.url);
  const method = request.method.toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    throw codedError("TypeError", `fetch(${url.href}): ${method} is not possible for a ${url.protocol} URL; only GET and HEAD`);
  }
  let response;
  if (url.protocol === "file:") response = await fetchFile(url);
  else if (url.protocol === "data:") response = fetchData(url);
  else if (url.protocol === "blob:") response = fetchBlob(url);
  else {
    throw codedError(
      "TypeError",
      `fetch(${url.href}): Kiln's fetch reads file:, data: and blob: URLs only; it has no network access (read local files with a file: URL under [capabilities.fs] read)`,
    );
  }
  if (signal.aborted) throw signal.reason;
  return response;
}
