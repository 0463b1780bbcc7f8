// AbortController and AbortSignal, with a minimal EventTarget for "abort" listeners.
import { setTimeout } from "ext:kiln_globals/timers.js";

function domException(message, name) {
  const error = new Error(message);
  error.name = name;
  return error;
}

export class AbortSignal {
  #aborted = false;
  #reason = undefined;
  #listeners = [];
  onabort = null;

  get aborted() {
    return this.#aborted;
  }
  get reason() {
    return this.#reason;
  }
  throwIfAborted() {
    if (this.#aborted) throw this.#reason;
  }
  addEventListener(type, listener, options) {
    if (type !== "abort" || typeof listener !== "function") return;
    this.#listeners.push({ listener, once: Boolean(options?.once) });
  }
  removeEventListener(type, listener) {
    if (type !== "abort") return;
    this.#listeners = this.#listeners.filter((l) => l.listener !== listener);
  }
  // Called by AbortController; not part of the public surface.
  static _abort(signal, reason) {
    signal.#abort(reason);
  }
  #abort(reason) {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason === undefined ? domException("This operation was aborted", "AbortError") : reason;
    const event = { type: "abort", target: this };
    if (typeof this.onabort === "function") this.onabort(event);
    const listeners = this.#listeners;
    this.#listeners = listeners.filter((l) => !l.once);
    for (const { listener } of listeners) listener.call(this, event);
  }
  static abort(reason) {
    const signal = new AbortSignal();
    signal.#abort(reason);
    return signal;
  }
  static timeout(ms) {
    const signal = new AbortSignal();
    setTimeout(() => signal.#abort(domException("The operation timed out", "TimeoutError")), ms);
    return signal;
  }
}

export class AbortController {
  #signal = new AbortSignal();
  get signal() {
    return this.#signal;
  }
  abort(reason) {
    AbortSignal._abort(this.#signal, reason);
  }
}
