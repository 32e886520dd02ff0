// attn.block_topk on random rows matches the reference exactly: distinct normal scores, and
// small-integer scores full of ties (lowest id wins at the threshold); ids ascending.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/s.npy --shape 2,3,5,11
// RUN: attn-run %s --input %t/s.npy --output %t/idx.npy --output %t/cnt.npy
// RUN: %npy check block_topk --inputs %t/s.npy --outputs %t/idx.npy,%t/cnt.npy --attrs '{"k":4}' | FileCheck %s
// RUN: %npy rand %t/si.npy --shape 2,3,5,11 --dtype i4 --low -2 --high 3
// RUN: %python -c "import numpy as np; np.save('%t/st.npy', np.load('%t/si.npy').astype(np.float32))"
// RUN: attn-run %s --input %t/st.npy --output %t/idx2.npy --output %t/cnt2.npy
// RUN: %npy check block_topk --inputs %t/st.npy --outputs %t/idx2.npy,%t/cnt2.npy --attrs '{"k":4}' | FileCheck %s
// CHECK: OK kv_indices exact
// CHECK: OK kv_counts exact
func.func @main(%s: tensor<2x3x5x11xf32>) -> (tensor<2x3x5x4xi32>, tensor<2x3x5xi32>) {
  %idx, %cnt = attn.block_topk %s k 4 : tensor<2x3x5x11xf32>
  return %idx, %cnt : tensor<2x3x5x4xi32>, tensor<2x3x5xi32>
}
