// The globals the contract's examples rely on.
const circular: any = { a: 1 };
circular["b-c"] = circular;
console.log(1, -0, 12n, true, undefined, null);
console.log([1, "two", [3]], circular);
console.log(new Uint8Array([1, 2, 3]), new Map([["k", 1]]));

const bytes = new TextEncoder().encode("héllo");
console.log(new TextDecoder().decode(bytes), bytes.length);

queueMicrotask(() => console.log("microtask"));
await new Promise<void>((resolve) => setTimeout(() => { console.log("timeout", 2); resolve(); }, 5));

let n = 0;
await new Promise<void>((resolve) => {
  const id = setInterval(() => {
    if (++n === 3) {
      clearInterval(id);
      console.log("interval", n);
      resolve();
    }
  }, 1);
});

const controller = new AbortController();
controller.signal.addEventListener("abort", () => console.log("aborted", (controller.signal.reason as Error).name));
controller.abort();

const wasm = await import("runtime:wasm");
console.log("dynamic import:", typeof wasm.instantiate, "args:", Kiln.args);
