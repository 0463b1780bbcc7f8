// ImageData, as the HTML Standard has it. Written to run unchanged on Deno (tests/runtime.rs
// compares the two): values and error names.
const show = (label: string, value: unknown) => console.log(label, JSON.stringify(value));
function attempt(label: string, f: () => unknown) {
  try {
    show(label, f());
  } catch (e) {
    console.log(label, (e as Error).name);
  }
}
const blank = new ImageData(2, 3);
show("made", [blank.width, blank.height, blank.data.length, blank.data instanceof Uint8ClampedArray, blank.colorSpace]);
show("tag", Object.prototype.toString.call(blank));
const data = new Uint8ClampedArray(16);
const wrapped = new ImageData(data, 2);
show("from data", [wrapped.width, wrapped.height, wrapped.data === data]);
show("with its height", new ImageData(data, 2, 2).height);
show("display-p3", new ImageData(1, 1, { colorSpace: "display-p3" }).colorSpace);
show("pixelFormat", blank.pixelFormat);
show("own keys", [Object.keys(blank), "data" in blank]);
attempt("zero width", () => new ImageData(0, 1));
attempt("a length that is not a multiple of 4", () => new ImageData(new Uint8ClampedArray(6), 1));
attempt("not a multiple of the width", () => new ImageData(new Uint8ClampedArray(12), 2));
attempt("a height that does not match", () => new ImageData(new Uint8ClampedArray(16), 2, 3));
attempt("a Uint8Array is a width", () => new ImageData(new Uint8Array(16) as unknown as Uint8ClampedArray, 2));
attempt("no arguments", () => new (ImageData as unknown as new () => ImageData)());
attempt("an unknown color space", () => new ImageData(1, 1, { colorSpace: "cmyk" as PredefinedColorSpace }));
