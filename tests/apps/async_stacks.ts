// Errors that pass through `await`s carry "at async" frames, as in V8: in `stack`, and as call
// sites (isAsync()) given to Error.prepareStackTrace. Prints the frames without their paths.
async function inner(n: number): Promise<number> {
  await null;
  if (n > 0) throw new Error(`failed ${n}`);
  return n;
}
async function middle(n: number): Promise<number> {
  return await inner(n);
}
async function outer(n: number): Promise<number> {
  const r = await middle(n);
  return r;
}
const short = (line: string) => line.trim().replace(/file:\/\/\/\S*\//, "");

try {
  await outer(1);
} catch (e) {
  console.log(String((e as Error).stack).split("\n").map(short).join(" | "));
}

// The call sites a prepareStackTrace gets, async ones marked.
(Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = (_e: Error, sites: any[]) =>
  sites.map((s) => `${s.isAsync() ? "async " : ""}${s.getFunctionName() ?? "<top>"}:${s.getLineNumber()}`).join(" ");
try {
  await outer(2);
} catch (e) {
  console.log((e as Error).stack);
}
(Error as unknown as { prepareStackTrace: unknown }).prepareStackTrace = undefined;

// Many rejections in a row, each with its own frames.
let last = "";
for (let i = 1; i <= 1000; i++) {
  try {
    await outer(i);
  } catch (e) {
    last = (e as Error).message + " " + String((e as Error).stack).split("\n").filter((l) => l.includes("at async")).length;
  }
}
console.log(last);
