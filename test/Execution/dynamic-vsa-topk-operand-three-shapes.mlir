// One attn.vsa module with dynamic shapes and topk as a run-time operand
// (read from a 0-d input), run by attn-run at three shapes with a topk per
// resolution, against the NumPy reference: 2 kv tiles with topk 1, GQA with
// 4 kv tiles and topk 3, 5 kv tiles with topk 9 (above Nkv: every block).
// attn-decompose-vsa hands the operand to attn.block_topk, whose CPU
// lowering takes K = min(k, Nkv) at run time. A topk of 0 is refused before
// running (attn-run's argument checks, with the value), exit 1, no output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q1.npy --shape 1,1,32,8
// RUN: %npy rand %t/k1.npy --shape 1,1,32,8
// RUN: %npy rand %t/v1.npy --shape 1,1,32,8
// RUN: %python -c "import numpy as np; np.save('%t/t1.npy', np.array(1, np.int64))"
// RUN: attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/t1.npy --output %t/o1.npy
// RUN: %npy check vsa --inputs %t/q1.npy,%t/k1.npy,%t/v1.npy --outputs %t/o1.npy --attrs '{"block":16,"topk":1}' | FileCheck %s
// RUN: %npy rand %t/q2.npy --shape 2,4,48,8
// RUN: %npy rand %t/k2.npy --shape 2,2,64,8
// RUN: %npy rand %t/v2.npy --shape 2,2,64,8
// RUN: %python -c "import numpy as np; np.save('%t/t2.npy', np.array(3, np.int64))"
// RUN: attn-run %s --input %t/q2.npy --input %t/k2.npy --input %t/v2.npy --input %t/t2.npy --output %t/o2.npy
// RUN: %npy check vsa --inputs %t/q2.npy,%t/k2.npy,%t/v2.npy --outputs %t/o2.npy --attrs '{"block":16,"topk":3}' | FileCheck %s
// RUN: %npy rand %t/q3.npy --shape 1,3,80,32
// RUN: %npy rand %t/k3.npy --shape 1,3,80,32
// RUN: %npy rand %t/v3.npy --shape 1,3,80,32
// RUN: %python -c "import numpy as np; np.save('%t/t3.npy', np.array(9, np.int64))"
// RUN: attn-run %s --input %t/q3.npy --input %t/k3.npy --input %t/v3.npy --input %t/t3.npy --output %t/o3.npy
// RUN: %npy check vsa --inputs %t/q3.npy,%t/k3.npy,%t/v3.npy --outputs %t/o3.npy --attrs '{"block":16,"topk":9}' | FileCheck %s
// CHECK: OK out
// RUN: %python -c "import numpy as np; np.save('%t/t0.npy', np.array(0, np.int64))"
// RUN: not attn-run %s --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/t0.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: attn-run: error: argument #3 ('topk' of attn.vsa at {{.*}}): entry 0 is 0, expected a value >= 1
// RUN: test ! -e %t/bad.npy
// A topk computed in the module (1 - 1) is checked by the lowered code.
// RUN: %python -c "import numpy as np; np.save('%t/t1.npy', np.array(1, np.int64))"
// RUN: not attn-run %s --entry computed --input %t/q1.npy --input %t/k1.npy --input %t/v1.npy --input %t/t1.npy --output %t/bad.npy 2>&1 | FileCheck %s --check-prefix=COMPUTED
// COMPUTED: attn-run: error: running 'computed' failed: run-time shape check failed: attn.block_topk: k must be positive
// RUN: test ! -e %t/bad.npy
func.func @main(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                %topk: tensor<i64>) -> tensor<?x?x?x?xf32> {
  %t = tensor.extract %topk[] : tensor<i64>
  %o = attn.vsa %q, %k, %v block 16 topk %t
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, i64) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
func.func @computed(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>,
                    %topk: tensor<i64>) -> tensor<?x?x?x?xf32> {
  %t = tensor.extract %topk[] : tensor<i64>
  %c1 = arith.constant 1 : i64
  %t1 = arith.subi %t, %c1 : i64
  %o = attn.vsa %q, %k, %v block 16 topk %t1
      : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, i64) -> tensor<?x?x?x?xf32>
  return %o : tensor<?x?x?x?xf32>
}
