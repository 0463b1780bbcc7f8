// The DOM Standard's `Event`, `CustomEvent` and `EventTarget`, and `AbortController` and
// `AbortSignal` on them. There is no tree here, so an event reaches its target only (no capture
// or bubbling path); everything else is as the standard has it: listener options (`capture`,
// `once`, `passive`, `signal`), `handleEvent` objects, `stopImmediatePropagation`, cancelation.
// A listener that throws is reported as an uncaught exception (the app ends, as in Deno) after
// the other listeners ran. Loaded on an app's first use of any of these globals (bootstrap.js).
import { codedError } from "ext:ext_wasm/errors.js";
import { performance, setTimeout } from "ext:kiln_globals/timers.js";

const typeError = (message) => codedError("TypeError", message);

/** Marks the internal construction of what apps may not construct (an AbortSignal). */
const INTERNAL = Symbol("internal");

// The module's own access to the classes' private state (set by their static blocks).
/** An event the runtime itself fires (`isTrusted` is true). */
let trustedEvent;
/** Runs `listeners` (a snapshot of the target's) on `event` at `target`; `remove` drops a `once` one. */
let dispatch;
/** Aborts a signal (its controller's `abort`), and the signals that follow it. */
let signalAbort;

class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #target = null;
  #currentTarget = null;
  #phase = 0;
  #canceled = false;
  #stop = false;
  #stopImmediate = false;
  #dispatching = false;
  #passive = false;
  #trusted = false;
  #timeStamp = performance.now();

  static NONE = 0;
  static CAPTURING_PHASE = 1;
  static AT_TARGET = 2;
  static BUBBLING_PHASE = 3;

  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) throw typeError("Event: 1 argument required (the type), but only 0 present");
    this.#type = String(type);
    this.#bubbles = Boolean(eventInitDict?.bubbles);
    this.#cancelable = Boolean(eventInitDict?.cancelable);
    this.#composed = Boolean(eventInitDict?.composed);
  }

  get type() {
    return this.#type;
  }
  get target() {
    return this.#target;
  }
  get srcElement() {
    return this.#target;
  }
  get currentTarget() {
    return this.#currentTarget;
  }
  get eventPhase() {
    return this.#phase;
  }
  get bubbles() {
    return this.#bubbles;
  }
  get cancelable() {
    return this.#cancelable;
  }
  get composed() {
    return this.#composed;
  }
  get defaultPrevented() {
    return this.#canceled;
  }
  get isTrusted() {
    return this.#trusted;
  }
  get timeStamp() {
    return this.#timeStamp;
  }
  get returnValue() {
    return !this.#canceled;
  }
  set returnValue(value) {
    if (!value) this.preventDefault();
  }
  get cancelBubble() {
    return this.#stop;
  }
  set cancelBubble(value) {
    if (value) this.#stop = true;
  }
  composedPath() {
    return this.#dispatching && this.#currentTarget !== null ? [this.#currentTarget] : [];
  }
  preventDefault() {
    if (this.#cancelable && !this.#passive) this.#canceled = true;
  }
  stopPropagation() {
    this.#stop = true;
  }
  stopImmediatePropagation() {
    this.#stop = true;
    this.#stopImmediate = true;
  }

  get NONE() {
    return 0;
  }
  get CAPTURING_PHASE() {
    return 1;
  }
  get AT_TARGET() {
    return 2;
  }
  get BUBBLING_PHASE() {
    return 3;
  }
  get [Symbol.toStringTag]() {
    return "Event";
  }

  static {
    trustedEvent = (type) => {
      const event = new Event(type);
      event.#trusted = true;
      return event;
    };
    dispatch = (event, target, listeners, remove) => Event.#dispatch(event, target, listeners, remove);
  }

  static #dispatch(event, target, listeners, remove) {
    if (event.#dispatching) {
      throw new DOMException("EventTarget.dispatchEvent: the event is already being dispatched", "InvalidStateError");
    }
    event.#dispatching = true;
    event.#target = target;
    event.#currentTarget = target;
    event.#phase = 2;
    const errors = [];
    try {
      for (const listener of listeners) {
        if (listener.removed) continue;
        if (listener.once) remove(listener);
        event.#passive = listener.passive;
        const callback = listener.callback;
        try {
          if (typeof callback === "function") Reflect.apply(callback, target, [event]);
          else Reflect.apply(callback.handleEvent, callback, [event]);
        } catch (e) {
          errors.push(e);
        }
        event.#passive = false;
        if (event.#stopImmediate) break;
      }
    } finally {
      event.#dispatching = false;
      event.#phase = 0;
      event.#currentTarget = null;
      event.#stop = false;
      event.#stopImmediate = false;
    }
    // A listener's exception does not stop the others; it is reported once they ran.
    for (const e of errors) queueMicrotask(() => {
      throw e;
    });
    return !event.#canceled;
  }
}

class CustomEvent extends Event {
  #detail;
  constructor(type, eventInitDict = undefined) {
    if (arguments.length === 0) throw typeError("CustomEvent: 1 argument required (the type), but only 0 present");
    super(type, eventInitDict);
    this.#detail = eventInitDict?.detail ?? null;
  }
  get detail() {
    return this.#detail;
  }
  get [Symbol.toStringTag]() {
    return "CustomEvent";
  }
}

/** `capture` of `addEventListener`'s or `removeEventListener`'s options. */
const captureOf = (options) => (typeof options === "boolean" ? options : Boolean(options?.capture));

class EventTarget {
  /** Listeners by type: { callback, capture, once, passive, removed }, in the order added. */
  #listeners = new Map();

  addEventListener(type, callback, options = undefined) {
    if (arguments.length < 2) throw typeError("EventTarget.addEventListener: 2 arguments required (the type and the listener)");
    if (callback === null || callback === undefined) return;
    if (typeof callback !== "function" && typeof callback !== "object") {
      throw typeError("EventTarget.addEventListener: the listener must be a function or an object with handleEvent");
    }
    const signal = typeof options === "object" && options !== null ? options.signal : undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw typeError("EventTarget.addEventListener: options.signal must be an AbortSignal");
    }
    if (signal?.aborted) return;
    const name = String(type);
    const capture = captureOf(options);
    const list = this.#listeners.get(name) ?? [];
    if (list.some((l) => l.callback === callback && l.capture === capture)) return;
    const listener = {
      callback,
      capture,
      once: Boolean(options?.once),
      passive: Boolean(options?.passive),
      removed: false,
    };
    list.push(listener);
    this.#listeners.set(name, list);
    signal?.addEventListener("abort", () => this.removeEventListener(name, callback, { capture }));
  }

  removeEventListener(type, callback, options = undefined) {
    const name = String(type);
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    const capture = captureOf(options);
    const at = list.findIndex((l) => l.callback === callback && l.capture === capture);
    if (at < 0) return;
    list[at].removed = true;
    list.splice(at, 1);
  }

  dispatchEvent(event) {
    if (!(event instanceof Event)) throw typeError("EventTarget.dispatchEvent: the argument must be an Event");
    const list = this.#listeners.get(event.type) ?? [];
    return dispatch(event, this, [...list], (listener) => {
      listener.removed = true;
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
    });
  }

  get [Symbol.toStringTag]() {
    return "EventTarget";
  }
}

class AbortSignal extends EventTarget {
  #aborted = false;
  #reason = undefined;
  #onabort = null;
  /** Signals that follow this one (`AbortSignal.any`). */
  #followers = [];

  constructor(key = undefined) {
    if (key !== INTERNAL) throw typeError("AbortSignal: there is no public constructor; use new AbortController().signal");
    super();
  }

  get aborted() {
    return this.#aborted;
  }
  get reason() {
    return this.#reason;
  }
  get onabort() {
    return this.#onabort;
  }
  set onabort(handler) {
    this.#onabort = typeof handler === "function" ? handler : null;
  }
  throwIfAborted() {
    if (this.#aborted) throw this.#reason;
  }

  static {
    signalAbort = (signal, reason) => AbortSignal.#signalAbort(signal, reason);
  }

  static #signalAbort(signal, reason) {
    if (signal.#aborted) return;
    signal.#aborted = true;
    signal.#reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    const followers = signal.#followers.splice(0);
    const event = trustedEvent("abort");
    if (signal.#onabort !== null) {
      try {
        Reflect.apply(signal.#onabort, signal, [event]);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    signal.dispatchEvent(event);
    for (const follower of followers) signalAbort(follower, signal.#reason);
  }

  static abort(reason = undefined) {
    const signal = new AbortSignal(INTERNAL);
    signalAbort(signal, reason);
    return signal;
  }

  static timeout(ms) {
    const delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0) {
      throw typeError(`AbortSignal.timeout: the delay must be a number of milliseconds from 0, got ${String(ms)}`);
    }
    const signal = new AbortSignal(INTERNAL);
    setTimeout(() => signalAbort(signal, new DOMException("The operation timed out", "TimeoutError")), delay);
    return signal;
  }

  /** A signal that aborts when the first of `signals` does, with its reason. */
  static any(signals) {
    const list = [...signals];
    const signal = new AbortSignal(INTERNAL);
    for (const source of list) {
      if (!(source instanceof AbortSignal)) throw typeError("AbortSignal.any: every item must be an AbortSignal");
      if (source.#aborted) {
        signalAbort(signal, source.#reason);
        return signal;
      }
    }
    for (const source of list) source.#followers.push(signal);
    return signal;
  }

  get [Symbol.toStringTag]() {
    return "AbortSignal";
  }
}

class AbortController {
  #signal = new AbortSignal(INTERNAL);
  get signal() {
    return this.#signal;
  }
  abort(reason = undefined) {
    signalAbort(this.#signal, reason);
  }
  get [Symbol.toStringTag]() {
    return "AbortController";
  }
}

export { AbortController, AbortSignal, CustomEvent, Event, EventTarget };
