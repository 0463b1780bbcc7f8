// The Streams Standard's `ReadableStream`, `WritableStream` and `TransformStream` (default readers
// and writers, queuing strategies, `pipeTo`, `pipeThrough`, `tee`, async iteration), and the
// transforms built on them: `CompressionStream`/`DecompressionStream` (gzip, deflate,
// deflate-raw: ops in runtime/src/compression.rs) and `TextEncoderStream`/`TextDecoderStream`.
// npm glue uses them to unpack what it inlined (shiki's oniguruma: `blob.stream()
// .pipeThrough(new DecompressionStream("gzip"))`) and to read bodies. Not here: byte streams'
// BYOB readers (a `type: "bytes"` source works as a default one). Loaded on an app's first use
// of any of these globals, `blob.stream()` or `response.body` (bootstrap.js).
import { codedError } from "ext:ext_wasm/errors.js";
import { AbortController } from "ext:kiln_globals/events.js";

let op_kiln_compress, op_kiln_decompress;

/** The globals, on deno_core's `ops`, and the helpers blob.js and fetch.js use. */
export function streamsApi(ops) {
  ({ op_kiln_compress, op_kiln_decompress } = ops);
  return {
    ReadableStream,
    ReadableStreamDefaultReader,
    ReadableStreamDefaultController,
    WritableStream,
    WritableStreamDefaultWriter,
    WritableStreamDefaultController,
    TransformStream,
    TransformStreamDefaultController,
    ByteLengthQueuingStrategy,
    CountQueuingStrategy,
    CompressionStream,
    DecompressionStream,
    TextEncoderStream,
    TextDecoderStream,
    // For blob.js and fetch.js.
    bytesStream,
    readAllBytes,
    isReadableStream,
    isDisturbed,
  };
}

const typeError = (message) => codedError("TypeError", message);

function deferred() {
  let resolve, reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A promise that is already settled but whose rejection nobody has to handle. */
function quietRejection(reason) {
  const promise = Promise.reject(reason);
  promise.catch(() => {});
  return promise;
}

/** The high-water mark and size function of a queuing strategy. */
function strategyOf(strategy, fallback, what) {
  const hwm = strategy?.highWaterMark === undefined ? fallback : Number(strategy.highWaterMark);
  if (Number.isNaN(hwm) || hwm < 0) throw codedError("RangeError", `${what}: highWaterMark must be a number of at least 0`);
  const size = strategy?.size;
  if (size !== undefined && typeof size !== "function") throw typeError(`${what}: the strategy's size must be a function`);
  return { hwm, size: size === undefined ? () => 1 : (chunk) => Number(size(chunk)) };
}

function method(object, name, what) {
  const f = object?.[name];
  if (f === undefined) return undefined;
  if (typeof f !== "function") throw typeError(`${what}: ${name} must be a function`);
  return (...args) => Reflect.apply(f, object, args);
}

class ByteLengthQueuingStrategy {
  #hwm;
  constructor(init) {
    this.#hwm = Number(init?.highWaterMark);
  }
  get highWaterMark() {
    return this.#hwm;
  }
  get size() {
    return (chunk) => chunk.byteLength;
  }
}

class CountQueuingStrategy {
  #hwm;
  constructor(init) {
    this.#hwm = Number(init?.highWaterMark);
  }
  get highWaterMark() {
    return this.#hwm;
  }
  get size() {
    return () => 1;
  }
}

// ---------------------------------------------------------------------------------------------
// ReadableStream

/** The state of one ReadableStream (held apart from the object so that controllers and readers
 * reach it without exposing it). */
class ReadableState {
  state = "readable"; // "readable" | "closed" | "errored"
  storedError = undefined;
  queue = [];
  queueSize = 0;
  closeRequested = false;
  started = false;
  pulling = false;
  pullAgain = false;
  disturbed = false;
  reader = null;
  hwm = 1;
  size = () => 1;
  bytes = false;
  pull = undefined;
  cancel = undefined;

  desiredSize() {
    if (this.state === "errored") return null;
    if (this.state === "closed") return 0;
    return this.hwm - this.queueSize;
  }

  enqueue(chunk) {
    if (this.closeRequested || this.state !== "readable") throw typeError("ReadableStream: enqueue after close or error");
    if (this.bytes && !ArrayBuffer.isView(chunk)) {
      throw typeError("ReadableStream: a byte stream's chunks must be typed arrays or DataViews");
    }
    const reader = this.reader;
    if (reader !== null && reader.requests.length > 0) {
      reader.requests.shift().resolve({ value: chunk, done: false });
    } else {
      let size;
      try {
        size = this.size(chunk);
      } catch (e) {
        this.error(e);
        throw e;
      }
      this.queue.push([chunk, size]);
      this.queueSize += size;
    }
    this.pullIfNeeded();
  }

  close() {
    if (this.closeRequested || this.state !== "readable") throw typeError("ReadableStream: close after close or error");
    this.closeRequested = true;
    if (this.queue.length === 0) this.finish();
  }

  finish() {
    this.state = "closed";
    this.pull = this.cancel = undefined;
    const reader = this.reader;
    if (reader === null) return;
    for (const request of reader.requests.splice(0)) request.resolve({ value: undefined, done: true });
    reader.closed.resolve(undefined);
  }

  error(e) {
    if (this.state !== "readable") return;
    this.state = "errored";
    this.storedError = e;
    this.queue = [];
    this.queueSize = 0;
    this.pull = this.cancel = undefined;
    const reader = this.reader;
    if (reader === null) return;
    for (const request of reader.requests.splice(0)) request.reject(e);
    reader.closed.reject(e);
  }

  pullIfNeeded() {
    if (!this.started || this.closeRequested || this.state !== "readable" || this.pull === undefined) return;
    const wanted = (this.reader !== null && this.reader.requests.length > 0) || this.desiredSize() > 0;
    if (!wanted) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = true;
    let pulled;
    try {
      pulled = Promise.resolve(this.pull());
    } catch (e) {
      pulled = Promise.reject(e);
    }
    pulled.then(
      () => {
        this.pulling = false;
        if (this.pullAgain) {
          this.pullAgain = false;
          this.pullIfNeeded();
        }
      },
      (e) => this.error(e),
    );
  }

  read() {
    this.disturbed = true;
    if (this.state === "closed") return Promise.resolve({ value: undefined, done: true });
    if (this.state === "errored") return Promise.reject(this.storedError);
    if (this.queue.length > 0) {
      const [chunk, size] = this.queue.shift();
      this.queueSize -= size;
      if (this.queue.length === 0) this.queueSize = 0;
      if (this.closeRequested && this.queue.length === 0) this.finish();
      else this.pullIfNeeded();
      return Promise.resolve({ value: chunk, done: false });
    }
    const request = deferred();
    this.reader.requests.push(request);
    this.pullIfNeeded();
    return request.promise;
  }

  cancelWith(reason) {
    this.disturbed = true;
    if (this.state === "closed") return Promise.resolve(undefined);
    if (this.state === "errored") return Promise.reject(this.storedError);
    this.queue = [];
    this.queueSize = 0;
    const cancel = this.cancel;
    this.finish();
    try {
      return Promise.resolve(cancel?.(reason)).then(() => undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

const readableStates = new WeakMap();

function readableState(stream, what) {
  const state = readableStates.get(stream);
  if (state === undefined) throw typeError(`${what}: called on something that is not a ReadableStream`);
  return state;
}

class ReadableStreamDefaultController {
  #state;
  constructor(key = undefined, state = undefined) {
    if (key !== CONSTRUCT) throw typeError("ReadableStreamDefaultController: there is no public constructor");
    this.#state = state;
  }
  get desiredSize() {
    return this.#state.desiredSize();
  }
  enqueue(chunk) {
    this.#state.enqueue(chunk);
  }
  close() {
    this.#state.close();
  }
  error(e) {
    this.#state.error(e);
  }
  get [Symbol.toStringTag]() {
    return "ReadableStreamDefaultController";
  }
}

/** Guards the constructors that only the streams themselves may call. */
const CONSTRUCT = Symbol("construct");

class ReadableStreamDefaultReader {
  #state;
  /** What the stream's state sees of this reader: its pending reads and its `closed`. */
  #record = { requests: [], closed: deferred() };

  constructor(stream) {
    const state = readableState(stream, "ReadableStreamDefaultReader");
    if (state.reader !== null) throw typeError("ReadableStreamDefaultReader: the stream is locked to another reader");
    this.#state = state;
    state.reader = this.#record;
    this.#record.closed.promise.catch(() => {});
    if (state.state === "closed") this.#record.closed.resolve(undefined);
    if (state.state === "errored") this.#record.closed.reject(state.storedError);
  }

  get closed() {
    return this.#record.closed.promise;
  }

  read() {
    if (this.#state === null) return quietRejection(typeError("ReadableStreamDefaultReader.read: the reader was released"));
    return this.#state.read();
  }

  cancel(reason = undefined) {
    if (this.#state === null) return quietRejection(typeError("ReadableStreamDefaultReader.cancel: the reader was released"));
    return this.#state.cancelWith(reason);
  }

  releaseLock() {
    const state = this.#state;
    if (state === null) return;
    const released = typeError("ReadableStreamDefaultReader: the reader was released");
    for (const request of this.#record.requests.splice(0)) request.reject(released);
    if (state.state === "readable") this.#record.closed.reject(released);
    else {
      this.#record.closed = deferred();
      this.#record.closed.reject(released);
      this.#record.closed.promise.catch(() => {});
    }
    state.reader = null;
    this.#state = null;
  }

  get [Symbol.toStringTag]() {
    return "ReadableStreamDefaultReader";
  }
}

class ReadableStream {
  constructor(underlyingSource = undefined, strategy = undefined) {
    const state = new ReadableState();
    readableStates.set(this, state);
    const source = underlyingSource ?? {};
    if (typeof source !== "object" && typeof source !== "function") {
      throw typeError("ReadableStream: the underlying source must be an object");
    }
    const type = source.type;
    if (type !== undefined && String(type) !== "bytes") {
      throw typeError(`ReadableStream: the type must be "bytes" or left out, got ${JSON.stringify(String(type))}`);
    }
    const { hwm, size } = strategyOf(strategy, type === undefined ? 1 : 0, "ReadableStream");
    state.hwm = hwm;
    // A byte stream counts bytes, and takes views only.
    state.bytes = type !== undefined;
    state.size = state.bytes ? (chunk) => chunk.byteLength : size;
    const start = method(source, "start", "ReadableStream");
    state.pull = method(source, "pull", "ReadableStream");
    state.cancel = method(source, "cancel", "ReadableStream");
    const controller = new ReadableStreamDefaultController(CONSTRUCT, state);
    if (state.pull !== undefined) {
      const pull = state.pull;
      state.pull = () => pull(controller);
    }
    Promise.resolve(start?.(controller)).then(
      () => {
        state.started = true;
        state.pullIfNeeded();
      },
      (e) => state.error(e),
    );
  }

  /** A stream of what `iterable` (sync or async) yields. */
  static from(iterable) {
    const iterator = iterable?.[Symbol.asyncIterator]?.() ?? iterable?.[Symbol.iterator]?.();
    if (iterator === undefined) throw typeError("ReadableStream.from: the argument must be iterable or async iterable");
    return new ReadableStream({
      async pull(controller) {
        const { value, done } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(await value);
      },
      async cancel(reason) {
        await iterator.return?.(reason);
      },
    }, { highWaterMark: 0 });
  }

  get locked() {
    return readableState(this, "ReadableStream.locked").reader !== null;
  }

  cancel(reason = undefined) {
    const state = readableState(this, "ReadableStream.cancel");
    if (state.reader !== null) return quietRejection(typeError("ReadableStream.cancel: the stream is locked to a reader"));
    return state.cancelWith(reason);
  }

  getReader(options = undefined) {
    if (options?.mode !== undefined) {
      if (String(options.mode) === "byob") {
        throw typeError("ReadableStream.getReader: Kiln has no BYOB readers; use the default reader (getReader())");
      }
      throw typeError(`ReadableStream.getReader: mode must be "byob" or left out, got ${JSON.stringify(String(options.mode))}`);
    }
    return new ReadableStreamDefaultReader(this);
  }

  pipeThrough(transform, options = undefined) {
    const { readable, writable } = transform ?? {};
    if (!readableStates.has(readable) || !writableStates.has(writable)) {
      throw typeError("ReadableStream.pipeThrough: the argument must be { readable, writable }, e.g. a TransformStream");
    }
    pipe(this, writable, options, "ReadableStream.pipeThrough").catch(() => {});
    return readable;
  }

  pipeTo(destination, options = undefined) {
    if (!writableStates.has(destination)) {
      return quietRejection(typeError("ReadableStream.pipeTo: the destination must be a WritableStream"));
    }
    return pipe(this, destination, options, "ReadableStream.pipeTo");
  }

  tee() {
    const reader = this.getReader();
    const branches = [];
    const cancelled = [false, false];
    let reading = false;
    const pullBoth = async () => {
      if (reading) return;
      reading = true;
      try {
        const { value, done } = await reader.read();
        branches.forEach((c, i) => {
          if (cancelled[i]) return;
          if (done) c.close();
          else c.enqueue(value);
        });
      } catch (e) {
        branches.forEach((c) => c.error(e));
      } finally {
        reading = false;
      }
    };
    const branch = (i) =>
      new ReadableStream({
        start(controller) {
          branches[i] = controller;
        },
        pull: pullBoth,
        cancel(reason) {
          cancelled[i] = true;
          if (cancelled[0] && cancelled[1]) return reader.cancel(reason);
        },
      });
    return [branch(0), branch(1)];
  }

  values(options = undefined) {
    const reader = this.getReader();
    const preventCancel = Boolean(options?.preventCancel);
    // Once `next` has given the end or an error, the iterator is finished and `return` does
    // nothing (WebIDL's async iterators; QuickJS calls `return` after a `next` that rejected).
    let finished = false;
    return Object.setPrototypeOf({
      async next() {
        if (finished) return { value: undefined, done: true };
        let result;
        try {
          result = await reader.read();
        } catch (e) {
          finished = true;
          reader.releaseLock();
          throw e;
        }
        if (result.done) {
          finished = true;
          reader.releaseLock();
        }
        return result;
      },
      async return(value) {
        if (finished) return { value, done: true };
        finished = true;
        if (!preventCancel) await reader.cancel(value);
        reader.releaseLock();
        return { value, done: true };
      },
    }, AsyncIteratorPrototype);
  }

  [Symbol.asyncIterator](options = undefined) {
    return this.values(options);
  }

  get [Symbol.toStringTag]() {
    return "ReadableStream";
  }
}

/** %AsyncIteratorPrototype%, so that `values()` is async-iterable itself. */
const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);

/** Whether a stream made here was ever read or cancelled (fetch.js's `bodyUsed`). */
function isDisturbed(stream) {
  return readableStates.get(stream)?.disturbed === true;
}

/** Whether `value` is a ReadableStream made here. */
function isReadableStream(value) {
  return readableStates.has(value);
}

/** All of a stream's chunks (each a BufferSource), as one Uint8Array. */
async function readAllBytes(stream, what) {
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      const error = typeError(`${what}: the body stream gave a chunk that is not a Uint8Array`);
      await reader.cancel(error);
      throw error;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** A stream of `bytes` in chunks of at most 64 KiB (each a copy); `onPull` runs at the first read. */
function bytesStream(bytes, onPull = undefined) {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
      if (at === 0) onPull?.();
      if (at >= bytes.byteLength) {
        controller.close();
        return;
      }
      const end = Math.min(at + 65536, bytes.byteLength);
      controller.enqueue(bytes.slice(at, end));
      at = end;
      if (at >= bytes.byteLength) controller.close();
    },
  });
}

// ---------------------------------------------------------------------------------------------
// WritableStream

class WritableState {
  state = "writable"; // "writable" | "closing" | "closed" | "errored"
  storedError = undefined;
  queue = []; // [chunk, size, deferred] or [CLOSE, 0, deferred]
  queueSize = 0;
  started = false;
  busy = false;
  writer = null;
  hwm = 1;
  size = () => 1;
  write = undefined;
  close = undefined;
  abort = undefined;
  closed = deferred();

  desiredSize() {
    if (this.state === "errored") return null;
    if (this.state === "closed") return 0;
    return this.hwm - this.queueSize;
  }

  enqueue(item) {
    this.queue.push(item);
    this.queueSize += item[1];
    this.writer?.updateReady();
    this.advance();
  }

  advance() {
    if (!this.started || this.busy || this.queue.length === 0 || this.state === "errored") return;
    const [chunk, size, done] = this.queue[0];
    this.busy = true;
    let step;
    try {
      step = Promise.resolve(chunk === CLOSE ? this.close?.() : this.write?.(chunk));
    } catch (e) {
      step = Promise.reject(e);
    }
    step.then(
      () => {
        this.busy = false;
        this.queue.shift();
        this.queueSize -= size;
        if (this.queue.length === 0) this.queueSize = 0;
        done.resolve(undefined);
        if (chunk === CLOSE) {
          this.state = "closed";
          this.closed.resolve(undefined);
          this.writer?.closedResolve();
        } else {
          this.writer?.updateReady();
          this.advance();
        }
      },
      (e) => {
        this.busy = false;
        done.reject(e);
        this.fail(e);
      },
    );
  }

  fail(e) {
    if (this.state === "errored" || this.state === "closed") return;
    this.state = "errored";
    this.storedError = e;
    for (const [, , done] of this.queue.splice(this.busy ? 1 : 0)) {
      done.reject(e);
      done.promise.catch(() => {});
    }
    this.queueSize = 0;
    this.closed.reject(e);
    this.closed.promise.catch(() => {});
    this.writer?.failed(e);
  }

  abortWith(reason) {
    if (this.state === "closed" || this.state === "errored") return Promise.resolve(undefined);
    const abort = this.abort;
    this.fail(reason);
    try {
      return Promise.resolve(abort?.(reason)).then(() => undefined);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}

const CLOSE = Symbol("close");
const writableStates = new WeakMap();

function writableState(stream, what) {
  const state = writableStates.get(stream);
  if (state === undefined) throw typeError(`${what}: called on something that is not a WritableStream`);
  return state;
}

class WritableStreamDefaultController {
  #state;
  #abort = new AbortController();
  constructor(key = undefined, state = undefined) {
    if (key !== CONSTRUCT) throw typeError("WritableStreamDefaultController: there is no public constructor");
    this.#state = state;
  }
  get signal() {
    return this.#abort.signal;
  }
  error(e) {
    if (this.#state.state === "writable" || this.#state.state === "closing") this.#state.fail(e);
  }
  get [Symbol.toStringTag]() {
    return "WritableStreamDefaultController";
  }
}

class WritableStreamDefaultWriter {
  #state;
  #ready = deferred();
  #readyPending = true;
  #closed = deferred();

  constructor(stream) {
    const state = writableState(stream, "WritableStreamDefaultWriter");
    if (state.writer !== null) throw typeError("WritableStreamDefaultWriter: the stream is locked to another writer");
    this.#state = state;
    state.writer = this;
    this.#closed.promise.catch(() => {});
    this.#ready.promise.catch(() => {});
    if (state.state === "closed") this.#closed.resolve(undefined);
    if (state.state === "errored") this.failed(state.storedError);
    this.updateReady();
  }

  /** Called by the state: `ready` is pending while the queue is full (backpressure). */
  updateReady() {
    const state = this.#state;
    if (state === null || state.state === "errored") return;
    const full = state.state === "writable" && state.desiredSize() <= 0;
    if (full && !this.#readyPending) {
      this.#ready = deferred();
      this.#ready.promise.catch(() => {});
      this.#readyPending = true;
    } else if (!full && this.#readyPending) {
      this.#ready.resolve(undefined);
      this.#readyPending = false;
    }
  }
  closedResolve() {
    this.#closed.resolve(undefined);
  }
  failed(e) {
    if (!this.#readyPending) {
      this.#ready = deferred();
      this.#ready.promise.catch(() => {});
    }
    this.#readyPending = false;
    this.#ready.reject(e);
    this.#closed.reject(e);
  }

  get closed() {
    return this.#closed.promise;
  }
  get ready() {
    return this.#ready.promise;
  }
  get desiredSize() {
    if (this.#state === null) throw typeError("WritableStreamDefaultWriter.desiredSize: the writer was released");
    return this.#state.desiredSize();
  }

  write(chunk = undefined) {
    const state = this.#state;
    if (state === null) return quietRejection(typeError("WritableStreamDefaultWriter.write: the writer was released"));
    if (state.state === "errored") return quietRejection(state.storedError);
    if (state.state !== "writable") return quietRejection(typeError("WritableStreamDefaultWriter.write: the stream is closed or closing"));
    let size;
    try {
      size = state.size(chunk);
    } catch (e) {
      state.fail(e);
      return quietRejection(e);
    }
    const done = deferred();
    state.enqueue([chunk, size, done]);
    return done.promise;
  }

  close() {
    const state = this.#state;
    if (state === null) return quietRejection(typeError("WritableStreamDefaultWriter.close: the writer was released"));
    if (state.state === "errored") return quietRejection(state.storedError);
    if (state.state !== "writable") return quietRejection(typeError("WritableStreamDefaultWriter.close: the stream is closed or closing"));
    state.state = "closing";
    const done = deferred();
    state.enqueue([CLOSE, 0, done]);
    return done.promise;
  }

  abort(reason = undefined) {
    if (this.#state === null) return quietRejection(typeError("WritableStreamDefaultWriter.abort: the writer was released"));
    return this.#state.abortWith(reason);
  }

  releaseLock() {
    const state = this.#state;
    if (state === null) return;
    const released = typeError("WritableStreamDefaultWriter: the writer was released");
    this.#ready = deferred();
    this.#ready.reject(released);
    this.#ready.promise.catch(() => {});
    this.#closed = deferred();
    this.#closed.reject(released);
    this.#closed.promise.catch(() => {});
    state.writer = null;
    this.#state = null;
  }

  get [Symbol.toStringTag]() {
    return "WritableStreamDefaultWriter";
  }
}

class WritableStream {
  constructor(underlyingSink = undefined, strategy = undefined) {
    const state = new WritableState();
    writableStates.set(this, state);
    const sink = underlyingSink ?? {};
    if (typeof sink !== "object" && typeof sink !== "function") throw typeError("WritableStream: the underlying sink must be an object");
    if (sink.type !== undefined) throw codedError("RangeError", "WritableStream: the sink's type must be left out");
    const { hwm, size } = strategyOf(strategy, 1, "WritableStream");
    state.hwm = hwm;
    state.size = size;
    const controller = new WritableStreamDefaultController(CONSTRUCT, state);
    const start = method(sink, "start", "WritableStream");
    const write = method(sink, "write", "WritableStream");
    const close = method(sink, "close", "WritableStream");
    const abort = method(sink, "abort", "WritableStream");
    state.write = write === undefined ? undefined : (chunk) => write(chunk, controller);
    state.close = close;
    state.abort = abort;
    Promise.resolve(start?.(controller)).then(
      () => {
        state.started = true;
        state.advance();
      },
      (e) => state.fail(e),
    );
  }

  get locked() {
    return writableState(this, "WritableStream.locked").writer !== null;
  }

  abort(reason = undefined) {
    const state = writableState(this, "WritableStream.abort");
    if (state.writer !== null) return quietRejection(typeError("WritableStream.abort: the stream is locked to a writer"));
    return state.abortWith(reason);
  }

  close() {
    const state = writableState(this, "WritableStream.close");
    if (state.writer !== null) return quietRejection(typeError("WritableStream.close: the stream is locked to a writer"));
    const writer = new WritableStreamDefaultWriter(this);
    const closing = writer.close();
    writer.releaseLock();
    return closing;
  }

  getWriter() {
    return new WritableStreamDefaultWriter(this);
  }

  get [Symbol.toStringTag]() {
    return "WritableStream";
  }
}

/** `source.pipeTo(destination, options)`: every chunk written in order, then close (or abort or
 * cancel on an error, as `preventClose`, `preventAbort` and `preventCancel` allow). An aborted
 * `signal` stops it at once, even while a read or a write is pending. */
async function pipe(source, destination, options, what) {
  const state = readableState(source, what);
  if (state.reader !== null) throw typeError(`${what}: the source is locked to a reader`);
  if (writableState(destination, what).writer !== null) throw typeError(`${what}: the destination is locked to a writer`);
  const preventClose = Boolean(options?.preventClose);
  const preventAbort = Boolean(options?.preventAbort);
  const preventCancel = Boolean(options?.preventCancel);
  const signal = options?.signal;
  const reader = source.getReader();
  const writer = destination.getWriter();
  const aborted = deferred();
  aborted.promise.catch(() => {});
  const onAbort = () => aborted.reject(ABORTED);
  signal?.addEventListener?.("abort", onAbort);
  const orAbort = (promise) => Promise.race([promise, aborted.promise]);
  try {
    if (signal?.aborted) throw ABORTED;
    for (;;) {
      let result;
      try {
        result = await orAbort(reader.read());
      } catch (e) {
        if (e !== ABORTED && !preventAbort) await writer.abort(e);
        throw e;
      }
      if (result.done) {
        if (!preventClose) await orAbort(writer.close());
        return undefined;
      }
      try {
        await orAbort(writer.ready);
        await orAbort(writer.write(result.value));
      } catch (e) {
        if (e !== ABORTED && !preventCancel) await reader.cancel(e);
        throw e;
      }
    }
  } catch (e) {
    if (e !== ABORTED) throw e;
    const reason = signal.reason;
    if (!preventAbort) await writer.abort(reason).catch(() => {});
    if (!preventCancel) await reader.cancel(reason).catch(() => {});
    throw reason;
  } finally {
    signal?.removeEventListener?.("abort", onAbort);
    reader.releaseLock();
    writer.releaseLock();
  }
}

/** Marks a pipe stopped by its signal (the reason is the signal's). */
const ABORTED = Symbol("aborted");

// ---------------------------------------------------------------------------------------------
// TransformStream

class TransformStreamDefaultController {
  #readable;
  #terminate;
  constructor(key = undefined, readable = undefined, terminate = undefined) {
    if (key !== CONSTRUCT) throw typeError("TransformStreamDefaultController: there is no public constructor");
    this.#readable = readable;
    this.#terminate = terminate;
  }
  get desiredSize() {
    return this.#readable.desiredSize();
  }
  enqueue(chunk = undefined) {
    this.#readable.enqueue(chunk);
  }
  error(reason = undefined) {
    this.#readable.error(reason);
    this.#terminate(reason);
  }
  terminate() {
    if (!this.#readable.closeRequested && this.#readable.state === "readable") this.#readable.close();
    this.#terminate(typeError("TransformStream: the stream was terminated"));
  }
  get [Symbol.toStringTag]() {
    return "TransformStreamDefaultController";
  }
}

class TransformStream {
  #readable;
  #writable;

  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    const spec = transformer ?? {};
    if (spec.readableType !== undefined || spec.writableType !== undefined) {
      throw codedError("RangeError", "TransformStream: readableType and writableType must be left out");
    }
    const start = method(spec, "start", "TransformStream");
    const transform = method(spec, "transform", "TransformStream");
    const flush = method(spec, "flush", "TransformStream");
    const cancel = method(spec, "cancel", "TransformStream");
    const started = deferred();
    this.#readable = new ReadableStream({
      start() {
        return started.promise;
      },
      cancel(reason) {
        writableSide.fail(reason);
        return cancel?.(reason);
      },
    }, readableStrategy ?? { highWaterMark: 0 });
    const readableSide = readableStates.get(this.#readable);
    // An error in `transform` or `flush` errors both sides, as the standard says.
    const guarded = async (step) => {
      try {
        await step();
      } catch (e) {
        readableSide.error(e);
        throw e;
      }
    };
    this.#writable = new WritableStream({
      start() {
        return started.promise;
      },
      write(chunk) {
        return guarded(() => (transform === undefined ? controller.enqueue(chunk) : transform(chunk, controller)));
      },
      close() {
        return guarded(async () => {
          await flush?.(controller);
          if (!readableSide.closeRequested && readableSide.state === "readable") readableSide.close();
        });
      },
      async abort(reason) {
        readableSide.error(reason);
        await cancel?.(reason);
      },
    }, writableStrategy ?? { highWaterMark: 1 });
    const writableSide = writableStates.get(this.#writable);
    const controller = new TransformStreamDefaultController(CONSTRUCT, readableSide, (reason) => writableSide.fail(reason));
    Promise.resolve(start?.(controller)).then(() => started.resolve(undefined), (e) => {
      started.reject(e);
      readableSide.error(e);
      writableSide.fail(e);
    });
  }

  get readable() {
    return this.#readable;
  }
  get writable() {
    return this.#writable;
  }
  get [Symbol.toStringTag]() {
    return "TransformStream";
  }
}

// ---------------------------------------------------------------------------------------------
// Transforms

/** The bytes of a BufferSource chunk, or a TypeError naming what came instead. */
function chunkBytes(chunk, what) {
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw typeError(`${what}: a chunk must be an ArrayBuffer, a typed array or a DataView`);
}

const FORMATS = ["gzip", "deflate", "deflate-raw"];

function formatOf(format, what) {
  const name = String(format);
  if (!FORMATS.includes(name)) throw typeError(`${what}: the format must be "gzip", "deflate" or "deflate-raw", got ${JSON.stringify(name)}`);
  return name;
}

/** A transform that gathers every chunk and hands the whole to `finish` at the end (the ops work
 * on whole buffers; what they give back is enqueued in one chunk). */
function gathering(what, finish) {
  const chunks = [];
  return new TransformStream({
    transform(chunk) {
      chunks.push(chunkBytes(chunk, what).slice());
    },
    flush(controller) {
      let size = 0;
      for (const chunk of chunks) size += chunk.byteLength;
      const all = new Uint8Array(size);
      let at = 0;
      for (const chunk of chunks.splice(0)) {
        all.set(chunk, at);
        at += chunk.byteLength;
      }
      const out = finish(all);
      if (out.byteLength > 0) controller.enqueue(out);
    },
  });
}

/** What `codec` returns; its failure (corrupt data) as the standard's TypeError, with Kiln's code. */
function coded(what, codec) {
  try {
    return codec();
  } catch (e) {
    throw typeError(`${what}: ${e.message}`);
  }
}

class CompressionStream {
  #transform;
  constructor(format) {
    const name = formatOf(format, "CompressionStream");
    this.#transform = gathering("CompressionStream", (bytes) => coded("CompressionStream", () => op_kiln_compress(name, bytes)));
  }
  get readable() {
    return this.#transform.readable;
  }
  get writable() {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag]() {
    return "CompressionStream";
  }
}

class DecompressionStream {
  #transform;
  constructor(format) {
    const name = formatOf(format, "DecompressionStream");
    this.#transform = gathering("DecompressionStream", (bytes) => coded("DecompressionStream", () => op_kiln_decompress(name, bytes)));
  }
  get readable() {
    return this.#transform.readable;
  }
  get writable() {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag]() {
    return "DecompressionStream";
  }
}

class TextEncoderStream {
  #transform;
  constructor() {
    const encoder = new TextEncoder();
    let pending = "";
    this.#transform = new TransformStream({
      transform(chunk, controller) {
        let text = pending + String(chunk);
        pending = "";
        // A high surrogate at the end waits for its pair in the next chunk.
        const last = text.charCodeAt(text.length - 1);
        if (last >= 0xd800 && last <= 0xdbff) {
          pending = text.slice(-1);
          text = text.slice(0, -1);
        }
        if (text !== "") controller.enqueue(encoder.encode(text));
      },
      flush(controller) {
        if (pending !== "") controller.enqueue(encoder.encode(pending));
      },
    });
  }
  get encoding() {
    return "utf-8";
  }
  get readable() {
    return this.#transform.readable;
  }
  get writable() {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag]() {
    return "TextEncoderStream";
  }
}

class TextDecoderStream {
  #decoder;
  #transform;
  constructor(label = "utf-8", options = undefined) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    this.#transform = new TransformStream({
      transform(chunk, controller) {
        const text = decoder.decode(chunkBytes(chunk, "TextDecoderStream"), { stream: true });
        if (text !== "") controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text !== "") controller.enqueue(text);
      },
    });
  }
  get encoding() {
    return this.#decoder.encoding;
  }
  get fatal() {
    return this.#decoder.fatal;
  }
  get ignoreBOM() {
    return this.#decoder.ignoreBOM;
  }
  get readable() {
    return this.#transform.readable;
  }
  get writable() {
    return this.#transform.writable;
  }
  get [Symbol.toStringTag]() {
    return "TextDecoderStream";
  }
}
