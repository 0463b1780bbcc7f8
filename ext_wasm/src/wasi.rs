//! WASI preview 1 waits that honour Kiln's call modes and deadlines.
//!
//! wasmtime-wasi's `poll_oneoff` cannot serve Kiln as it is: with `allow_blocking_current_thread`
//! (config.rs) it sleeps out a single relative clock subscription with `std::thread::sleep`, which
//! holds the JS thread past any deadline (epochs interrupt wasm code, not a host call); and its
//! other clocks are tokio timers, which never fire during a synchronous call (`instance.exports`),
//! because that runs inside an op on the JS thread's current-thread runtime, which cannot turn its
//! timer driver meanwhile. So this module shadows `wasi_snapshot_preview1::poll_oneoff` in every
//! engine's linker:
//!
//! - When every subscription is a clock (`sleep`, `nanosleep`, `clock_nanosleep`), it waits here,
//!   in the call's mode (`StoreData::sync`): an async call (`await instance.call`) suspends on a
//!   tokio timer, so the event loop runs meanwhile; a synchronous call sleeps the thread. Either way
//!   the wait ends at the call's deadline (`StoreData::deadline`) with [`DeadlineExceeded`] (5011).
//!   The events are written as wasmtime-wasi's general path writes them.
//! - Any other mix (file descriptors, stdin) goes to wasmtime-wasi's own implementation. In a
//!   synchronous call its clocks are watched here instead (the synchronous driver re-polls a
//!   waiting call at least every millisecond), so `poll(stdin, timeout)` still times out.
//!
//! Other waits need nothing here: `sched_yield` returns at once (the guest's loop around it is wasm
//! code, which epochs interrupt), and a stdin read waits on wasmtime-wasi's reader thread through
//! a future that both drivers can stop at the deadline (call.rs, call_sync.rs).

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;
use std::time::{Duration, Instant};

use wasmtime::{AsContextMut, Caller, Extern, Linker};
use wasmtime_wasi::p1::wasi_snapshot_preview1::{self as p1, WasiSnapshotPreview1};
use wasmtime_wasi::p1::{types, WasiP1Ctx};
use wiggle::{GuestMemory, GuestPtr, GuestType};

use crate::error::DeadlineExceeded;
use crate::store::StoreData;

/// The WASI preview 1 module name.
const MODULE: &str = "wasi_snapshot_preview1";

/// Replaces `poll_oneoff` in `linker` (which already holds wasmtime-wasi's functions) with
/// [`poll_oneoff`], and `proc_exit` with one that keeps every status.
///
/// wasmtime-wasi's `proc_exit` turns a status of 126 or more into a trap ("exit with invalid exit
/// status outside of [0..126)"), a rule of the wasmtime CLI, whose own exit status it becomes. A
/// guest's status is data here (a process's `status.code`, a job's `exitCode`): Bacalhau's
/// executor, for one, keeps all 32 bits, and so does Kiln.
///
/// # Errors
/// If the linker refuses the definition.
pub fn add_to_linker(linker: &mut Linker<StoreData>) -> wasmtime::Result<()> {
  linker.allow_shadowing(true);
  let defined = linker.func_wrap_async(
    MODULE,
    "poll_oneoff",
    |caller: Caller<'_, StoreData>, (subs, events, count, written): (i32, i32, i32, i32)| {
      Box::new(poll_oneoff(caller, subs, events, count, written))
    },
  );
  let defined = defined.map(|_| ()).and_then(|()| {
    let exit = |status: i32| -> wasmtime::Result<()> { Err(wasmtime_wasi::I32Exit(status).into()) };
    linker.func_wrap(MODULE, "proc_exit", exit).map(|_| ())
  });
  linker.allow_shadowing(false);
  defined
}

/// `poll_oneoff(subs, events, count, written) -> errno`, with the raw arguments of the import.
async fn poll_oneoff(
  mut caller: Caller<'_, StoreData>,
  subs: i32,
  events: i32,
  count: i32,
  written: i32,
) -> wasmtime::Result<i32> {
  // What wiggle's generated wrapper does before it calls wasmtime-wasi: find the memory, and hand
  // the store's hostcall fuel (the cap on how much a host call copies) to the WASI context.
  let fuel = caller.as_context_mut().hostcall_fuel();
  let export = caller.get_export("memory");
  let (mut memory, data) = match &export {
    Some(Extern::Memory(m)) => {
      let (bytes, data) = m.data_and_store_mut(&mut caller);
      (GuestMemory::Unshared(bytes), data)
    }
    Some(Extern::SharedMemory(m)) => (GuestMemory::Shared(m.data()), caller.data_mut()),
    _ => wasmtime::bail!("missing required memory export"),
  };
  let (sync, deadline) = (data.sync, data.deadline);
  let wasi = data.wasi.get();
  wasi.set_hostcall_fuel(fuel);

  let clocks = match read_clocks(wasi, &mut memory, subs, count, fuel) {
    Clocks::All(clocks) => clocks,
    Clocks::Invalid => return Ok(types::Errno::Inval as i32),
    Clocks::Mixed(clocks) if sync && !clocks.is_empty() => {
      // wasmtime-wasi's clocks are tokio timers, which cannot fire during a synchronous call:
      // watch them here, and answer with the clock events if one passes first.
      let earliest = earliest(&clocks);
      let outcome = {
        let mut delegated = pin!(p1::poll_oneoff(&mut *wasi, &mut memory, subs, events, count, written));
        // No waker is registered for the clock: the synchronous driver polls a waiting call at
        // least every millisecond (call_sync.rs), and each poll looks at the time again.
        poll_fn(|cx| match delegated.as_mut().poll(cx) {
          Poll::Ready(result) => Poll::Ready(Some(result)),
          Poll::Pending if earliest.is_some_and(|at| Instant::now() >= at) => Poll::Ready(None),
          Poll::Pending => Poll::Pending,
        })
        .await
      };
      return match outcome {
        Some(result) => result,
        None => write_events(&mut memory, &clocks, events, written),
      };
    }
    Clocks::Mixed(_) | Clocks::Delegate => {
      return p1::poll_oneoff(wasi, &mut memory, subs, events, count, written).await;
    }
  };

  let wake = earliest(&clocks);
  let until = match (wake, deadline) {
    (Some(wake), Some(deadline)) => Some(wake.min(deadline)),
    (wake, deadline) => wake.or(deadline),
  };
  if sync {
    sleep_thread_until(until);
  } else {
    match until {
      Some(at) => tokio::time::sleep_until(at.into()).await,
      None => std::future::pending::<()>().await,
    }
  }
  let now = Instant::now();
  // Past the deadline and no clock has fired: stop. (A clock that fired wins: the guest goes on,
  // and the epoch callback stops it at its next check.)
  if deadline.is_some_and(|at| now >= at) && wake.is_none_or(|at| now < at) {
    return Err(DeadlineExceeded.into());
  }
  write_events(&mut memory, &clocks, events, written)
}

/// One clock subscription: its `userdata`, and when it fires (`None`: too far away to represent).
struct Clock {
  userdata: u64,
  at: Option<Instant>,
}

/// What the subscriptions of one `poll_oneoff` are.
enum Clocks {
  /// Only clocks, all valid: Kiln waits for them.
  All(Vec<Clock>),
  /// Only clocks, one of an id WASI cannot wait on (CPU-time clocks): `EINVAL`, as wasmtime-wasi
  /// answers before waiting. (Its one-relative-clock shortcut would sleep instead.)
  Invalid,
  /// Clocks (the valid ones, if all are) beside other subscriptions: wasmtime-wasi waits.
  Mixed(Vec<Clock>),
  /// Anything wasmtime-wasi answers with an error before waiting (no subscriptions, a pointer out
  /// of bounds, more than the hostcall fuel allows): it answers, with the errno or trap it uses.
  Delegate,
}

/// Reads the `count` subscriptions at `subs` and works out when each clock fires.
fn read_clocks(wasi: &mut WasiP1Ctx, memory: &mut GuestMemory<'_>, subs: i32, count: i32, fuel: usize) -> Clocks {
  let count = count as u32;
  // wasmtime-wasi charges the copy of both arrays to the hostcall fuel and fails with ENOMEM past it.
  let bytes =
    (count as usize).saturating_mul(types::Subscription::guest_size() as usize + types::Event::guest_size() as usize);
  if count == 0 || bytes > fuel {
    return Clocks::Delegate;
  }
  let mut clocks = Vec::with_capacity(count as usize);
  let mut all_clocks = true;
  let mut invalid = false;
  for sub in GuestPtr::<types::Subscription>::new(subs as u32).as_array(count).iter() {
    let Ok(sub) = sub.and_then(|sub| memory.read(sub)) else {
      return Clocks::Delegate;
    };
    let types::SubscriptionU::Clock(clock) = sub.u else {
      all_clocks = false;
      continue;
    };
    match wake_time(wasi, memory, &clock) {
      Some(at) => clocks.push(Clock { userdata: sub.userdata, at }),
      None => invalid = true,
    }
  }
  match (all_clocks, invalid) {
    (true, true) => Clocks::Invalid,
    (true, false) => Clocks::All(clocks),
    // wasmtime-wasi fails the call for the invalid clock; it has nothing to wait for.
    (false, true) => Clocks::Delegate,
    (false, false) => Clocks::Mixed(clocks),
  }
}

/// When `clock` fires, as wasmtime-wasi computes it: a relative timeout counts from now on either
/// clock; an absolute one is a reading of the WASI context's own monotonic or wall clock. `None`
/// for a clock that cannot be waited on; `Some(None)` for a time too far away to represent.
fn wake_time(
  wasi: &mut WasiP1Ctx,
  memory: &mut GuestMemory<'_>,
  clock: &types::SubscriptionClock,
) -> Option<Option<Instant>> {
  let absolute = clock.flags.contains(types::Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME);
  let timeout = match clock.id {
    types::Clockid::Monotonic | types::Clockid::Realtime if absolute => {
      let now = wasi.clock_time_get(memory, clock.id, 0).ok()?;
      clock.timeout.saturating_sub(now)
    }
    types::Clockid::Monotonic | types::Clockid::Realtime => clock.timeout,
    types::Clockid::ProcessCputimeId | types::Clockid::ThreadCputimeId => return None,
  };
  Some(Instant::now().checked_add(Duration::from_nanos(timeout)))
}

/// The first time any of `clocks` fires, or `None` if none ever does.
fn earliest(clocks: &[Clock]) -> Option<Instant> {
  clocks.iter().filter_map(|clock| clock.at).min()
}

/// Blocks the thread until `until` (forever for `None`: a synchronous call with no deadline asked
/// to wait that long). `std::thread::sleep` may return early; the loop sleeps the rest.
fn sleep_thread_until(until: Option<Instant>) {
  loop {
    let now = Instant::now();
    match until {
      Some(at) if now >= at => return,
      Some(at) => std::thread::sleep(at - now),
      None => std::thread::sleep(Duration::from_secs(3600)),
    }
  }
}

/// Writes an event for every clock of `clocks` that has fired, in subscription order, and their
/// number at `written`, as wasmtime-wasi does; returns the errno (or the trap, for a pointer out
/// of bounds) as its generated wrapper does.
fn write_events(memory: &mut GuestMemory<'_>, clocks: &[Clock], events: i32, written: i32) -> wasmtime::Result<i32> {
  let now = Instant::now();
  let slots = GuestPtr::<types::Event>::new(events as u32).as_array(clocks.len() as u32);
  let mut slots = slots.iter();
  let mut count: u32 = 0;
  let mut write = || -> Result<(), types::Error> {
    for clock in clocks.iter().filter(|clock| clock.at.is_some_and(|at| at <= now)) {
      let Some(slot) = slots.next() else { break };
      let event = types::Event {
        userdata: clock.userdata,
        error: types::Errno::Success,
        type_: types::Eventtype::Clock,
        fd_readwrite: types::EventFdReadwrite { flags: types::Eventrwflags::empty(), nbytes: 0 },
      };
      memory.write(slot?, event)?;
      count += 1;
    }
    memory.write(GuestPtr::<u32>::new(written as u32), count)?;
    Ok(())
  };
  match write() {
    Ok(()) => Ok(types::Errno::Success as i32),
    Err(e) => Ok(e.downcast()? as i32),
  }
}
