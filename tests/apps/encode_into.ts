// TextEncoder.encodeInto: whole characters only, `read` in UTF-16 code units, a lone surrogate as
// U+FFFD (3 bytes, 1 unit read), nothing past `written` touched; compared with Deno line for line.
const encoder = new TextEncoder();
function into(label: string, input: string, room: number | Uint8Array): void {
  const dest = typeof room === "number" ? new Uint8Array(room).fill(0xaa) : room;
  const { read, written } = encoder.encodeInto(input, dest);
  console.log(`${label}: read ${read}, written ${written}, [${Array.from(dest).join(",")}]`);
}
into("ascii", "abc", 5);
into("two-byte, room for one", "héllo", 3);
into("two-byte split", "héllo", 2);
into("astral, no room", "a😀b", 4);
into("astral, room", "a😀b", 5);
into("astral and after", "a😀b", 6);
into("lone high surrogate", "a\ud800b", 6);
into("lone low surrogate", "\udc00", 3);
into("lone surrogate at the end", "ab\ud83d", 6);
into("byte order mark", "\ufeffx", 5);
into("empty input", "", 2);
into("empty destination", "abc", 0);
const buffer = new Uint8Array(8).fill(0xaa);
into("into a view", "xyz€", new Uint8Array(buffer.buffer, 2, 5));
console.log(`the view's buffer: [${Array.from(buffer).join(",")}]`);
into("a number", 42 as unknown as string, 4);
const long = "é".repeat(5000) + "z";
const big = new Uint8Array(20000);
const r = encoder.encodeInto(long, big);
console.log(`long: read ${r.read}, written ${r.written}, last ${big[r.written - 1]}`);
for (const bad of [new Uint16Array(4), [0, 0, 0], null]) {
  try {
    encoder.encodeInto("a", bad as unknown as Uint8Array);
    console.log("no error");
  } catch (e) {
    console.log(`a destination of ${Object.prototype.toString.call(bad)}: ${(e as Error).name}`);
  }
}
