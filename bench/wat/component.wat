;; P8: a component with two exports, for the cost of a component-model call (the canonical ABI's
;; lifting and lowering) in Kiln and in jco's transpiled JS on Node:
;;
;;   record blob { name: string, data: list<u8> }
;;   add: func(a: u32, b: u32) -> u32                 a + b, wrapping
;;   blob-len: func(b: blob) -> u32                   the byte length of name (UTF-8) + the length of data
;;
;; The core module has a memory and a bump allocator (cabi_realloc) into which the host lowers
;; blob-len's string and list. blob-len starts the heap over when it returns, since its arguments
;; are dead by then, so repeated calls with 64 KiB of data do not grow the memory without end.
;; Binary: `jco parse` (bench/run.mjs); check with the wasmtime CLI:
;;   wasmtime run --invoke 'add(1, 2)' bench/wat/component.wat
;;   wasmtime run --invoke 'blob-len({name: "blob", data: [1, 2, 3]})' bench/wat/component.wat
(component
  (core module $m
    (memory (export "memory") 1)
    ;; The heap starts above the first KiB, which stays unused.
    (global $heap i32 (i32.const 1024))
    (global $bump (mut i32) (i32.const 1024))

    ;; cabi_realloc(old, old_size, align, new_size): a new block at the bump pointer, aligned,
    ;; growing the memory as needed; the old block's bytes are copied into it. Nothing is freed.
    (func (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
      (local $ptr i32) (local $end i32) (local $have i32)
      (local.set $ptr
        (i32.and
          (i32.add (global.get $bump) (i32.sub (local.get $align) (i32.const 1)))
          (i32.sub (i32.const 0) (local.get $align))))
      (local.set $end (i32.add (local.get $ptr) (local.get $new_size)))
      (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
      (local.set $have (i32.shl (memory.size) (i32.const 16)))
      (if (i32.gt_u (local.get $end) (local.get $have))
        (then
          (if (i32.eq
                (memory.grow
                  (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535)) (i32.const 16)))
                (i32.const -1))
            (then unreachable))))
      (global.set $bump (local.get $end))
      (if (local.get $old)
        (then
          (memory.copy (local.get $ptr) (local.get $old)
            (select (local.get $old_size) (local.get $new_size) (i32.lt_u (local.get $old_size) (local.get $new_size))))))
      (local.get $ptr))

    (func (export "add") (param i32 i32) (result i32)
      (i32.add (local.get 0) (local.get 1)))

    ;; blob flattens to (name ptr, name len, data ptr, data len).
    (func (export "blob-len") (param $name_ptr i32) (param $name_len i32) (param $data_ptr i32) (param $data_len i32) (result i32)
      (global.set $bump (global.get $heap))
      (i32.add (local.get $name_len) (local.get $data_len))))

  (core instance $i (instantiate $m))

  ;; The record is named `blob` as WIT tooling names a type declared in a world: a type import
  ;; bounded by equality (what wit-component writes for `record blob` in a world). A type export
  ;; named it too, but then jco's WIT decoding fails ("component export `blob` was not a
  ;; function or instance"). A type import needs nothing from the host.
  (type $blob-def (record (field "name" string) (field "data" (list u8))))
  (import "blob" (type $blob (eq $blob-def)))

  (func (export "add") (param "a" u32) (param "b" u32) (result u32)
    (canon lift (core func $i "add")))
  (func (export "blob-len") (param "b" $blob) (result u32)
    (canon lift (core func $i "blob-len")
      (memory (core memory $i "memory")) (realloc (core func $i "cabi_realloc")) string-encoding=utf8)))
