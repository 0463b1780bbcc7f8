;; A JS import's throw through the guest to its JS caller: `pass(x)` calls the imported `env.f`,
;; which throws, and nothing in the guest catches it, so the value thrown reaches pass's caller as
;; itself. Emscripten's C++ exceptions (without wasm exception handling) take this path: its JS
;; glue throws, and the `invoke_*` import that called into the guest catches.
(module
  (import "env" "f" (func $f (param i32)))
  (func (export "pass") (param i32) (call $f (local.get 0))))
