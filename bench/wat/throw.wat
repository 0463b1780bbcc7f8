;; An exception that crosses from the guest into JS: `boom` throws its own tag, with an i32
;; payload, and nothing in the guest catches it (the JS caller does).
(module
  (tag $e (export "e") (param i32))
  (func (export "boom") (param i32) (throw $e (local.get 0))))
