// A Kiln app. Run it with `kiln run main.ts`; type-check it with `npx -p typescript tsc -p .`.
import { compileFile, instantiate } from "runtime:wasm";

// Paths are against the working directory; this one is beside main.ts wherever kiln runs from.
const moduleId = await compileFile(`${import.meta.dirname}/add.wat`);
const instance = await instantiate(moduleId, { timeoutMs: 1000 });

try {
  const [sum] = await instance.call<[number]>("add", 2, 3);
  console.log(`2 + 3 = ${sum}`);
} finally {
  await instance.drop();
}
