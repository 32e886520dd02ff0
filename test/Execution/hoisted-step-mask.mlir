// A mask that depends on the step counter only (the prompt lengths grow by
// the step index) is built once per step by attn-hoist-masks, between the
// step and layer loops; the results, with and without attn-optimize, match a
// NumPy loop over the same steps and layers (the mask from lengths + step).
// RUN: rm -rf %t && mkdir -p %t
// RUN: attn-opt %s --attn-optimize | FileCheck %s --check-prefix=IR
// IR: scf.for %[[S:[a-z0-9]+]] =
// IR-NEXT: arith.index_cast %[[S]]
// IR: attn.mask_from_lengths
// IR-NEXT: scf.for
// IR-NOT: attn.mask_from_lengths
// IR: return
// RUN: %npy rand %t/x.npy --shape 2,1,16,8
// RUN: %python -c "import numpy as np; np.save('%t/len.npy', np.array([3, 9], np.int32))"
// RUN: attn-run %s --input %t/x.npy --input %t/len.npy --output %t/plain.npy
// RUN: attn-run %s --optimize --input %t/x.npy --input %t/len.npy --output %t/opt.npy
// RUN: %python -c "import sys, numpy as np; sys.path.insert(0, '%attn_src/test/reference'); \
// RUN:   import attn_ref as R; x = np.load('%t/x.npy'); n = np.load('%t/len.npy'); \
// RUN:   [x := R.sdpa(x, x, x, key_mask=R.mask_from_lengths(n + s, 16)).astype(np.float32) \
// RUN:    for s in range(3) for l in range(2)]; np.save('%t/ref.npy', x)"
// RUN: %python %S/Inputs/close.py %t/plain.npy %t/ref.npy | FileCheck %s
// RUN: %python %S/Inputs/close.py %t/opt.npy %t/ref.npy | FileCheck %s
// CHECK: CLOSE
func.func @main(%x: tensor<2x1x16x8xf32>, %len: tensor<2xi32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %s = %c0 to %c3 step %c1 iter_args(%a = %x) -> tensor<2x1x16x8xf32> {
    %r2 = scf.for %l = %c0 to %c2 step %c1 iter_args(%b = %a) -> tensor<2x1x16x8xf32> {
      %si = arith.index_cast %s : index to i32
      %st = tensor.splat %si : tensor<2xi32>
      %sl = arith.addi %len, %st : tensor<2xi32>
      %m = attn.mask_from_lengths %sl size 16 : tensor<2xi32>
      %o = attn.sdpa %b, %b, %b key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
      scf.yield %o : tensor<2x1x16x8xf32>
    }
    scf.yield %r2 : tensor<2x1x16x8xf32>
  }
  return %r : tensor<2x1x16x8xf32>
}
