//! The codecs behind `CompressionStream` and `DecompressionStream` (runtime/js/streams.js): the
//! Compression Standard's "gzip" (RFC 1952), "deflate" (zlib, RFC 1950) and "deflate-raw"
//! (RFC 1951), on flate2. The JS side gathers a stream's chunks and calls these once, at its end.

use std::io::{Read, Write};

use deno_core::op2;
use ext_wasm::{ErrorCode, WasmError};
use flate2::{bufread, write, Compression};

/// The most bytes a decompression may give: a gzip bomb (a few KiB that inflate to terabytes)
/// fails with a TypeError instead of taking the machine's memory.
const MAX_OUTPUT: u64 = 1 << 32;

/// `bytes` compressed in `format` ("gzip", "deflate" or "deflate-raw").
///
/// # Errors
/// TypeError (5007) for an unknown format.
#[op2]
#[buffer]
pub fn op_kiln_compress(#[string] format: &str, #[buffer] bytes: &[u8]) -> Result<Vec<u8>, WasmError> {
  compress(format, bytes).map_err(|e| WasmError::new(ErrorCode::TypeError, e.to_string()))
}

/// `bytes`, compressed in `format`, decompressed.
///
/// # Errors
/// TypeError (5007), as the Compression Standard has it, for corrupt or truncated input, bytes
/// after the end of the compressed data, or an unknown format.
#[op2]
#[buffer]
pub fn op_kiln_decompress(#[string] format: &str, #[buffer] bytes: &[u8]) -> Result<Vec<u8>, WasmError> {
  decompress(format, bytes).map_err(|e| WasmError::new(ErrorCode::TypeError, e.to_string()))
}

fn compress(format: &str, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
  let level = Compression::default();
  match format {
    "gzip" => finish(write::GzEncoder::new(Vec::new(), level), bytes, write::GzEncoder::finish),
    "deflate" => finish(write::ZlibEncoder::new(Vec::new(), level), bytes, write::ZlibEncoder::finish),
    "deflate-raw" => finish(write::DeflateEncoder::new(Vec::new(), level), bytes, write::DeflateEncoder::finish),
    other => Err(unknown(other)),
  }
}

fn finish<W: Write>(mut encoder: W, bytes: &[u8], end: fn(W) -> std::io::Result<Vec<u8>>) -> std::io::Result<Vec<u8>> {
  encoder.write_all(bytes)?;
  end(encoder)
}

fn decompress(format: &str, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
  let mut input = bytes;
  let mut out = Vec::new();
  // Each decoder reads from `input` as a `BufRead`, consuming no more than the compressed data
  // (a `&[u8]` advances as it is consumed), so what is left is what followed it.
  let read = match format {
    "gzip" => bufread::GzDecoder::new(&mut input).take(MAX_OUTPUT).read_to_end(&mut out),
    "deflate" => bufread::ZlibDecoder::new(&mut input).take(MAX_OUTPUT).read_to_end(&mut out),
    "deflate-raw" => bufread::DeflateDecoder::new(&mut input).take(MAX_OUTPUT).read_to_end(&mut out),
    other => return Err(unknown(other)),
  };
  read.map_err(|e| match e.kind() {
    std::io::ErrorKind::UnexpectedEof => {
      std::io::Error::other(format!("the data ends before its {format} stream does (is it truncated?)"))
    }
    _ => std::io::Error::other(format!("the data is not valid {format}: {e}")),
  })?;
  if out.len() as u64 >= MAX_OUTPUT {
    return Err(std::io::Error::other("the data decompresses to 4 GiB or more"));
  }
  if !input.is_empty() {
    return Err(std::io::Error::other(format!("{} bytes follow the end of the compressed data", input.len())));
  }
  Ok(out)
}

fn unknown(format: &str) -> std::io::Error {
  std::io::Error::other(format!("the format must be \"gzip\", \"deflate\" or \"deflate-raw\", got {format:?}"))
}

#[cfg(test)]
mod tests {
  use super::{compress, decompress};

  #[test]
  fn each_format_round_trips_and_refuses_what_is_not_its_own() {
    let text = b"hello, hello, hello, kiln".repeat(100);
    for format in ["gzip", "deflate", "deflate-raw"] {
      let packed = compress(format, &text).expect(format);
      assert!(packed.len() < text.len(), "{format}");
      assert_eq!(decompress(format, &packed).expect(format), text, "{format}");
      assert!(decompress(format, &packed[..packed.len() - 4]).is_err(), "{format}: truncated");
      let mut trailing = packed.clone();
      trailing.push(0);
      assert!(decompress(format, &trailing).is_err(), "{format}: trailing bytes");
    }
    assert!(decompress("gzip", b"not gzip at all").is_err());
    assert!(compress("brotli", b"").is_err());
  }
}
