// TextEncoder and TextDecoder (UTF-8), on Deno.core.encode/decode.
const core = globalThis.Deno.core;

export class TextEncoder {
  get encoding() {
    return "utf-8";
  }
  encode(input = "") {
    return core.encode(String(input));
  }
  encodeInto(input, dest) {
    const bytes = core.encode(String(input));
    // Only whole characters are written: back off to a UTF-8 boundary.
    let written = Math.min(bytes.length, dest.length);
    while (written > 0 && written < bytes.length && (bytes[written] & 0xc0) === 0x80) written--;
    dest.set(bytes.subarray(0, written));
    const read = core.decode(bytes.subarray(0, written)).length;
    return { read, written };
  }
}

const LABELS = new Set(["utf-8", "utf8", "unicode-1-1-utf-8"]);

export class TextDecoder {
  #fatal;
  #ignoreBOM;
  #pending = new Uint8Array(0);
  constructor(label = "utf-8", options = {}) {
    if (!LABELS.has(String(label).trim().toLowerCase())) {
      throw new RangeError(`TextDecoder: unsupported encoding ${JSON.stringify(label)}; Kiln decodes utf-8 only`);
    }
    this.#fatal = Boolean(options.fatal);
    this.#ignoreBOM = Boolean(options.ignoreBOM);
  }
  get encoding() {
    return "utf-8";
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
      this.#pending = new Uint8Array(0);
    }
    if (options.stream) {
      // Hold back an incomplete trailing sequence for the next call.
      let cut = bytes.length;
      for (let back = 1; back <= 3 && back <= bytes.length; back++) {
        const b = bytes[bytes.length - back];
        if ((b & 0xc0) === 0x80) continue;
        const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        if (need > back) cut = bytes.length - back;
        break;
      }
      this.#pending = bytes.slice(cut);
      bytes = bytes.subarray(0, cut);
    }
    if (!this.#ignoreBOM && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    const text = core.decode(bytes);
    if (this.#fatal && text.includes("\uFFFD") && !validUtf8(bytes)) {
      throw new TypeError("TextDecoder: the input is not valid UTF-8");
    }
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
