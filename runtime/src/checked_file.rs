//! Files kiln writes into its compilation cache directory itself: the start-up snapshot
//! (snapshot.rs) and the emit cache's entries (emit_cache.rs). Each is its body, then 8 bytes of an
//! FNV-1a checksum of the body (at the end, so that the body can be handed on as it lies), written
//! under a temporary name and renamed, so that a kiln starting meanwhile reads the old file, the
//! new one or none. A file whose checksum does not match (a torn write by another tool, a full
//! disk) is not read; its owner makes it again.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// FNV-1a over 64-bit words, in four interleaved lanes (then the tail's words and bytes): a key
/// and a checksum against torn or damaged files, not a defence against someone who can write the
/// cache directory (who could replace the compiled WebAssembly there as well). Every start checks
/// the 1.4 MB snapshot with it: one lane's multiply waits for the last, so four lanes run about
/// four times as fast as one (0.2 ms of a 10 ms start down to 0.05). Every step is a bijection of
/// its lane, so a change to any one word always changes the result.
pub fn fnv1a(bytes: &[u8]) -> u64 {
  const PRIME: u64 = 0x0100_0000_01b3;
  let step =
    |hash: u64, word: &[u8]| (hash ^ u64::from_le_bytes(word.try_into().expect("8 bytes"))).wrapping_mul(PRIME);
  let seed = 0xcbf2_9ce4_8422_2325_u64 ^ bytes.len() as u64;
  let mut lanes = [seed, seed ^ 1, seed ^ 2, seed ^ 3];
  let mut blocks = bytes.chunks_exact(32);
  for block in &mut blocks {
    for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
      *lane = step(*lane, word);
    }
  }
  let folded = lanes.iter().fold(seed, |hash, &lane| (hash ^ lane).wrapping_mul(PRIME));
  let mut words = blocks.remainder().chunks_exact(8);
  let hash = (&mut words).fold(folded, step);
  words.remainder().iter().fold(hash, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

/// The body of a checked file's bytes, if its checksum matches.
pub fn body(bytes: &[u8]) -> Option<&[u8]> {
  let (body, sum) = bytes.split_at(bytes.len().checked_sub(8)?);
  (u64::from_le_bytes(sum.try_into().ok()?) == fnv1a(body)).then_some(body)
}

/// Writes `body` and its checksum to `path` (making its directory), under a temporary name first.
/// `durable`: synced to the disk before the rename (for a file every start depends on).
pub fn write(path: &Path, body: &[u8], durable: bool) -> std::io::Result<()> {
  if let Some(dir) = path.parent() {
    fs::create_dir_all(dir)?;
  }
  let temp = PathBuf::from(format!("{}.{}.tmp", path.display(), std::process::id()));
  let written = (|| {
    let mut file = fs::File::create(&temp)?;
    file.write_all(body)?;
    file.write_all(&fnv1a(body).to_le_bytes())?;
    if durable {
      file.sync_all()?;
    }
    fs::rename(&temp, path)
  })();
  if written.is_err() {
    let _ = fs::remove_file(&temp);
  }
  written
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_damaged_file_has_no_body() {
    let dir = std::env::temp_dir().join(format!("kiln-checked-file-test-{}", std::process::id()));
    let path = dir.join("sub/file");
    write(&path, b"body bytes", false).unwrap();
    let mut bytes = fs::read(&path).unwrap();
    assert_eq!(body(&bytes), Some(&b"body bytes"[..]));
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    assert_eq!(body(&bytes), None);
    bytes[last] ^= 1;
    bytes[0] ^= 1;
    assert_eq!(body(&bytes), None);
    assert_eq!(body(&bytes[..5]), None);
    assert_eq!(body(&[]), None);
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn every_word_and_its_place_count() {
    let bytes: Vec<u8> = (0..203u32).map(|i| (i * 7 + 3) as u8).collect();
    let sum = fnv1a(&bytes);
    // A flipped bit anywhere: in a lane's block, in the tail's words, in its bytes.
    for at in [0, 9, 31, 32, 100, 191, 192, 199, 200, 202] {
      let mut damaged = bytes.clone();
      damaged[at] ^= 0x10;
      assert_ne!(fnv1a(&damaged), sum, "byte {at}");
    }
    // Two words of one block swapped between lanes, and two blocks swapped.
    let mut swapped = bytes.clone();
    swapped.copy_within(0..8, 8);
    swapped[..8].copy_from_slice(&bytes[8..16]);
    assert_ne!(fnv1a(&swapped), sum);
    let mut blocks = bytes.clone();
    blocks[..32].copy_from_slice(&bytes[32..64]);
    blocks[32..64].copy_from_slice(&bytes[..32]);
    assert_ne!(fnv1a(&blocks), sum);
    // The length is part of it: a zero byte more is another file.
    let mut longer = bytes.clone();
    longer.push(0);
    assert_ne!(fnv1a(&longer), sum);
  }
}
