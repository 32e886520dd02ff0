// One attn.sliding_tile module with dynamic batch, heads and head_dim and the
// text length as a run-time operand (read from a 0-d input), run by attn-run
// at three shapes and prompt lengths against the NumPy reference: [1,2,.,8]
// with text_length 0 (image only), [2,4,.,16] with GQA 4:2 and
// text_length 11 (ragged: the text tail of 13 tokens is padded to 2
// blocks), [3,1,.,32] with every text token valid (13). attn-plan-sparsity
// plans one head and every text block once, broadcasts the tables over
// [B, H] and computes only kv_block_sizes per call. The sequence stays
// static (the grid is an attribute and fixes the image tokens; S_text is
// the padded prompt).
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,2,109,8
// RUN: %npy rand %t/k1.npy --shape 1,2,109,8
// RUN: %npy rand %t/v1.npy --shape 1,2,109,8
// RUN: %python -c "import numpy as np; np.save('%t/n0.npy', np.array(0, np.int64))"
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/n0.npy --output %t/o1.npy
// RUN: %npy check sliding_tile --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy --outputs %t/o1.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"window":[1,1,3],"text_length":0}' | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,4,109,16
// RUN: %npy rand %t/k2.npy --shape 2,2,109,16
// RUN: %npy rand %t/v2.npy --shape 2,2,109,16
// RUN: %python -c "import numpy as np; np.save('%t/n11.npy', np.array(11, np.int64))"
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/n11.npy --output %t/o2.npy
// RUN: %npy check sliding_tile --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy --outputs %t/o2.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"window":[1,1,3],"text_length":11}' | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 3,1,109,32
// RUN: %npy rand %t/k3.npy --shape 3,1,109,32
// RUN: %npy rand %t/v3.npy --shape 3,1,109,32
// RUN: %python -c "import numpy as np; np.save('%t/n13.npy', np.array(13, np.int64))"
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --input %t/n13.npy --output %t/o3.npy
// RUN: %npy check sliding_tile --inputs %t/q3.npy,%t/k3.npy,%t/v3.npy --outputs %t/o3.npy --attrs '{"tile_grid":[2,2,3],"tile":[1,2,4],"window":[1,1,3],"text_length":13}' | FileCheck %s
// CHECK: OK out
// A text length past the 13 text tokens is refused before running, with
// the values, exit 1.
// RUN: %python -c "import numpy as np; np.save('%t/n14.npy', np.array(14, np.int64))"
// RUN: not attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/n14.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn-run: error: argument #3 ('text_length' of attn.sliding_tile at {{.*}}): entry 0 is 14, expected a value in [0, 13]
// RUN: test ! -e %t/bad.npy
// A text length computed in the module (not an input: attn-run cannot see
// it before running) is checked by the lowered code: 13 + 1 is refused.
// RUN: not attn-run %s --entry computed --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/n13.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=COMPUTED
// COMPUTED: attn-run: error: running 'computed' failed: run-time shape check failed: attn.sliding_tile: text_length must be in [0, S_text = 13]
// RUN: test ! -e %t/bad.npy
func.func @main(%q: tensor<?x?x109x?xf32>, %k: tensor<?x?x109x?xf32>, %v: tensor<?x?x109x?xf32>,
                %len: tensor<i64>) -> tensor<?x?x109x?xf32> {
  %n = tensor.extract %len[] : tensor<i64>
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 3] tile [1, 2, 4] window [1, 1, 3] text_length %n
      : (tensor<?x?x109x?xf32>, tensor<?x?x109x?xf32>, tensor<?x?x109x?xf32>, i64) -> tensor<?x?x109x?xf32>
  return %o : tensor<?x?x109x?xf32>
}
func.func @computed(%q: tensor<?x?x109x?xf32>, %k: tensor<?x?x109x?xf32>, %v: tensor<?x?x109x?xf32>,
                    %len: tensor<i64>) -> tensor<?x?x109x?xf32> {
  %n = tensor.extract %len[] : tensor<i64>
  %c1 = arith.constant 1 : i64
  %n1 = arith.addi %n, %c1 : i64
  %o = attn.sliding_tile %q, %k, %v tile_grid [2, 2, 3] tile [1, 2, 4] window [1, 1, 3] text_length %n1
      : (tensor<?x?x109x?xf32>, tensor<?x?x109x?xf32>, tensor<?x?x109x?xf32>, i64) -> tensor<?x?x109x?xf32>
  return %o : tensor<?x?x109x?xf32>
}
