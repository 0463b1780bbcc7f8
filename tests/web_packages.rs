//! npm packages that need the web's `Blob`, streams and `ImageData`, through their own glue on
//! Kiln's `WebAssembly` global (`tests/apps/web_packages.ts` says how): zxing-wasm's writer returns
//! its PNG as a Blob, @shikijs/engine-oniguruma unpacks its inlined module with `Blob.stream()`,
//! `DecompressionStream` and a `Response` over a stream, and @jsquash/jpeg encodes and decodes
//! `ImageData`. All three failed on Kiln before it had these globals. The packages come from bench/node_modules (bench/package-lock.json
//! pins them; `./x setup` and `./x test` install them). The expected lines are what the same
//! calls give on Deno 2.9.6.

use kiln_test_support::{repo, App};

#[test]
fn zxing_oniguruma_and_mozjpeg_run_on_blobs_streams_and_image_data() {
  let modules = repo().join("bench/node_modules");
  for file in [
    "zxing-wasm/dist/writer/zxing_writer.wasm",
    "@shikijs/engine-oniguruma/dist/wasm-inlined.mjs",
    "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm",
  ] {
    let path = modules.join(file);
    assert!(path.exists(), "{} is missing: run `./x setup` (or `npm ci --prefix bench`)", path.display());
  }
  // timeout_ms: the engine's interpreter cannot enforce it and refuses every instance (5009), so
  // this passes only on wasmtime.
  let manifest = format!(
    "[capabilities.wasm]\nload = true\nexecute = true\ntimeout_ms = 60000\n\n[capabilities.fs]\nread = [\"{}/**\"]\n",
    modules.display()
  );
  App::new("web_packages.ts").manifest(&manifest).run_with_args(&[modules.to_str().expect("a UTF-8 path")]).ok(
    concat!(
      "zxing: error \"\", symbol 21x21, svg 1497 chars\n",
      "zxing: image true image/png 510 bytes, PNG 116x116\n",
      "oniguruma: pattern 1 at 8, pattern 0 at 12\n",
      "jpeg: 371 bytes (ff d8 ff e0), decoded 16x8, an ImageData true, pixel sum 8068\n",
    ),
  );
}
