;; P5: a memory large enough for a 16 MiB write and read (257 pages of 64 KiB).
(module
  (memory (export "memory") 257))
