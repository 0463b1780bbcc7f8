// `await instance.call` of a guest that calls a JS host function of numbers in a loop until it
// returns non-zero, which it does only after a timer has fired. The async driver calls such a
// function from Rust and resumes the guest in a loop (ext_wasm/src/host_drive.rs): the event loop
// must still turn while the call runs, or the timer never fires and the call never ends.
import { compile, instantiate } from "runtime:wasm";

let flag = 0;
let checks = 0;
const instance = await instantiate(
  await compile(new TextEncoder().encode(`(module
    (import "env" "check" (func $check (result i32)))
    (func (export "wait") (result i32) (local $n i32)
      (loop $spin
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $spin (i32.eqz (call $check))))
      (local.get $n)))`)),
  { imports: { env: { check: () => (checks++, flag) } } },
);
setTimeout(() => {
  flag = 1;
}, 50);
let ticks = 0;
const interval = setInterval(() => ticks++, 5);
const [n] = await instance.call<[number]>("wait");
clearInterval(interval);
console.log("the guest waited for a timer:", n > 1 && n === checks, "ticks meanwhile:", ticks >= 3);

// The same for a component's JS host function, which its driver calls through async ops only
// (ts/wasm_component.ts, `drive`).
let componentFlag = 0;
let componentChecks = 0;
const component = await instantiate(
  await compile(new TextEncoder().encode(`(component
    (import "check" (func $check (result u32)))
    (core func $check-lowered (canon lower (func $check)))
    (core module $M
      (import "host" "check" (func $check (result i32)))
      (func (export "wait") (result i32) (local $n i32)
        (loop $spin
          (local.set $n (i32.add (local.get $n) (i32.const 1)))
          (br_if $spin (i32.eqz (call $check))))
        (local.get $n)))
    (core instance $m (instantiate $M (with "host" (instance (export "check" (func $check-lowered))))))
    (func (export "wait") (result u32) (canon lift (core func $m "wait"))))`)),
  { imports: { check: () => (componentChecks++, componentFlag) } },
);
setTimeout(() => {
  componentFlag = 1;
}, 50);
let componentTicks = 0;
const componentInterval = setInterval(() => componentTicks++, 5);
const [m] = await component.call<[number]>("wait");
clearInterval(componentInterval);
console.log("the component waited for a timer:", m > 1 && m === componentChecks, "ticks meanwhile:", componentTicks >= 3);
