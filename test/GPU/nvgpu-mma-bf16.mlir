// Why the kernels emit nvvm.mma.sync instead of nvgpu.mma.sync: LLVM 22's
// nvgpu-to-nvvm conversion cannot lower a bf16 m16n8k16 MMA (it finds no PTX
// operand type for bf16). If this test starts failing, upstream has learned
// bf16 and the kernel library may move to nvgpu (docs/GPU.md).
// (The pattern reports the error and leaves the op unconverted; the pass does
// not fail, so the exit code is not checked.)
// RUN: attn-opt %s --convert-nvgpu-to-nvvm 2>&1 | FileCheck %s
// CHECK: error: 'nvgpu.mma.sync' op failed to deduce operand PTX types
// CHECK: nvgpu.mma.sync
func.func @bf16_mma(%a: vector<4x2xbf16>, %b: vector<2x2xbf16>,
                    %c: vector<2x2xf32>) -> vector<2x2xf32> {
  %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]}
      : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
  return %d : vector<2x2xf32>
}
