// The Streams Standard's `WritableStream`, with its default writer and controller (part of
// runtime/js/streams.js).
import { AbortController } from "ext:kiln_globals/events.js";
import { codedError } from "ext:ext_wasm/errors.js";
import { CONSTRUCT, deferred, method, quietRejection, strategyOf, typeError } from "ext:kiln_globals/stream_common.js";

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
export const writableStates = new WeakMap();

export function writableState(stream, what) {
  const state = writableStates.get(stream);
  if (state === undefined) throw typeError(`${what}: called on something that is not a WritableStream`);
  return state;
}

export class WritableStreamDefaultController {
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

export class WritableStreamDefaultWriter {
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

export class WritableStream {
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
