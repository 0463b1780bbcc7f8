// xorshift32: the fuzzing apps' reproducible random numbers (tests/fuzz.rs stages this file beside
// them). `xorshift32(seed)` returns the generator; a seed of 0 is replaced, as xorshift cannot
// leave 0.
export function xorshift32(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}
