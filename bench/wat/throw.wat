;; An exception that crosses from the guest into JS: `boom` throws its own tag, with an i32
;; payload, and nothing in the guest catches it (the JS caller does). `trap` traps (`unreachable`,
;; where a Rust panic or a C `abort()` ends), which reaches JS as a WebAssembly.RuntimeError.
(module
  (tag $e (export "e") (param i32))
  (func (export "boom") (param i32) (throw $e (local.get 0)))
  (func (export "trap") unreachable))
