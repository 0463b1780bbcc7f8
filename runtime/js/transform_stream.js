// The Streams Standard's `TransformStream`, and the transforms built on it: `CompressionStream`
// and `DecompressionStream` (ops in runtime/src/compression.rs) and `TextEncoderStream` and
// `TextDecoderStream` (part of runtime/js/streams.js).
import { codedError } from "ext:ext_wasm/errors.js";
import { concatBytes, CONSTRUCT, deferred, method, typeError } from "ext:kiln_globals/stream_common.js";
import { ReadableStream, readableStates } from "ext:kiln_globals/readable_stream.js";
import { WritableStream, writableStates } from "ext:kiln_globals/writable_stream.js";

let op_kiln_compress, op_kiln_decompress;

/** Hands the module the codecs' ops (streams.js, on its first load). */
export function setCodecs(ops) {
  ({ op_kiln_compress, op_kiln_decompress } = ops);
}

export class TransformStreamDefaultController {
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

export class TransformStream {
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
      const out = finish(concatBytes(chunks.splice(0)));
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

/** The TransformStream behind each CompressionStream, DecompressionStream, TextEncoderStream
 * and TextDecoderStream, whose `readable` and `writable` are its sides. */
const transforms = new WeakMap();

/** Gives `Class` the `readable` and `writable` of the TransformStream its constructor stored. */
function transformSides(Class) {
  const side = (name) => ({
    get() {
      const transform = transforms.get(this);
      if (transform === undefined) throw typeError(`${Class.name}.${name}: called on something that is not a ${Class.name}`);
      return transform[name];
    },
    configurable: true,
    enumerable: true,
  });
  Object.defineProperties(Class.prototype, {
    readable: side("readable"),
    writable: side("writable"),
    [Symbol.toStringTag]: { value: Class.name, configurable: true },
  });
}

export class CompressionStream {
  constructor(format) {
    const name = formatOf(format, "CompressionStream");
    transforms.set(this, gathering("CompressionStream", (bytes) => coded("CompressionStream", () => op_kiln_compress(name, bytes))));
  }
}

export class DecompressionStream {
  constructor(format) {
    const name = formatOf(format, "DecompressionStream");
    transforms.set(this, gathering("DecompressionStream", (bytes) => coded("DecompressionStream", () => op_kiln_decompress(name, bytes))));
  }
}

export class TextEncoderStream {
  constructor() {
    const encoder = new TextEncoder();
    let pending = "";
    transforms.set(this, new TransformStream({
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
    }));
  }
  get encoding() {
    return "utf-8";
  }
}

export class TextDecoderStream {
  #decoder;
  constructor(label = "utf-8", options = undefined) {
    const decoder = new TextDecoder(label, options);
    this.#decoder = decoder;
    transforms.set(this, new TransformStream({
      transform(chunk, controller) {
        const text = decoder.decode(chunkBytes(chunk, "TextDecoderStream"), { stream: true });
        if (text !== "") controller.enqueue(text);
      },
      flush(controller) {
        const text = decoder.decode();
        if (text !== "") controller.enqueue(text);
      },
    }));
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
}

for (const Class of [CompressionStream, DecompressionStream, TextEncoderStream, TextDecoderStream]) transformSides(Class);
