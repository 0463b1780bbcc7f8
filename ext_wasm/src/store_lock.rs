//! The lock a store is shared under ([`crate::store::SharedStore`]): taken at every call, by the
//! synchronous ops with [`StoreLock::try_lock`] (a busy store is an error, not a wait) and by the
//! async ones with [`StoreLock::lock`], which waits.
//!
//! tokio's `Mutex` did this before. Its `try_lock` is one compare-and-swap, but every release
//! takes the std mutex around its queue of waiters, even with none: 23 ns a lock and release
//! against 10 for the atomic operations this lock does instead (a microbenchmark of the two), about
//! a tenth of `instance.exports.add` (BENCHMARKS.md, the fortieth
//! pass). Here a release is a store and, only if a task waits, a wake-up: waiters count themselves
//! in `waiting` and wait on a [`Notify`]. A free lock is taken without tokio at all, so an async
//! call that finds its store free spends none of its task's cooperative budget (with tokio's
//! `lock().await`, once the event loop's turn had made 128 calls, every later one found its first
//! poll pending and went through an async op and a turn of the event loop, about 5 µs a call).
//! Unlike tokio's, the lock is not fair: a woken waiter races any new taker. A store's waiters are async calls queued behind a running one, on the JS
//! thread, where nothing takes the store in a loop while one waits.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// A lock for a value that async tasks and synchronous code share.
pub struct StoreLock<T> {
  locked: AtomicBool,
  /// How many [`StoreLock::lock`] calls wait for a release.
  waiting: AtomicUsize,
  released: Notify,
  value: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to the value to one guard at a time (`locked`), so sharing the
// lock between threads shares the value only as a `Mutex` does: it needs `T: Send`, not `Sync`.
unsafe impl<T: Send> Send for StoreLock<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for StoreLock<T> {}

/// The lock was held ([`StoreLock::try_lock`]).
#[derive(Debug)]
pub struct Busy;

impl<T> StoreLock<T> {
  pub fn new(value: T) -> Self {
    Self {
      locked: AtomicBool::new(false),
      waiting: AtomicUsize::new(0),
      released: Notify::new(),
      value: UnsafeCell::new(value),
    }
  }

  fn acquire(&self) -> bool {
    self.locked.compare_exchange(false, true, Ordering::SeqCst, Ordering::Relaxed).is_ok()
  }

  fn release(&self) {
    self.locked.store(false, Ordering::SeqCst);
    // A waiter counts itself before it looks at `locked` again (see `wait`), so a waiter that
    // found it held is counted here.
    if self.waiting.load(Ordering::SeqCst) > 0 {
      self.released.notify_waiters();
    }
  }

  /// The lock, if it is free.
  ///
  /// # Errors
  /// [`Busy`] if it is held.
  pub fn try_lock(&self) -> Result<StoreGuard<'_, T>, Busy> {
    if self.acquire() {
      Ok(StoreGuard { lock: self })
    } else {
      Err(Busy)
    }
  }

  /// [`StoreLock::try_lock`], for a guard that holds the lock's `Arc`.
  ///
  /// # Errors
  /// [`Busy`] if it is held.
  pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedStoreGuard<T>, Busy> {
    if self.acquire() {
      Ok(OwnedStoreGuard { lock: self })
    } else {
      Err(Busy)
    }
  }

  /// The lock, once it is free.
  pub async fn lock(&self) -> StoreGuard<'_, T> {
    self.wait().await;
    StoreGuard { lock: self }
  }

  /// [`StoreLock::lock`], for a guard that holds the lock's `Arc`.
  pub async fn lock_owned(self: Arc<Self>) -> OwnedStoreGuard<T> {
    self.wait().await;
    OwnedStoreGuard { lock: self }
  }

  /// Returns once this task holds the lock.
  async fn wait(&self) {
    /// Uncounts a waiter, even one whose future is dropped while it waits.
    struct Counted<'a>(&'a AtomicUsize);
    impl Drop for Counted<'_> {
      fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
      }
    }
    loop {
      if self.acquire() {
        return;
      }
      let released = self.released.notified();
      tokio::pin!(released);
      self.waiting.fetch_add(1, Ordering::SeqCst);
      let _counted = Counted(&self.waiting);
      // Registered before `locked` is looked at again: a release from now on wakes it.
      released.as_mut().enable();
      if self.acquire() {
        return;
      }
      released.await;
    }
  }
}

/// The lock, held until this is dropped.
pub struct StoreGuard<'a, T> {
  lock: &'a StoreLock<T>,
}

/// The lock, held until this is dropped, with the `Arc` it is in.
pub struct OwnedStoreGuard<T> {
  lock: Arc<StoreLock<T>>,
}

impl<T> Deref for StoreGuard<'_, T> {
  type Target = T;
  fn deref(&self) -> &T {
    // SAFETY: this guard holds the lock, so no other reference to the value exists.
    unsafe { &*self.lock.value.get() }
  }
}

impl<T> DerefMut for StoreGuard<'_, T> {
  fn deref_mut(&mut self) -> &mut T {
    // SAFETY: as in `deref`, and `&mut self` makes this the only use of the guard.
    unsafe { &mut *self.lock.value.get() }
  }
}

impl<T> Drop for StoreGuard<'_, T> {
  fn drop(&mut self) {
    self.lock.release();
  }
}

impl<T> Deref for OwnedStoreGuard<T> {
  type Target = T;
  fn deref(&self) -> &T {
    // SAFETY: this guard holds the lock, so no other reference to the value exists.
    unsafe { &*self.lock.value.get() }
  }
}

impl<T> DerefMut for OwnedStoreGuard<T> {
  fn deref_mut(&mut self) -> &mut T {
    // SAFETY: as in `deref`, and `&mut self` makes this the only use of the guard.
    unsafe { &mut *self.lock.value.get() }
  }
}

impl<T> Drop for OwnedStoreGuard<T> {
  fn drop(&mut self) {
    self.lock.release();
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  #[test]
  fn try_lock_refuses_while_held_and_takes_after_release() {
    let lock = StoreLock::new(1);
    let mut held = lock.try_lock().unwrap();
    *held += 1;
    assert!(lock.try_lock().is_err());
    drop(held);
    assert_eq!(*lock.try_lock().unwrap(), 2);
    let shared = Arc::new(StoreLock::new(5));
    let owned = shared.clone().try_lock_owned().unwrap();
    assert!(shared.clone().try_lock_owned().is_err());
    drop(owned);
    assert_eq!(*shared.try_lock().unwrap(), 5);
  }

  #[test]
  fn a_waiter_gets_the_lock_when_it_is_released() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    runtime.block_on(async {
      let lock = Arc::new(StoreLock::new(Vec::new()));
      let held = lock.clone().try_lock_owned().unwrap();
      let waiters: Vec<_> = (0..3)
        .map(|i| {
          let lock = lock.clone();
          tokio::spawn(async move { lock.lock().await.push(i) })
        })
        .collect();
      tokio::time::sleep(Duration::from_millis(10)).await;
      assert_eq!(lock.waiting.load(Ordering::SeqCst), 3, "all three wait");
      drop(held);
      for waiter in waiters {
        waiter.await.unwrap();
      }
      let mut got = lock.try_lock().unwrap().clone();
      got.sort_unstable();
      assert_eq!(got, [0, 1, 2]);
      assert_eq!(lock.waiting.load(Ordering::SeqCst), 0);
    });
  }

  #[test]
  fn a_dropped_waiter_is_no_longer_counted() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    runtime.block_on(async {
      let lock = StoreLock::new(());
      let held = lock.try_lock().unwrap();
      let timed_out = tokio::time::timeout(Duration::from_millis(5), lock.lock()).await;
      assert!(timed_out.is_err());
      assert_eq!(lock.waiting.load(Ordering::SeqCst), 0);
      drop(held);
      assert!(lock.try_lock().is_ok());
    });
  }

  #[test]
  fn threads_that_share_it_never_hold_it_together() {
    let lock = Arc::new(StoreLock::new(0u64));
    // Two threads whose tasks wait for the lock, two that only try it.
    let waiters = (0..2).map(|_| {
      let lock = lock.clone();
      std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
          let tasks: Vec<_> = (0..2)
            .map(|_| {
              let lock = lock.clone();
              tokio::spawn(async move {
                for _ in 0..10_000 {
                  let mut guard = lock.lock().await;
                  // Not atomic: two holders at once would lose increments.
                  let n = *guard;
                  tokio::task::yield_now().await;
                  *guard = n + 1;
                }
              })
            })
            .collect();
          for task in tasks {
            task.await.unwrap();
          }
        });
      })
    });
    let triers = (0..2).map(|_| {
      let lock = lock.clone();
      std::thread::spawn(move || {
        let mut taken = 0;
        while taken < 20_000 {
          if let Ok(mut guard) = lock.try_lock() {
            let n = *guard;
            std::hint::spin_loop();
            *guard = n + 1;
            taken += 1;
          }
        }
      })
    });
    let threads: Vec<_> = waiters.chain(triers).collect();
    for thread in threads {
      thread.join().unwrap();
    }
    assert_eq!(*lock.try_lock().unwrap(), 80_000);
  }
}
