//! The resource limiter of every store: `maxMemoryBytes` (or the manifest's `max_memory_bytes`)
//! bounds the store's linear memory in total, and `max_table_elements` each table.
//!
//! wasmtime's `StoreLimits` caps each linear memory on its own, so a module with several memories
//! (multi-memory is on by default), or several instances linked into one store by `imports`, would
//! get the cap once per memory. [`KilnLimiter`] keeps a running total instead. wasmtime asks the
//! limiter before every growth, including a new memory's initial allocation (`current` = 0), but
//! does not say which memory grows; a store's memories never shrink or go away before the store
//! does, so the sum of the growths it allowed is the sum of their sizes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wasmtime::ResourceLimiter;

/// Growths of existing linear memories in this process, in every store: a cheap first test, for
/// memory_view.rs, of whether any memory grew since it last looked.
pub static GROWTHS: AtomicU64 = AtomicU64::new(0);

/// A store's limits; installed by `store::new_store`.
#[derive(Debug, Default)]
pub struct KilnLimiter {
  /// The most bytes all the store's linear memories may hold together (`None`: no cap).
  memory_bytes: Option<usize>,
  /// The most elements each table may hold (`None`: no cap).
  table_elements: Option<usize>,
  /// Bytes of linear memory allowed so far: the sum of every memory's size.
  memory_used: usize,
  /// A new memory the cap refused: the total it would have made, for instantiate's message.
  refused_new: Option<usize>,
  /// Growths of this store's existing memories (not their creation), shared with the JS side
  /// (memory_view.rs detaches a `WebAssembly.Memory`'s old buffers when its store's count moves).
  growths: Arc<AtomicU64>,
}

impl KilnLimiter {
  /// Limits with `memory_bytes` for all the store's memories together and `table_elements` for
  /// each table.
  pub fn new(memory_bytes: Option<u64>, table_elements: Option<u64>) -> Self {
    let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    Self {
      memory_bytes: memory_bytes.map(to_usize),
      table_elements: table_elements.map(to_usize),
      memory_used: 0,
      refused_new: None,
      growths: Arc::default(),
    }
  }

  /// The count of this store's memory growths, which moves on every growth it allows.
  pub fn growths(&self) -> Arc<AtomicU64> {
    self.growths.clone()
  }

  /// The cap, and the total a new memory would have made, if the cap refused a memory being
  /// created: why instantiation failed.
  pub fn refused_new_memory(&self) -> Option<(usize, usize)> {
    Some((self.refused_new?, self.memory_bytes?))
  }

  /// Bytes of linear memory the store's memories hold together, as far as this limiter knows.
  pub fn memory_used(&self) -> usize {
    self.memory_used
  }
}

impl ResourceLimiter for KilnLimiter {
  /// Refusals are `Ok(false)`, as in wasmtime's `StoreLimits`: the guest's `memory.grow` returns
  /// -1 (an `Err` would trap it instead), `Memory::grow` (JS `memory.grow`) fails (5006), and a
  /// new memory over the cap fails instantiation (5001).
  fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
    // Past the memory's own maximum wasmtime would fail the growth after allowing it; refusing it
    // here keeps such a growth out of the total.
    if maximum.is_some_and(|max| desired > max) {
      return Ok(false);
    }
    let Some(total) = self.memory_used.checked_add(desired.saturating_sub(current)) else {
      return Ok(false);
    };
    if self.memory_bytes.is_some_and(|cap| total > cap) {
      if current == 0 {
        self.refused_new = Some(total);
      }
      return Ok(false);
    }
    // Counted once allowed. wasmtime reports a growth that then fails on the host (out of memory)
    // through `memory_grow_failed`, but with no size, and in the same way as growths it refused
    // without asking (past what the memory's index type can address), so which growth failed
    // cannot be told; it stays counted. The total can only overstate what the store holds.
    self.memory_used = total;
    if current > 0 && desired > current {
      self.growths.fetch_add(1, Ordering::Release);
      GROWTHS.fetch_add(1, Ordering::Release);
    }
    Ok(true)
  }

  fn table_growing(&mut self, _current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
    let over_cap = self.table_elements.is_some_and(|cap| desired > cap);
    let over_max = maximum.is_some_and(|max| desired > max);
    Ok(!over_cap && !over_max)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const PAGE: usize = 65536;

  #[test]
  fn the_cap_bounds_all_memories_together() {
    let mut limits = KilnLimiter::new(Some(4 * PAGE as u64), None);
    // Two memories of 2 pages each are created: 4 pages, the cap.
    assert!(limits.memory_growing(0, 2 * PAGE, None).unwrap());
    assert!(limits.memory_growing(0, 2 * PAGE, None).unwrap());
    // Either growing by a page would make 5 in all, though each alone would be 3.
    assert!(!limits.memory_growing(2 * PAGE, 3 * PAGE, None).unwrap());
    assert_eq!(limits.memory_used(), 4 * PAGE);
    // A new memory over what is left fails too; an empty one fits.
    assert!(!limits.memory_growing(0, PAGE, None).unwrap());
    assert!(limits.memory_growing(0, 0, None).unwrap());
  }

  #[test]
  fn growth_within_the_cap_is_counted() {
    let mut limits = KilnLimiter::new(Some(4 * PAGE as u64), None);
    assert!(limits.memory_growing(0, PAGE, None).unwrap());
    assert!(limits.memory_growing(0, PAGE, None).unwrap());
    let growths = limits.growths();
    assert!(limits.memory_growing(PAGE, 2 * PAGE, None).unwrap());
    assert_eq!(limits.memory_used(), 3 * PAGE);
    // A growth moves the count; making a memory does not.
    assert_eq!(growths.load(Ordering::Acquire), 1);
    assert!(limits.memory_growing(PAGE, 2 * PAGE, None).unwrap());
    assert!(!limits.memory_growing(2 * PAGE, 3 * PAGE, None).unwrap());
    assert_eq!(limits.memory_used(), 4 * PAGE);
  }

  #[test]
  fn refusals_count_nothing() {
    let mut limits = KilnLimiter::new(None, None);
    // Past the memory's own maximum: refused, and not counted.
    assert!(!limits.memory_growing(PAGE, 3 * PAGE, Some(2 * PAGE)).unwrap());
    assert_eq!(limits.memory_used(), 0);
    // A request that overflows the total is refused, not wrapped.
    assert!(limits.memory_growing(0, usize::MAX - PAGE, None).unwrap());
    assert!(!limits.memory_growing(0, 2 * PAGE, None).unwrap());
    assert_eq!(limits.memory_used(), usize::MAX - PAGE);
  }

  #[test]
  fn tables_are_capped_each() {
    let mut limits = KilnLimiter::new(None, Some(10));
    assert!(limits.table_growing(0, 10, None).unwrap());
    assert!(limits.table_growing(0, 10, None).unwrap());
    assert!(!limits.table_growing(10, 11, None).unwrap());
    assert!(!limits.table_growing(1, 5, Some(4)).unwrap());
    // The counts are wasmtime's defaults, as with StoreLimits.
    assert_eq!(limits.instances(), wasmtime::DEFAULT_INSTANCE_LIMIT);
    assert_eq!(limits.memories(), wasmtime::DEFAULT_MEMORY_LIMIT);
    assert_eq!(limits.tables(), wasmtime::DEFAULT_TABLE_LIMIT);
  }
}
