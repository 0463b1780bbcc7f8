// Request, and fetch of one. Written to run unchanged on Deno (tests/runtime.rs compares the two):
// values and error names. The app's directory holds data.json (tests/runtime.rs writes it).
const show = (label: string, value: unknown) => console.log(label, JSON.stringify(value));
async function attempt(label: string, f: () => unknown) {
  try {
    show(label, await f());
  } catch (e) {
    console.log(label, (e as Error).name);
  }
}

const here = new URL("data.json", import.meta.url);
const plain = new Request(here);
show("defaults", [plain.method, plain.url === here.href, plain.body, plain.bodyUsed, plain.signal.aborted, plain.redirect, plain.mode]);
show("tag", Object.prototype.toString.call(plain));
show("methods", [new Request(here, { method: "post" }).method, new Request(here, { method: "Patch" }).method, new Request(here, { method: "patch" }).method]);
await attempt("a forbidden method", () => new Request(here, { method: "TRACE" }));
await attempt("an invalid method", () => new Request(here, { method: "BAD METHOD" }));
await attempt("a relative URL", () => new Request("data.json"));
await attempt("a GET with a body", () => new Request(here, { body: "x" }));

const posted = new Request(here, { method: "POST", body: "hello", headers: { "X-Kind": "test" } });
show("a body", [posted.headers.get("content-type"), posted.headers.get("x-kind"), posted.bodyUsed]);
const copy = posted.clone();
show("text", [await posted.text(), posted.bodyUsed, await copy.text()]);
await attempt("read twice", () => posted.text());
await attempt("clone after reading", () => posted.clone());
const json = new Request(here, { method: "PUT", body: JSON.stringify({ a: 1 }) });
show("json", await json.json());
show("bytes", [...await new Request(here, { method: "POST", body: new Uint8Array([1, 2]) }).bytes()]);
const blob = await new Request(here, { method: "POST", body: new Blob(["b"], { type: "text/x-b" }) }).blob();
show("blob", [blob.type, await blob.text()]);
const streamed = new Request(here, { method: "POST", body: ReadableStream.from([new TextEncoder().encode("streamed")]), duplex: "half" } as RequestInit);
show("a stream body", [streamed.body instanceof ReadableStream, await streamed.text()]);

// A Request made from another takes over its body.
const first = new Request(here, { method: "POST", body: "moved" });
const second = new Request(first);
show("from a request", [second.method, second.url === here.href, first.bodyUsed, await second.text()]);
const overridden = new Request(first, { method: "PUT", body: "new", headers: { a: "1" } });
show("from a request, with init", [overridden.method, overridden.headers.get("a"), await overridden.text()]);

// Signals follow the given one.
const controller = new AbortController();
const signalled = new Request(here, { signal: controller.signal });
show("signal before", signalled.signal.aborted);
controller.abort("stop");
show("signal after", [signalled.signal.aborted, signalled.signal.reason]);

// fetch takes a Request.
const response = await fetch(new Request(here));
show("fetch(request)", [response.status, await response.json()]);
await attempt("fetch of an aborted request", () => fetch(signalled));
await attempt("fetch with an aborted signal", () => fetch(here, { signal: AbortSignal.abort("gone") }));
