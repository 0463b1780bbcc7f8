// setTimeout/setInterval/clearTimeout/clearInterval on deno_core's timer wheel and its queue of
// immediates, and performance.now.
const core = globalThis.Deno.core;

// Timer ids to what cancels them: a timer of the wheel, or an entry of the immediate queue.
const active = new Map();
let nextId = 1;

// The nesting level of the timer whose callback is running (0 outside one), as the HTML standard
// counts it: a timer set inside a timer's callback is one level deeper.
let nesting = 0;
// Past this level a timer of less than MIN_NESTED_DELAY ms waits that long, as in browsers, so a
// callback that sets itself again with `setTimeout(f, 0)` polls every few milliseconds instead of
// spinning.
const MAX_UNCLAMPED_NESTING = 5;
const MIN_NESTED_DELAY = 4;

// Runs a timer's callback at the timer's nesting level.
function runAt(level, callback, args) {
  const outer = nesting;
  nesting = level;
  try {
    callback(...args);
  } finally {
    nesting = outer;
  }
}

function checkCallback(callback) {
  if (typeof callback !== "function") {
    throw new TypeError(`the timer callback must be a function, got ${typeof callback}`);
  }
}

// A zero-delay timer runs in the event loop's next check phase, after the I/O that is ready
// (the phase Node's setImmediate uses), instead of on the wheel, whose 1 ms resolution made each
// `setTimeout(f, 0)` wait about 2 ms. Glue that passes messages with `setTimeout(f, 0)` (esbuild's
// in-thread worker) pays that once per message.
function queueZeroDelay(id, callback, args, level) {
  // The fields deno_core's immediate queue reads and writes (01_core.js, `runImmediates` and
  // `clearImmediate`: the shape of Node's Immediate), for deno_core 0.413 as Cargo.toml pins it.
  const entry = {
    _idleNext: null,
    _idlePrev: null,
    _destroyed: false,
    _argv: undefined,
    asyncId: 0,
    triggerAsyncId: 0,
    [core.kRefed]: true,
    _onImmediate() {
      active.delete(id);
      runAt(level, callback, args);
    },
  };
  core.queueImmediate(entry);
  core.immediateRefCount(true);
  return entry;
}

function schedule(callback, delay, args, repeat) {
  checkCallback(callback);
  const id = nextId++;
  let ms = Number(delay) || 0;
  if (nesting > MAX_UNCLAMPED_NESTING) ms = Math.max(ms, MIN_NESTED_DELAY);
  const level = nesting + 1;
  if (!repeat && ms <= 0) {
    active.set(id, queueZeroDelay(id, callback, args, level));
    return id;
  }
  const timer = core.createTimer(
    () => {
      if (!repeat) active.delete(id);
      runAt(level, callback, args);
    },
    ms,
    undefined,
    repeat,
    true,
  );
  active.set(id, timer);
  return id;
}

export function setTimeout(callback, delay = 0, ...args) {
  return schedule(callback, delay, args, false);
}

export function setInterval(callback, delay = 0, ...args) {
  return schedule(callback, delay, args, true);
}

export function clearTimeout(id) {
  const timer = active.get(id);
  if (timer === undefined) return;
  active.delete(id);
  if (typeof timer._onImmediate === "function") core.clearImmediate(timer);
  else core.cancelTimer(timer);
}

export const clearInterval = clearTimeout;

// Captured at start-up: `Deno` is gone from the global object before apps run (seal.js). The
// origin is the process's, kept in Rust (globals.rs): this module is evaluated once, into the
// start-up snapshot, so a time taken here would be that run's.
const nowMs = core.ops.op_kiln_now_ms;
const timeOrigin = core.ops.op_kiln_time_origin;

export const performance = {
  get timeOrigin() {
    return timeOrigin();
  },
  now: () => nowMs(),
};
