// --optimize runs attn-optimize before attn-to-cpu and --reuse-buffers=false
// leaves attn-reuse-buffers out of it (--print-timing names the pipeline);
// the three pipelines give the same result on a layer loop with a mask that
// attn-optimize hoists. On --device cuda these flags are an error (the GPU
// pipeline always optimizes), exit 1, no output file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,1,16,8
// RUN: %python -c "import numpy as np; np.save('%t/len.npy', np.array([5, 16], np.int32))"
// RUN: attn-run %s --input %t/x.npy --input %t/len.npy --output %t/plain.npy --print-timing 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PLAIN
// PLAIN: attn-run: pipeline attn-to-cpu{{$}}
// RUN: attn-run %s --optimize --input %t/x.npy --input %t/len.npy --output %t/opt.npy --print-timing 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OPT
// OPT: attn-run: pipeline attn-optimize, attn-to-cpu{{$}}
// RUN: attn-run %s --optimize --reuse-buffers=false --input %t/x.npy --input %t/len.npy \
// RUN:   --output %t/noreuse.npy --print-timing 2>&1 | FileCheck %s --check-prefix=NOREUSE
// NOREUSE: attn-run: pipeline attn-optimize, attn-to-cpu (reuse-buffers=false)
// RUN: %npy equal %t/plain.npy %t/opt.npy
// RUN: %npy equal %t/plain.npy %t/noreuse.npy
// RUN: %expect_exit --absent %t/c.npy --no-partial %t -- attn-run %s --device cuda --optimize \
// RUN:   --input %t/x.npy --input %t/len.npy --output %t/c.npy | FileCheck %s --check-prefix=CUDA
// CUDA: attn-run: error: --optimize and --reuse-buffers choose the --device cpu pipeline; --device cuda always runs attn-to-nvvm
// CUDA: expect_exit: OK exit code 1
func.func @main(%x: tensor<2x1x16x8xf32>, %len: tensor<2xi32>) -> tensor<2x1x16x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%a = %x) -> tensor<2x1x16x8xf32> {
    %m = attn.mask_from_lengths %len size 16 : tensor<2xi32>
    %o = attn.sdpa %a, %a, %a key_mask %m : (tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x1x16x8xf32>, tensor<2x16xi1>) -> tensor<2x1x16x8xf32>
    scf.yield %o : tensor<2x1x16x8xf32>
  }
  return %r : tensor<2x1x16x8xf32>
}
