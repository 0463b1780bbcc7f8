// Every property of the global object an app can reach, for tests/typings.rs to compare with the
// standard JavaScript globals and the typings.
const names = Object.getOwnPropertyNames(globalThis).sort();
const symbols = Object.getOwnPropertySymbols(globalThis).map((s) => s.description ?? "");
console.log(JSON.stringify({ names, symbols }));
