// npm packages that reach for the web's Blob, streams and ImageData, each through its own glue
// on Kiln's WebAssembly global:
// - zxing-wasm's writer (C++ by emscripten) returns the PNG it renders as a `Blob`;
// - @shikijs/engine-oniguruma inlines its module gzipped and unpacks it with
//   `new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).bytes()`;
// - @jsquash/jpeg (MozJPEG by emscripten, with embind) encodes an `ImageData` and decodes into one.
// Expected output: tests/web_packages.rs (the same values Deno 2.9.6 gives).
// Usage: kiln run web_packages.ts <bench/node_modules>
const modules = Kiln.args[0];
const at = (path: string) => new URL(`file://${modules}/${path}`).href;

type Written = { error: string; svg: string; image: Blob | null; symbol: { width: number; height: number } };
const zxing = await import(at("zxing-wasm/dist/es/writer/index.js")) as {
  prepareZXingModule(options: { overrides: { locateFile(path: string, prefix: string): string }; fireImmediately: boolean }): Promise<unknown>;
  writeBarcode(text: string, options: { format: string; ecLevel: string; scale: number }): Promise<Written>;
};
await zxing.prepareZXingModule({
  // Its default fetches the .wasm from a CDN; this is the copy the package ships.
  overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? at("zxing-wasm/dist/writer/zxing_writer.wasm") : prefix + path) },
  fireImmediately: true,
});
const qr = await zxing.writeBarcode("hello kiln", { format: "QRCode", ecLevel: "M", scale: 4 });
const png = new Uint8Array(await qr.image!.arrayBuffer());
const header = new DataView(png.buffer);
console.log(`zxing: error "${qr.error}", symbol ${qr.symbol.width}x${qr.symbol.height}, svg ${qr.svg.length} chars`);
console.log(`zxing: image ${qr.image instanceof Blob} ${qr.image!.type} ${qr.image!.size} bytes, PNG ${header.getUint32(16)}x${header.getUint32(20)}`);

type Match = { index: number; captureIndices: { start: number; end: number }[] } | null;
const shiki = await import(at("@shikijs/engine-oniguruma/dist/index.mjs")) as {
  createOnigurumaEngine(wasm: Promise<unknown>): Promise<{ createScanner(patterns: string[]): { findNextMatchSync(text: string, from: number): Match } }>;
};
const engine = await shiki.createOnigurumaEngine(import(at("@shikijs/engine-oniguruma/dist/wasm-inlined.mjs")));
const scanner = engine.createScanner(["\\bconst\\b", "[0-9]+"]);
const text = "let x = 42; const y";
const first = scanner.findNextMatchSync(text, 0)!;
const second = scanner.findNextMatchSync(text, first.captureIndices[0].end)!;
console.log(`oniguruma: pattern ${first.index} at ${first.captureIndices[0].start}, pattern ${second.index} at ${second.captureIndices[0].start}`);

type Codec<I, O> = ((input: I, options?: Record<string, unknown>) => Promise<O>) & Record<string, unknown>;
const encoder = await import(at("@jsquash/jpeg/encode.js")) as { default: Codec<ImageData, ArrayBuffer>; init(module: WebAssembly.Module): Promise<unknown> };
const decoder = await import(at("@jsquash/jpeg/decode.js")) as { default: Codec<ArrayBuffer, ImageData>; init(module: WebAssembly.Module): Promise<unknown> };
// Its glue fetches its .wasm only in a browser or a worker; elsewhere it is handed the module.
const compiled = async (path: string) => WebAssembly.compile(await (await fetch(at(path))).arrayBuffer());
await encoder.init(await compiled("@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm"));
await decoder.init(await compiled("@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm"));
const [width, height] = [16, 8];
const pixels = new Uint8ClampedArray(width * height * 4);
for (let y = 0; y < height; y++) {
  for (let x = 0; x < width; x++) pixels.set([x * 16, y * 32, (x + y) * 8, 255], (y * width + x) * 4);
}
const jpeg = await encoder.default(new ImageData(pixels, width, height), { quality: 90 });
const head = [...new Uint8Array(jpeg, 0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
const decoded = await decoder.default(jpeg);
const sum = decoded.data.reduce((total, b) => (total + b) % 65536, 0);
console.log(`jpeg: ${jpeg.byteLength} bytes (${head}), decoded ${decoded.width}x${decoded.height}, an ImageData ${decoded instanceof ImageData}, pixel sum ${sum}`);
