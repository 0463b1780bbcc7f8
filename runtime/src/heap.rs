//! The main thread's malloc heap in transparent huge pages: the JS engine's heap lives there.
//!
//! Restoring the start-up snapshot (snapshot.rs) builds the runtime's JS objects anew, a few
//! megabytes of small allocations from glibc's main heap, which grows by 128 KiB at a time: each
//! 4 KiB page then costs a page fault on first touch, about a thousand of them per start (a fifth
//! of a `kiln run hi.ts`: BENCHMARKS.md, "Issue 15, fifth pass"). Here, before anything large is
//! allocated, the heap is given a 32 MiB top pad (address space, not memory: pages are still only
//! made when touched), and that range is marked `MADV_HUGEPAGE`, so that the kernel backs it with
//! 2 MiB pages, one fault each, where it offers transparent huge pages (`always` or `madvise` in
//! /sys/kernel/mm/transparent_hugepage/enabled). With `never`, or on another libc or OS, nothing
//! changes.
//!
//! The price is memory held in 2 MiB steps: about 2 MB more peak RSS for a short run, and glibc
//! keeps up to 64 MiB of freed memory at the heap's top for reuse instead of returning it (README,
//! "Memory"), as its adaptive thresholds would once the app has freed a 32 MiB block.
//!
//! Only the main thread's heap: the event loop and the JS engine run there. Threads of stores,
//! processes and pools allocate from glibc's per-thread arenas, which this does not touch.

/// The top pad: how far the heap's address range runs ahead of its use.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: usize = 32 << 20;
/// The size (and alignment) of a transparent huge page on x86-64 and aarch64 (4 KiB base pages).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const HUGE_PAGE: usize = 2 << 20;

/// The threshold above which glibc maps a block on its own instead of taking it from the heap, and
/// the free space at the heap's top above which it returns memory to the system: the largest
/// values glibc's own adaptive thresholds reach (`DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit, and twice
/// it), fixed from the start.
///
/// Setting the top pad switches glibc's adaptation off (`mallopt(3)`: any of `M_TOP_PAD`,
/// `M_MMAP_THRESHOLD`, `M_TRIM_THRESHOLD` fixes them all), which would leave the threshold at its
/// starting 128 KiB for good. Then every large block, such as the `Uint8Array` of a 16 MiB
/// `memory.read`, is a fresh mapping whose pages all fault again, each time: P5's round trip fell
/// to 1.76 GB/s that way, from 3.9-5.9 GB/s in earlier full runs (BENCHMARKS.md, "Latest full
/// run"). Adaptive glibc raises the threshold to the size of the first such block freed, so that
/// the next ones are reused from the heap; these are where it ends up.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: usize = 32 << 20;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: usize = 2 * MMAP_THRESHOLD;

/// Call first in `main`, before the runtime is made. Best effort: it either applies or does
/// nothing.
///
/// Only whole 2 MiB blocks of the heap's address range can be huge pages, and the heap starts
/// anywhere: the part of it below the first 2 MiB boundary would still fault page by page (a
/// fifth of the faults that remain). So a filler block is taken from the heap up to that
/// boundary and kept, never touched: its pages are never made, and the runtime's allocations
/// start at the boundary.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn use_huge_pages() {
  // SAFETY: mallopt, mallinfo2, malloc and sbrk(0) are called on the main thread before any other
  // thread exists (tokio's, wasmtime's and the runtime's are made later); sbrk(0) only reads the
  // program break. The filler is never freed (nor written: glibc writes only the headers
  // around it). madvise(MADV_HUGEPAGE) changes how the kernel backs pages, never their contents
  // or their mapping, and is given a range of the heap's top pad, above every block in use,
  // which glibc keeps mapped (M_TOP_PAD: the heap is never trimmed below the pad).
  unsafe {
    if libc::mallopt(libc::M_TOP_PAD, TOP_PAD as libc::c_int) == 0 {
      return;
    }
    // The heap's free top (glibc's top chunk): from the break down by its size.
    let top = (libc::sbrk(0) as usize).saturating_sub(libc::mallinfo2().keepcost);
    let boundary = (top + 256).next_multiple_of(HUGE_PAGE);
    // The filler ends a little below the boundary, so that glibc's header for the new top (which
    // it writes right after the filler) does not touch the first huge page's range before it is
    // advised. It is smaller than 2 MiB, so under the threshold; taking it grows the heap by the
    // pad.
    libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
    libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD as libc::c_int);
    let filler = libc::malloc(boundary - top - 128);
    let end = libc::sbrk(0) as usize;
    // Advised only if the filler came from the top as expected (not mapped on its own because
    // brk was refused, nor from a free block elsewhere) and the break moved by the pad.
    if filler as usize == top + 16 && end.saturating_sub(boundary) >= TOP_PAD / 2 {
      libc::madvise(boundary as *mut libc::c_void, end - boundary, libc::MADV_HUGEPAGE);
    }
  }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn use_huge_pages() {}
