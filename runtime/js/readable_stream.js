// The Streams Standard's `ReadableStream`, with its default reader and controller, `pipeTo` and
// `pipeThrough` (part of runtime/js/streams.js).
import {
  concatBytes,
  CONSTRUCT,
  deferred,
  method,
  quietRejection,
  strategyOf,
  typeError,
} from "ext:kiln_globals/stream_common.js";
import { writableState, writableStates } from "ext:kiln_globals/writable_stream.js";

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

export const readableStates = new WeakMap();

function readableState(stream, what) {
  const state = readableStates.get(stream);
  if (state === undefined) throw typeError(`${what}: called on something that is not a ReadableStream`);
  return state;
}

export class ReadableStreamDefaultController {
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


export class ReadableStreamDefaultReader {
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

export class ReadableStream {
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
export function isDisturbed(stream) {
  return readableStates.get(stream)?.disturbed === true;
}

/** Whether `value` is a ReadableStream made here. */
export function isReadableStream(value) {
  return readableStates.has(value);
}

/** All of a stream's chunks (each a BufferSource), as one Uint8Array. */
export async function readAllBytes(stream, what) {
  const reader = stream.getReader();
  const chunks = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!(value instanceof Uint8Array)) {
      const error = typeError(`${what}: the body stream gave a chunk that is not a Uint8Array`);
      await reader.cancel(error);
      throw error;
    }
    chunks.push(value);
  }
  // A single chunk is the caller's to keep only as a copy: the stream's source may hold it.
  return chunks.length === 1 ? chunks[0].slice() : concatBytes(chunks);
}

/** A stream of `bytes` in chunks of at most 64 KiB (each a copy). */
export function bytesStream(bytes) {
  let at = 0;
  return new ReadableStream({
    type: "bytes",
    pull(controller) {
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
