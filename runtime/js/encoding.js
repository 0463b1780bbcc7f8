// TextEncoder (UTF-8) and TextDecoder (UTF-8 on Deno.core.decode, UTF-16 and windows-1252 here).
const core = globalThis.Deno.core;

let encodedCounts;

export class TextEncoder {
  get encoding() {
    return "utf-8";
  }
  encode(input = "") {
    return core.encode(String(input));
  }
  encodeInto(input, dest) {
    const source = String(input);
    if (!(dest instanceof Uint8Array)) {
      throw new TypeError("TextEncoder.encodeInto: the destination must be a Uint8Array");
    }
    // [read, written], filled by the op (runtime/src/encoding.rs); made on first use, not in the
    // start-up snapshot.
    const out = (encodedCounts ??= new Uint32Array(2));
    core.ops.op_kiln_encode_into(source, dest, out);
    return { read: out[0], written: out[1] };
  }
}

// The WHATWG Encoding Standard's labels of the encodings Kiln decodes, by encoding name:
// UTF-8, UTF-16 (emscripten's glue decodes C++'s wide strings with "utf-16le") and
// windows-1252, which "latin1", "ascii" and "iso-8859-1" name.
const ENCODINGS = new Map();
for (
  const [name, labels] of [
    ["utf-8", ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"]],
    ["utf-16le", ["csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"]],
    ["utf-16be", ["unicodefffe", "utf-16be"]],
    ["windows-1252", [
      "ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
      "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252",
      "x-cp1252",
    ]],
  ]
) {
  for (const label of labels) ENCODINGS.set(label, name);
}

/** UTF-8: the bytes of an incomplete last sequence wait for the next chunk of a stream. */
function utf8(bytes, stream, fatal) {
  let cut = bytes.length;
  if (stream) {
    for (let back = 1; back <= 3 && back <= bytes.length; back++) {
      const b = bytes[bytes.length - back];
      if ((b & 0xc0) === 0x80) continue;
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (need > back) cut = bytes.length - back;
      break;
    }
  }
  const whole = bytes.subarray(0, cut);
  // deno_core's decode drops a leading BOM: kept here, for `decode` to drop only at the start of
  // a stream, and never with `ignoreBOM`.
  const bom = whole[0] === 0xef && whole[1] === 0xbb && whole[2] === 0xbf;
  const text = bom ? "\uFEFF" + core.decode(whole.subarray(3)) : core.decode(whole);
  if (fatal && text.includes("\uFFFD") && !validUtf8(whole)) {
    throw new TypeError("TextDecoder: the input is not valid UTF-8");
  }
  return [text, cut];
}

/** UTF-16 (runtime/src/encoding.rs): an odd last byte, or a last high surrogate, waits for the
 * next chunk of a stream; at the end of the input an odd byte is an error (U+FFFD). */
function utf16(bytes, stream, fatal, bigEndian) {
  let used = bytes.length & ~1;
  if (stream && used >= 2) {
    const last = bigEndian ? bytes[used - 2] : bytes[used - 1];
    if ((last & 0xfc) === 0xd8) used -= 2;
  }
  let text = core.ops.op_kiln_decode_utf16(bytes.subarray(0, used), bigEndian, fatal);
  if (text === null) throw new TypeError("TextDecoder: the input is not valid UTF-16 (a lone surrogate)");
  if (!stream && used < bytes.length) {
    if (fatal) throw new TypeError("TextDecoder: the input is not valid UTF-16 (an odd number of bytes)");
    text += "\uFFFD";
    used = bytes.length;
  }
  return [text, used];
}

function windows1252(bytes) {
  return [core.ops.op_kiln_decode_windows1252(bytes), bytes.length];
}

export class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  /** Bytes of a stream held back for the next call, and whether its BOM was looked for. */
  #pending = new Uint8Array(0);
  #started = false;
  constructor(label = "utf-8", options = {}) {
    const encoding = ENCODINGS.get(String(label).trim().toLowerCase());
    if (encoding === undefined) {
      throw new RangeError(
        `TextDecoder: unsupported encoding ${JSON.stringify(label)}; Kiln decodes utf-8, utf-16le, utf-16be and ` +
          "windows-1252 (latin1)",
      );
    }
    this.#encoding = encoding;
    this.#fatal = Boolean(options?.fatal);
    this.#ignoreBOM = Boolean(options?.ignoreBOM);
  }
  get encoding() {
    return this.#encoding;
  }
  get fatal() {
    return this.#fatal;
  }
  get ignoreBOM() {
    return this.#ignoreBOM;
  }
  decode(input, options = {}) {
    let bytes =
      input === undefined ? new Uint8Array(0)
      : input instanceof ArrayBuffer ? new Uint8Array(input)
      : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
      : null;
    if (bytes === null) throw new TypeError("TextDecoder.decode: expected an ArrayBuffer or a view of one");
    if (this.#pending.length > 0) {
      const joined = new Uint8Array(this.#pending.length + bytes.length);
      joined.set(this.#pending);
      joined.set(bytes, this.#pending.length);
      bytes = joined;
    }
    const stream = Boolean(options?.stream);
    let text, used;
    try {
      [text, used] = this.#encoding === "utf-8" ? utf8(bytes, stream, this.#fatal)
        : this.#encoding === "windows-1252" ? windows1252(bytes)
        : utf16(bytes, stream, this.#fatal, this.#encoding === "utf-16be");
    } catch (e) {
      this.#pending = new Uint8Array(0);
      this.#started = false;
      throw e;
    }
    this.#pending = stream ? bytes.slice(used) : new Uint8Array(0);
    // The byte order mark is dropped once, at the start of a stream (a decode without `stream`
    // is a stream of its own), unless `ignoreBOM` keeps it; windows-1252 has none.
    if (!this.#started && text.length > 0) {
      if (!this.#ignoreBOM && text.charCodeAt(0) === 0xfeff && this.#encoding !== "windows-1252") text = text.slice(1);
      this.#started = true;
    }
    if (!stream) this.#started = false;
    return text;
  }
}

function validUtf8(bytes) {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return false;
    for (let k = 1; k < n; k++) if ((bytes[i + k] & 0xc0) !== 0x80) return false;
    i += n;
  }
  return true;
}
