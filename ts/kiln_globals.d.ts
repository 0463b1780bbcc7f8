// Kiln's global scope (runtime/js/*.js), typed so that apps type-check with `"lib": ["ES2022"]`
// and no DOM lib. Written by hand: the globals are plain JS with no Rust or TS source to generate
// from. tests/typings.rs checks that every global declared here exists at run time.

/** Kiln's `console`: formats values like Node's `util.inspect` and writes to stdout or stderr. */
interface KilnConsole {
  /** Writes the values to stdout, separated by spaces. `%s %d %i %f %j %o %O %%` in the first are filled from the rest. */
  log(...data: unknown[]): void;
  /** Same as `log`. */
  info(...data: unknown[]): void;
  /** Same as `log`. */
  debug(...data: unknown[]): void;
  /** Writes the values to stderr. */
  warn(...data: unknown[]): void;
  /** Writes the values to stderr. */
  error(...data: unknown[]): void;
  /** Writes the values and the current stack to stderr. */
  trace(...data: unknown[]): void;
  /** Writes "Assertion failed" and the values to stderr when `condition` is falsy. */
  assert(condition?: unknown, ...data: unknown[]): void;
  /** Writes `data` to stdout (as `log` would; no table layout). */
  table(data: unknown): void;
  /** Writes `value` to stdout. */
  dir(value: unknown): void;
  /** Writes the values, then indents later output by two spaces. */
  group(...data: unknown[]): void;
  /** Ends the innermost `group`. */
  groupEnd(): void;
  /** Writes how many times `count` was called with `label`. */
  count(label?: string): void;
  /** Starts a timer named `label`. */
  time(label?: string): void;
  /** Writes the milliseconds since `time(label)` and stops that timer. */
  timeEnd(label?: string): void;
}

declare var console: KilnConsole;

/**
 * Calls `callback(...args)` once after `delay` milliseconds; returns an id for `clearTimeout`.
 * With no delay (or 0) it runs in the event loop's next turn, after the I/O that is ready; as in
 * browsers, one set inside a timer's callback more than five levels deep waits at least 4 ms.
 */
declare function setTimeout<A extends unknown[]>(callback: (...args: A) => void, delay?: number, ...args: A): number;
/** Calls `callback()` once after `delay` milliseconds (e.g. a promise's `resolve`). */
declare function setTimeout(callback: (...args: never[]) => void, delay?: number): number;
/** Calls `callback(...args)` every `delay` milliseconds; returns an id for `clearInterval`. */
declare function setInterval<A extends unknown[]>(callback: (...args: A) => void, delay?: number, ...args: A): number;
/** Calls `callback()` every `delay` milliseconds. */
declare function setInterval(callback: (...args: never[]) => void, delay?: number): number;
/** Cancels a timer from `setTimeout` (an unknown id is ignored). */
declare function clearTimeout(id?: number): void;
/** Cancels a timer from `setInterval` (an unknown id is ignored). */
declare function clearInterval(id?: number): void;
/** Runs `callback` after the current task, before timers. */
declare function queueMicrotask(callback: () => void): void;

/** A monotonic clock. */
interface KilnPerformance {
  /** When the runtime started, in milliseconds since the Unix epoch. */
  readonly timeOrigin: number;
  /** Milliseconds since `timeOrigin`, monotonic, with sub-millisecond precision. */
  now(): number;
}

declare var performance: KilnPerformance;

/** Encodes strings as UTF-8. */
declare class TextEncoder {
  constructor();
  /** Always `"utf-8"`. */
  readonly encoding: "utf-8";
  /** The UTF-8 bytes of `input`. */
  encode(input?: string): Uint8Array;
  /** Writes as much of `input` as fits into `destination`. */
  encodeInto(input: string, destination: Uint8Array): { read: number; written: number };
}

/**
 * Decodes bytes to strings, as the WHATWG Encoding Standard says: UTF-8, UTF-16 (`"utf-16le"`,
 * `"utf-16"`, `"utf-16be"`) and windows-1252 (`"latin1"`, `"ascii"`, `"iso-8859-1"` and the
 * standard's other labels for it). A byte-order mark is dropped at the start of a stream unless
 * `ignoreBOM`; with `{ stream: true }` an incomplete last character waits for the next call.
 *
 * @example
 * new TextDecoder("utf-16le").decode(new Uint8Array([0x68, 0, 0x69, 0])); // "hi"
 * new TextDecoder("latin1").decode(new Uint8Array([0x80, 0xe9]));          // "€é"
 */
declare class TextDecoder {
  /** `label`: one of the standard's labels of those encodings (case and spaces around it do
   * not matter); others throw RangeError. */
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  /** The encoding's name: `"utf-8"`, `"utf-16le"`, `"utf-16be"` or `"windows-1252"`. */
  readonly encoding: string;
  /** Whether invalid bytes throw (true) or become U+FFFD (false). */
  readonly fatal: boolean;
  /** Whether a leading byte-order mark is kept. */
  readonly ignoreBOM: boolean;
  /** The text of `input` (a buffer or a view of one). */
  decode(input?: ArrayBuffer | ArrayBufferView, options?: { stream?: boolean }): string;
}

/** The options of `new Event`. */
interface EventInit {
  bubbles?: boolean;
  /** Whether `preventDefault()` cancels it (then `dispatchEvent` returns false). */
  cancelable?: boolean;
  composed?: boolean;
}

/**
 * An event, as the DOM Standard has it. Kiln has no document tree: an event reaches its target
 * only (`eventPhase` is `AT_TARGET` while it is dispatched). Loaded on first use.
 */
declare class Event {
  constructor(type: string, eventInitDict?: EventInit);
  readonly type: string;
  readonly target: EventTarget | null;
  readonly srcElement: EventTarget | null;
  readonly currentTarget: EventTarget | null;
  readonly eventPhase: number;
  readonly bubbles: boolean;
  readonly cancelable: boolean;
  readonly composed: boolean;
  readonly defaultPrevented: boolean;
  /** True for the events the runtime fires (an `AbortSignal`'s "abort"), false for an app's. */
  readonly isTrusted: boolean;
  /** `performance.now()` when the event was made. */
  readonly timeStamp: number;
  returnValue: boolean;
  cancelBubble: boolean;
  composedPath(): EventTarget[];
  preventDefault(): void;
  stopPropagation(): void;
  /** No listener after this one runs. */
  stopImmediatePropagation(): void;
  readonly NONE: 0;
  readonly CAPTURING_PHASE: 1;
  readonly AT_TARGET: 2;
  readonly BUBBLING_PHASE: 3;
  static readonly NONE: 0;
  static readonly CAPTURING_PHASE: 1;
  static readonly AT_TARGET: 2;
  static readonly BUBBLING_PHASE: 3;
}

/** The options of `new CustomEvent`. */
interface CustomEventInit<T = unknown> extends EventInit {
  detail?: T;
}

/** An event that carries `detail`. */
declare class CustomEvent<T = unknown> extends Event {
  constructor(type: string, eventInitDict?: CustomEventInit<T>);
  readonly detail: T;
}

/** A function, or an object whose `handleEvent` is called, for `addEventListener`. */
type EventListenerOrEventListenerObject = ((event: Event) => void) | { handleEvent(event: Event): void };

/** The options of `addEventListener` (a boolean is `capture`). */
interface AddEventListenerOptions {
  capture?: boolean;
  /** Removed after its first call. */
  once?: boolean;
  /** Its `preventDefault()` does nothing. */
  passive?: boolean;
  /** Removed when the signal aborts. */
  signal?: AbortSignal;
}

/**
 * Something listeners can be added to and events dispatched at, as the DOM Standard has it. A
 * listener that throws does not stop the others; its exception is reported as uncaught once they
 * ran (the app ends, as in Deno). Loaded on first use.
 *
 * @example
 * ```ts
 * const target = new EventTarget();
 * target.addEventListener("ping", (event) => console.log((event as CustomEvent<number>).detail), { once: true });
 * target.dispatchEvent(new CustomEvent("ping", { detail: 42 })); // logs 42
 * target.dispatchEvent(new CustomEvent("ping", { detail: 43 })); // nothing: it was `once`
 * ```
 */
declare class EventTarget {
  constructor();
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | { capture?: boolean }): void;
  /** Runs the listeners of `event.type`; false if one of them canceled a cancelable event. */
  dispatchEvent(event: Event): boolean;
}

/** Tells a task that it should stop: an `EventTarget` that fires "abort" once. */
declare class AbortSignal extends EventTarget {
  private constructor();
  /** Whether `abort()` was called. */
  readonly aborted: boolean;
  /** The reason given to `abort()` (an `AbortError` DOMException by default). */
  readonly reason: unknown;
  /** Called once when the signal aborts, before the "abort" listeners. */
  onabort: ((this: AbortSignal, event: Event) => void) | null;
  /** Throws `reason` if the signal has aborted. */
  throwIfAborted(): void;
  /** A signal that has already aborted with `reason`. */
  static abort(reason?: unknown): AbortSignal;
  /** A signal that aborts with a `TimeoutError` DOMException after `ms` milliseconds. */
  static timeout(ms: number): AbortSignal;
  /** A signal that aborts when the first of `signals` does, with its reason. */
  static any(signals: Iterable<AbortSignal>): AbortSignal;
}

/** Makes an `AbortSignal` and aborts it. Loaded on first use. */
declare class AbortController {
  constructor();
  /** The signal to hand to tasks. */
  readonly signal: AbortSignal;
  /** Aborts `signal` with `reason`. */
  abort(reason?: unknown): void;
}

/**
 * Random values from the OS's random source, as the Web Crypto API has them (without `subtle`).
 *
 * @example
 * ```ts
 * const key = crypto.getRandomValues(new Uint8Array(32));
 * const id = crypto.randomUUID(); // e.g. "3b241101-e2bb-4255-8caf-4136c566a962"
 * ```
 */
interface KilnCrypto {
  /**
   * Fills `array` with random values and returns it. Throws TypeError (code 5007) for an array
   * that is not an integer typed array, or of more than 65,536 bytes (fill a larger one in parts).
   */
  getRandomValues<T extends Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array>(array: T): T;
  /** A random (version 4) UUID in its 36-character lower-case form. */
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}

declare var crypto: KilnCrypto;

/**
 * A URL, parsed as the URL Standard (WHATWG) says: its components, each readable and settable.
 * An invalid URL throws TypeError (code 5007); a setter given a value the URL cannot take leaves
 * it unchanged, as the standard has it (only the `href` setter throws).
 *
 * @example
 * ```ts
 * const url = new URL("../lib/module.wasm", "file:///app/src/main.ts");
 * url.href;                          // "file:///app/lib/module.wasm"
 * const api = new URL("https://example.com/search?q=wasm");
 * api.searchParams.append("page", "2");
 * api.search;                        // "?q=wasm&page=2"
 * URL.canParse("not a url");         // false
 * ```
 */
declare class URL {
  constructor(url: string | URL, base?: string | URL);
  /** Whether `new URL(url, base)` would succeed. */
  static canParse(url: string | URL, base?: string | URL): boolean;
  /** `new URL(url, base)`, or null where that would throw. */
  static parse(url: string | URL, base?: string | URL): URL | null;
  /** A `blob:` URL (`blob:null/<uuid>`) that `fetch` reads as `blob`'s bytes, until it is revoked. */
  static createObjectURL(blob: Blob): string;
  /** Forgets a URL `createObjectURL` made (an unknown one is ignored). */
  static revokeObjectURL(url: string): void;
  href: string;
  readonly origin: string;
  protocol: string;
  username: string;
  password: string;
  host: string;
  hostname: string;
  port: string;
  pathname: string;
  search: string;
  hash: string;
  /** The query's name-value pairs; changing them changes `search`. */
  readonly searchParams: URLSearchParams;
  toString(): string;
  toJSON(): string;
}

/**
 * A query string's name-value pairs (application/x-www-form-urlencoded), in order.
 *
 * @example
 * ```ts
 * const params = new URLSearchParams("a=1&b=2&a=3");
 * params.getAll("a");     // ["1", "3"]
 * params.set("b", "x y");
 * params.toString();      // "a=1&b=x+y&a=3"
 * ```
 */
declare class URLSearchParams {
  constructor(init?: string | Iterable<readonly [string, string]> | Record<string, string> | URLSearchParams);
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  forEach(callback: (value: string, name: string, params: URLSearchParams) => void, thisArg?: unknown): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
  toString(): string;
}

/** The global object itself, as in browsers and Deno (`self === globalThis`). */
declare var self: typeof globalThis;

/** Kiln's own namespace. */
declare var Kiln: {
  /** The arguments after the entry file in `kiln run <entry> [args...]`. */
  readonly args: readonly string[];
  /** The process's memory use: `rss` is its resident set size in bytes (0 where the OS does not say). */
  memoryUsage(): { rss: number };
  /**
   * Ends the process with exit status `code` (0-255, default 0) once what the app and its guests
   * wrote to stdout and stderr is flushed; pending timers and promises are abandoned. A CLI written
   * in TS hands a guest's exit code on with it: `Kiln.exit(error.exitCode ?? 1)`.
   * Throws TypeError (code 5007) for a code that is not an integer from 0 to 255.
   */
  exit(code?: number): never;
};

/**
 * The standard WebAssembly JS API, run on wasmtime (`KILN_WEBASSEMBLY=interpreter` keeps the JS
 * engine's own interpreter instead), under the manifest like `runtime:wasm`: `validate`, `compile`
 * and `new Module` need `[capabilities.wasm] load`; `instantiate` and `new Instance` need
 * `execute`; every instance keeps the manifest's limits. A denial throws (or rejects with)
 * PermissionDenied, code 5009; CompileError, LinkError and RuntimeError carry codes 5000-5002.
 * A `Memory` or mutable `Global` made in JS is made in the store of the first instance that
 * imports it. See the README, "The `WebAssembly` global".
 *
 * @example
 * ```ts
 * const { instance } = await WebAssembly.instantiate(bytes, { env: { log: (x: number) => console.log(x) } });
 * const { add } = instance.exports as { add(a: number, b: number): number };
 * console.log(add(2, 3)); // 5
 * ```
 */
declare namespace WebAssembly {
  type ImportValue = ((...args: never[]) => unknown) | Suspending | Global | Memory | Table | Tag | number | bigint;
  type Imports = Record<string, Record<string, ImportValue>>;
  type ExportValue = ((...args: never[]) => unknown) | Global | Memory | Table | Tag;
  type Exports = Record<string, ExportValue>;
  interface ModuleImportDescriptor {
    module: string;
    name: string;
    kind: "function" | "table" | "memory" | "global" | "tag";
  }
  interface ModuleExportDescriptor {
    name: string;
    kind: "function" | "table" | "memory" | "global" | "tag";
  }
  class Module {
    constructor(bytes: BufferSource);
    static imports(module: Module): ModuleImportDescriptor[];
    static exports(module: Module): ModuleExportDescriptor[];
    static customSections(module: Module, name: string): ArrayBuffer[];
  }
  class Instance {
    constructor(module: Module, imports?: Imports);
    readonly exports: Exports;
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  interface TableDescriptor {
    element: "anyfunc" | "externref";
    initial: number;
    maximum?: number;
  }
  class Table {
    constructor(descriptor: TableDescriptor, value?: unknown);
    readonly length: number;
    get(index: number): unknown;
    set(index: number, value?: unknown): void;
    grow(delta: number, value?: unknown): number;
  }
  interface GlobalDescriptor {
    value: "i32" | "i64" | "f32" | "f64" | "externref" | "anyfunc";
    mutable?: boolean;
  }
  class Global {
    constructor(descriptor: GlobalDescriptor, value?: unknown);
    value: unknown;
    valueOf(): unknown;
  }
  class CompileError extends Error {}
  class LinkError extends Error {}
  class RuntimeError extends Error {}
  interface WebAssemblyInstantiatedSource {
    module: Module;
    instance: Instance;
  }
  function validate(bytes: BufferSource): boolean;
  function compile(bytes: BufferSource): Promise<Module>;
  function instantiate(bytes: BufferSource, imports?: Imports): Promise<WebAssemblyInstantiatedSource>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
  /** `compile` of what `source` (a `Response`, or a promise of one, e.g. `fetch(url)`) holds. */
  function compileStreaming(source: Response | PromiseLike<Response>): Promise<Module>;
  /** `instantiate` of what `source` (a `Response`, or a promise of one) holds. */
  function instantiateStreaming(
    source: Response | PromiseLike<Response>,
    imports?: Imports,
  ): Promise<WebAssemblyInstantiatedSource>;
  /**
   * JS Promise Integration: a JS function as an import that suspends the guest until the value it
   * returns (a promise, or any value) settles. Only a call made through `WebAssembly.promising`
   * can suspend; any other call of the import throws a SuspendError without calling `fn`. A
   * rejection reaches the promising call's promise unchanged.
   *
   * @example
   * ```ts
   * const { instance } = await WebAssembly.instantiate(bytes, {
   *   env: { fetchNumber: new WebAssembly.Suspending(async (key: number) => (await lookUp(key)).value) },
   * });
   * const run = WebAssembly.promising(instance.exports.run as (key: number) => number);
   * console.log(await run(7)); // the guest ran on when lookUp settled
   * ```
   */
  class Suspending {
    constructor(fn: (...args: never[]) => unknown);
  }
  /**
   * JS Promise Integration: an exported function as one that returns a promise of its result, and
   * whose `Suspending` imports suspend it. It runs at once, synchronously, until one does. On
   * wasmtime a store runs one call at a time, so a call into the instance's store made while a
   * promising call is suspended runs nested in it, and an outer call whose promise settled
   * resumes once the calls nested in it have ended (V8 resumes them in any order). A promising call
   * made inside a JS import starts when that import has returned. Throws TypeError (5007) for
   * anything but an exported function.
   */
  function promising<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => Promise<R>;
  /** Thrown when a `Suspending` import is called from a call that cannot suspend: a synchronous
   * export call (also one made while a promising call is suspended) or a start function. Its JS
   * function is not called. Kiln's `code` is 5002. */
  class SuspendError extends Error {}
  /** The value types a tag's payload may have. */
  type TagValueType = "i32" | "i64" | "f32" | "f64" | "externref";
  interface TagType {
    parameters: TagValueType[];
  }
  /**
   * An exception tag: what a `WebAssembly.Exception` is of, and what the guest's `throw` and
   * `catch` name. One made here is made in the store of the first instance that imports it; a
   * module's exported tag is the same object however often it is exported. Another value type
   * than `TagValueType`'s is a TypeError (5007).
   *
   * @example
   * ```ts
   * const failed = new WebAssembly.Tag({ parameters: ["i32"] });
   * const { instance } = await WebAssembly.instantiate(bytes, { env: { failed } });
   * try {
   *   (instance.exports.run as () => void)();
   * } catch (e) {
   *   if (e instanceof WebAssembly.Exception && e.is(failed)) console.log("failed with", e.getArg(failed, 0));
   * }
   * ```
   */
  class Tag {
    #private;
    constructor(type: TagType);
  }
  interface ExceptionOptions {
    /** Keep the stack where it was made, as `stack`. */
    traceStack?: boolean;
  }
  /**
   * A WebAssembly exception: a tag and its payload. One the guest throws and does not catch
   * reaches JS as an `Exception` of the guest's tag (not an `Error`); one a JS import throws is
   * thrown into the guest, whose `catch` of its tag gets the payload, and comes out as the same
   * object if nothing catches it. Any other value a JS import throws is caught by the guest's
   * `catch_all` (and `catch` of `JSTag`), and comes out as itself.
   *
   * @example
   * ```ts
   * const failed = new WebAssembly.Tag({ parameters: ["i32", "i64"] });
   * const e = new WebAssembly.Exception(failed, [7, 8n]);
   * console.log(e.is(failed), e.getArg(failed, 1)); // true 8n
   * ```
   */
  class Exception {
    /** TypeError (5007) for a payload that is not the tag's length, or for `JSTag`. */
    constructor(tag: Tag, payload: Iterable<unknown>, options?: ExceptionOptions);
    /** Whether it is of `tag`. */
    is(tag: Tag): boolean;
    /** Value `index` of the payload: TypeError (5007) for another tag, RangeError past the end. */
    getArg(tag: Tag, index: number): unknown;
    readonly stack: string | undefined;
  }
  /** The tag of JS exceptions as the guest sees them, `(param externref)`: a module that imports
   * it catches the JS values JS imports throw with `catch`, and a value it throws with it reaches
   * JS as that value. */
  const JSTag: Tag;
}

/** The headers of a `Response`: names are case-insensitive, values of one name are joined with
 * ", ", and iteration is in name order, as the Fetch Standard has it. A name or value the
 * standard refuses throws TypeError (code 5007). */
declare class Headers {
  constructor(init?: Headers | Iterable<readonly [string, string]> | Record<string, string>);
  append(name: string, value: string): void;
  delete(name: string): void;
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  forEach(callback: (value: string, name: string, headers: Headers) => void, thisArg?: unknown): void;
  entries(): IterableIterator<[string, string]>;
  keys(): IterableIterator<string>;
  values(): IterableIterator<string>;
  [Symbol.iterator](): IterableIterator<[string, string]>;
}

/** How much a stream queues before it signals backpressure: `highWaterMark` in units of `size`. */
interface QueuingStrategy<T = unknown> {
  highWaterMark?: number;
  size?: (chunk: T) => number;
}

/** A strategy that counts bytes (`chunk.byteLength`). */
declare class ByteLengthQueuingStrategy implements QueuingStrategy<ArrayBufferView> {
  constructor(init: { highWaterMark: number });
  readonly highWaterMark: number;
  readonly size: (chunk: ArrayBufferView) => number;
}

/** A strategy that counts chunks. */
declare class CountQueuingStrategy implements QueuingStrategy {
  constructor(init: { highWaterMark: number });
  readonly highWaterMark: number;
  readonly size: (chunk: unknown) => 1;
}

/** What `new ReadableStream` takes: where the chunks come from. */
interface UnderlyingSource<R = unknown> {
  /** Called once, at once; the stream pulls only after the promise it returns settles. */
  start?: (controller: ReadableStreamDefaultController<R>) => void | PromiseLike<void>;
  /** Called when the queue wants more (its size is below the high-water mark, or a read waits). */
  pull?: (controller: ReadableStreamDefaultController<R>) => void | PromiseLike<void>;
  /** Called when the consumer cancels the stream. */
  cancel?: (reason: unknown) => void | PromiseLike<void>;
  /** "bytes" is accepted, and the stream then works as a default one (Kiln has no BYOB readers). */
  type?: "bytes";
}

/** Lets an underlying source fill its stream. */
declare class ReadableStreamDefaultController<R = unknown> {
  private constructor();
  /** The high-water mark minus what is queued; null once the stream has errored. */
  readonly desiredSize: number | null;
  enqueue(chunk: R): void;
  close(): void;
  error(reason?: unknown): void;
}

/** What `reader.read()` resolves to. */
type ReadableStreamReadResult<T> = { done: false; value: T } | { done: true; value: undefined };

/** The reader a stream is locked to: `read()` gives the chunks in order. */
declare class ReadableStreamDefaultReader<R = unknown> {
  constructor(stream: ReadableStream<R>);
  /** Resolves when the stream closes; rejects if it errors or the reader is released. */
  readonly closed: Promise<void>;
  read(): Promise<ReadableStreamReadResult<R>>;
  cancel(reason?: unknown): Promise<void>;
  /** Unlocks the stream; pending reads reject with a TypeError. */
  releaseLock(): void;
}

/**
 * A source of chunks, as the Streams Standard has it: read with a reader, `for await`, `pipeTo`
 * or `pipeThrough`. `blob.stream()` and `response.body` give streams of `Uint8Array`s. Loaded on
 * first use. Kiln has no BYOB readers (`getReader({ mode: "byob" })` is a TypeError, 5007).
 *
 * @example
 * ```ts
 * const numbers = new ReadableStream<number>({
 *   start(controller) {
 *     for (const n of [1, 2, 3]) controller.enqueue(n);
 *     controller.close();
 *   },
 * });
 * for await (const n of numbers) console.log(n); // 1, 2, 3
 *
 * const packed = new Blob(["hello"]).stream().pipeThrough(new CompressionStream("gzip"));
 * const back = packed.pipeThrough(new DecompressionStream("gzip")).pipeThrough(new TextDecoderStream());
 * for await (const text of back) console.log(text); // "hello"
 * ```
 */
declare class ReadableStream<R = unknown> {
  constructor(underlyingSource?: UnderlyingSource<R>, strategy?: QueuingStrategy<R>);
  /** A stream of what `iterable` yields (awaiting each value of an async one). */
  static from<R>(iterable: Iterable<R | PromiseLike<R>> | AsyncIterable<R>): ReadableStream<R>;
  /** Whether a reader (or a pipe) holds the stream. */
  readonly locked: boolean;
  cancel(reason?: unknown): Promise<void>;
  getReader(options?: { mode?: undefined }): ReadableStreamDefaultReader<R>;
  /** Pipes this stream into `transform.writable` and returns `transform.readable`. */
  pipeThrough<T>(transform: { writable: WritableStream<R>; readable: ReadableStream<T> }, options?: StreamPipeOptions): ReadableStream<T>;
  /** Writes every chunk into `destination`, then closes it; resolves when all is written. */
  pipeTo(destination: WritableStream<R>, options?: StreamPipeOptions): Promise<void>;
  /** Two streams that each give every chunk of this one. */
  tee(): [ReadableStream<R>, ReadableStream<R>];
  values(options?: { preventCancel?: boolean }): AsyncIterableIterator<R>;
  [Symbol.asyncIterator](options?: { preventCancel?: boolean }): AsyncIterableIterator<R>;
}

/** The options of `pipeTo` and `pipeThrough`. */
interface StreamPipeOptions {
  preventClose?: boolean;
  preventAbort?: boolean;
  preventCancel?: boolean;
  signal?: AbortSignal;
}

/** What `new WritableStream` takes: where the chunks go. */
interface UnderlyingSink<W = unknown> {
  start?: (controller: WritableStreamDefaultController) => void | PromiseLike<void>;
  /** Called for each chunk in order; the next waits until the promise it returns settles. */
  write?: (chunk: W, controller: WritableStreamDefaultController) => void | PromiseLike<void>;
  close?: () => void | PromiseLike<void>;
  abort?: (reason: unknown) => void | PromiseLike<void>;
}

/** Lets an underlying sink error its stream. */
declare class WritableStreamDefaultController {
  private constructor();
  readonly signal: AbortSignal;
  error(reason?: unknown): void;
}

/** The writer a stream is locked to. */
declare class WritableStreamDefaultWriter<W = unknown> {
  constructor(stream: WritableStream<W>);
  readonly closed: Promise<void>;
  /** Resolves when the queue has room again (backpressure). */
  readonly ready: Promise<void>;
  readonly desiredSize: number | null;
  write(chunk?: W): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
  releaseLock(): void;
}

/**
 * A destination for chunks, as the Streams Standard has it. Loaded on first use.
 *
 * @example
 * ```ts
 * const seen: string[] = [];
 * await ReadableStream.from(["a", "b"]).pipeTo(new WritableStream<string>({ write: (chunk) => void seen.push(chunk) }));
 * seen; // ["a", "b"]
 * ```
 */
declare class WritableStream<W = unknown> {
  constructor(underlyingSink?: UnderlyingSink<W>, strategy?: QueuingStrategy<W>);
  readonly locked: boolean;
  abort(reason?: unknown): Promise<void>;
  close(): Promise<void>;
  getWriter(): WritableStreamDefaultWriter<W>;
}

/** Lets a transformer fill the readable side. */
declare class TransformStreamDefaultController<O = unknown> {
  private constructor();
  readonly desiredSize: number | null;
  enqueue(chunk?: O): void;
  error(reason?: unknown): void;
  /** Closes the readable side and errors the writable one. */
  terminate(): void;
}

/** What `new TransformStream` takes. */
interface Transformer<I = unknown, O = unknown> {
  start?: (controller: TransformStreamDefaultController<O>) => void | PromiseLike<void>;
  /** Called for each chunk written (default: pass it through). */
  transform?: (chunk: I, controller: TransformStreamDefaultController<O>) => void | PromiseLike<void>;
  /** Called once the writable side closes, before the readable side does. */
  flush?: (controller: TransformStreamDefaultController<O>) => void | PromiseLike<void>;
  cancel?: (reason: unknown) => void | PromiseLike<void>;
}

/**
 * A writable side and a readable side with a transform between them. Loaded on first use. The
 * readable side queues what it is given (a write waits for its transform, not for a reader).
 *
 * @example
 * ```ts
 * const upper = new TransformStream<string, string>({ transform: (chunk, c) => c.enqueue(chunk.toUpperCase()) });
 * for await (const s of ReadableStream.from(["a", "b"]).pipeThrough(upper)) console.log(s); // "A", "B"
 * ```
 */
declare class TransformStream<I = unknown, O = unknown> {
  constructor(transformer?: Transformer<I, O>, writableStrategy?: QueuingStrategy<I>, readableStrategy?: QueuingStrategy<O>);
  readonly readable: ReadableStream<O>;
  readonly writable: WritableStream<I>;
}

/** The Compression Standard's formats: gzip (RFC 1952), deflate (zlib, RFC 1950), deflate-raw (RFC 1951). */
type CompressionFormat = "gzip" | "deflate" | "deflate-raw";

/** Compresses the bytes written to it (ArrayBuffers or views). The output comes once the
 * writable side closes, in one chunk. */
declare class CompressionStream {
  constructor(format: CompressionFormat);
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<BufferSource>;
}

/** Decompresses the bytes written to it. The output comes once the writable side closes, in one
 * chunk; corrupt or truncated data, or bytes after its end, error both sides with a TypeError. */
declare class DecompressionStream {
  constructor(format: CompressionFormat);
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<BufferSource>;
}

/** Encodes the strings written to it as UTF-8. */
declare class TextEncoderStream {
  constructor();
  readonly encoding: "utf-8";
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<string>;
}

/** Decodes the bytes written to it, as `TextDecoder` with `{ stream: true }` does. */
declare class TextDecoderStream {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  readonly readable: ReadableStream<string>;
  readonly writable: WritableStream<BufferSource>;
}

/** The color spaces of `ImageData`. */
type PredefinedColorSpace = "srgb" | "display-p3";

/**
 * RGBA pixels (4 bytes each, row by row) with their dimensions, as the HTML Standard's `ImageData`.
 * Kiln has no canvas: image codecs built for the web return decoded pixels as one. Dimensions of 0,
 * or data whose length does not match them, are a DOMException (IndexSizeError). Loaded on first use.
 *
 * @example
 * ```ts
 * const image = new ImageData(2, 1);        // 2 x 1 transparent black pixels
 * image.data.set([255, 0, 0, 255], 4);     // the second one red
 * new ImageData(image.data, 2).height;     // 1
 * ```
 */
declare class ImageData {
  constructor(width: number, height: number, settings?: { colorSpace?: PredefinedColorSpace });
  constructor(data: Uint8ClampedArray, width: number, height?: number, settings?: { colorSpace?: PredefinedColorSpace });
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray;
  readonly colorSpace: PredefinedColorSpace;
  readonly pixelFormat: "rgba-unorm8";
}

/**
 * What the process runs on and for whom, as the HTML Standard's `Navigator` (and Deno's) has it:
 * npm glue reads `hardwareConcurrency` to size a thread pool. Not constructible: use `navigator`.
 * Loaded on first use, with this run's values.
 *
 * @example
 * ```ts
 * console.log(navigator.hardwareConcurrency); // e.g. 2: the processors this process may use
 * console.log(navigator.language);            // "de-DE" with LANG=de_DE.UTF-8; "en-US" with none
 * ```
 */
declare class Navigator {
  private constructor();
  /** The logical processors this process may run on (its CPU affinity), at least 1. */
  readonly hardwareConcurrency: number;
  /** The user's language as a BCP 47 tag, from `LC_ALL`, `LC_MESSAGES` or `LANG` ("en-US" for
   * none, "C" or "POSIX"). */
  readonly language: string;
  /** `[language]`: a new array on each read. */
  readonly languages: string[];
  /** `"Kiln/<version>"`. */
  readonly userAgent: string;
  /** The operating system and architecture, as browsers name them: "Linux x86_64". */
  readonly platform: string;
}

/** The one `Navigator`. */
declare var navigator: Navigator;

/** The options of `new Blob`. */
interface BlobPropertyBag {
  /** The media type (`blob.type`): lower-cased, or "" if it has a character outside U+0020-U+007E. */
  type?: string;
  /** "native" turns the line endings of string parts into "\n"; "transparent" (the default) keeps them. */
  endings?: "transparent" | "native";
}

/** What a Blob is made of: strings (as UTF-8), bytes (copied) and other Blobs. */
type BlobPart = string | ArrayBuffer | ArrayBufferView | Blob;

/**
 * Immutable bytes with a media type, as the File API has them, held whole: read them with
 * `arrayBuffer()`, `bytes()`, `text()` or `stream()`. `fetch` reads a Blob through
 * `URL.createObjectURL`, and `new Response` takes one as its body. Loaded on first use.
 *
 * @example
 * ```ts
 * const blob = new Blob(["hello, ", new TextEncoder().encode("world")], { type: "text/plain" });
 * blob.size;                              // 12
 * await blob.slice(7).text();             // "world"
 * const url = URL.createObjectURL(blob);  // "blob:null/…"
 * await (await fetch(url)).text();        // "hello, world"
 * URL.revokeObjectURL(url);
 * ```
 */
declare class Blob {
  constructor(blobParts?: Iterable<BlobPart>, options?: BlobPropertyBag);
  /** The number of bytes. */
  readonly size: number;
  /** The media type, or "". */
  readonly type: string;
  /** The bytes from `start` to `end` (negative counts from the end), as a new Blob of `contentType`. */
  slice(start?: number, end?: number, contentType?: string): Blob;
  /** A copy of the bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
  /** A copy of the bytes. */
  bytes(): Promise<Uint8Array>;
  /** The bytes decoded as UTF-8 (invalid sequences become U+FFFD). */
  text(): Promise<string>;
  /** The bytes as a stream of Uint8Array chunks (copies of at most 64 KiB). */
  stream(): ReadableStream<Uint8Array>;
}

/** The options of `new File`. */
interface FilePropertyBag extends BlobPropertyBag {
  /** Milliseconds since the epoch (default: now). */
  lastModified?: number;
}

/**
 * A Blob with a file name and a modification time, as the File API has it.
 *
 * @example
 * ```ts
 * const file = new File(["{}"], "config.json", { type: "application/json" });
 * file.name;                    // "config.json"
 * await file.text();            // "{}"
 * ```
 */
declare class File extends Blob {
  constructor(fileBits: Iterable<BlobPart>, fileName: string, options?: FilePropertyBag);
  readonly name: string;
  readonly lastModified: number;
}

/** What `new Response` takes besides the body. */
interface ResponseInit {
  /** 200 to 599 (default 200); others throw RangeError. */
  status?: number;
  statusText?: string;
  headers?: Headers | Iterable<readonly [string, string]> | Record<string, string>;
}

/**
 * A response: what `fetch` gives, or one made with `new Response(body, init)`. The body is read
 * once, by `arrayBuffer()`, `bytes()`, `text()`, `json()`, `blob()` or through the `body` stream;
 * a second read rejects with TypeError (code 5007): `clone()` first.
 */
declare class Response {
  constructor(
    body?: string | ArrayBuffer | ArrayBufferView | Blob | ReadableStream<Uint8Array> | URLSearchParams | null,
    init?: ResponseInit,
  );
  /** A response whose body is `data` as JSON (Content-Type application/json). */
  static json(data: unknown, init?: ResponseInit): Response;
  /** A network error's response: type "error", status 0. */
  static error(): Response;
  /** A redirect to `url` (status 301, 302, 303, 307 or 308). */
  static redirect(url: string | URL, status?: number): Response;
  /** "basic" for what `fetch` read, "default" for one made here, "error" for `Response.error()`. */
  readonly type: "basic" | "default" | "error";
  readonly url: string;
  readonly redirected: boolean;
  readonly status: number;
  /** Whether the status is 200-299. */
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: Headers;
  clone(): Response;
}

/** The Fetch Standard's Body mixin: how a `Response` or a `Request` reads its body, once. */
interface Body {
  /** The body as a stream (read it, or use one of the methods below, not both), or null. */
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array>;
  text(): Promise<string>;
  /** The body as a Blob whose type is the Content-Type (its MIME type, or ""). */
  blob(): Promise<Blob>;
  /** The body parsed as JSON: `unknown` unless you name its type, `await response.json<Config>()`. */
  json<T = unknown>(): Promise<T>;
}
interface Response extends Body {}

/** What `new Request` and `fetch` take besides the URL. */
interface RequestInit {
  /** "GET" (the default), "HEAD", or any other (Kiln's `fetch` carries out GET and HEAD only). */
  method?: string;
  headers?: Headers | Iterable<readonly [string, string]> | Record<string, string>;
  /** Not for GET or HEAD. */
  body?: string | ArrayBuffer | ArrayBufferView | Blob | ReadableStream<Uint8Array> | URLSearchParams | null;
  /** Aborts the fetch. */
  signal?: AbortSignal | null;
}

/**
 * A request, as the Fetch Standard has it: a URL (absolute: Kiln has no page to resolve a relative
 * one against), a method, headers, a body and a signal. `fetch` takes one where it takes a URL.
 * Its body is read once, as a Response's is.
 *
 * @example
 * ```ts
 * const request = new Request(new URL("./data.json", import.meta.url), { headers: { accept: "application/json" } });
 * const data = await (await fetch(request)).json();
 * ```
 */
declare class Request {
  constructor(input: string | URL | Request, init?: RequestInit);
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  /** Follows the signal given in `init` (or never aborts). */
  readonly signal: AbortSignal;
  readonly destination: "";
  readonly referrer: string;
  readonly referrerPolicy: string;
  readonly mode: string;
  readonly credentials: string;
  readonly cache: string;
  readonly redirect: string;
  readonly integrity: string;
  readonly keepalive: boolean;
  readonly isReloadNavigation: boolean;
  readonly isHistoryNavigation: boolean;
  readonly duplex: "half";
  clone(): Request;
}
interface Request extends Body {}

/**
 * Reads a `file:` URL (under the manifest's `[capabilities.fs] read`, as runtime:fs's `readBytes`:
 * PermissionDenied 5009, IoError 5008), a `data:` URL, or a `blob:` URL of `URL.createObjectURL`
 * (one revoked or never made is a TypeError, 5007), as the Fetch Standard's `fetch` does. A
 * file's Content-Type comes from its extension (`.wasm` is application/wasm). Kiln has no network
 * access: an `http:` or `https:` URL is a TypeError (5007), and so is a relative URL (there is no
 * page to resolve it against: pass `new URL(path, import.meta.url)`). Only GET and HEAD.
 *
 * @example
 * const config = await (await fetch(new URL("./config.json", import.meta.url))).json();
 * const { instance } = await WebAssembly.instantiateStreaming(fetch(new URL("./add.wasm", import.meta.url)));
 */
declare function fetch(input: string | URL | Request | { url: string }, init?: RequestInit): Promise<Response>;

/**
 * Decodes a base64 string into a "binary string" (one character per byte). Whitespace and missing
 * `=` padding are forgiven; anything else that is not base64 throws a DOMException named
 * `InvalidCharacterError` (code 5).
 *
 * @example
 * const bytes = Uint8Array.from(atob("AAEC/w=="), (c) => c.charCodeAt(0)); // 0, 1, 2, 255
 */
declare function atob(data: string): string;
/**
 * Encodes a "binary string" (characters up to U+00FF) as base64; a character above U+00FF throws
 * a DOMException named `InvalidCharacterError` (encode text to bytes with `TextEncoder` first).
 *
 * @example
 * const text = btoa(String.fromCharCode(...new TextEncoder().encode("héllo"))); // "aMOpbGxv"
 */
declare function btoa(data: string): string;

/** The options of `structuredClone`. */
interface StructuredSerializeOptions {
  /**
   * ArrayBuffers to move into the clone: each is detached (`byteLength` 0) once the clone is
   * made, and the clone has its bytes. List a view's `buffer`, not the view.
   */
  transfer?: ArrayBuffer[];
}

/**
 * A deep copy of `value`, by the HTML Standard's structured clone (as in browsers, Node.js and
 * Deno): primitives, plain objects, arrays, `Map`, `Set`, `Date`, `RegExp`, the wrapper objects,
 * `ArrayBuffer`s and their views, errors and `DOMException`s, keeping cycles and shared
 * references. A class instance becomes a plain object with its enumerable own properties; a
 * `SharedArrayBuffer` is the same buffer. A function, a symbol, a promise, a weak collection, an
 * iterator or a platform object such as a `URL` throws a `DOMException` named `DataCloneError`
 * (code 25); so does a detached buffer. A missing value or bad options throw TypeError (code 5007).
 *
 * @example
 * const state = { when: new Date(0), tags: new Set(["a"]), bytes: new Uint8Array([1, 2]) };
 * const copy = structuredClone(state);
 * copy.tags.add("b");                              // state.tags still has only "a"
 * const moved = structuredClone(state.bytes, { transfer: [state.bytes.buffer] });
 * console.log(moved[1], state.bytes.byteLength);  // 2 0
 */
declare function structuredClone<T>(value: T, options?: StructuredSerializeOptions): T;

/** The options of `new DOMException(message, options)`, for a name and a cause. */
interface DOMExceptionOptions {
  /** The exception's name, e.g. "AbortError" (default "Error"). */
  name?: string;
  /** Why it happened: kept as the exception's own `cause`. */
  cause?: unknown;
}

/**
 * The web platform's `DOMException`, e.g. the `AbortError` of an aborted signal, as WebIDL and
 * Deno have it: an error object (`instanceof Error`, `Error.isError`) with a `name`, a `message`
 * and the name's legacy `code` (0 for a name that has none). The second argument is the name, or
 * `{ name, cause }`. Loaded on first use, with `atob` and `btoa`, which throw it.
 *
 * @example
 * const controller = new AbortController();
 * controller.abort(new DOMException("the user left", { name: "AbortError", cause: "navigation" }));
 * const reason = controller.signal.reason as DOMException;
 * console.log(reason.name, reason.code === DOMException.ABORT_ERR); // AbortError true
 */
declare class DOMException extends Error {
  constructor(message?: string, options?: string | DOMExceptionOptions);
  readonly name: string;
  readonly message: string;
  readonly code: number;
  static readonly INDEX_SIZE_ERR: 1;
  static readonly DOMSTRING_SIZE_ERR: 2;
  static readonly HIERARCHY_REQUEST_ERR: 3;
  static readonly WRONG_DOCUMENT_ERR: 4;
  static readonly INVALID_CHARACTER_ERR: 5;
  static readonly NO_DATA_ALLOWED_ERR: 6;
  static readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  static readonly NOT_FOUND_ERR: 8;
  static readonly NOT_SUPPORTED_ERR: 9;
  static readonly INUSE_ATTRIBUTE_ERR: 10;
  static readonly INVALID_STATE_ERR: 11;
  static readonly SYNTAX_ERR: 12;
  static readonly INVALID_MODIFICATION_ERR: 13;
  static readonly NAMESPACE_ERR: 14;
  static readonly INVALID_ACCESS_ERR: 15;
  static readonly VALIDATION_ERR: 16;
  static readonly TYPE_MISMATCH_ERR: 17;
  static readonly SECURITY_ERR: 18;
  static readonly NETWORK_ERR: 19;
  static readonly ABORT_ERR: 20;
  static readonly URL_MISMATCH_ERR: 21;
  static readonly QUOTA_EXCEEDED_ERR: 22;
  static readonly TIMEOUT_ERR: 23;
  static readonly INVALID_NODE_TYPE_ERR: 24;
  static readonly DATA_CLONE_ERR: 25;
  readonly INDEX_SIZE_ERR: 1;
  readonly DOMSTRING_SIZE_ERR: 2;
  readonly HIERARCHY_REQUEST_ERR: 3;
  readonly WRONG_DOCUMENT_ERR: 4;
  readonly INVALID_CHARACTER_ERR: 5;
  readonly NO_DATA_ALLOWED_ERR: 6;
  readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  readonly NOT_FOUND_ERR: 8;
  readonly NOT_SUPPORTED_ERR: 9;
  readonly INUSE_ATTRIBUTE_ERR: 10;
  readonly INVALID_STATE_ERR: 11;
  readonly SYNTAX_ERR: 12;
  readonly INVALID_MODIFICATION_ERR: 13;
  readonly NAMESPACE_ERR: 14;
  readonly INVALID_ACCESS_ERR: 15;
  readonly VALIDATION_ERR: 16;
  readonly TYPE_MISMATCH_ERR: 17;
  readonly SECURITY_ERR: 18;
  readonly NETWORK_ERR: 19;
  readonly ABORT_ERR: 20;
  readonly URL_MISMATCH_ERR: 21;
  readonly QUOTA_EXCEEDED_ERR: 22;
  readonly TIMEOUT_ERR: 23;
  readonly INVALID_NODE_TYPE_ERR: 24;
  readonly DATA_CLONE_ERR: 25;
}

/** QuickJS's own error class, thrown for engine limits such as "stack overflow". */
declare class InternalError extends Error {
  constructor(message?: string);
}

/**
 * Helpers of the QuickJS engine's V8-API shim that its own polyfills call at run time
 * (`Atomics.waitAsync`/`notify`, `Temporal` time zones, `import source`, and its snapshot of the
 * intrinsics). Not for apps: they grant no file, network, process or WebAssembly access, and they
 * may change with the engine. Typed here so that everything an app can reach is declared.
 */
declare var __v8xAtomicsRegisterWaiter: unknown;
/** See `__v8xAtomicsRegisterWaiter`. */
declare var __v8xAtomicsNotifyWaiters: unknown;
/** See `__v8xAtomicsRegisterWaiter`. */
declare var __v8xAtomicsCancelWaiter: unknown;
/** See `__v8xAtomicsRegisterWaiter`. */
declare var __v8xTemporalTimeZone: unknown;
/** See `__v8xAtomicsRegisterWaiter`. */
declare var __v8x_import_source: unknown;
/** See `__v8xAtomicsRegisterWaiter`. */
declare var __v8x_snapshot_intrinsics: unknown;

/** Bytes as the WebAssembly API takes them. */
type BufferSource = ArrayBufferView | ArrayBuffer;

/** `import.meta` in Kiln's modules. */
interface ImportMeta {
  /** The module's URL: `file:///...` for app modules. */
  readonly url: string;
  /** Whether this module is the entry file of `kiln run`. */
  readonly main: boolean;
  /** The module's file path. */
  readonly filename: string;
  /** The directory of the module's file: `${import.meta.dirname}/x.wasm` is beside the module. */
  readonly dirname: string;
  /** Resolves `specifier` against this module's URL. */
  resolve(specifier: string): string;
}
