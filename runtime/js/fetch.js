// `fetch`, `Response` and `Headers` for what an app reaches without a network: `file:` URLs, read
// under the manifest's `[capabilities.fs] read` (as runtime:fs's `readBytes`), `data:` URLs and
// the `blob:` URLs of `URL.createObjectURL` (runtime/js/blob.js).
// npm glue fetches its own `.wasm` this way: emscripten's with
// `fetch(new URL("x.wasm", import.meta.url))`, often through `WebAssembly.instantiateStreaming`.
// An `http:` or `https:` URL is a TypeError that says so: Kiln has no network access. A body is
// held as whole bytes, or as the ReadableStream it was made from; `body` gives it as a stream
// (runtime/js/streams.js, loaded then). Loaded on an app's first use of any of the three
// (bootstrap.js).
import { codedError } from "ext:ext_wasm/errors.js";

let op_fs_read_bytes;
/** bootstrap.js's lazy modules: blob.js and streams.js, each loaded when a body needs it. */
let modules;

/** The three globals, on deno_core's `ops`. */
export function fetchApi(ops, lazy) {
  ({ op_fs_read_bytes } = ops);
  modules = lazy;
  return { fetch, Response, Headers };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
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

/** A body given to `new Response`, as bytes (or a ReadableStream), and the Content-Type it implies. */
function extract(body) {
  if (body === undefined || body === null) return [null, null];
  if (modules.loaded.streams()?.isReadableStream(body)) {
    if (body.locked || modules.loaded.streams().isDisturbed(body)) {
      throw codedError("TypeError", "Response: the body stream is locked or was already read");
    }
    return [body, null];
  }
  if (typeof body === "string") return [encoder.encode(body), "text/plain;charset=UTF-8"];
  if (body instanceof ArrayBuffer) return [new Uint8Array(body.slice(0)), null];
  if (ArrayBuffer.isView(body)) return [new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), null];
  if (body instanceof URLSearchParams) return [encoder.encode(String(body)), "application/x-www-form-urlencoded;charset=UTF-8"];
  // A response owns its bytes (the reader gets them, not a copy), so a Blob's are copied.
  const held = modules.loaded.blob()?.blobBytes(body);
  if (held !== undefined) return [held.slice(), body.type === "" ? null : body.type];
  throw codedError(
    "TypeError",
    "Response: the body must be a string, an ArrayBuffer, a typed array or DataView, a Blob, a ReadableStream, URLSearchParams or null (Kiln has no FormData)",
  );
}

/** A fetched response: type "basic", status 200 (set by Response's static block). */
let made;

class Response {
  static {
    made = (bytes, headers, url) => Response.#made(bytes, 200, "OK", headers, "basic", url);
  }

  /** The body's bytes, or null (no body, or one held as `#stream`). */
  #bytes;
  /** The body as a ReadableStream: the one it was made from, or the one `body` made of `#bytes`. */
  #stream = null;
  #used = false;
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
    const [bytes, type] = extract(body);
    if (bytes !== null && (status === 204 || status === 205 || status === 304)) {
      throw codedError("TypeError", `Response: a ${status} response cannot have a body`);
    }
    if (bytes instanceof Uint8Array || bytes === null) this.#bytes = bytes;
    else {
      this.#bytes = null;
      this.#stream = bytes;
    }
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
    response.#bytes = bytes;
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
  /** The body as a ReadableStream of Uint8Arrays, or null if there is none. */
  get body() {
    if (this.#stream === null && this.#bytes !== null) {
      this.#stream = modules.streams().bytesStream(this.#bytes);
      this.#bytes = null;
    }
    return this.#stream;
  }
  get bodyUsed() {
    return this.#used || (this.#stream !== null && modules.loaded.streams().isDisturbed(this.#stream));
  }

  #take(method) {
    if (this.bodyUsed || this.#stream?.locked) {
      return Promise.reject(codedError("TypeError", `Response.${method}: the body was already read; clone() the response to read it twice`));
    }
    this.#used = true;
    if (this.#stream !== null) return modules.streams().readAllBytes(this.#stream, `Response.${method}`);
    return Promise.resolve(this.#bytes ?? new Uint8Array(0));
  }
  async arrayBuffer() {
    const bytes = await this.#take("arrayBuffer");
    return bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
  }
  async bytes() {
    return await this.#take("bytes");
  }
  async text() {
    return decoder.decode(await this.#take("text"));
  }
  async json() {
    return JSON.parse(decoder.decode(await this.#take("json")));
  }
  async blob() {
    const bytes = await this.#take("blob");
    return modules.blob().blobOf(bytes, mimeType(this.#headers.get("content-type")));
  }
  async formData() {
    throw codedError("TypeError", "Response.formData: Kiln has no FormData; use text() or json()");
  }
  clone() {
    if (this.bodyUsed || this.#stream?.locked) throw codedError("TypeError", "Response.clone: the body was already read");
    const bytes = this.#bytes === null ? null : this.#bytes.slice();
    const copy = Response.#made(bytes, this.#status, this.#statusText, new Headers(this.#headers), this.#type, this.#url);
    if (this.#stream !== null) [this.#stream, copy.#stream] = this.#stream.tee();
    return copy;
  }
  get [Symbol.toStringTag]() {
    return "Response";
  }
}

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

/** A Content-Type as a Blob's type (the Fetch Standard's MIME type, serialized), or "". */
function mimeType(header) {
  if (header === null) return "";
  const [essence, ...parameters] = header.split(";").map((part) => part.trim());
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(essence)) return "";
  const kept = parameters.filter((p) => /^[^=]+=/.test(p)).map((p) => {
    const eq = p.indexOf("=");
    return `${p.slice(0, eq).trim().toLowerCase()}=${p.slice(eq + 1).trim()}`;
  });
  return [essence.toLowerCase(), ...kept].join(";");
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
  const href = input instanceof URL ? input.href
    : typeof input === "object" && input !== null && typeof input.url === "string" ? input.url
    : String(input);
  const method = String(init?.method ?? input?.method ?? "GET").toUpperCase();
  if (init?.signal?.aborted) throw init.signal.reason ?? new DOMException("The fetch was aborted", "AbortError");
  let url;
  try {
    url = new URL(href);
  } catch {
    throw codedError("TypeError", `fetch: ${JSON.stringify(href)} is not an absolute URL; Kiln has no page to resolve it against, so pass new URL(path, import.meta.url)`);
  }
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
  if (init?.signal?.aborted) throw init.signal.reason ?? new DOMException("The fetch was aborted", "AbortError");
  return response;
}
