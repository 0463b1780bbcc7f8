// The body of a `Request` or a `Response` (the Fetch Standard's Body mixin), for fetch.js: held as
// whole bytes, or as the ReadableStream it was made from, and read once, by `arrayBuffer()`,
// `bytes()`, `text()`, `json()`, `blob()` or through the `body` stream.
import { codedError } from "ext:ext_wasm/errors.js";

/** bootstrap.js's lazy modules: blob.js and streams.js, each loaded when a body needs it. */
let modules;

/** Hands the module bootstrap.js's lazy modules (fetch.js, on its first load). */
export function setBodyModules(lazy) {
  modules = lazy;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `body` as bytes (or the ReadableStream it is), and the Content-Type it implies; `what` names
 * the constructor in errors. */
export function extract(body, what) {
  if (body === undefined || body === null) return [null, null];
  if (modules.loaded.streams()?.isReadableStream(body)) {
    if (body.locked || modules.loaded.streams().isDisturbed(body)) {
      throw codedError("TypeError", `${what}: the body stream is locked or was already read`);
    }
    return [body, null];
  }
  if (typeof body === "string") return [encoder.encode(body), "text/plain;charset=UTF-8"];
  if (body instanceof ArrayBuffer) return [new Uint8Array(body.slice(0)), null];
  if (ArrayBuffer.isView(body)) return [new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)), null];
  if (body instanceof URLSearchParams) return [encoder.encode(String(body)), "application/x-www-form-urlencoded;charset=UTF-8"];
  // A body owns its bytes (the reader gets them, not a copy), so a Blob's are copied.
  const held = modules.loaded.blob()?.blobBytes(body);
  if (held !== undefined) return [held.slice(), body.type === "" ? null : body.type];
  throw codedError(
    "TypeError",
    `${what}: the body must be a string, an ArrayBuffer, a typed array or DataView, a Blob, a ReadableStream, URLSearchParams or null (Kiln has no FormData)`,
  );
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

/** One body: its bytes, or its stream (the one it was made from, or the one `stream` made of
 * the bytes), and whether it was read. */
export class Body {
  #bytes = null;
  #stream = null;
  #used = false;

  /** `source`: what `extract` gave (bytes, a stream or null). */
  constructor(source) {
    if (source instanceof Uint8Array) this.#bytes = source;
    else if (source !== null) this.#stream = source;
  }

  /** A body that was read (what a Request's is once a new Request took it over). */
  static spent() {
    const body = new Body(null);
    body.#used = true;
    return body;
  }

  /** Whether there is no body at all (not: an empty one). */
  get empty() {
    return this.#bytes === null && this.#stream === null;
  }

  /** The body as a ReadableStream of Uint8Arrays, or null if there is none. */
  get stream() {
    if (this.#stream === null && this.#bytes !== null) {
      this.#stream = modules.streams().bytesStream(this.#bytes);
      this.#bytes = null;
    }
    return this.#stream;
  }

  get used() {
    return this.#used || (this.#stream !== null && modules.loaded.streams().isDisturbed(this.#stream));
  }

  /** Whether it can be read no more (read, or its stream locked). */
  get unusable() {
    return this.used || this.#stream?.locked === true;
  }

  /** All of the bytes (the caller's to keep), once; `what` names the method in errors. */
  take(what) {
    if (this.unusable) {
      return Promise.reject(codedError("TypeError", `${what}: the body was already read; clone() it first to read it twice`));
    }
    this.#used = true;
    if (this.#stream !== null) return modules.streams().readAllBytes(this.#stream, what);
    return Promise.resolve(this.#bytes ?? new Uint8Array(0));
  }

  /** A body with the same content; a stream is teed, one branch for each. */
  clone() {
    const copy = new Body(this.#bytes === null ? null : this.#bytes.slice());
    if (this.#stream !== null) [this.#stream, copy.#stream] = this.#stream.tee();
    return copy;
  }
}

/** Gives `Class` the Body mixin's members: `body`, `bodyUsed` and the readers. `parts(object)`
 * gives an instance's Body and Headers. */
export function installBody(Class, parts) {
  const name = Class.name;
  const bodyOf = (object) => parts(object).body;
  const take = (object, method) => bodyOf(object).take(`${name}.${method}`);
  const members = {
    get body() {
      return bodyOf(this).stream;
    },
    get bodyUsed() {
      return bodyOf(this).used;
    },
    async arrayBuffer() {
      const bytes = await take(this, "arrayBuffer");
      return bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
    },
    async bytes() {
      return await take(this, "bytes");
    },
    async text() {
      return decoder.decode(await take(this, "text"));
    },
    async json() {
      return JSON.parse(decoder.decode(await take(this, "json")));
    },
    async blob() {
      const bytes = await take(this, "blob");
      return modules.blob().blobOf(bytes, mimeType(parts(this).headers.get("content-type")));
    },
    async formData() {
      throw codedError("TypeError", `${name}.formData: Kiln has no FormData; use text() or json()`);
    },
  };
  Object.defineProperties(Class.prototype, Object.getOwnPropertyDescriptors(members));
}
