// ReadableStream, WritableStream, TransformStream and the streams built on them. Written to run
// unchanged on Deno (tests/runtime.rs compares the two): it prints values and error names.
const show = (label: string, value: unknown) => console.log(label, JSON.stringify(value));
async function attempt(label: string, f: () => unknown) {
  try {
    show(label, await f());
  } catch (e) {
    console.log(label, (e as Error).name);
  }
}
async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}
const bytesOf = async (stream: ReadableStream<Uint8Array>) => {
  const chunks = await collect(stream);
  return [...new Uint8Array(await new Blob(chunks).arrayBuffer())];
};

// A source with start, pull and cancel; the order of calls and the queue's desired size.
const calls: string[] = [];
let n = 0;
const counting = new ReadableStream<number>({
  start(controller) {
    calls.push(`start ${controller.desiredSize}`);
  },
  pull(controller) {
    calls.push(`pull ${n} ${controller.desiredSize}`);
    controller.enqueue(n++);
    if (n === 3) controller.close();
  },
  cancel(reason) {
    calls.push(`cancel ${reason}`);
  },
}, { highWaterMark: 2 });
show("locked before", counting.locked);
const reader = counting.getReader();
show("locked after", counting.locked);
show("reads", [await reader.read(), await reader.read(), await reader.read(), await reader.read()]);
await reader.closed;
show("calls", calls);
reader.releaseLock();
await attempt("a second reader on a closed stream", async () => (await counting.getReader().read()).done);

// Cancel reaches the source; a locked stream cannot be cancelled or read twice.
const cancelled: unknown[] = [];
const endless = new ReadableStream({ pull: (c) => c.enqueue("x"), cancel: (r) => void cancelled.push(r) });
const held = endless.getReader();
await attempt("getReader while locked", () => endless.getReader());
await attempt("cancel while locked", () => endless.cancel());
await held.cancel("enough");
show("cancelled with", cancelled);
show("read after cancel", await held.read());

// Errors: from the controller, from pull, from start.
const failing = new ReadableStream({ start: (c) => c.error(new RangeError("bad")) });
await attempt("read of an errored stream", () => failing.getReader().read());
await attempt("pull throws", () => new ReadableStream({ pull: () => { throw new SyntaxError("no"); } }).getReader().read());
await attempt("async start rejects", () => new ReadableStream({ start: () => Promise.reject(new EvalError("late")) }).getReader().read());
await attempt("enqueue after close", () => new ReadableStream({ start: (c) => { c.close(); c.enqueue(1); } }).getReader().read());
await attempt("a string into a byte stream", () => new ReadableStream({ type: "bytes", start: (c) => c.enqueue("x" as unknown as Uint8Array) }).getReader().read());
await attempt("byob", () => new ReadableStream().getReader({ mode: "byob" } as unknown as { mode: undefined }));

// from, tee, values with preventCancel.
show("from an array", await collect(ReadableStream.from([1, 2, 3])));
async function* generate() {
  yield "a";
  yield "b";
}
show("from an async generator", await collect(ReadableStream.from(generate())));
const [left, right] = ReadableStream.from(["p", "q"]).tee();
show("tee", [await collect(left), await collect(right)]);
const partial = ReadableStream.from([1, 2, 3]);
for await (const first of partial.values({ preventCancel: true })) {
  show("first of many", first);
  break;
}
show("the rest, after preventCancel", await collect(partial));

// WritableStream: order, backpressure, close, abort, errors.
const written: string[] = [];
const sink = new WritableStream<string>({
  async write(chunk) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    written.push(chunk);
  },
  close() {
    written.push("closed");
  },
}, { highWaterMark: 2 });
const writer = sink.getWriter();
show("desiredSize", writer.desiredSize);
const writes = [writer.write("a"), writer.write("b")];
show("desiredSize when full", writer.desiredSize);
writes.push(writer.write("c"));
await Promise.all(writes);
await writer.ready;
await writer.close();
await writer.closed;
show("written", written);
await attempt("write after close", () => writer.write("d"));
const aborted: unknown[] = [];
const abortable = new WritableStream({ abort: (r) => void aborted.push(r) });
await abortable.abort("stop");
show("aborted with", aborted);
await attempt("write to an aborted stream", () => abortable.getWriter().write(1));
const refusing = new WritableStream({ write: () => { throw new TypeError("refused"); } });
await attempt("a sink that throws", () => refusing.getWriter().write(1));

// pipeTo and pipeThrough.
const piped: number[] = [];
await ReadableStream.from([1, 2, 3]).pipeTo(new WritableStream({ write: (c) => void piped.push(c) }));
show("pipeTo", piped);
const doubled = ReadableStream.from([1, 2, 3]).pipeThrough(new TransformStream<number, number>({
  transform(chunk, controller) {
    controller.enqueue(chunk);
    controller.enqueue(chunk * 10);
  },
  flush(controller) {
    controller.enqueue(-1);
  },
}));
show("pipeThrough", await collect(doubled));
show("identity transform", await collect(ReadableStream.from(["x", "y"]).pipeThrough(new TransformStream())));
const broken = ReadableStream.from([1, 2]).pipeThrough(new TransformStream({
  transform() {
    throw new URIError("transform failed");
  },
}));
await attempt("a transform that throws", () => collect(broken));
await attempt("pipeTo a locked destination", () => {
  const destination = new WritableStream();
  destination.getWriter();
  return ReadableStream.from([1]).pipeTo(destination);
});
const controller = new AbortController();
const slow = new ReadableStream({ pull: () => new Promise(() => {}) }); // a read that never ends
const piping = slow.pipeTo(new WritableStream(), { signal: controller.signal });
controller.abort(new Error("stopped"));
await attempt("pipeTo with an aborted signal", () => piping);

// Text and compression streams.
const split = new Uint8Array([0xe2, 0x82, 0xac, 0x21]); // "€!" split inside the euro sign
const text = ReadableStream.from([split.subarray(0, 2), split.subarray(2)]).pipeThrough(new TextDecoderStream());
show("TextDecoderStream", (await collect(text)).join(""));
show("TextEncoderStream", await bytesOf(ReadableStream.from(["\ud83d", "\ude00", "a"]).pipeThrough(new TextEncoderStream())));
const original = "hello, hello, hello, streams ".repeat(50);
for (const format of ["gzip", "deflate", "deflate-raw"] as const) {
  const packed = await bytesOf(new Blob([original]).stream().pipeThrough(new CompressionStream(format)));
  const back = ReadableStream.from([new Uint8Array(packed)]).pipeThrough(new DecompressionStream(format)).pipeThrough(new TextDecoderStream());
  show(`${format} round trip`, [packed.length < original.length, (await collect(back)).join("") === original]);
}
// "kiln" gzipped by another implementation (Python's gzip module, mtime 0).
const gzipped = Uint8Array.from(atob("H4sIAAAAAAAC/8vOzMkDAEU3J+kEAAAA"), (c) => c.charCodeAt(0));
show("gunzip", (await collect(ReadableStream.from([gzipped]).pipeThrough(new DecompressionStream("gzip")).pipeThrough(new TextDecoderStream()))).join(""));
await attempt("corrupt gzip", () => collect(ReadableStream.from([new Uint8Array([1, 2, 3])]).pipeThrough(new DecompressionStream("gzip"))));
await attempt("bytes after the end", () => collect(ReadableStream.from([gzipped, new Uint8Array([0])]).pipeThrough(new DecompressionStream("gzip"))));
await attempt("an unknown format", () => new CompressionStream("lzma" as "gzip"));
await attempt("a string into DecompressionStream", () => collect(ReadableStream.from(["no"]).pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<string, Uint8Array>)));

// Bodies.
show("Blob.stream", await bytesOf(new Blob(["ab", new Uint8Array([1, 2])]).stream()));
const response = new Response("a body");
const body = response.body!;
show("body before reading", [body instanceof ReadableStream, response.bodyUsed]);
show("body bytes", new TextDecoder().decode(new Uint8Array(await bytesOf(body))));
show("bodyUsed after reading the stream", response.bodyUsed);
await attempt("text() after the stream was read", () => response.text());
show("no body", new Response(null).body);
const fromStream = new Response(ReadableStream.from([new TextEncoder().encode("stre"), new TextEncoder().encode("amed")]));
show("Response of a stream", [fromStream.headers.get("content-type"), await fromStream.text(), fromStream.bodyUsed]);
const teed = new Response(ReadableStream.from([new Uint8Array([7, 8])]));
const twin = teed.clone();
show("clone of a stream body", [[...await teed.bytes()], [...await twin.bytes()]]);
await attempt("a body stream of strings", () => new Response(ReadableStream.from(["not bytes"]) as unknown as ReadableStream<Uint8Array>).text());
const gz = await new Response(new Blob([original]).stream().pipeThrough(new CompressionStream("gzip"))).blob();
show("compressed through Response", (await new Response(gz.stream().pipeThrough(new DecompressionStream("gzip"))).text()) === original);
await attempt("structuredClone of a stream", () => structuredClone(new ReadableStream()));
