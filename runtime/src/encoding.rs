//! `TextEncoder.encodeInto`, and the decoders behind `TextDecoder` (runtime/js/encoding.js) for
//! the encodings deno_core's UTF-8 `decode` does not cover, as the WHATWG Encoding Standard has them: UTF-16 (emscripten's glue
//! decodes C++'s wide strings with `new TextDecoder("utf-16le")`) and windows-1252 (which the
//! labels "latin1", "ascii" and "iso-8859-1" name). In Rust because a byte loop in the JS engine's
//! interpreter took 150-230 ms per MiB.

use deno_core::{op2, v8};

/// `TextEncoder.encodeInto`: writes `input` into `dest` as UTF-8, whole characters only (an
/// unpaired surrogate as U+FFFD), and the UTF-16 code units read and the bytes written into
/// `out[0]` and `out[1]`. One pass in the JS engine's API; in JS it was an encode into a new
/// array, a copy and a decode to count what was read (1.6 µs for four characters), and the
/// decode dropped a leading byte order mark from the count.
#[op2(nofast)]
pub fn op_kiln_encode_into(
  scope: &mut v8::PinScope<'_, '_>,
  input: v8::Local<v8::String>,
  #[buffer] dest: &mut [u8],
  #[buffer] out: &mut [u32],
) {
  let mut read = 0;
  let written = input.write_utf8_v2(scope, dest, v8::WriteFlags::kReplaceInvalidUtf8, Some(&mut read));
  if let [r, w, ..] = out {
    // Both fit: a JS string has fewer than 2^32 code units, and `dest` fewer than 2^32 bytes.
    *r = u32::try_from(read).unwrap_or(u32::MAX);
    *w = u32::try_from(written).unwrap_or(u32::MAX);
  }
}

/// UTF-16 code units, two bytes each (an odd last byte is ignored: the JS side holds it for the
/// next chunk of a stream, or reports it), as a string. An unpaired surrogate becomes U+FFFD, or,
/// with `fatal`, makes the result `None`, which the JS side throws as a TypeError.
#[op2]
#[string]
pub fn op_kiln_decode_utf16(#[buffer] bytes: &[u8], big_endian: bool, fatal: bool) -> Option<String> {
  decode_utf16(bytes, big_endian, fatal)
}

fn decode_utf16(bytes: &[u8], big_endian: bool, fatal: bool) -> Option<String> {
  let units = bytes.chunks_exact(2).map(|pair| {
    let pair = [pair[0], pair[1]];
    if big_endian {
      u16::from_be_bytes(pair)
    } else {
      u16::from_le_bytes(pair)
    }
  });
  let mut text = String::with_capacity(bytes.len());
  for decoded in char::decode_utf16(units) {
    match decoded {
      Ok(c) => text.push(c),
      Err(_) if fatal => return None,
      Err(_) => text.push(char::REPLACEMENT_CHARACTER),
    }
  }
  Some(text)
}

/// windows-1252's bytes 0x80-0x9F (the Encoding Standard's index); every other byte is the code
/// point of its value.
const CP1252_HIGH: [char; 32] = [
  '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}', '\u{2021}', '\u{2c6}', '\u{2030}',
  '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}', '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}',
  '\u{201d}', '\u{2022}', '\u{2013}', '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}',
  '\u{17e}', '\u{178}',
];

/// windows-1252 bytes as a string: every byte is a character, so it never fails.
#[op2]
#[string]
pub fn op_kiln_decode_windows1252(#[buffer] bytes: &[u8]) -> String {
  decode_windows1252(bytes)
}

fn decode_windows1252(bytes: &[u8]) -> String {
  bytes
    .iter()
    .map(|&b| match b {
      0x80..=0x9f => CP1252_HIGH[usize::from(b - 0x80)],
      _ => char::from(b),
    })
    .collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn utf16_pairs_surrogates_and_replaces_lone_ones() {
    assert_eq!(decode_utf16(&[0x41, 0, 0x3d, 0xd8, 0x00, 0xde], false, false).unwrap(), "A😀");
    assert_eq!(decode_utf16(&[0, 0x41, 0xd8, 0x3d, 0xde, 0x00], true, false).unwrap(), "A😀");
    assert_eq!(decode_utf16(&[0x00, 0xd8, 0x41, 0x00], false, false).unwrap(), "\u{fffd}A");
    assert_eq!(decode_utf16(&[0x00, 0xdc], false, true), None);
    // An odd last byte is the caller's.
    assert_eq!(decode_utf16(&[0x41, 0x00, 0x42], false, true).unwrap(), "A");
  }

  #[test]
  fn windows1252_maps_the_c1_range_by_the_standards_index() {
    assert_eq!(decode_windows1252(b"Az"), "Az");
    assert_eq!(decode_windows1252(&[0x80, 0x81, 0x9f, 0xa0, 0xe9, 0xff]), "\u{20ac}\u{81}\u{178}\u{a0}\u{e9}\u{ff}");
  }
}
