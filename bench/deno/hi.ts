// P9 start-up, whole process: Deno's copy of kiln/hi.ts, timed by bench/node/first_byte.mjs as
// `deno run hi.ts`.
console.log("hi");
