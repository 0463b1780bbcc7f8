// setTimeout's zero-delay path (the event loop's check phase) and the HTML standard's nesting
// clamp. Nothing here depends on how fast the machine is: the clamp is a lower bound.
const order: string[] = [];
for (const delay of [undefined, 0, -5, Number.NaN, "0"]) {
  setTimeout((tag: string) => order.push(tag), delay as number, `d=${String(delay)}`);
}
const cleared = setTimeout(() => order.push("cleared before it ran"), 0);
clearTimeout(cleared);
let victim = 0;
setTimeout(() => clearTimeout(victim), 0);
victim = setTimeout(() => order.push("cleared by an earlier callback"), 0);
await new Promise((resolve) => setTimeout(resolve, 0));
console.log(`order: ${order.join(", ")}`);

// Timers set inside timers' callbacks: past the fifth level, a zero-delay timer waits at least 4 ms.
const gaps: number[] = [];
await new Promise<void>((resolve) => {
  let last = performance.now();
  function tick() {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    if (gaps.length < 12) setTimeout(tick, 0);
    else resolve();
  }
  setTimeout(tick, 0);
});
console.log(`clamped from the seventh: ${gaps.slice(6).every((gap) => gap >= 3.9)}`);

// Awaiting in a loop is not nesting (each await ends the timer's callback): 200 in a row.
let rounds = 0;
for (let i = 0; i < 200; i++) await new Promise((resolve) => setTimeout(() => resolve(++rounds), 0));
console.log(`awaited rounds: ${rounds}`);

// A zero-delay timer keeps the app alive after its last line, as any timer does.
setTimeout(() => console.log("last"), 0);
