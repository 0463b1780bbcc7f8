// Values thrown that are not Errors, and when `Error.prepareStackTrace` runs: the same on Deno 2.
// An Error's stack is prepared when it is first read; a thrown value that is not an Error gets
// none, and throwing it calls no prepareStackTrace (patches/v8x.patch).
class Failure {
  constructor(readonly n: number) {}
}

function thrower(kind: number): never {
  if (kind === 0) throw 7;
  if (kind === 1) throw { kind };
  if (kind === 2) throw new Failure(kind);
  if (kind === 3) throw "text";
  throw null;
}

type Prepare = (error: Error, sites: { getFunctionName(): string | null }[]) => unknown;
const ErrorWithPrepare = Error as unknown as { prepareStackTrace?: Prepare };
const original = ErrorWithPrepare.prepareStackTrace;
let prepared = 0;
ErrorWithPrepare.prepareStackTrace = (error, sites) => {
  prepared++;
  return `prepared ${error.message} at ${sites[0]?.getFunctionName()}`;
};

const caught: string[] = [];
for (let kind = 0; kind < 5; kind++) {
  try {
    thrower(kind);
  } catch (e) {
    caught.push(e instanceof Failure ? `Failure ${e.n}` : JSON.stringify(e));
    caught.push(String(Object.getOwnPropertyNames(Object(e)).includes("stack")));
  }
}
console.log("caught", caught.join(" "));
console.log("prepareStackTrace calls after throwing them:", prepared);

function made(): Error {
  return new Error("read");
}
const error = made();
console.log("after new Error():", prepared);
console.log(error.stack, prepared);
console.log(error.stack, prepared);
try {
  throw made();
} catch (e) {
  console.log("thrown Error, before its stack is read:", prepared, (e as Error).stack, prepared);
}
ErrorWithPrepare.prepareStackTrace = original;

// Without an override, an Error's first frame still names its function, after many throws.
for (let i = 0; i < 1000; i++) {
  try {
    thrower(i % 5);
  } catch {
    // thrown away
  }
}
function named(): string {
  return new Error("x").stack!.split("\n").slice(0, 2).join(" | ").replace(/\(.*\//, "(");
}
console.log(named());
