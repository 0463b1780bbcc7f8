//! Handle tables: O(1) lookup by id; an id is never reused, so a stale id can only miss.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A table of live objects keyed by ids that count up from 1 and are never handed out twice.
pub struct HandleTable<T> {
  next_id: u64,
  live: HashMap<u64, T, BuildHasherDefault<IdHasher>>,
}

/// Hashes an id by one multiplication: ids are handed out by the table (an app can only ask for
/// one that misses), so there is no key an attacker chooses to flood a bucket with, and SipHash
/// showed in the profile of a synchronous call (BENCHMARKS.md, P1a).
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
  fn finish(&self) -> u64 {
    self.0
  }

  fn write(&mut self, bytes: &[u8]) {
    // Only `write_u64` and `write_usize` are used (the keys are u64s, and reclaim.rs's addresses);
    // this keeps any other key correct.
    for &b in bytes {
      self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
  }

  fn write_u64(&mut self, id: u64) {
    // Fibonacci hashing: spreads sequential ids over the high bits hashbrown uses.
    self.0 = id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
  }

  fn write_usize(&mut self, address: usize) {
    self.write_u64(address as u64);
  }
}

/// JS numbers are exact up to 2^53; ids stop there rather than wrap into reuse.
const MAX_ID: u64 = 1 << 53;

impl<T> Default for HandleTable<T> {
  fn default() -> Self {
    Self { next_id: 1, live: HashMap::default() }
  }
}

impl<T> HandleTable<T> {
  /// Stores `value` under a fresh id; None once ids are exhausted (after 2^53 allocations).
  pub fn insert(&mut self, value: T) -> Option<u64> {
    if self.next_id >= MAX_ID {
      return None;
    }
    let id = self.next_id;
    self.next_id += 1;
    self.live.insert(id, value);
    Some(id)
  }

  pub fn get(&self, id: u64) -> Option<&T> {
    self.live.get(&id)
  }

  pub fn get_mut(&mut self, id: u64) -> Option<&mut T> {
    self.live.get_mut(&id)
  }

  pub fn remove(&mut self, id: u64) -> Option<T> {
    self.live.remove(&id)
  }

  /// Puts back a value taken out with `remove`, under its id (which was handed out before, so the
  /// rule that an id names one object holds).
  pub fn put(&mut self, id: u64, value: T) {
    if id < self.next_id {
      self.live.insert(id, value);
    }
  }

  /// The live objects, in no particular order.
  pub fn values(&self) -> impl Iterator<Item = &T> {
    self.live.values()
  }

  /// The live objects with their ids, in no particular order.
  pub fn iter(&self) -> impl Iterator<Item = (u64, &T)> {
    self.live.iter().map(|(id, value)| (*id, value))
  }

  pub fn len(&self) -> usize {
    self.live.len()
  }
}

/// Reads an id passed from JS: a positive integer that is exactly representable.
///
/// The integer test is a round trip through `u64` (exact below 2^53), not `f64::fract`, which
/// is a libm call on x86-64's baseline: every call of an export parses an id.
pub fn parse_id(raw: f64) -> Option<u64> {
  // NaN fails the first comparison; the infinities and huge values the second.
  (raw >= 1.0 && raw < MAX_ID as f64 && (raw as u64) as f64 == raw).then_some(raw as u64)
}

/// A non-negative integer from JS (an offset or a byte count), up to 2^53; the same round trip
/// as [`parse_id`].
pub fn js_integer(value: f64) -> Option<u64> {
  (value >= 0.0 && value <= MAX_ID as f64 && (value as u64) as f64 == value).then_some(value as u64)
}

/// Export indexes below this can be packed with the instance id into one number, for the ops of
/// the common call shape: every argument costs the JS engine an allocation.
pub const EXPORT_INDEX_LIMIT: u64 = 1 << 16;

/// Splits `instance_id * EXPORT_INDEX_LIMIT + export_index`; a value that is no such number
/// yields instance id 0, which names no instance (5005).
pub fn unpack_export(packed_export: f64) -> (f64, u32) {
  let packed = parse_id(packed_export).unwrap_or_default();
  ((packed / EXPORT_INDEX_LIMIT) as f64, (packed % EXPORT_INDEX_LIMIT) as u32)
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn ids_are_never_reused() {
    let mut t = HandleTable::default();
    let a = t.insert("a").unwrap();
    t.remove(a);
    let b = t.insert("b").unwrap();
    assert_ne!(a, b);
    assert!(t.get(a).is_none());
  }

  #[test]
  fn ids_from_js_are_validated() {
    assert_eq!(parse_id(3.0), Some(3));
    assert_eq!(parse_id((MAX_ID - 1) as f64), Some(MAX_ID - 1));
    for bad in
      [0.0, -0.0, 0.5, -1.0, 1.5, 4503599627370495.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, MAX_ID as f64]
    {
      assert_eq!(parse_id(bad), None, "{bad}");
    }
    assert_eq!(js_integer(0.0), Some(0));
    assert_eq!(js_integer(MAX_ID as f64), Some(MAX_ID));
    for bad in [-1.0, 0.5, f64::NAN, f64::INFINITY, (MAX_ID * 2) as f64] {
      assert_eq!(js_integer(bad), None, "{bad}");
    }
  }
}
