;; image_processor.wasm for the contract's complete example.
;;   allocate(size) -> ptr        bump allocator; grows memory as needed (0 if it cannot)
;;   deallocate(ptr)              frees the most recent allocation when ptr is the top, else nothing
;;   process_image(ptr, len, brightness: f32) -> (out_ptr, out_len)
;;                                out[i] = clamp(in[i] + brightness * 255, 0, 255)
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (global $last (mut i32) (i32.const 1024))

  (func $allocate (export "allocate") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (global.get $heap))
    (local.set $end (i32.and (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 7))
                             (i32.const -8)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have))
      (then
        (if (i32.eq
              (memory.grow (i32.shr_u (i32.add (i32.sub (local.get $end) (local.get $have))
                                               (i32.const 65535))
                                      (i32.const 16)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (global.set $last (local.get $ptr))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  (func (export "deallocate") (param $ptr i32)
    (if (i32.eq (local.get $ptr) (global.get $last))
      (then (global.set $heap (local.get $ptr)))))

  (func (export "process_image") (param $in i32) (param $len i32) (param $brightness f32)
                                 (result i32 i32)
    (local $out i32) (local $i i32) (local $shift f32) (local $v f32)
    (local.set $out (call $allocate (local.get $len)))
    (local.set $shift (f32.mul (local.get $brightness) (f32.const 255)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (local.set $v (f32.add (f32.convert_i32_u (i32.load8_u (i32.add (local.get $in) (local.get $i))))
                               (local.get $shift)))
        (local.set $v (f32.min (f32.max (local.get $v) (f32.const 0)) (f32.const 255)))
        (i32.store8 (i32.add (local.get $out) (local.get $i)) (i32.trunc_sat_f32_u (local.get $v)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $out)
    (local.get $len)))
