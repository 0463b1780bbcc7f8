// P9 start-up, whole process: the smallest app. bench/node/first_byte.mjs times `kiln run hi.ts`
// from process start to exit; deno/hi.ts is Deno's copy.
console.log("hi");
