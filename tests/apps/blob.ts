// Blob, File and blob: URLs, as the File API has them. Written to run unchanged on Deno
// (tests/runtime.rs compares the two): it prints values and error names, not Kiln's messages.
const show = (label: string, value: unknown) => console.log(label, JSON.stringify(value));
async function attempt(label: string, f: () => unknown) {
  try {
    show(label, await f());
  } catch (e) {
    console.log(label, (e as Error).name);
  }
}
const list = async (blob: Blob) => [...new Uint8Array(await blob.arrayBuffer())];

// Parts: strings as UTF-8, buffers and views copied, Blobs joined.
const bytes = new Uint8Array([1, 2, 3, 4]);
const blob = new Blob(["hé", bytes.subarray(1, 3), bytes.buffer, new Blob(["!"])], { type: "Text/Plain" });
bytes[1] = 99; // the Blob copied the bytes
show("parts", [blob.size, blob.type, await list(blob)]);
show("empty", [new Blob().size, new Blob().type, await new Blob([]).text()]);
show("text", await new Blob(["a", "😀", "b"]).text());
show("bytes", [...await new Blob([new Uint16Array([0x0102])]).bytes()]);
show("lone surrogate", await new Blob(["\ud800"]).text());
show("a type outside ASCII", new Blob([], { type: "text/é" }).type);
show("endings", [
  await new Blob(["a\r\nb\rc\n"], { endings: "native" }).text(),
  await new Blob(["a\r\nb"], { endings: "transparent" }).text(),
]);
await attempt("bad endings", () => new Blob([], { endings: "dos" as "native" }));
await attempt("parts not a sequence", () => new Blob("abc" as unknown as BlobPart[]));
show("numbers are strings", await new Blob([12 as unknown as string, true as unknown as string]).text());

// slice: relative indices, a new type, a copy that does not change with the source.
const abc = new Blob(["abcdef"], { type: "x/y" });
show("slice", [
  await abc.slice(1, 3).text(),
  await abc.slice(-2).text(),
  await abc.slice(2, -2).text(),
  await abc.slice(4, 2).text(),
  await abc.slice(-100, 100).text(),
  abc.slice(0, 1).type,
  abc.slice(0, 1, "A/B").type,
  abc.slice(1).slice(1, 2).size,
]);

// File.
const file = new File(["{}"], "config.json", { type: "application/json", lastModified: 42 });
show("file", [file.name, file.type, file.size, file.lastModified, await file.text()]);
show("file is a blob", [file instanceof Blob, file instanceof File, Object.prototype.toString.call(file)]);
show("blob tag", Object.prototype.toString.call(blob));
show("file's slice", [file.slice(0, 1) instanceof File, await file.slice(1).text()]);
const now = Date.now();
show("lastModified defaults to now", Math.abs(new File([], "x").lastModified - now) < 60_000);
await attempt("File without a name", () => new (File as unknown as new (bits: BlobPart[]) => File)([]));

// structuredClone copies them.
const cloned = structuredClone({ blob: abc, file });
show("structuredClone", [
  cloned.blob instanceof Blob,
  cloned.blob === abc,
  cloned.blob.type,
  await cloned.blob.text(),
  cloned.file instanceof File,
  cloned.file.name,
  cloned.file.lastModified,
  await cloned.file.text(),
]);

// Blob bodies and response.blob().
const response = new Response(new Blob(["body"], { type: "text/x-thing" }));
show("blob body", [response.headers.get("content-type"), await response.text()]);
show("untyped blob body", new Response(new Blob(["x"])).headers.get("content-type"));
const back = await new Response("hi", { headers: { "Content-Type": "Text/Plain; Charset=UTF-8" } }).blob();
show("response.blob()", [back.size, back.type, await back.text()]);
show("untyped response.blob()", (await new Response(new Uint8Array([1])).blob()).type);

// blob: URLs.
const url = URL.createObjectURL(new Blob(["from a blob url"], { type: "text/plain" }));
show("object URL", [url.startsWith("blob:"), new URL(url).protocol]);
const fetched = await fetch(url);
show("fetch(blob:)", [fetched.status, fetched.headers.get("content-type"), fetched.headers.get("content-length"), await fetched.text()]);
show("fetch(blob:#fragment)", await (await fetch(`${url}#part`)).text());
URL.revokeObjectURL(url);
await attempt("revoked", () => fetch(url));
await attempt("never made", () => fetch("blob:null/00000000-0000-0000-0000-000000000000"));
await attempt("createObjectURL of bytes", () => URL.createObjectURL(new Uint8Array(1) as unknown as Blob));
URL.revokeObjectURL("blob:null/unknown");
show("revoking an unknown URL", "ignored");

// A .wasm handed out as a blob: URL, as bundlers that inline their module do.
const add = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 7, 1, 96, 2, 127, 127, 1, 127, 3, 2, 1, 0, 7, 7, 1, 3, 97, 100, 100, 0, 0, 10, 9, 1,
  7, 0, 32, 0, 32, 1, 106, 11,
]);
const wasmUrl = URL.createObjectURL(new Blob([add], { type: "application/wasm" }));
const { instance } = await WebAssembly.instantiateStreaming(fetch(wasmUrl), {});
show("instantiateStreaming(blob:)", (instance.exports.add as (a: number, b: number) => number)(20, 22));
