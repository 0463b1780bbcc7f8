// Staged beside uses.wasm, which imports `triple` and `offset` from it
// (tests/wasm_imports.rs).
let calls = 0;

export function triple(x: number): number {
  calls++;
  return 3 * x;
}

export const offset = 1000;

export function tripleCalls(): number {
  return calls;
}
