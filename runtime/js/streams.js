// The Streams Standard's `ReadableStream`, `WritableStream` and `TransformStream` (default readers
// and writers, queuing strategies, `pipeTo`, `pipeThrough`, `tee`, async iteration), and the
// transforms built on them: `CompressionStream`/`DecompressionStream` (gzip, deflate,
// deflate-raw: ops in runtime/src/compression.rs) and `TextEncoderStream`/`TextDecoderStream`.
// npm glue uses them to unpack what it inlined (shiki's oniguruma: `blob.stream()
// .pipeThrough(new DecompressionStream("gzip"))`) and to read bodies. Not here: byte streams'
// BYOB readers (a `type: "bytes"` source works as a default one). This module gathers the others
// (stream_common.js, readable_stream.js, writable_stream.js, transform_stream.js). Loaded on an
// app's first use of any of these globals, `blob.stream()` or `response.body` (bootstrap.js).
import { ByteLengthQueuingStrategy, CountQueuingStrategy } from "ext:kiln_globals/stream_common.js";
import {
  bytesStream,
  isDisturbed,
  isReadableStream,
  ReadableStream,
  ReadableStreamDefaultController,
  ReadableStreamDefaultReader,
  readAllBytes,
} from "ext:kiln_globals/readable_stream.js";
import {
  WritableStream,
  WritableStreamDefaultController,
  WritableStreamDefaultWriter,
} from "ext:kiln_globals/writable_stream.js";
import {
  CompressionStream,
  DecompressionStream,
  setCodecs,
  TextDecoderStream,
  TextEncoderStream,
  TransformStream,
  TransformStreamDefaultController,
} from "ext:kiln_globals/transform_stream.js";

/** The globals, on deno_core's `ops`, and the helpers blob.js and fetch.js use. */
export function streamsApi(ops) {
  setCodecs(ops);
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
