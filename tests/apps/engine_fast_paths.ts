// The JS engine's fast paths for `===`/`!==` and for `Promise.resolve`/`Promise.reject`
// (patches/README.md, changes 12 and 13), against the same app on Deno (tests/engine.rs): every
// line printed must be the same.

// `===` and `!==` over values of every tag, including strings that are equal without being the
// same string (made at run time, so not interned) and strings made by concatenation (ropes).
const built = (s: string) => s.split("").reverse().reverse().join("");
const long = "x".repeat(300);
const sym = Symbol("s");
const obj = { a: 1 };
const fn = () => 1;
const values: [string, unknown][] = [
  ["0", 0],
  ["-0", -0],
  ["1", 1],
  ["1.5", 1.5],
  ["1.5 made", Number("1.5")],
  ["NaN", NaN],
  ["2**40", 2 ** 40],
  ["1n", 1n],
  ["big", 2n ** 100n],
  ["big made", BigInt("1267650600228229401496703205376")],
  ["'number'", "number"],
  ["typeof 1", typeof 1],
  ["'number' made", built("number")],
  ["'i32'", "i32"],
  ["'i32' made", built("i32")],
  ["''", ""],
  ["'' made", built("")],
  ["long", long],
  ["long rope", "x".repeat(150) + "x".repeat(150)],
  ["'1'", "1"],
  ["true", true],
  ["false", false],
  ["true made", 1 < 2],
  ["null", null],
  ["undefined", undefined],
  ["void 0", void 0],
  ["sym", sym],
  ["Symbol.for", Symbol.for("s")],
  ["Symbol.for again", Symbol.for("s")],
  ["obj", obj],
  ["{ a: 1 }", { a: 1 }],
  ["fn", fn],
  ["[]", []],
];
// `x` and `y` are read through a function so that the engine cannot fold a comparison of literals.
const same = (x: unknown, y: unknown) => x === y;
const differ = (x: unknown, y: unknown) => x !== y;
let equal = 0;
for (const [n1, v1] of values) {
  const row: string[] = [];
  for (const [n2, v2] of values) {
    const eq = same(v1, v2);
    if (eq === differ(v1, v2)) throw new Error(`${n1} === ${n2} and !== agree`);
    if (eq) {
      row.push(n2);
      equal++;
    }
  }
  console.log(`${n1} === ${row.join(", ")}`);
}
console.log(`equal pairs: ${equal}`);
// The same through the operators' own spellings in a loop, as the interpreter meets them.
let typeofs = 0;
for (const v of [1, 1.5, "a", null, undefined, true, obj, sym, 1n, fn]) {
  if (typeof v === "number") typeofs += 1;
  if (typeof v !== "string") typeofs += 10;
  if (v === null) typeofs += 100;
  if (v !== undefined) typeofs += 1000;
  if (v === obj) typeofs += 10000;
}
console.log(`typeof tests: ${typeofs}`);

// Promise.resolve and Promise.reject: the order in which reactions run, thenables (whose `then` is
// called in a job of its own), a `then` getter that throws, a promise passed through, subclasses
// and other constructors (which keep the general path).
const log: string[] = [];
const tick = (label: string) => Promise.resolve().then(() => log.push(label));
const thenable = {
  then(resolve: (v: unknown) => void) {
    log.push("thenable.then called");
    resolve("from thenable");
  },
};
const throwingThen = {
  get then(): never {
    log.push("then getter");
    throw new Error("then getter threw");
  },
};
const notCallableThen = { then: 42 };
const p1 = Promise.resolve(1);
console.log("same promise back:", Promise.resolve(p1) === p1);
class Sub<T> extends Promise<T> {}
const sub = Sub.resolve(5);
console.log("subclass:", sub instanceof Sub, sub instanceof Promise, Promise.resolve(sub) === sub);
const custom = Promise.resolve.call(
  function (this: unknown, executor: (resolve: (v: unknown) => void, reject: (e: unknown) => void) => void) {
    log.push("custom constructor called");
    executor((v) => log.push(`custom resolved ${String(v)}`), () => log.push("custom rejected"));
  } as unknown as PromiseConstructor,
  "c",
);
console.log("custom result is a promise:", custom instanceof Promise);
try {
  Promise.resolve.call(undefined, 1);
} catch (e) {
  console.log("no receiver:", (e as Error).constructor.name);
}

p1.then((v) => log.push(`p1 ${v}`));
Promise.resolve(thenable).then((v) => log.push(`thenable resolved ${v}`));
tick("tick a");
Promise.resolve(throwingThen).then(
  () => log.push("throwing then fulfilled"),
  (e) => log.push(`throwing then rejected: ${(e as Error).message}`),
);
Promise.resolve(notCallableThen).then((v) => log.push(`object with then: 42 fulfilled: ${v === notCallableThen}`));
Promise.reject(new Error("no")).catch((e) => log.push(`rejected ${(e as Error).message}`));
Promise.reject(p1).catch((e) => log.push(`reject keeps a promise as the reason: ${e === p1}`));
sub.then((v) => log.push(`sub ${v}`));
tick("tick b");
(async () => {
  log.push("async start");
  log.push(`await 1: ${await 1}`);
  log.push(`await thenable: ${await thenable}`);
  log.push(`await Promise.resolve(2): ${await Promise.resolve(2)}`);
})();
tick("tick c");
await new Promise((resolve) => setTimeout(resolve, 0));
for (const line of log) console.log(line);
