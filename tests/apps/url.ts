// The URL and URLSearchParams globals, against the URL Standard's own examples and rules: parsing
// against a base, every component, setters (and the values they refuse), the query's pairs in both
// directions, and the errors. Prints one line per check.
const show = (label: string, value: unknown) => console.log(`${label}: ${typeof value === "string" ? value : JSON.stringify(value)}`);
function attempt(label: string, action: () => unknown): void {
  try {
    show(label, action());
  } catch (e) {
    const error = e as { name?: string; code?: number; message?: string };
    console.log(`${label}: ${error.name} ${error.code} ${error.message}`);
  }
}

const url = new URL("https://user:pa%20ss@EXAMPLE.com:8080/a/./b/../c?x=1&y=%F0%9F%98%80#frag");
show("components", [url.href, url.origin, url.protocol, url.username, url.password, url.host, url.hostname, url.port, url.pathname, url.search, url.hash]);
show("relative", new URL("../lib/m.wasm", "file:///app/src/main.ts").href);
show("relative to a URL", new URL("?q", new URL("https://a.example/p/q")).href);
show("default port dropped", new URL("https://example.com:443/").href);
show("idna", new URL("https://bücher.example/").hostname);
show("ipv6", new URL("http://[::1]:3000/x").host);
show("a data URL", new URL("data:text/plain,hi there").pathname);
attempt("no base", () => new URL("/relative"));
attempt("a bad base", () => new URL("x", "not a base"));
show("canParse", [URL.canParse("https://ok.example"), URL.canParse("nope"), URL.canParse("x", "https://b.example/")]);
show("parse", [URL.parse("nope"), URL.parse("x", "https://b.example/")?.href]);

const edit = new URL("https://example.com/p?q=1#h");
edit.pathname = "/a b";
edit.hash = "";
edit.port = "8080";
edit.hostname = "other.example";
edit.protocol = "http";
show("after setters", edit.href);
edit.port = "99999999";
edit.protocol = "not a scheme!";
show("refused values change nothing", edit.href);
attempt("href set to a bad URL", () => {
  edit.href = "nope";
});
edit.href = "https://fresh.example/?a=1";
show("href set", [edit.href, edit.searchParams.get("a")]);

const linked = new URL("https://example.com/search?q=wasm&tag=a");
linked.searchParams.append("tag", "b c");
linked.searchParams.delete("q");
show("searchParams write the query", [linked.search, linked.href]);
linked.search = "?z=9";
show("search rewrites searchParams", [...linked.searchParams]);
linked.searchParams.delete("z");
show("no pairs, no query", linked.href);

const params = new URLSearchParams("?a=1&b=2&a=3&c=%20x+y");
show("pairs", [...params.entries()]);
show("get, getAll, has", [params.get("a"), params.get("none"), params.getAll("a"), params.has("b"), params.has("a", "3"), params.has("a", "9")]);
params.set("a", "only");
show("set keeps the first place", params.toString());
params.append("d", "é&=");
params.sort();
show("sorted, encoded", [params.toString(), params.size]);
show("from pairs", new URLSearchParams([["x", "1"], ["y", "2"]]).toString());
show("from a record", new URLSearchParams({ k: "v", n: "5" }).toString());
const seen: string[] = [];
new URLSearchParams("p=1&q=2").forEach((value, name) => seen.push(`${name}=${value}`));
show("forEach", seen);
show("keys and values", [[...new URLSearchParams("a=1&b=2").keys()], [...new URLSearchParams("a=1&b=2").values()]]);
attempt("a pair of three", () => new URLSearchParams([["a", "b", "c"]] as unknown as [string, string][]));
show("JSON and String", [JSON.stringify({ u: new URL("https://x.example/") }), String(new URL("https://y.example"))]);
show("tags", [Object.prototype.toString.call(url), Object.prototype.toString.call(params)]);
