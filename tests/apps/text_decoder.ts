// TextDecoder's encodings: UTF-8, UTF-16 (little- and big-endian) and windows-1252 (what
// "latin1", "ascii" and "iso-8859-1" name), with streams, byte order marks and `fatal`. Written
// to run unchanged on Deno (tests/runtime.rs compares the two).
const show = (label: string, value: unknown) => console.log(label, JSON.stringify(value));
function attempt(label: string, f: () => unknown) {
  try {
    show(label, f());
  } catch (e) {
    console.log(label, (e as Error).name);
  }
}
const bytes = (...b: number[]) => new Uint8Array(b);
const utf16le = (text: string) => {
  const out = new Uint8Array(text.length * 2);
  for (let i = 0; i < text.length; i++) [out[2 * i], out[2 * i + 1]] = [text.charCodeAt(i) & 0xff, text.charCodeAt(i) >> 8];
  return out;
};

show("names", ["utf-8", "UTF8", " utf-16 ", "utf-16le", "ucs-2", "utf-16be", "latin1", "ascii", "iso-8859-1", "windows-1252"]
  .map((label) => new TextDecoder(label).encoding));
attempt("unknown label", () => new TextDecoder("klingon"));
show("utf-8", new TextDecoder().decode(bytes(0xef, 0xbb, 0xbf, 0x68, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80)));
show("utf-8 keeps the BOM with ignoreBOM", new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes(0xef, 0xbb, 0xbf, 0x41)).length);
const text = "héllo, wörld 😀 \u4e16";
show("utf-16le", new TextDecoder("utf-16le").decode(utf16le(text)) === text);
show("utf-16le with a BOM", new TextDecoder("utf-16le").decode(bytes(0xff, 0xfe, 0x41, 0x00)));
show("utf-16be", new TextDecoder("utf-16be").decode(bytes(0xfe, 0xff, 0x00, 0x41, 0xd8, 0x3d, 0xde, 0x00)));
show("utf-16le from an odd offset", new TextDecoder("utf-16le").decode(new Uint8Array([0, ...utf16le("odd")]).subarray(1)));
show("a lone surrogate", new TextDecoder("utf-16le").decode(bytes(0x00, 0xd8, 0x41, 0x00)));
show("an odd last byte", new TextDecoder("utf-16le").decode(bytes(0x41, 0x00, 0x42)));
attempt("fatal, a lone surrogate", () => new TextDecoder("utf-16le", { fatal: true }).decode(bytes(0x00, 0xdc)));
attempt("fatal, bad UTF-8", () => new TextDecoder("utf-8", { fatal: true }).decode(bytes(0xc3, 0x28)));
const streaming = new TextDecoder("utf-16le");
const smile = utf16le("a😀b");
show("utf-16le in a stream", [
  streaming.decode(smile.subarray(0, 3), { stream: true }),
  streaming.decode(smile.subarray(3, 5), { stream: true }),
  streaming.decode(smile.subarray(5)),
]);
const utf8Stream = new TextDecoder();
const euro = bytes(0xef, 0xbb, 0xbf, 0xe2, 0x82, 0xac, 0xef, 0xbb, 0xbf);
show("utf-8 in a stream, the BOM dropped once", [
  utf8Stream.decode(euro.subarray(0, 4), { stream: true }),
  utf8Stream.decode(euro.subarray(4), { stream: true }),
  utf8Stream.decode(),
].map((s) => [...s].map((c) => c.codePointAt(0)!.toString(16))));
const all = new Uint8Array(256).map((_, i) => i);
const latin = new TextDecoder("latin1").decode(all);
show("windows-1252", [latin.length, latin.slice(0x41, 0x44), latin.charCodeAt(0x80).toString(16), latin.charCodeAt(0x81).toString(16),
  latin.charCodeAt(0x9f).toString(16), latin.charCodeAt(0xff).toString(16)]);
show("windows-1252 keeps U+FEFF's bytes", new TextDecoder("latin1").decode(bytes(0xef, 0xbb, 0xbf)).length);
const big = utf16le("x".repeat(100000));
show("a long UTF-16 text", new TextDecoder("utf-16le").decode(big).length);
