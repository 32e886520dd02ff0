// attn.sliding_tile with dynamic batch and query heads and per-head windows
// (3 heads: windows (1,1,1), (1,3,1), (3,3,3)) over GQA kv heads: the
// windows fix the query heads at 3, which attn-plan-sparsity checks at run
// time before planning the static-heads tables. Run by attn-run at two
// batch sizes against the NumPy reference; q with 2 heads is refused by the
// lowered code (exit 1, the relation named).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,3,68,8
// RUN: %npy rand %t/k1.npy --shape 1,1,68,8
// RUN: %npy rand %t/v1.npy --shape 1,1,68,8
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --output %t/o1.npy
// RUN: %npy check sliding_tile --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy --outputs %t/o1.npy --attrs '{"tile_grid":[2,4,2],"tile":[1,2,2],"windows":[1,1,1,1,3,1,3,3,3],"text_length":3}' | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,3,68,8
// RUN: %npy rand %t/k2.npy --shape 2,1,68,8
// RUN: %npy rand %t/v2.npy --shape 2,1,68,8
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --output %t/o2.npy
// RUN: %npy check sliding_tile --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy --outputs %t/o2.npy --attrs '{"tile_grid":[2,4,2],"tile":[1,2,2],"windows":[1,1,1,1,3,1,3,3,3],"text_length":3}' | FileCheck %s
// CHECK: OK out
// RUN: %npy rand %t/q3.npy --shape 1,2,68,8
// RUN: not attn-run %s --input %t/q3.npy --input %t/k1.npy --input %t/v1.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=HEADS
// HEADS: attn-run: error: running 'main' failed: run-time shape check failed: attn.sliding_tile: 'windows' gives 3 query heads, q has another number
// RUN: not test -e %t/bad.npy
func.func @main(%q: tensor<?x?x68x8xf32>, %k: tensor<?x1x68x8xf32>, %v: tensor<?x1x68x8xf32>) -> tensor<?x?x68x8xf32> {
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 4, 2] tile [1, 2, 2] windows [1, 1, 1, 1, 3, 1, 3, 3, 3] text_length 3
      : (tensor<?x?x68x8xf32>, tensor<?x1x68x8xf32>, tensor<?x1x68x8xf32>) -> tensor<?x?x68x8xf32>
  return %o : tensor<?x?x68x8xf32>
}
