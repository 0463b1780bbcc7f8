;; P1c context: a JS import that calls an export of its own instance back while the guest is
;; inside it, as emscripten's `invoke_*` wrappers do (`stackSave()`, a table's function) on every
;; call they wrap. `loop(n)` calls the import `env.f` n times and returns the wrapping sum of its
;; results; every peer imports f = (x) => exports.g(x), and g(x) = x + 1, so loop(n) = n(n+1)/2
;; modulo 2^32 (as a signed i32), as for hostcall.wat, which each peer checks.
(module
  (import "env" "f" (func $f (param i32) (result i32)))
  (func (export "g") (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.const 1)))
  (func (export "loop") (param $n i32) (result i32)
    (local $i i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (i32.add (local.get $acc) (call $f (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc)))
