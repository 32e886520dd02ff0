// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches -verify-diagnostics
// Run-time sizes on the GPU path (docs/DynamicShapes.md, "GPU path"):
// attn.sdpa and attn.block_sparse over entry arguments, results returned,
// are planned (test/Compile/attn-compile-run-time-sizes.test); what is not
// yet is reported with a clear diagnostic, never planned wrongly.

func.func @main(%q: tensor<1x1x?x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{attn-to-gpu: 'tensor.cast' has no GPU lowering for run-time sizes yet (the entry has dynamic shapes; attn.sdpa and attn.block_sparse have one)}}
  %s = tensor.cast %q : tensor<1x1x?x8xf32> to tensor<1x1x16x8xf32>
  %o = attn.sdpa %s, %s, %s : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @main(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x?x8xf32> {
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  %d = tensor.cast %o : tensor<1x1x16x8xf32> to tensor<1x1x?x8xf32>
  // expected-error @+1 {{attn-to-gpu: result #0 has a dynamic shape but no argument has one}}
  return %d : tensor<1x1x?x8xf32>
}

// -----

// Layout ops with run-time sizes are not planned yet.
func.func @main(%x: tensor<1x1x?x16xf32>) -> tensor<1x1x?x16xf32> {
  // expected-error @+1 {{attn-to-gpu: 'attn.tile' has no GPU lowering for run-time sizes yet}}
  %t = attn.tile %x grid [1, 4, 4] tile [1, 2, 2] : tensor<1x1x?x16xf32>
  %o = attn.sdpa %t, %t, %t : (tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x1x16x16xf32>
  %u = attn.untile %o grid [1, 4, 4] tile [1, 2, 2] : tensor<1x1x16x16xf32>
  %c = tensor.cast %u : tensor<1x1x16x16xf32> to tensor<1x1x?x16xf32>
  return %c : tensor<1x1x?x16xf32>
}

// -----

// The kernels are built for one head dim.
func.func @main(%q: tensor<1x1x16x?xf32>) -> tensor<1x1x16x?xf32> {
  // expected-error @+1 {{attn-to-gpu: the head dim must be static (the kernels are built for one)}}
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x16x?xf32>, tensor<1x1x16x?xf32>, tensor<1x1x16x?xf32>) -> tensor<1x1x16x?xf32>
  return %o : tensor<1x1x16x?xf32>
}

// -----

// An attention result must be returned (an intermediate would need scratch
// sized at run time: not planned yet).
func.func @main(%q: tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32> {
  // expected-error @+1 {{attn-to-gpu: with run-time sizes, the results of 'attn.sdpa' must be returned}}
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32>
  %p = attn.sdpa %o, %q, %q : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32>
  return %p : tensor<1x1x?x8xf32>
}

// -----

// A run-time count (here block_topk's k, what a run-time VSA topk
// decomposes into) is reported too: reading it has no GPU lowering yet.
func.func @main(%s: tensor<1x1x4x4xf32>, %k: tensor<i64>) -> tensor<1x1x4xi32> {
  // expected-error @+1 {{attn-to-gpu: 'tensor.extract' has no GPU lowering}}
  %kk = tensor.extract %k[] : tensor<i64>
  %i, %c = attn.block_topk %s k %kk : tensor<1x1x4x4xf32>, i64
  return %c : tensor<1x1x4xi32>
}
