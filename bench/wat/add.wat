;; P1 and P3: one i32 add, and a 1-page memory (what P3 instantiates and drops).
(module
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
