// setTimeout/setInterval/clearTimeout/clearInterval on deno_core's timer wheel, and performance.now.
const core = globalThis.Deno.core;

const active = new Map();
let nextId = 1;

function schedule(callback, delay, args, repeat) {
  if (typeof callback !== "function") {
    throw new TypeError(`the timer callback must be a function, got ${typeof callback}`);
  }
  const id = nextId++;
  const timer = core.createTimer(
    () => {
      if (!repeat) active.delete(id);
      callback(...args);
    },
    Number(delay) || 0,
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
  core.cancelTimer(timer);
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
