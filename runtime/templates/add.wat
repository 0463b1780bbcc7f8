;; A tiny WebAssembly module in text form: Kiln compiles .wat files as they are.
(module
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
