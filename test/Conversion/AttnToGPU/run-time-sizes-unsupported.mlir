// RUN: attn-opt %s -split-input-file -convert-attn-to-gpu-launches -verify-diagnostics
// Run-time sizes on the GPU path (docs/DynamicShapes.md, "GPU path"):
// attention over any buffers and VSA's layer over run-time grids are
// planned (test/Compile/attn-compile-run-time-sizes.test,
// attn-compile-run-time-grid-vsa.test); what is not yet is reported with a
// clear diagnostic, never planned wrongly.

func.func @main(%q: tensor<1x1x?x8xf32>) -> tensor<1x1x16x8xf32> {
  // expected-error @+1 {{attn-to-gpu: 'tensor.cast' has no GPU lowering for run-time sizes yet (the entry has dynamic shapes or size arguments; docs/DynamicShapes.md lists the ops that do)}}
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

// A tile in a dynamic entry is read in place only by the block means and
// VSA's raster-tile kernel: no tiled copy is planned for it.
func.func @main(%x: tensor<1x1x?x16xf32>) -> tensor<1x1x16x16xf32> {
  %t = attn.tile %x grid [1, 4, 4] tile [1, 2, 2] : tensor<1x1x?x16xf32>
  // expected-error @+1 {{attn-to-gpu: 'attn.sdpa' reads a tile of a run-time video grid, which only the block means and VSA's raster-tile kernel read in place (no tiled copy is planned for run-time grids yet)}}
  %o = attn.sdpa %t, %t, %t : (tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x1x16x16xf32>
  return %o : tensor<1x1x16x16xf32>
}

// -----

// The kernels are built for one head dim.
func.func @main(%q: tensor<1x1x16x?xf32>) -> tensor<1x1x16x?xf32> {
  // expected-error @+1 {{attn-to-gpu: the head dim must be static (the kernels are built for one)}}
  %o = attn.sdpa %q, %q, %q : (tensor<1x1x16x?xf32>, tensor<1x1x16x?xf32>, tensor<1x1x16x?xf32>) -> tensor<1x1x16x?xf32>
  return %o : tensor<1x1x16x?xf32>
}

