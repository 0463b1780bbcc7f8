// Arrow functions as a JS module keeps them (Kiln strips no TypeScript here, so their source is
// as written): tests/apps/caller_reach.ts calls each behind an import of two i32s, two(20, 22).
// `pages` gives the memory pages of the caller among its arguments (2), or -1 if none came.
export const jsShapes = (pages) => [
  ["js: one name, no parens", x => x],
  ["js: async, one name, no parens", async y => y],
  ["js: no spaces", (a,b)=>a+b],
  ["js: async without a space", async(a,b)=>a*b],
  ["js: a comment among three names", (a, /* b */ b, c) => c.memory.size()],
  ["js: a comment among two names", (a, /* b */ b) => pages([a, b])],
  ["js: a default of two names", (a, b = (1, 2), c) => c.memory.size()],
  ["js: a function that spells arguments with an escape", function (a, b) { return \u0061rguments.length; }],
  ["js: a method with plain names, no spaces", { m(a,b){ return a+b; } }.m],
  ["js: three names on lines", (
    a,
    b,
    c
  ) => c.memory.size()],
];
