// structuredClone, the global: what it copies, what it keeps shared, what it refuses and how a
// transfer detaches. Written to run unchanged on Node.js too (tests/runtime.rs compares the two
// where Node's `node` is on the PATH), so it prints names and codes, and Kiln's messages apart.
const show = (label: string, value: unknown) =>
  console.log(label, JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v)));
function refused(label: string, f: () => unknown) {
  try {
    f();
    console.log(label, "cloned");
  } catch (e) {
    const { name, code } = e as { name: string; code: number };
    console.log(label, name, code, e instanceof DOMException);
  }
}

const source: Record<string, unknown> = {
  n: 1,
  s: "x",
  b: 10n,
  u: undefined,
  nil: null,
  negZero: -0,
  date: new Date(5),
  re: /ab+c/gi,
  map: new Map<unknown, unknown>([[1, { k: 2 }]]),
  set: new Set([1, 2]),
  holes: [1, , 3],
  nested: { list: [1, 2] },
};
source.self = source;
const copy = structuredClone(source);
show("plain data", [copy.n, copy.s, copy.b, "u" in copy, copy.u, copy.nil, Object.is(copy.negZero, -0)]);
show("cycle kept", copy.self === copy);
show("fresh objects", copy.nested !== source.nested && (copy.map as Map<number, object>).get(1) !== (source.map as Map<number, object>).get(1));
const date = copy.date as Date, re = copy.re as RegExp;
show("date and regexp", [date instanceof Date, date.getTime(), re instanceof RegExp, re.source, re.flags, re.lastIndex]);
show("map and set", [[...(copy.map as Map<unknown, unknown>)], [...(copy.set as Set<number>)]]);
show("holes stay holes", [(copy.holes as number[]).length, 1 in (copy.holes as number[])]);
const shared = { z: 1 };
const pair = structuredClone([shared, shared, new Map([[shared, 1]])]);
show("shared references", [pair[0] === pair[1], (pair[2] as Map<object, number>).has(pair[0])]);

const bytes = new Uint8Array([1, 2, 3, 4]);
const views = structuredClone({ bytes, view: new DataView(bytes.buffer, 1, 2), f: new Float64Array([1.5]) });
show("views", [
  views.bytes instanceof Uint8Array,
  [...views.bytes],
  views.view instanceof DataView,
  views.view.buffer === views.bytes.buffer,
  views.view.byteOffset,
  views.view.getUint8(0),
  views.bytes.buffer !== bytes.buffer,
  views.f[0],
]);
// ES2024's resizable and detached buffers (the typings' lib is ES2022).
type Buffer2024 = ArrayBuffer & { resizable: boolean; maxByteLength: number; detached: boolean };
const Buffer2024 = ArrayBuffer as unknown as new (length: number, options?: { maxByteLength: number }) => Buffer2024;
const growable = new Buffer2024(4, { maxByteLength: 16 });
const grown = structuredClone(growable);
show("resizable", [grown.resizable, grown.maxByteLength, grown.byteLength]);

const error = structuredClone(new RangeError("boom", { cause: { why: 1 } }));
show("error", [error instanceof RangeError, error.name, error.message, error.cause, typeof error.stack]);
class Mine extends TypeError {
  override name = "Mine";
}
const mine = structuredClone(new Mine("m"));
show("unknown error name", [mine.constructor === Error, mine.name, mine.message]);
const aborted = structuredClone(new DOMException("gone", "AbortError"));
show("DOMException", [aborted instanceof DOMException, aborted.name, aborted.message, aborted.code]);
show("boxed", structuredClone([new Number(3), new String("s"), new Boolean(false), Object(5n)]).map((x) => `${typeof x}:${x.valueOf()}`));
class Point {
  x = 1;
  #secret = 2;
  get y() {
    return this.#secret;
  }
}
const point = structuredClone(new Point());
show("class instance", [point instanceof Point, Object.getPrototypeOf(point) === Object.prototype, point.x, point.y]);
const withArrayProps = Object.assign([1, 2], { extra: "e" });
show("array properties", [Array.isArray(structuredClone(withArrayProps)), structuredClone(withArrayProps).extra]);
show("getter read", structuredClone({ get g() { return 42; } }).g);
const proto = JSON.parse('{"__proto__": 5}');
const protoCopy = structuredClone(proto);
show("__proto__ key", [Object.getPrototypeOf(protoCopy) === Object.prototype, Object.keys(protoCopy), protoCopy.__proto__]);
const sab = new SharedArrayBuffer(4);
new Int32Array(structuredClone(sab))[0] = 7;
show("shared memory", new Int32Array(sab)[0]);

refused("function", () => structuredClone({ f() {} }));
refused("symbol", () => structuredClone(Symbol("s")));
refused("promise", () => structuredClone(Promise.resolve(1)));
refused("weak map", () => structuredClone(new WeakMap()));
refused("iterator", () => structuredClone([1].values()));
refused("arguments", () => (function () { return structuredClone(arguments); })());

const buffer = new Buffer2024(8);
new Uint8Array(buffer)[1] = 9;
const within = new Uint8Array(buffer, 1, 3);
const moved = structuredClone({ buffer, within }, { transfer: [buffer] });
show("transferred", [moved.buffer.byteLength, moved.within.buffer === moved.buffer, moved.within[0], moved.within.length, buffer.byteLength, buffer.detached]);
refused("detached", () => structuredClone(buffer));
refused("detached view", () => structuredClone(within));
refused("transfer again", () => structuredClone(1, { transfer: [buffer] }));
const kept = new ArrayBuffer(2);
refused("failed clone transfers nothing", () => structuredClone({ f() {} }, { transfer: [kept] }));
show("still there", kept.byteLength);
refused("listed twice", () => structuredClone(1, { transfer: [kept, kept] }));

// The typings' example.
const state = { when: new Date(0), tags: new Set(["a"]), bytes: new Uint8Array([1, 2]) };
const cloned = structuredClone(state);
cloned.tags.add("b");
const movedBytes = structuredClone(state.bytes, { transfer: [state.bytes.buffer] });
show("example", [[...state.tags], movedBytes[1], state.bytes.byteLength]);
