// VSA's coarse scores on the tensor-core kernel (attn_contract_mma_*),
// compared on the GPU against the CPU path (gpu-check.sh, "small examples
// vs the CPU path"; f32 inputs from scripts/gpu/make_cpu_cases.py, rounded
// to bf16/f16 here the same way on both paths):
//  - bf16, I 70 and J 33 (partial 64 x 64 tiles: clamped rows), R 32, the
//    zero fill and the scale 0.125 folded into the kernel;
//  - f16, I 20, J 65 (two column tiles, the second with one column), R 48,
//    no scale.
#a = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#b = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#o = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @main(%xf: tensor<1x2x70x32xf32>, %yf: tensor<1x2x33x32xf32>,
                %zf: tensor<1x3x20x48xf32>, %wf: tensor<1x3x65x48xf32>)
    -> (tensor<1x2x70x33xf32>, tensor<1x3x20x65xf32>) {
  %zero = arith.constant 0.0 : f32
  %s = arith.constant 0.125 : f32
  %xe = tensor.empty() : tensor<1x2x70x32xbf16>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%xf : tensor<1x2x70x32xf32>) outs(%xe : tensor<1x2x70x32xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %0 = arith.truncf %in : f32 to bf16
    linalg.yield %0 : bf16
  } -> tensor<1x2x70x32xbf16>
  %ye = tensor.empty() : tensor<1x2x33x32xbf16>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%yf : tensor<1x2x33x32xf32>) outs(%ye : tensor<1x2x33x32xbf16>) {
  ^bb0(%in: f32, %out: bf16):
    %0 = arith.truncf %in : f32 to bf16
    linalg.yield %0 : bf16
  } -> tensor<1x2x33x32xbf16>
  %e = tensor.empty() : tensor<1x2x70x33xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x70x33xf32>) -> tensor<1x2x70x33xf32>
  %c = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%x, %y : tensor<1x2x70x32xbf16>, tensor<1x2x33x32xbf16>) outs(%f : tensor<1x2x70x33xf32>) {
  ^bb0(%i: bf16, %j: bf16, %acc: f32):
    %0 = arith.extf %j : bf16 to f32
    %1 = arith.extf %i : bf16 to f32
    %2 = arith.mulf %1, %0 : f32
    %3 = arith.addf %acc, %2 : f32
    linalg.yield %3 : f32
  } -> tensor<1x2x70x33xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%c : tensor<1x2x70x33xf32>) outs(%e : tensor<1x2x70x33xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.mulf %in, %s : f32
    linalg.yield %0 : f32
  } -> tensor<1x2x70x33xf32>
  %ze = tensor.empty() : tensor<1x3x20x48xf16>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%zf : tensor<1x3x20x48xf32>) outs(%ze : tensor<1x3x20x48xf16>) {
  ^bb0(%in: f32, %out: f16):
    %0 = arith.truncf %in : f32 to f16
    linalg.yield %0 : f16
  } -> tensor<1x3x20x48xf16>
  %we = tensor.empty() : tensor<1x3x65x48xf16>
  %w = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%wf : tensor<1x3x65x48xf32>) outs(%we : tensor<1x3x65x48xf16>) {
  ^bb0(%in: f32, %out: f16):
    %0 = arith.truncf %in : f32 to f16
    linalg.yield %0 : f16
  } -> tensor<1x3x65x48xf16>
  %e2 = tensor.empty() : tensor<1x3x20x65xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x3x20x65xf32>) -> tensor<1x3x20x65xf32>
  %c2 = linalg.generic {indexing_maps = [#a, #b, #o], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%z, %w : tensor<1x3x20x48xf16>, tensor<1x3x65x48xf16>) outs(%f2 : tensor<1x3x20x65xf32>) {
  ^bb0(%i: f16, %j: f16, %acc: f32):
    %0 = arith.extf %i : f16 to f32
    %1 = arith.extf %j : f16 to f32
    %2 = arith.mulf %0, %1 : f32
    %3 = arith.addf %2, %acc : f32
    linalg.yield %3 : f32
  } -> tensor<1x3x20x65xf32>
  return %r, %c2 : tensor<1x2x70x33xf32>, tensor<1x3x20x65xf32>
}
