;; The bag step's row loops in WebAssembly SIMD (four f32 lanes), over the memory the
;; model's arrays live in. Pointers are byte offsets; n is a row's length in elements.
;; Build: npm run build:wasm (writes bagWasm.ts beside this file).
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; y[0..n) += a · x[0..n)
  (func $axpy (export "axpy") (param $y i32) (param $x i32) (param $a f32) (param $n i32)
    (local $k i32) (local $end i32) (local $av v128)
    (local.set $av (f32x4.splat (local.get $a)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (v128.store (i32.add (local.get $y) (local.get $k))
        (f32x4.add (v128.load (i32.add (local.get $y) (local.get $k)))
                   (f32x4.mul (local.get $av) (v128.load (i32.add (local.get $x) (local.get $k))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $l)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tdone (loop $t
      (br_if $tdone (i32.ge_u (local.get $k) (local.get $end)))
      (f32.store (i32.add (local.get $y) (local.get $k))
        (f32.add (f32.load (i32.add (local.get $y) (local.get $k)))
                 (f32.mul (local.get $a) (f32.load (i32.add (local.get $x) (local.get $k))))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $t))))

  ;; x[0..n) · y[0..n): four lanes, summed (l0 + l1) + (l2 + l3), then the tail in order
  (func $dot (export "dot") (param $x i32) (param $y i32) (param $n i32) (result f32)
    (local $k i32) (local $end i32) (local $acc v128) (local $s f32)
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $acc (f32x4.add (local.get $acc)
        (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (v128.load (i32.add (local.get $y) (local.get $k))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $l)))
    (local.set $s (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tdone (loop $t
      (br_if $tdone (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $s (f32.add (local.get $s)
        (f32.mul (f32.load (i32.add (local.get $x) (local.get $k))) (f32.load (i32.add (local.get $y) (local.get $k))))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $t)))
    (local.get $s))

  ;; One lazy-Adam row: g = f · g[0..n); m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²;
  ;; w −= step · m / (√v · root + ε)
  (func (export "adam_row") (param $w i32) (param $m i32) (param $v i32) (param $g i32) (param $f f32) (param $step f32) (param $root f32) (param $n i32)
    (local $k i32) (local $end i32) (local $gk v128) (local $mk v128) (local $vk v128)
    (local $fv v128) (local $sv v128) (local $rv v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $fv (f32x4.splat (local.get $f)))
    (local.set $sv (f32x4.splat (local.get $step)))
    (local.set $rv (f32x4.splat (local.get $root)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $gk (f32x4.mul (local.get $fv) (v128.load (i32.add (local.get $g) (local.get $k)))))
      (local.set $mk (f32x4.add (f32x4.mul (f32x4.splat (f32.const 0.9)) (v128.load (i32.add (local.get $m) (local.get $k))))
                                (f32x4.mul (f32x4.splat (f32.const 0.1)) (local.get $gk))))
      (local.set $vk (f32x4.add (f32x4.mul (f32x4.splat (f32.const 0.999)) (v128.load (i32.add (local.get $v) (local.get $k))))
                                (f32x4.mul (f32x4.splat (f32.const 0.001)) (f32x4.mul (local.get $gk) (local.get $gk)))))
      (v128.store (i32.add (local.get $m) (local.get $k)) (local.get $mk))
      (v128.store (i32.add (local.get $v) (local.get $k)) (local.get $vk))
      (v128.store (i32.add (local.get $w) (local.get $k))
        (f32x4.sub (v128.load (i32.add (local.get $w) (local.get $k)))
          (f32x4.div (f32x4.mul (local.get $sv) (local.get $mk))
                     (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vk)) (local.get $rv)) (f32x4.splat (f32.const 1e-7))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $l)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $tdone (loop $t
      (br_if $tdone (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $gs (f32.mul (local.get $f) (f32.load (i32.add (local.get $g) (local.get $k)))))
      (local.set $ms (f32.add (f32.mul (f32.const 0.9) (f32.load (i32.add (local.get $m) (local.get $k)))) (f32.mul (f32.const 0.1) (local.get $gs))))
      (local.set $vs (f32.add (f32.mul (f32.const 0.999) (f32.load (i32.add (local.get $v) (local.get $k)))) (f32.mul (f32.const 0.001) (f32.mul (local.get $gs) (local.get $gs)))))
      (f32.store (i32.add (local.get $m) (local.get $k)) (local.get $ms))
      (f32.store (i32.add (local.get $v) (local.get $k)) (local.get $vs))
      (f32.store (i32.add (local.get $w) (local.get $k))
        (f32.sub (f32.load (i32.add (local.get $w) (local.get $k)))
          (f32.div (f32.mul (local.get $step) (local.get $ms)) (f32.add (f32.mul (f32.sqrt (local.get $vs)) (local.get $root)) (f32.const 1e-7)))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $t))))

  ;; y[0..n) += Σ_q c[q] · w[ids[q]·n ..+n) for q < u: a text's pooled sum of its distinct rows (ids, c: i32)
  (func (export "pool") (param $y i32) (param $w i32) (param $ids i32) (param $c i32) (param $u i32) (param $n i32)
    (local $q i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $q) (local.get $u)))
      (call $axpy (local.get $y)
        (i32.add (local.get $w) (i32.shl (i32.mul (i32.load (i32.add (local.get $ids) (i32.shl (local.get $q) (i32.const 2)))) (local.get $n)) (i32.const 2)))
        (f32.convert_i32_s (i32.load (i32.add (local.get $c) (i32.shl (local.get $q) (i32.const 2)))))
        (local.get $n))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br $l))))

  ;; y[0..h) += Σ_i x[i] · W[i·h ..+h) for i < d, rows with x[i] = 0 skipped: a row vector times a d × h matrix
  (func (export "matvec") (param $y i32) (param $x i32) (param $W i32) (param $d i32) (param $h i32)
    (local $i i32) (local $xi f32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $d)))
      (local.set $xi (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (if (f32.ne (local.get $xi) (f32.const 0))
        (then (call $axpy (local.get $y) (i32.add (local.get $W) (i32.shl (i32.mul (local.get $i) (local.get $h)) (i32.const 2))) (local.get $xi) (local.get $h))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))

  ;; y[i] = x[0..h) · W[i·h ..+h) for i < d: a row vector times the transpose of a d × h matrix
  (func (export "matvec_t") (param $y i32) (param $x i32) (param $W i32) (param $d i32) (param $h i32)
    (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $d)))
      (f32.store (i32.add (local.get $y) (i32.shl (local.get $i) (i32.const 2)))
        (call $dot (local.get $x) (i32.add (local.get $W) (i32.shl (i32.mul (local.get $i) (local.get $h)) (i32.const 2))) (local.get $h)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))

  ;; G[i·h ..+h) += x[i] · y[0..h) for i < d, rows with x[i] = 0 skipped: a rank-one update of a d × h matrix
  (func (export "ger") (param $G i32) (param $x i32) (param $y i32) (param $d i32) (param $h i32)
    (local $i i32) (local $xi f32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $d)))
      (local.set $xi (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (if (f32.ne (local.get $xi) (f32.const 0))
        (then (call $axpy (i32.add (local.get $G) (i32.shl (i32.mul (local.get $i) (local.get $h)) (i32.const 2))) (local.get $y) (local.get $xi) (local.get $h))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))))
)
