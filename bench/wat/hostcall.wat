;; P1c: guest -> JS -> guest round trips. `loop(n)` calls the imported JS function `env.f` n times
;; (the loop is in wasm) and returns the wrapping sum of its results; `once(x)` calls it once, for
;; the cost of an export call of a store with host functions. Every peer imports
;; f = (x) => x + 1, so loop(n) = n(n+1)/2 modulo 2^32 (as a signed i32), which each peer checks.
;; Kiln compiles this text itself (runtime:wasm's compile accepts WAT); the built-in WebAssembly
;; and Node run build/wasm/hostcall.wasm, made from it by wat2wasm.
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $f (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func (export "once") (param $x i32) (result i32)
    (call $f (local.get $x))))
