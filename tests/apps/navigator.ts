// `navigator`, line for line as on Deno 2.9 (run with LANG=de_DE.UTF-8 and no LC_ALL/LC_MESSAGES).
console.log(typeof navigator, typeof Navigator, navigator instanceof Navigator);
console.log(Number.isInteger(navigator.hardwareConcurrency) && navigator.hardwareConcurrency >= 1, navigator.hardwareConcurrency);
console.log(navigator.language, JSON.stringify(navigator.languages), navigator.languages === navigator.languages);
console.log(navigator.userAgent.replace(/^[A-Za-z]+\/\d+\.\d+\.\d+$/, "<name>/<version>"));
console.log(navigator.platform);
console.log(Object.getOwnPropertyNames(navigator).length);
const d = Object.getOwnPropertyDescriptor(globalThis, "navigator");
console.log(d?.configurable);
for (const k of ["hardwareConcurrency", "language", "languages", "userAgent", "platform"]) {
  const p = Object.getOwnPropertyDescriptor(Navigator.prototype, k);
  console.log(k, typeof p?.get, p?.enumerable, p?.configurable);
}
try {
  new (Navigator as unknown as new () => unknown)();
} catch (e) {
  console.log((e as Error).constructor.name);
}
try {
  Object.getOwnPropertyDescriptor(Navigator.prototype, "userAgent")!.get!.call({});
} catch (e) {
  console.log((e as Error).constructor.name);
}
