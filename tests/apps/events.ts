// Event, CustomEvent, EventTarget, AbortController and AbortSignal, as the DOM Standard has them.
// Written to run unchanged on Deno (tests/runtime.rs compares the two): values and error names.
const show = (label: string, value: unknown) => console.log(label, JSON.stringify(value));
function attempt(label: string, f: () => unknown) {
  try {
    show(label, f());
  } catch (e) {
    console.log(label, (e as Error).name);
  }
}

const plain = new Event("ping");
show("a new event", [plain.type, plain.bubbles, plain.cancelable, plain.defaultPrevented, plain.isTrusted, plain.eventPhase, plain.target]);
show("constants", [Event.NONE, Event.AT_TARGET, plain.BUBBLING_PHASE, typeof plain.timeStamp]);
attempt("new Event()", () => new (Event as unknown as new () => Event)());
show("tags", [Object.prototype.toString.call(plain), Object.prototype.toString.call(new EventTarget())]);

// Listeners: order, `this`, handleEvent objects, duplicates, once, removal, capture.
const target = new EventTarget();
const log: string[] = [];
function first(this: unknown, event: Event) {
  log.push(`first ${event.type} ${this === target} ${event.target === target} ${event.currentTarget === target} ${event.eventPhase}`);
}
target.addEventListener("ping", first);
target.addEventListener("ping", first); // a duplicate is ignored
target.addEventListener("ping", { handleEvent: (event: Event) => void log.push(`object ${event.type}`) });
target.addEventListener("ping", () => log.push("once"), { once: true });
target.addEventListener("ping", first, { capture: true }); // another capture flag: a second listener
target.addEventListener("ping", null);
show("dispatch returns", target.dispatchEvent(new Event("ping")));
show("first dispatch", log.splice(0));
target.dispatchEvent(new Event("ping"));
show("second dispatch", log.splice(0));
target.removeEventListener("ping", first);
target.removeEventListener("ping", first, true);
target.dispatchEvent(new Event("ping"));
show("after removal", log.splice(0));
show("after dispatch", [plain.eventPhase, plain.currentTarget]);

// Cancelation, passive listeners, stopImmediatePropagation.
const cancels = new EventTarget();
cancels.addEventListener("go", (e) => e.preventDefault());
show("cancelable, canceled", cancels.dispatchEvent(new Event("go", { cancelable: true })));
show("not cancelable", cancels.dispatchEvent(new Event("go")));
const passive = new EventTarget();
passive.addEventListener("go", (e) => e.preventDefault(), { passive: true });
const event = new Event("go", { cancelable: true });
show("passive", [passive.dispatchEvent(event), event.defaultPrevented]);
const stops = new EventTarget();
stops.addEventListener("go", (e) => {
  log.push("one");
  e.stopImmediatePropagation();
});
stops.addEventListener("go", () => log.push("two"));
stops.dispatchEvent(new Event("go"));
show("stopImmediatePropagation", log.splice(0));
const returns = new Event("x", { cancelable: true });
returns.returnValue = false;
show("returnValue", [returns.defaultPrevented, returns.returnValue]);

// Re-dispatching, bad arguments, a listener added during dispatch.
const again = new EventTarget();
let inner: unknown = "none";
again.addEventListener("re", (e) => {
  try {
    again.dispatchEvent(e);
  } catch (error) {
    inner = (error as Error).name;
  }
  again.addEventListener("re", () => log.push("added during"));
});
again.dispatchEvent(new Event("re"));
show("dispatching twice", [inner, log.splice(0)]);

// CustomEvent.
const custom = new CustomEvent("data", { detail: { n: 1 } });
show("custom", [custom.detail, custom instanceof Event, new CustomEvent("x").detail]);

// AbortController and AbortSignal.
const controller = new AbortController();
const signal = controller.signal;
const seen: string[] = [];
signal.onabort = (e) => seen.push(`onabort ${e.type}`);
signal.addEventListener("abort", (e) => seen.push(`listener ${e.isTrusted} ${e.target === signal}`));
show("signal", [signal instanceof EventTarget, signal.aborted, signal.reason]);
controller.abort();
controller.abort("again");
show("aborted", [signal.aborted, (signal.reason as DOMException).name, seen]);
attempt("throwIfAborted", () => signal.throwIfAborted());
attempt("new AbortSignal", () => new (AbortSignal as unknown as new () => AbortSignal)());
show("AbortSignal.abort", [AbortSignal.abort("why").reason, (AbortSignal.abort().reason as DOMException).name]);
const a = new AbortController();
const b = new AbortController();
const any = AbortSignal.any([a.signal, b.signal]);
b.abort("b first");
a.abort("a later");
show("AbortSignal.any", [any.aborted, any.reason]);
show("any of an aborted signal", AbortSignal.any([AbortSignal.abort("already")]).reason);
const listenerSignal = new AbortController();
const removable = new EventTarget();
removable.addEventListener("x", () => log.push("x"), { signal: listenerSignal.signal });
listenerSignal.abort();
removable.dispatchEvent(new Event("x"));
show("removed by its signal", log.splice(0));
const timeout = AbortSignal.timeout(5);
await new Promise((resolve) => timeout.addEventListener("abort", resolve));
show("timeout", [(timeout.reason as DOMException).name]);
