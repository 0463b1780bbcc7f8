// Promises resolved with arrays, whose `then` lookup the JS engine skips while neither
// Array.prototype nor Object.prototype has a `then` (patches/README.md, change 35), and property
// lookups by string keys that are atoms (change 34), against the same app on Deno
// (tests/engine.rs): every line printed must be the same.

const log: string[] = [];
async function ret<T>(v: T): Promise<T> {
  return v;
}
const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

// Before any prototype has a `then`: plain arrays, an array with an own `then`, one whose own
// prototype was changed, one with another own property, and an object.
log.push(show(await ret([1, 2])));
log.push(show(await Promise.resolve([3])));
log.push(show(await new Promise((resolve) => resolve([4]))));
const own: unknown[] & { then?: unknown } = [5];
own.then = (resolve: (v: unknown) => void) => resolve("own then");
log.push(show(await ret(own)));
const reparented = [6];
Object.setPrototypeOf(reparented, { then: (resolve: (v: unknown) => void) => resolve("own prototype's then") });
log.push(show(await ret(reparented)));
const named: unknown[] & { extra?: number } = [7];
named.extra = 1;
log.push(show(await ret(named)));
log.push(show(await ret({ a: 1 })));

// A `then` on Array.prototype, by assignment, is called; once it is gone, arrays are values again.
const arrayProto = Array.prototype as unknown as Record<string, unknown>;
arrayProto.then = function (this: unknown[], resolve: (v: unknown) => void) {
  delete arrayProto.then;
  resolve(`Array.prototype.then of ${this.length}`);
};
log.push(show(await ret([8, 9, 10])));
log.push(show(await ret([11])));

// On Object.prototype.
const objectProto = Object.prototype as unknown as Record<string, unknown>;
objectProto.then = function (resolve: (v: unknown) => void) {
  delete objectProto.then;
  resolve("Object.prototype.then");
};
log.push(show(await ret([12])));
log.push(show(await ret([13])));

// Through a prototype put between Array.prototype and Object.prototype.
const saved = Object.getPrototypeOf(Array.prototype);
Object.setPrototypeOf(Array.prototype, {
  then(resolve: (v: unknown) => void) {
    Object.setPrototypeOf(Array.prototype, saved);
    resolve("a then between the prototypes");
  },
});
log.push(show(await ret([14])));
log.push(show(await ret([15])));

// As a getter.
Object.defineProperty(Array.prototype, "then", {
  configurable: true,
  get() {
    delete arrayProto.then;
    return (resolve: (v: unknown) => void) => resolve("a getter's then");
  },
});
log.push(show(await ret([16])));
log.push(show(await ret([17])));

// Property lookups by string keys: names (atoms), numeric strings, the empty string, a number
// with a leading zero, the largest array index and the one past it.
const o: Record<string, number> = { a: 1, "5": 2, "4294967294": 3, "4294967295": 4, "": 5, "01": 6 };
const arr = [10, 20, 30];
const made = (s: string) => s.split("").join("");
for (const k of ["a", "5", "4294967294", "4294967295", "", "01", "length", "2", made("a"), made("2")]) {
  log.push(`${JSON.stringify(k)}: ${o[k]} ${(arr as unknown as Record<string, unknown>)[k]}`);
}

for (const line of log) console.log(line);
