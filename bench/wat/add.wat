;; P1 and P3: one i32 add, and a 1-page memory (what P3 instantiates and drops). `add_looped` is
;; the same add inside a loop that runs once: an export with a loop runs on a fiber in `call`, where
;; `add`, which ends in bounded time, does not (ext_wasm/src/bounded.rs); P1b's context row.
(module
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)
  (func (export "add_looped") (param i32 i32) (result i32)
    (loop (result i32)
      local.get 0
      local.get 1
      i32.add)))
