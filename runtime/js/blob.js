// `Blob` and `File` (the File API's), and the `blob:` URLs of `URL.createObjectURL`. A blob's bytes
// are held whole, in one Uint8Array no one else can reach (a slice shares them: nothing ever
// writes them). npm glue reaches for these to wrap bytes it made (a rendered image, an inlined
// `.wasm` handed to `URL.createObjectURL` and fetched back). Loaded on an app's first use of
// `Blob`, `File` or `URL.createObjectURL` (bootstrap.js), which hands it the loader of
// runtime/js/streams.js for `stream()`.
import { codedError } from "ext:ext_wasm/errors.js";
import { crypto } from "ext:kiln_globals/crypto.js";
import { concatBytes } from "ext:kiln_globals/stream_common.js";

/** bootstrap.js's lazy modules (`streams()` loads streams.js). */
let modules;

/** What the other modules and the globals use, once `lazy` is known. */
export function blobApi(lazy) {
  modules = lazy;
  return { Blob, File, blobBytes, blobOf, cloneBlob, createObjectURL, resolveObjectURL, revokeObjectURL };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The bytes of every Blob, for fetch.js and `structuredClone` (never handed to an app). */
const bytesOf = new WeakMap();

/** A type as the File API keeps it: lower-cased, or "" if it has a character outside U+0020-U+007E. */
function normalizeType(type) {
  const text = String(type);
  return /^[\x20-\x7e]*$/.test(text) ? text.toLowerCase() : "";
}

/** The bytes of one of the parts `new Blob(parts)` takes. */
function partBytes(part, endings) {
  if (part instanceof ArrayBuffer) return new Uint8Array(part.slice(0));
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength));
  const held = typeof part === "object" && part !== null ? bytesOf.get(part) : undefined;
  if (held !== undefined) return held;
  let text = String(part);
  // "native" line endings are "\n" here, as on every Unix.
  if (endings === "native") text = text.replace(/\r\n?/g, "\n");
  return encoder.encode(text);
}

/** The bytes of `parts` in order, joined. */
function join(parts, endings, what) {
  if (parts === undefined) return new Uint8Array(0);
  if (typeof parts !== "object" || parts === null || typeof parts[Symbol.iterator] !== "function") {
    throw codedError("TypeError", `${what}: the parts must be an array (or another iterable) of strings, buffers, views or Blobs`);
  }
  return concatBytes([...parts].map((part) => partBytes(part, endings)));
}

function endingsOf(options, what) {
  const endings = options?.endings === undefined ? "transparent" : String(options.endings);
  if (endings !== "transparent" && endings !== "native") {
    throw codedError("TypeError", `${what}: endings must be "transparent" or "native", got ${JSON.stringify(endings)}`);
  }
  return endings;
}

/** A relative index of `slice` (negative counts from the end), clamped to 0..size. */
function relative(index, size, fallback) {
  if (index === undefined) return fallback;
  const n = Math.trunc(Number(index)) || 0;
  return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
}

/** The bytes of `blob`, or a TypeError if it is not a Blob (`Blob.prototype.size.call({})`). */
function own(blob, what) {
  const bytes = blobBytes(blob);
  if (bytes === undefined) throw codedError("TypeError", `${what}: called on something that is not a Blob`);
  return bytes;
}

class Blob {
  #type;

  constructor(blobParts = undefined, options = undefined) {
    if (options !== undefined && options !== null && typeof options !== "object") {
      throw codedError("TypeError", "Blob: the options must be an object ({ type, endings })");
    }
    bytesOf.set(this, join(blobParts, endingsOf(options, "Blob"), "Blob"));
    this.#type = options?.type === undefined ? "" : normalizeType(options.type);
  }

  get size() {
    return own(this, "Blob.size").byteLength;
  }
  get type() {
    return this.#type;
  }

  slice(start = undefined, end = undefined, contentType = undefined) {
    const bytes = own(this, "Blob.slice");
    const from = relative(start, bytes.byteLength, 0);
    const to = relative(end, bytes.byteLength, bytes.byteLength);
    const blob = new Blob([], { type: contentType === undefined ? "" : normalizeType(contentType) });
    bytesOf.set(blob, bytes.subarray(from, Math.max(from, to)));
    return blob;
  }

  async arrayBuffer() {
    const bytes = own(this, "Blob.arrayBuffer");
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  async bytes() {
    return own(this, "Blob.bytes").slice();
  }
  async text() {
    return decoder.decode(own(this, "Blob.text"));
  }
  /** The bytes as a ReadableStream of Uint8Array chunks (copies of at most 64 KiB). */
  stream() {
    return modules.streams().bytesStream(own(this, "Blob.stream"));
  }
  get [Symbol.toStringTag]() {
    return "Blob";
  }
}

class File extends Blob {
  #name;
  #lastModified;

  constructor(fileBits, fileName, options = undefined) {
    if (arguments.length < 2) {
      throw codedError("TypeError", `File: expected the bits and a file name, got ${arguments.length} argument${arguments.length === 1 ? "" : "s"}`);
    }
    super(fileBits, options);
    this.#name = String(fileName);
    this.#lastModified = options?.lastModified === undefined ? Date.now() : Math.trunc(Number(options.lastModified)) || 0;
  }

  get name() {
    return this.#name;
  }
  get lastModified() {
    return this.#lastModified;
  }
  get [Symbol.toStringTag]() {
    return "File";
  }
}

/** The Blobs `URL.createObjectURL` named, by URL, until `URL.revokeObjectURL`. */
const objectUrls = new Map();

function createObjectURL(blob) {
  if (!bytesOf.has(blob)) {
    throw codedError("TypeError", "URL.createObjectURL: the argument must be a Blob (or a File)");
  }
  // The origin is "null", as in Deno: an app has no page, so no origin of its own.
  const url = `blob:null/${crypto.randomUUID()}`;
  objectUrls.set(url, blob);
  return url;
}

function revokeObjectURL(url) {
  objectUrls.delete(String(url));
}

/** The Blob a `blob:` URL names (without its fragment), or undefined. */
function resolveObjectURL(href) {
  const hash = href.indexOf("#");
  return objectUrls.get(hash < 0 ? href : href.slice(0, hash));
}

/** The bytes of a Blob (or undefined for anything else), shared: the caller must not write them. */
function blobBytes(value) {
  return typeof value === "object" && value !== null ? bytesOf.get(value) : undefined;
}

/** A Blob over `bytes`, which the caller hands over (nothing else may write them). */
function blobOf(bytes, type) {
  const blob = new Blob([], { type });
  bytesOf.set(blob, bytes);
  return blob;
}

/** A copy of a Blob or File for `structuredClone` (the bytes shared: no one writes them), or
 * undefined for anything else. */
function cloneBlob(value) {
  const bytes = blobBytes(value);
  if (bytes === undefined) return undefined;
  const made = value instanceof File ? new File([], value.name, { type: value.type, lastModified: value.lastModified }) : new Blob([], { type: value.type });
  bytesOf.set(made, bytes);
  return made;
}

