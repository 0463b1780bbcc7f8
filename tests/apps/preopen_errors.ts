// Each way a preopen can be refused, with its exact code: "label: ok" or "label: <code> <name>".
import { compileFile, instantiate } from "runtime:wasm";

const id = await compileFile("./loop.wasm");

async function attempt(label: string, host: string) {
  try {
    await instantiate(id, { preopens: { "/d": host } });
    console.log(`${label}: ok`);
  } catch (e: any) {
    console.log(`${label}: ${e.code} ${e.name}`);
  }
}

await attempt("granted directory", "./data");
await attempt("granted, missing", "./data/missing");
await attempt("granted, missing parent", "./data/missing/deeper");
await attempt("granted, a file", "./data/file.txt");
await attempt("granted, NUL byte", "./data\0");
await attempt("not granted, missing", "./nowhere");
await attempt("not granted, a directory", "./other");
await attempt("not granted, a file", "./other/file.txt");
await attempt("not granted, NUL byte", "./other\0");
