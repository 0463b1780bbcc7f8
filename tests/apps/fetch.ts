// fetch of file: and data: URLs, and the Response and Headers it gives. Written to run unchanged
// on Deno (tests/runtime.rs compares the two): it prints names, not Kiln's messages. The app's
// directory holds add.wasm and data.json (tests/runtime.rs writes them).
const show = (label: string, value: unknown) => console.log(label, JSON.stringify(value));
async function attempt(label: string, f: () => Promise<unknown>) {
  try {
    show(label, await f());
  } catch (e) {
    console.log(label, (e as Error).name);
  }
}

const here = (name: string) => new URL(name, import.meta.url);
const json = await fetch(here("data.json"));
show("a file", [json.ok, json.status, json.type, json.url === here("data.json").href, json.bodyUsed]);
show("its type", json.headers.get("Content-Type"));
show("json()", await json.json());
show("read once", json.bodyUsed);
await attempt("read twice", () => json.text());
const wasm = await fetch(here("add.wasm").href);
show("a .wasm's type", wasm.headers.get("content-type"));
const { instance } = await WebAssembly.instantiateStreaming(wasm, {});
show("instantiateStreaming", (instance.exports.add as (a: number, b: number) => number)(2, 3));
const { instance: again } = await WebAssembly.instantiateStreaming(fetch(here("add.wasm")), {});
show("from the promise", (again.exports.add as (a: number, b: number) => number)(4, 5));
await attempt("a missing file", () => fetch(here("missing.json")));
await attempt("a relative URL", () => fetch("data.json"));

show("data: text", await (await fetch("data:,Hello%2C%20World%21")).text());
const b64 = await fetch("data:application/octet-stream;base64,AAEC/w==");
show("data: base64", [b64.headers.get("content-type"), [...new Uint8Array(await b64.arrayBuffer())]]);
show("data: default type", (await fetch("data:,x")).headers.get("content-type"));

const made = new Response("héllo", { status: 201, statusText: "Made", headers: { "X-Thing": "1" } });
show("new Response", [made.status, made.ok, made.statusText, made.type, made.headers.get("content-type"), made.headers.get("x-thing")]);
const copy = made.clone();
show("clone", [await made.text(), await copy.text()]);
show("bytes", [...await new Response(new Uint8Array([1, 2, 3])).bytes()]);
show("Response.json", [
  await Response.json({ a: 1 }).json(),
  Response.json(1).headers.get("content-type"),
  Response.json(1, { headers: { "Content-Type": "application/vnd.x+json" } }).headers.get("content-type"),
]);
show("Response.error", [Response.error().type, Response.error().status]);
await attempt("status 99", async () => new Response(null, { status: 99 }));

const headers = new Headers([["B", "2"], ["a", "1"]]);
headers.append("b", "3");
show("headers", [[...headers], headers.get("B"), headers.has("c")]);
headers.delete("A");
headers.set("c", " x ");
show("set and delete", [...headers.entries()]);
await attempt("a bad header name", async () => new Headers({ "a b": "1" }));
const controller = new AbortController();
controller.abort();
await attempt("an aborted signal", () => fetch(here("data.json"), { signal: controller.signal }));
