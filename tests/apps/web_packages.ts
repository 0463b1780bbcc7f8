// Two npm packages that reach for the web's Blob and streams, each through its own glue on Kiln's
// WebAssembly global:
// - zxing-wasm's writer (C++ by emscripten) returns the PNG it renders as a `Blob`;
// - @shikijs/engine-oniguruma inlines its module gzipped and unpacks it with
//   `new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).bytes()`.
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
