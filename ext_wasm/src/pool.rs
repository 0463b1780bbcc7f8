//! `createPool(moduleId, { size, ... })`: `size` instances of one module, each in a store of its
//! own on a thread of its own (with its own current-thread tokio runtime), serving the calls the
//! app queues, first in, first out, in parallel.
//!
//! A call made while no other call of the pool is out (queued or running) is taken by a member at
//! once, and `pool.call` waits for its answer on the JS thread for up to [`EAGER_WAIT`] before it
//! leaves the call to the event loop: a short call then completes as it is made, as a short
//! `instance.call` does, instead of costing a turn of the event loop, which is several times the
//! call itself in the JS engine's work (BENCHMARKS.md, issue 15's fifty-third pass). Calls made
//! while others are out are queued without waiting, so a batch still runs in parallel.
//!
//! A member whose call traps or passes its limits is replaced: its store is dropped and a new one
//! made from the same recipe, from the module's `InstancePre` (its imports were resolved once),
//! so the next call sees fresh state. Dropping the pool rejects the queued calls, stops the
//! running ones as `kill()` stops a process (process.rs), and joins the threads.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use deno_core::{op2, OpState};
use tokio::sync::{oneshot, watch};
use wasmtime::Module;

use crate::capabilities::WasmPermissions;
use crate::config::Purpose;
use crate::error::{ErrorCode, WasmError};
use crate::handles::{parse_id, HandleTable};
use crate::instance::{make_store, Made};
use crate::recipe::{check, Plan, Recipe, Request, Reservation};
use crate::signature::{exports_of, ExportInfo};

/// How long an idle member looks for the next job before it sleeps (see `Shared::next`).
const SPIN: std::time::Duration = std::time::Duration::from_micros(100);

/// How long `pool.call` waits on the JS thread for the answer to a call that a member takes at
/// once, before it leaves the call to the event loop (see `op_wasm_pool_call`). A call of a few
/// microseconds is answered within it; a longer one costs the JS thread this much, once.
const EAGER_WAIT: std::time::Duration = std::time::Duration::from_micros(20);

/// The most members a pool may have.
pub const MAX_POOL_SIZE: u32 = 64;

/// A queued call: the export's name, its arguments in 8-byte slots (value.rs), and where its
/// results (in the same slots) go.
struct Job {
  name: String,
  slots: Vec<u8>,
  reply: oneshot::Sender<Result<Vec<u8>, WasmError>>,
}

struct Queue {
  jobs: VecDeque<Job>,
  /// Why the pool takes no more calls (it was dropped, or lost every member).
  closed: Option<WasmError>,
  /// Members serving (not lost to a failed replacement).
  serving: usize,
  /// Members asleep on `Shared::work`: a queued job wakes one only if there is one.
  sleeping: usize,
}

/// What the app's thread and the members share.
struct Shared {
  queue: Mutex<Queue>,
  /// Signalled when a job is queued for a sleeping member, or the pool closes.
  work: Condvar,
  /// Whether a job is queued or the pool closed, for a member looking without the lock.
  news: AtomicBool,
  /// Calls queued or running (a member counts its call off as it answers it).
  outstanding: AtomicUsize,
  /// Flipped when the pool is dropped: running calls stop.
  dropped: watch::Sender<bool>,
}

impl Shared {
  fn lock(&self) -> MutexGuard<'_, Queue> {
    self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  /// Queues `job`, and wakes a member if one sleeps; whether it is the only call out (queued or
  /// running), or `Err` with the reason if the pool is closed.
  fn queue(&self, job: Job) -> Result<bool, WasmError> {
    let (alone, wake) = {
      let mut queue = self.lock();
      if let Some(closed) = &queue.closed {
        return Err(WasmError::new(closed.code(), closed.to_string()));
      }
      // Counted before a member can see it, and so before the member counts it off.
      let alone = self.outstanding.fetch_add(1, Ordering::AcqRel) == 0;
      queue.jobs.push_back(job);
      self.news.store(true, Ordering::Release);
      (alone, queue.sleeping > 0)
    };
    if wake {
      self.work.notify_one();
    }
    Ok(alone)
  }

  /// The next job, waiting for one; `None` once the pool is closed.
  ///
  /// A member that finds the queue empty looks again for [`SPIN`] before it sleeps, without the
  /// lock: an app that awaits one call and then makes the next leaves the queue empty for a few
  /// microseconds, while waking a sleeping thread costs about as much again on a VM.
  fn next(&self) -> Option<Job> {
    spin_for(SPIN, || self.news.load(Ordering::Acquire));
    let mut queue = self.lock();
    loop {
      if queue.closed.is_some() {
        return None;
      }
      if let Some(job) = queue.jobs.pop_front() {
        self.news.store(!queue.jobs.is_empty(), Ordering::Relaxed);
        return Some(job);
      }
      queue.sleeping += 1;
      queue = self.work.wait(queue).unwrap_or_else(|poisoned| poisoned.into_inner());
      queue.sleeping -= 1;
    }
  }

  /// Takes no more calls, and rejects the queued ones with `error()`.
  fn close(&self, error: impl Fn() -> WasmError) {
    let jobs = {
      let mut queue = self.lock();
      queue.closed.get_or_insert_with(&error);
      self.news.store(true, Ordering::Release);
      let jobs = std::mem::take(&mut queue.jobs);
      self.outstanding.fetch_sub(jobs.len(), Ordering::Release);
      jobs
    };
    for job in jobs {
      let _ = job.reply.send(Err(error()));
    }
    self.work.notify_all();
  }

  /// A member could not be remade: with none left, the pool closes with `error`'s message.
  fn lose_member(&self, error: WasmError) {
    let last = {
      let mut queue = self.lock();
      queue.serving -= 1;
      queue.serving == 0
    };
    if last {
      let message = format!("every member of the pool failed and could not be made again: {error}");
      self.close(|| WasmError::new(error.code(), message.clone()));
    }
  }
}

/// Looks at `ready` until it says true or `time` has passed. It looks a few dozen times between
/// yields of the thread: another thread's answer comes within a microsecond or two, while a yield
/// is a system call, and on a machine of one core the other thread runs only when this one yields.
fn spin_for(time: std::time::Duration, mut ready: impl FnMut() -> bool) {
  let until = std::time::Instant::now() + time;
  loop {
    for _ in 0..32 {
      if ready() {
        return;
      }
      std::hint::spin_loop();
    }
    if std::time::Instant::now() >= until {
      return;
    }
    std::thread::yield_now();
  }
}

fn dropped_error() -> WasmError {
  WasmError::invalid_instance("the pool was dropped before this call ran")
}

/// A pool: its queue, its threads, the module (for its exports).
pub struct PoolEntry {
  shared: Arc<Shared>,
  threads: Vec<JoinHandle<()>>,
  module: Module,
  _reservation: Reservation,
}

impl Drop for PoolEntry {
  /// Rejects what is queued, stops what runs, and waits for the threads.
  fn drop(&mut self) {
    self.shared.close(dropped_error);
    self.shared.dropped.send_replace(true);
    for thread in self.threads.drain(..) {
      let _ = thread.join();
    }
  }
}

/// The pools of a runtime (an `OpState` entry).
#[derive(Default)]
pub struct PoolTable(pub HandleTable<Arc<PoolEntry>>);

fn lookup(state: &OpState, raw_id: f64) -> Result<Arc<PoolEntry>, WasmError> {
  parse_id(raw_id).and_then(|id| state.borrow::<PoolTable>().0.get(id).cloned()).ok_or_else(|| {
    WasmError::invalid_instance(format!(
      "no pool with id {raw_id}: it was never returned by createPool or has been dropped"
    ))
  })
}

/// `createPool(moduleId, options)`: checks as `instantiate` does, starts `size` members and
/// waits until each has made its instance; returns the pool id.
///
/// # Errors
/// As `instantiate` (each member's instantiation too: the first failure is reported and the
/// others are stopped); 5010 for a size outside 1..=64.
#[op2]
pub async fn op_wasm_pool_create(
  state: Rc<RefCell<OpState>>,
  module_id: f64,
  #[string] config_json: String,
  #[string] imports_json: String,
  #[string] host_json: String,
  size: f64,
) -> Result<f64, WasmError> {
  if !(size.fract() == 0.0 && (1.0..=MAX_POOL_SIZE as f64).contains(&size)) {
    return Err(WasmError::config(format!(
      "createPool: size must be an integer from 1 to {MAX_POOL_SIZE}, got {size}; a pool of the \
       machine's cores ({}) runs that many calls at once",
      std::thread::available_parallelism().map_or(1, |n| n.get())
    )));
  }
  let size = size as usize;
  let (recipe, reservation) = {
    let state = state.borrow();
    let request = Request {
      module_id,
      config_json: &config_json,
      imports_json: &imports_json,
      host_json: &host_json,
      purpose: Purpose::Pool,
      stores: size,
    };
    check(&state, &request)?
  };
  // The WASI context of the first member is made here, so that a preopen's 5009 or 5010 is the
  // pool's error before any thread starts.
  let mut first = Some(recipe.plan()?);
  let module = recipe.module.first().module.clone();
  let (dropped, _) = watch::channel(false);
  let shared = Arc::new(Shared {
    queue: Mutex::new(Queue { jobs: VecDeque::new(), closed: None, serving: size, sleeping: 0 }),
    work: Condvar::new(),
    news: AtomicBool::new(false),
    outstanding: AtomicUsize::new(0),
    dropped,
  });
  let mut threads = Vec::with_capacity(size);
  let mut ready = Vec::with_capacity(size);
  for index in 0..size {
    let (ready_tx, ready_rx) = oneshot::channel();
    let (member_shared, recipe, plan) = (shared.clone(), recipe.clone(), first.take());
    let thread = std::thread::Builder::new()
      .name(format!("kiln-pool-{index}"))
      .spawn(move || serve(member_shared, recipe, plan, ready_tx))
      .map_err(|e| WasmError::instantiate(format!("cannot start a pool member's thread: {e}")));
    match thread {
      Ok(thread) => threads.push(thread),
      Err(e) => {
        drop_off_thread(PoolEntry { shared, threads, module, _reservation: reservation }).await;
        return Err(e);
      }
    }
    ready.push(ready_rx);
  }
  let entry = PoolEntry { shared, threads, module, _reservation: reservation };
  for ready in ready {
    let outcome = ready.await.unwrap_or_else(|_| Err(WasmError::instantiate("a pool member's thread ended")));
    if let Err(e) = outcome {
      drop_off_thread(entry).await;
      return Err(e);
    }
  }
  let id = state
    .borrow_mut()
    .borrow_mut::<PoolTable>()
    .0
    .insert(Arc::new(entry))
    .ok_or_else(|| WasmError::instantiate("pool ids are exhausted; restart the app"))?;
  Ok(id as f64)
}

/// Drops a pool off the JS thread: joining its threads waits for running calls to stop. A thread
/// of its own, not tokio's blocking pool, which would keep an idle thread for 10 s afterwards.
async fn drop_off_thread<T: Send + 'static>(pool: T) {
  let (done, finished) = oneshot::channel();
  let spawned = std::thread::Builder::new().name("kiln-pool-drop".into()).spawn(move || {
    drop(pool);
    let _ = done.send(());
  });
  // Without a thread to be had, the closure and the pool in it were dropped by `spawn`, here: the
  // members were joined on the JS thread (they stop within milliseconds).
  if spawned.is_ok() {
    let _ = finished.await;
  }
}

/// A member: makes its store, then serves jobs until the pool closes.
fn serve(shared: Arc<Shared>, recipe: Recipe, plan: Option<Plan>, ready: oneshot::Sender<Result<(), WasmError>>) {
  let runtime = match tokio::runtime::Builder::new_current_thread().enable_time().build() {
    Ok(runtime) => runtime,
    Err(e) => {
      let _ = ready.send(Err(WasmError::instantiate(format!("cannot start a pool member's runtime: {e}"))));
      return;
    }
  };
  let mut dropped = shared.dropped.subscribe();
  let mut member = match runtime.block_on(make(&recipe, plan, &mut dropped)) {
    Ok(member) => member,
    Err(e) => {
      let _ = ready.send(Err(e));
      return;
    }
  };
  let _ = ready.send(Ok(()));
  while let Some(job) = shared.next() {
    let Job { name, mut slots, reply } = job;
    let outcome = runtime.block_on(async {
      tokio::select! {
        biased;
        _ = dropped.wait_for(|dropped| *dropped) => {
          Err(WasmError::invalid_instance("the pool was dropped while this call ran; the call was stopped"))
        }
        outcome = call(&recipe, &mut member, &name, &mut slots) => outcome.map(|()| slots),
      }
    });
    let spoiled = matches!(&outcome, Err(e) if matches!(e.code(), ErrorCode::CallError | ErrorCode::FuelExhausted));
    // Counted off before the answer goes, so that a call the app makes on seeing it finds none
    // out and waits for its own answer (op_wasm_pool_call).
    shared.outstanding.fetch_sub(1, Ordering::Release);
    let _ = reply.send(outcome);
    if spoiled {
      // The instance may be left half-way through its work: serve the next call from a new one.
      drop(member);
      member = match runtime.block_on(make(&recipe, None, &mut dropped)) {
        Ok(member) => member,
        Err(e) => {
          shared.lose_member(e);
          return;
        }
      };
    }
  }
}

/// Makes a member's store (from `plan`, or a new plan of `recipe`), unless the pool is dropped.
async fn make(recipe: &Recipe, plan: Option<Plan>, dropped: &mut watch::Receiver<bool>) -> Result<Made, WasmError> {
  let plan = match plan {
    Some(plan) => plan,
    None => recipe.plan()?,
  };
  tokio::select! {
    biased;
    _ = dropped.wait_for(|dropped| *dropped) => Err(dropped_error()),
    made = make_store(plan, None) => made,
  }
}

/// Runs one job on a member, as `instance.call` does (call.rs): the export is resolved on its
/// first call and kept, and one that ends in bounded time runs without a fiber.
async fn call(recipe: &Recipe, member: &mut Made, name: &str, slots: &mut [u8]) -> Result<(), WasmError> {
  let index = crate::call::export_index(&mut member.kiln, member.entry, name)?;
  crate::call::run_slots(&recipe.engines, &mut member.kiln, member.entry, index, slots).await
}

/// `pool.call(name, ...args)`: queues the call; resolves to the results in `slots`' layout.
///
/// # Errors
/// 5005 if the pool was dropped (before or while the call ran); the call's own errors otherwise.
#[op2]
#[buffer]
pub async fn op_wasm_pool_call(
  state: Rc<RefCell<OpState>>,
  pool_id: f64,
  #[string] name: String,
  #[buffer(copy)] slots: Vec<u8>,
) -> Result<Vec<u8>, WasmError> {
  let pool = {
    let state = state.borrow();
    state.borrow::<Arc<WasmPermissions>>().check_execute("pool.call")?;
    lookup(&state, pool_id)?
  };
  let (reply, mut result) = oneshot::channel();
  let alone = pool.shared.queue(Job { name, slots, reply })?;
  drop(pool);
  if alone {
    // The only call out, so a member takes it at once: a short one answers within microseconds,
    // and an answer taken here makes the op complete as it is called, without a turn of the event
    // loop (several microseconds of the JS engine's work) or the JS thread's wake-up.
    let mut answer = None;
    spin_for(EAGER_WAIT, || {
      answer = match result.try_recv() {
        Ok(outcome) => Some(outcome),
        Err(oneshot::error::TryRecvError::Closed) => Some(Err(dropped_error())),
        Err(oneshot::error::TryRecvError::Empty) => None,
      };
      answer.is_some()
    });
    if let Some(answer) = answer {
      return answer;
    }
  }
  result.await.unwrap_or_else(|_| Err(dropped_error()))
}

/// `pool.getExports()`: the module's exports, for the JS side's signatures.
#[op2]
#[serde]
pub fn op_wasm_pool_exports(state: &mut OpState, pool_id: f64) -> Result<Vec<ExportInfo>, WasmError> {
  Ok(exports_of(&lookup(state, pool_id)?.module))
}

/// `pool.drop()`: rejects the queued calls, stops the running ones, and resolves when every
/// member's thread has ended.
///
/// # Errors
/// 5005 if the pool was already dropped.
#[op2]
pub async fn op_wasm_pool_drop(state: Rc<RefCell<OpState>>, pool_id: f64) -> Result<(), WasmError> {
  let pool = {
    let pool = lookup(&state.borrow(), pool_id)?;
    let id = parse_id(pool_id).expect("looked up above");
    state.borrow_mut().borrow_mut::<PoolTable>().0.remove(id);
    pool
  };
  // Reject and stop at once, not when the last reference goes: a call op may still hold one.
  pool.shared.close(dropped_error);
  pool.shared.dropped.send_replace(true);
  drop_off_thread(pool).await;
  Ok(())
}
