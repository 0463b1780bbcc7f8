// `ImageData`, as the HTML Standard has it: RGBA pixels in a Uint8ClampedArray with a width, a
// height and a color space. Kiln has no canvas; image codecs built for the web (the @jsquash
// packages) return their decoded pixels as one, and take one to encode. Loaded on an app's first
// use (bootstrap.js).
import { codedError } from "ext:ext_wasm/errors.js";

const SPACES = ["srgb", "display-p3"];

function fail(name, message) {
  return new DOMException(`ImageData: ${message}`, name);
}

/** A dimension as WebIDL's `unsigned long` (wrapping), refusing 0. */
function dimension(value, what) {
  const n = Number(value);
  const wrapped = Number.isFinite(n) ? ((Math.trunc(n) % 2 ** 32) + 2 ** 32) % 2 ** 32 : 0;
  if (wrapped === 0) throw fail("IndexSizeError", `the ${what} is zero or not a number`);
  return wrapped;
}

function colorSpaceOf(settings) {
  const space = settings?.colorSpace === undefined ? "srgb" : String(settings.colorSpace);
  if (!SPACES.includes(space)) {
    throw codedError("TypeError", `ImageData: the colorSpace must be "srgb" or "display-p3", got ${JSON.stringify(space)}`);
  }
  return space;
}

export class ImageData {
  #width;
  #height;
  #data;
  #colorSpace;

  constructor(dataOrWidth, widthOrHeight, heightOrSettings = undefined, settings = undefined) {
    if (arguments.length < 2) {
      throw codedError("TypeError", `ImageData: 2 arguments required (a width and a height, or data and a width), but only ${arguments.length} present`);
    }
    if (dataOrWidth instanceof Uint8ClampedArray) {
      const data = dataOrWidth;
      if (data.length === 0 || data.length % 4 !== 0) {
        throw fail(data.length === 0 ? "IndexSizeError" : "InvalidStateError", `the data's length (${data.length}) is not a non-zero multiple of 4`);
      }
      const width = dimension(widthOrHeight, "width");
      const pixels = data.length / 4;
      if (pixels % width !== 0) throw fail("IndexSizeError", `the data's length (${data.length}) is not a multiple of 4 * the width (${width})`);
      const height = pixels / width;
      if (heightOrSettings !== undefined && dimension(heightOrSettings, "height") !== height) {
        throw fail("IndexSizeError", `the data's length (${data.length}) is not 4 * the width (${width}) * the height (${Number(heightOrSettings)})`);
      }
      this.#colorSpace = colorSpaceOf(settings);
      this.#width = width;
      this.#height = height;
      this.#data = data;
    } else {
      const width = dimension(dataOrWidth, "width");
      const height = dimension(widthOrHeight, "height");
      this.#colorSpace = colorSpaceOf(heightOrSettings);
      if (width * height * 4 > 2 ** 31) throw fail("IndexSizeError", `${width} * ${height} pixels is too many`);
      this.#width = width;
      this.#height = height;
      this.#data = new Uint8ClampedArray(width * height * 4);
    }
  }

  get width() {
    return this.#width;
  }
  get height() {
    return this.#height;
  }
  get data() {
    return this.#data;
  }
  get colorSpace() {
    return this.#colorSpace;
  }
  get pixelFormat() {
    return "rgba-unorm8";
  }
  get [Symbol.toStringTag]() {
    return "ImageData";
  }
}
