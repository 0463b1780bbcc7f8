//! The main thread's malloc heap in transparent huge pages: the JS engine's heap lives there.
//!
//! Restoring the start-up snapshot (snapshot.rs) builds the runtime's JS objects anew, a few
//! megabytes of small allocations from glibc's main heap, which grows by 128 KiB at a time: each
//! 4 KiB page then costs a page fault on first touch, about a thousand of them per start (a
//! fifth of a `kiln run hi.ts`: BENCHMARKS.md, start-up). Here, before anything large is
//! allocated, the heap is given a 32 MiB top pad (address space, not memory: pages are still
//! only made when touched), and that range is marked `MADV_HUGEPAGE`, so that the kernel backs
//! it with 2 MiB pages, one fault each, where it offers transparent huge pages (`always` or
//! `madvise` in /sys/kernel/mm/transparent_hugepage/enabled). With `never`, or on another libc
//! or OS, nothing changes.
//!
//! Only the main thread's heap: the event loop and the JS engine run there. Threads of stores,
//! processes and pools allocate from glibc's per-thread arenas, which this does not touch.

/// The top pad: how far the heap's address range runs ahead of its use.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: usize = 32 << 20;
/// The size (and alignment) of a transparent huge page on x86-64 and aarch64 (4 KiB base pages).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const HUGE_PAGE: usize = 2 << 20;

/// Call first in `main`, before the runtime is made. Best effort: it either applies or does
/// nothing.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn use_huge_pages() {
  // SAFETY: mallopt, malloc, free and sbrk(0) are called on the main thread before any other
  // thread exists (tokio's, wasmtime's and the runtime's are made later); sbrk(0) only reads the
  // program break. madvise(MADV_HUGEPAGE) changes how the kernel backs pages, never their contents
  // or their mapping, and is given a range inside the heap (from a heap allocation up to the
  // break) that glibc keeps mapped: the top pad is never trimmed away (M_TOP_PAD).
  unsafe {
    if libc::mallopt(libc::M_TOP_PAD, TOP_PAD as libc::c_int) == 0 {
      return;
    }
    // Grows the heap now, by the pad, so that the range to advise exists: small blocks until
    // the break moves (the heap's first 132 KiB may still have room for one or two).
    let before = libc::sbrk(0) as usize;
    let mut probes = [std::ptr::null_mut(); 4];
    for probe in &mut probes {
      *probe = libc::malloc(64 << 10);
      if probe.is_null() || libc::sbrk(0) as usize != before {
        break;
      }
    }
    for probe in probes {
      libc::free(probe);
    }
    // After the frees: glibc trims the heap back to the pad.
    let end = libc::sbrk(0) as usize;
    // Pages below the old break may be in use already; the advice starts at the first huge page
    // above it. A break that did not move by the pad (brk refused, so glibc maps instead) gets none.
    let start = before.next_multiple_of(HUGE_PAGE);
    if end.saturating_sub(before) >= TOP_PAD / 2 && start < end {
      libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
    }
  }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn use_huge_pages() {}
