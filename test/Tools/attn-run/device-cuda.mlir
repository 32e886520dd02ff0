// --device cuda compiles the function to a GPU artifact and runs it with the
// runtime CLI (attnrt-run). Without a GPU driver (CI) that is a clear error
// naming the driver, exit exactly 1, no output file; bad inputs are reported
// before anything is compiled, with the same messages as --device cpu.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 1,1,64,32
// RUN: %npy rand %t/bad.npy --shape 1,1,63,32
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   env LD_LIBRARY_PATH=%t attn-run %s --device cuda --input %t/x.npy --input %t/x.npy --output %t/o.npy 2>&1 | FileCheck %s
// CHECK: attnrt-run: {{.*}}cannot load the CUDA driver
// CHECK: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/o.npy --no-partial %t -- \
// RUN:   attn-run %s --device cuda --input %t/bad.npy --input %t/x.npy --output %t/o.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: attn-run: error: {{.*}}#0{{.*}}1x1x64x32
// SHAPE: expect_exit: OK exit code 1
// RUN: %expect_exit -- attn-run %s --device cuda --chip sm_70 --input %t/x.npy --input %t/x.npy 2>&1 | FileCheck %s --check-prefix=CHIP
// CHIP: attn-run: error: --chip must be one of sm_80, sm_90, sm_90a; got 'sm_70'
func.func @main(%q: tensor<1x1x64x32xf32>, %kv: tensor<1x1x64x32xf32>) -> tensor<1x1x64x32xf32> {
  %o = attn.sdpa %q, %kv, %kv : (tensor<1x1x64x32xf32>, tensor<1x1x64x32xf32>, tensor<1x1x64x32xf32>) -> tensor<1x1x64x32xf32>
  return %o : tensor<1x1x64x32xf32>
}
