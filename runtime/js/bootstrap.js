// Installs Kiln's globals.
import { console, inspect } from "ext:kiln_globals/console.js";
import { clearInterval, clearTimeout, performance, setInterval, setTimeout } from "ext:kiln_globals/timers.js";
import { TextDecoder, TextEncoder } from "ext:kiln_globals/encoding.js";
import { crypto } from "ext:kiln_globals/crypto.js";
import { codeArgumentErrors, codedError, registerNamedErrors } from "ext:ext_wasm/errors.js";

const core = globalThis.Deno.core;

// runtime:fs's ops, called raw with the wrong types, fail with a coded TypeError too.
codeArgumentErrors([
  "op_fs_read_bytes",
  "op_fs_read_text_file",
  "op_kiln_exit",
  "op_kiln_random_fill",
  "op_kiln_url_parse",
  "op_kiln_url_set",
  "op_kiln_url_search_parse",
  "op_kiln_url_search_serialize",
  "op_kiln_decode_utf16",
  "op_kiln_decode_windows1252",
  "op_kiln_compress",
  "op_kiln_decompress",
]);

// The classes deno_error gives a std::io::Error by its kind, which deno_core's own ops raise (the
// `core.print` under console.log, for one): without a builder for its class, deno_core's error
// builder makes `undefined` of such an error. Each is an Error named by its class, as Deno's
// `Deno.errors` are named. (deno_core registers `Interrupted` itself.)
registerNamedErrors([
  "NotFound", "PermissionDenied", "ConnectionRefused", "ConnectionReset", "ConnectionAborted", "NotConnected",
  "AddrInUse", "AddrNotAvailable", "BrokenPipe", "AlreadyExists", "InvalidData", "TimedOut",
  "WriteZero", "UnexpectedEof", "WouldBlock", "IsADirectory", "NetworkUnreachable", "NotADirectory", "FilesystemLoop",
].map((name) => [name, name]));

// How an uncaught value that is not an Error is shown: `error: Uncaught (in promise) { a: 1 }`,
// inspected as Deno shows it, not "[object Object]" (null: deno_core's own text, for errors). The
// seal (runtime/js/seal.js) hands it to deno_core on every start, then deletes it.
Object.defineProperty(globalThis, Symbol.for("kiln.formatThrown"), {
  value(value) {
    if (value instanceof Error) return null;
    try {
      return `Uncaught ${inspect(value, [], 1)}`;
    } catch {
      return null;
    }
  },
  configurable: true,
});

let args;
const globals = {
  console,
  setTimeout,
  setInterval,
  clearTimeout,
  clearInterval,
  performance,
  TextEncoder,
  TextDecoder,
  crypto,
  // `self` is the global object, as in browsers, workers and Deno: browser-first npm packages
  // reach their globals through it.
  self: globalThis,
  // Kiln.args: the arguments after the entry file in `kiln run <entry> [args...]`.
  // Kiln.memoryUsage(): the process's resident set size, for apps that watch their footprint.
  // Kiln.exit(code): ends the process with that status once stdout and stderr are flushed.
  Kiln: Object.freeze({
    // Read on first use, not when this module is evaluated: that happens once, into the start-up
    // snapshot (runtime/src/snapshot.rs), whose heap every later run starts from.
    get args() {
      return (args ??= Object.freeze(core.ops.op_kiln_args()));
    },
    memoryUsage: () => ({ rss: core.ops.op_kiln_rss_bytes() }),
    exit(code = 0) {
      if (!Number.isInteger(code) || code < 0 || code > 255) {
        const message = `Kiln.exit: the exit code must be an integer from 0 to 255, got ${String(code)}`;
        throw codedError("TypeError", message);
      }
      core.ops.op_kiln_exit(code);
    },
  }),
};
const define = (name, value) =>
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
for (const [name, value] of Object.entries(globals)) define(name, value);

// `URL` and `URLSearchParams` (runtime/js/url.js), `Blob` and `File` (runtime/js/blob.js), the
// streams (runtime/js/streams.js), events and `AbortController` (runtime/js/events.js),
// `ImageData` (runtime/js/image_data.js), `navigator` (runtime/js/navigator.js), `structuredClone` (runtime/js/structured_clone.js),
// `DOMException`, `atob` and `btoa` (runtime/js/dom_exception.js) and
// `fetch`, `Request`, `Response` and `Headers` (runtime/js/fetch.js) load on first use: a start
// that does not use them does not restore them from the snapshot. The first read defines them as
// the others are.
// The lazy modules that use one another reach each other through `modules`, which loads each on
// first use; `loaded` says whether one is, so that a check such as "is this body a Blob" does not
// load blob.js (no Blob exists before it is loaded).
let url, fetching, blobs, streams, events, imageData, navigation, domException;
const modules = {
  blob: () => (blobs ??= core.createLazyLoader("ext:kiln_globals/blob.js")().blobApi(modules)),
  streams: () => (streams ??= core.createLazyLoader("ext:kiln_globals/streams.js")().streamsApi(core.ops)),
  events: () => (events ??= core.createLazyLoader("ext:kiln_globals/events.js")()),
  imageData: () => (imageData ??= core.createLazyLoader("ext:kiln_globals/image_data.js")().ImageData),
  loaded: { blob: () => blobs, streams: () => streams, imageData: () => imageData },
};
const urlClasses = () => (url ??= core.createLazyLoader("ext:kiln_globals/url.js")().urlClasses(core.ops, modules));
const fetchApi = () => (fetching ??= core.createLazyLoader("ext:kiln_globals/fetch.js")().fetchApi(core.ops, modules));
// The engine's own `atob` and `btoa`, taken before `lazy` replaces them: dom_exception.js checks
// their input and calls them, so that what they throw is its DOMException, not the engine's.
const engineBase64 = { atob: globalThis.atob, btoa: globalThis.btoa };
const domExceptionApi = () => {
  if (domException === undefined) {
    const loaded = core.createLazyLoader("ext:kiln_globals/dom_exception.js")();
    domException = { DOMException: loaded.DOMException, ...loaded.base64(engineBase64) };
  }
  return domException;
};
const navigatorApi = () =>
  (navigation ??= core.createLazyLoader("ext:kiln_globals/navigator.js")().navigatorApi(core.ops));
const lazy = {
  URL: () => urlClasses().URL,
  URLSearchParams: () => urlClasses().URLSearchParams,
  Blob: () => modules.blob().Blob,
  File: () => modules.blob().File,
  structuredClone: () => core.createLazyLoader("ext:kiln_globals/structured_clone.js")().structuredCloneWith(modules),
  fetch: () => fetchApi().fetch,
  Request: () => fetchApi().Request,
  Response: () => fetchApi().Response,
  Headers: () => fetchApi().Headers,
  Event: () => modules.events().Event,
  CustomEvent: () => modules.events().CustomEvent,
  EventTarget: () => modules.events().EventTarget,
  AbortController: () => modules.events().AbortController,
  AbortSignal: () => modules.events().AbortSignal,
  ImageData: () => modules.imageData(),
  DOMException: () => domExceptionApi().DOMException,
  atob: () => domExceptionApi().atob,
  btoa: () => domExceptionApi().btoa,
  Navigator: () => navigatorApi().Navigator,
  navigator: () => navigatorApi().navigator,
};
for (
  const name of [
    "ReadableStream",
    "ReadableStreamDefaultReader",
    "ReadableStreamDefaultController",
    "WritableStream",
    "WritableStreamDefaultWriter",
    "WritableStreamDefaultController",
    "TransformStream",
    "TransformStreamDefaultController",
    "ByteLengthQueuingStrategy",
    "CountQueuingStrategy",
    "CompressionStream",
    "DecompressionStream",
    "TextEncoderStream",
    "TextDecoderStream",
  ]
) {
  lazy[name] = () => modules.streams()[name];
}
for (const [name, load] of Object.entries(lazy)) {
  Object.defineProperty(globalThis, name, {
    get() {
      const value = load();
      define(name, value);
      return value;
    },
    set(value) {
      define(name, value);
    },
    configurable: true,
    enumerable: false,
  });
}
