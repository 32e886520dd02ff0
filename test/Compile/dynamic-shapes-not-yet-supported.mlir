// attn-compile (the GPU artifact) takes statically shaped entries only in
// this slice of issue 14; a dynamic one is refused with a clear message.
// RUN: rm -rf %t
// RUN: not attn-compile %s -o %t 2>&1 | FileCheck %s
// CHECK: attn-compile: argument #0 must be a statically shaped tensor of bf16, f16, f32, i32 or i1 (dynamic shapes are not yet supported by the GPU path)
// RUN: test ! -e %t
func.func @main(%q: tensor<?x1x16x8xf32>) -> tensor<?x1x16x8xf32> {
  %o = attn.sdpa %q, %q, %q : (tensor<?x1x16x8xf32>, tensor<?x1x16x8xf32>, tensor<?x1x16x8xf32>) -> tensor<?x1x16x8xf32>
  return %o : tensor<?x1x16x8xf32>
}
