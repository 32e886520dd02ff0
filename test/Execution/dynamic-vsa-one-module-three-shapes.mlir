// One attn.vsa module with dynamic batch, heads, sequence lengths and
// head_dim (block 16, topk 2 as the attribute), run by attn-run at three
// shapes against the NumPy reference: MHA with Nq = Nkv = 2 (topk covers
// every block), GQA 4:2 with Sq != Skv and per-tile valid sizes, and a
// larger head_dim with 5 kv tiles. attn-decompose-vsa builds the pieces with
// '?' dims; block_mean, block_topk (K = min(topk, Nkv) at run time), the
// coarse sdpa and block_sparse lower dynamically.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,1,32,8
// RUN: %npy rand %t/k1.npy --shape 1,1,32,8
// RUN: %npy rand %t/v1.npy --shape 1,1,32,8
// RUN: %npy rand %t/g1.npy --shape 1,1,32,8
// RUN: %python -c "import numpy as np; np.save('%t/qs1.npy', np.array([16,16], np.int32))"
// RUN: %python -c "import numpy as np; np.save('%t/ks1.npy', np.array([16,16], np.int32))"
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/g1.npy --input %t/qs1.npy --input %t/ks1.npy --output %t/o1.npy
// RUN: %npy check vsa --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy,%t/g1.npy,%t/qs1.npy,%t/ks1.npy --outputs %t/o1.npy --attrs '{"block":16,"topk":2}' | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,4,48,8
// RUN: %npy rand %t/k2.npy --shape 2,2,64,8
// RUN: %npy rand %t/v2.npy --shape 2,2,64,8
// RUN: %npy rand %t/g2.npy --shape 2,4,48,8
// RUN: %python -c "import numpy as np; np.save('%t/qs2.npy', np.array([16,1,9], np.int32))"
// RUN: %python -c "import numpy as np; np.save('%t/ks2.npy', np.array([16,3,16,7], np.int32))"
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/g2.npy --input %t/qs2.npy --input %t/ks2.npy --output %t/o2.npy
// RUN: %npy check vsa --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy,%t/g2.npy,%t/qs2.npy,%t/ks2.npy --outputs %t/o2.npy --attrs '{"block":16,"topk":2}' | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 1,3,80,32
// RUN: %npy rand %t/k3.npy --shape 1,3,80,32
// RUN: %npy rand %t/v3.npy --shape 1,3,80,32
// RUN: %npy rand %t/g3.npy --shape 1,3,80,32
// RUN: %python -c "import numpy as np; np.save('%t/qs3.npy', np.array([16,16,16,16,4], np.int32))"
// RUN: %python -c "import numpy as np; np.save('%t/ks3.npy', np.array([16,16,16,16,4], np.int32))"
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --input %t/g3.npy --input %t/qs3.npy --input %t/ks3.npy --output %t/o3.npy
// RUN: %npy check vsa --inputs %t/q3.npy,%t/k3.npy,%t/v3.npy,%t/g3.npy,%t/qs3.npy,%t/ks3.npy --outputs %t/o3.npy --attrs '{"block":16,"topk":2}' | FileCheck %s
// CHECK: OK out
func.func @main(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                %g: tensor<?x?x?x?xf32>, %qbs: tensor<?xi32>, %kvbs: tensor<?xi32>) -> tensor<?x?x?x?xf32> {
  %o = attn.vsa %q, %k, %v gate %g q_block_sizes %qbs kv_block_sizes %kvbs block 16 topk 2
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>,
         tensor<?x?x?x?xf32>, tensor<?xi32>, tensor<?xi32>) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
