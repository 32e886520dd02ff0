// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches -verify-diagnostics
// The GPU path is a later slice of issue 14: dynamic arguments and results
// are reported with a clear diagnostic, never planned wrongly or crashed on.

// expected-error @+1 {{attn-to-gpu: argument #0 must be a statically shaped tensor (dynamic shapes are not yet supported by the GPU path)}}
func.func @main(%q: tensor<1x1x?x8xf32>) -> tensor<1x1x16x8xf32> {
  %s = tensor.cast %q : tensor<1x1x?x8xf32> to tensor<1x1x16x8xf32>
  %o = attn.sdpa %s, %s, %s : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  return %o : tensor<1x1x16x8xf32>
}

// -----

func.func @main(%q: tensor<1x1x16x8xf32>) -> tensor<1x1x?x8xf32> {
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>, tensor<1x1x16x8xf32>) -> tensor<1x1x16x8xf32>
  %d = tensor.cast %o : tensor<1x1x16x8xf32> to tensor<1x1x?x8xf32>
  // expected-error @+1 {{attn-to-gpu: result #0 must be a statically shaped tensor (dynamic shapes are not yet supported by the GPU path)}}
  return %d : tensor<1x1x?x8xf32>
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
