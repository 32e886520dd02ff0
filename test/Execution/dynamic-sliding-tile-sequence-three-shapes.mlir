// One attn.sliding_tile module with a dynamic sequence (and batch) and the
// text length as a run-time operand, run by attn-run at three prompt
// lengths against the NumPy reference: the image part is the tile grid's
// (2x2x3 tiles of 1x2x4 = 96 tokens); S_text = 0 (image only), 13 (text
// length 11: a ragged tail padded to 2 blocks) and 20 (all 20 valid, 3
// blocks). attn-plan-sparsity computes the tables per call. Then bad runs:
// a sequence shorter than the image part (by the lowered code, naming the
// relation) and a text length above this run's S_text (by attn-run before
// running, with the values) are refused, exit 1.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,2,96,8
// RUN: %npy rand %t/k1.npy --shape 1,2,96,8
// RUN: %npy rand %t/v1.npy --shape 1,2,96,8
// RUN: %python -c "import numpy as np; np.save('%t/n0.npy', np.array(0, np.int64))"
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/n0.npy --output %t/o1.npy
// RUN: %npy check sliding_tile --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy --outputs %t/o1.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"window":[1,1,3],"text_length":0}' | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,2,109,8
// RUN: %npy rand %t/k2.npy --shape 2,2,109,8
// RUN: %npy rand %t/v2.npy --shape 2,2,109,8
// RUN: %python -c "import numpy as np; np.save('%t/n11.npy', np.array(11, np.int64))"
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/n11.npy --output %t/o2.npy
// RUN: %npy check sliding_tile --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy --outputs %t/o2.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"window":[1,1,3],"text_length":11}' | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 1,2,116,8
// RUN: %npy rand %t/k3.npy --shape 1,2,116,8
// RUN: %npy rand %t/v3.npy --shape 1,2,116,8
// RUN: %python -c "import numpy as np; np.save('%t/n20.npy', np.array(20, np.int64))"
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --input %t/n20.npy --output %t/o3.npy
// RUN: %npy check sliding_tile --inputs %t/q3.npy,%t/k3.npy,%t/v3.npy --outputs %t/o3.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"window":[1,1,3],"text_length":20}' | FileCheck %s
// CHECK: OK out
// RUN: %npy rand %t/short.npy --shape 1,2,90,8
// RUN: not attn-run %s --input %t/short.npy --input %t/short.npy --input %t/short.npy --input %t/n0.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: attn-run: error: running 'main' failed: run-time shape check failed: attn.sliding_tile: the sequence is shorter than the 96 image tokens
// RUN: not attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/n20.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=TEXT
// TEXT: attn-run: error: argument #3 ('text_length' of attn.sliding_tile at {{.*}}): entry 0 is 20, expected a value in [0, 13]
func.func @main(%q: tensor<?x2x?x8xf32>, %k: tensor<?x2x?x8xf32>, %v: tensor<?x2x?x8xf32>, %n: tensor<i64>) -> tensor<?x2x?x8xf32> {
  %len = tensor.extract %n[] : tensor<i64>
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 3] tile [1, 2, 4] window [1, 1, 3] text_length %len
      : (tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, tensor<?x2x?x8xf32>, i64) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}
