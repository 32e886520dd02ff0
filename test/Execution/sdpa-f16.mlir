// attn.sdpa on f16 q/k/v (.npy <f2 in and out, GQA 4:2): matches the reference within f16
// output precision.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/q.npy --shape 1,4,24,32 --dtype f2
// RUN: %npy rand %t/k.npy --shape 1,2,40,32 --dtype f2
// RUN: %npy rand %t/v.npy --shape 1,2,40,32 --dtype f2
// RUN: attn-run %s --input %t/q.npy --input %t/k.npy --input %t/v.npy --output %t/o.npy
// RUN: %python -c "import numpy as np; assert np.load('%t/o.npy').dtype == np.float16; print('DTYPE OK')" | FileCheck %s --check-prefix=DTYPE
// RUN: %npy check sdpa --inputs %t/q.npy,%t/k.npy,%t/v.npy --outputs %t/o.npy --tol 2e-3 | FileCheck %s
// DTYPE: DTYPE OK
// CHECK: OK out
func.func @main(%q: tensor<1x4x24x32xf16>, %k: tensor<1x2x40x32xf16>, %v: tensor<1x2x40x32xf16>) -> tensor<1x4x24x32xf16> {
  %o = attn.sdpa %q, %k, %v : (tensor<1x4x24x32xf16>, tensor<1x2x40x32xf16>, tensor<1x2x40x32xf16>) -> tensor<1x4x24x32xf16>
  return %o : tensor<1x4x24x32xf16>
}
