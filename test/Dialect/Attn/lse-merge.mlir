// attn.lse_merge parses, verifies and prints back (two and three parts, a
// dynamic batch/sequence); the verifier names what is wrong: fewer than two
// parts, unequal counts, mismatched partial outputs, an lse that is not the
// parts' [B, H, S] f32, a result unlike the parts, a non-float output.
// RUN: attn-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @two(
// CHECK: %{{.*}}, %{{.*}} = attn.lse_merge %arg0, %arg1 lse %arg2, %arg3 : (tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>, tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> (tensor<1x8x16x64xbf16>, tensor<1x8x16xf32>)
func.func @two(%a: tensor<1x8x16x64xbf16>, %b: tensor<1x8x16x64xbf16>, %la: tensor<1x8x16xf32>, %lb: tensor<1x8x16xf32>) -> (tensor<1x8x16x64xbf16>, tensor<1x8x16xf32>) {
  %o, %l = attn.lse_merge %a, %b lse %la, %lb : (tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>, tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> (tensor<1x8x16x64xbf16>, tensor<1x8x16xf32>)
  return %o, %l : tensor<1x8x16x64xbf16>, tensor<1x8x16xf32>
}

// -----

// CHECK-LABEL: func.func @three_dynamic(
// CHECK: attn.lse_merge %arg0, %arg1, %arg2 lse %arg3, %arg4, %arg5 :
func.func @three_dynamic(%a: tensor<?x2x?x4xf32>, %b: tensor<?x2x5x4xf32>, %c: tensor<1x2x?x4xf32>,
                         %la: tensor<?x2x?xf32>, %lb: tensor<1x2x5xf32>, %lc: tensor<?x?x?xf32>)
    -> (tensor<?x2x?x4xf32>, tensor<?x2x?xf32>) {
  %o, %l = attn.lse_merge %a, %b, %c lse %la, %lb, %lc : (tensor<?x2x?x4xf32>, tensor<?x2x5x4xf32>, tensor<1x2x?x4xf32>, tensor<?x2x?xf32>, tensor<1x2x5xf32>, tensor<?x?x?xf32>) -> (tensor<?x2x?x4xf32>, tensor<?x2x?xf32>)
  return %o, %l : tensor<?x2x?x4xf32>, tensor<?x2x?xf32>
}

// -----

func.func @one_part(%a: tensor<1x2x5x4xf32>, %la: tensor<1x2x5xf32>) {
  // expected-error @+1 {{'attn.lse_merge' op needs n >= 2 partial outputs and as many log-sum-exps, got 1 and 1}}
  %o, %l = attn.lse_merge %a lse %la : (tensor<1x2x5x4xf32>, tensor<1x2x5xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @counts_differ(%a: tensor<1x2x5x4xf32>, %la: tensor<1x2x5xf32>) {
  // expected-error @+1 {{needs n >= 2 partial outputs and as many log-sum-exps, got 2 and 3}}
  %o, %l = attn.lse_merge %a, %a lse %la, %la, %la : (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @parts_differ(%a: tensor<1x2x5x4xf32>, %b: tensor<1x2x6x4xf32>, %la: tensor<1x2x5xf32>) {
  // expected-error @+1 {{partial output #1 'tensor<1x2x6x4xf32>' must match partial output #0 'tensor<1x2x5x4xf32>'}}
  %o, %l = attn.lse_merge %a, %b lse %la, %la : (tensor<1x2x5x4xf32>, tensor<1x2x6x4xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @parts_types_differ(%a: tensor<1x2x5x4xf32>, %b: tensor<1x2x5x4xbf16>, %la: tensor<1x2x5xf32>) {
  // expected-error @+1 {{partial output #1 'tensor<1x2x5x4xbf16>' must match partial output #0 'tensor<1x2x5x4xf32>'}}
  %o, %l = attn.lse_merge %a, %b lse %la, %la : (tensor<1x2x5x4xf32>, tensor<1x2x5x4xbf16>, tensor<1x2x5xf32>, tensor<1x2x5xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @lse_shape(%a: tensor<1x2x5x4xf32>, %la: tensor<1x2x5xf32>, %lb: tensor<1x3x5xf32>) {
  // expected-error @+1 {{log-sum-exp #1 must be the [B, H, S] f32 tensor 'tensor<1x2x5xf32>' of partial output #1, got 'tensor<1x3x5xf32>'}}
  %o, %l = attn.lse_merge %a, %a lse %la, %lb : (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5xf32>, tensor<1x3x5xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @lse_type(%a: tensor<1x2x5x4xbf16>, %la: tensor<1x2x5xbf16>) {
  // expected-error @+1 {{log-sum-exp #0 must be the [B, H, S] f32 tensor 'tensor<1x2x5xf32>' of partial output #0, got 'tensor<1x2x5xbf16>'}}
  %o, %l = attn.lse_merge %a, %a lse %la, %la : (tensor<1x2x5x4xbf16>, tensor<1x2x5x4xbf16>, tensor<1x2x5xbf16>, tensor<1x2x5xbf16>) -> (tensor<1x2x5x4xbf16>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @result_type(%a: tensor<1x2x5x4xbf16>, %la: tensor<1x2x5xf32>) {
  // expected-error @+1 {{result 'tensor<1x2x5x4xf32>' must match the partial outputs 'tensor<1x2x5x4xbf16>'}}
  %o, %l = attn.lse_merge %a, %a lse %la, %la : (tensor<1x2x5x4xbf16>, tensor<1x2x5x4xbf16>, tensor<1x2x5xf32>, tensor<1x2x5xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @result_lse(%a: tensor<1x2x5x4xf32>, %la: tensor<1x2x5xf32>) {
  // expected-error @+1 {{result 'lse' must be the [B, H, S] f32 tensor 'tensor<1x2x5xf32>', got 'tensor<1x2x5x4xf32>'}}
  %o, %l = attn.lse_merge %a, %a lse %la, %la : (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>) -> (tensor<1x2x5x4xf32>, tensor<1x2x5x4xf32>)
  return
}

// -----

func.func @integer_parts(%a: tensor<1x2x5x4xi32>, %la: tensor<1x2x5xf32>) {
  // expected-error @+1 {{partial outputs must be f32, bf16 or f16, got 'i32'}}
  %o, %l = attn.lse_merge %a, %a lse %la, %la : (tensor<1x2x5x4xi32>, tensor<1x2x5x4xi32>, tensor<1x2x5xf32>, tensor<1x2x5xf32>) -> (tensor<1x2x5x4xi32>, tensor<1x2x5xf32>)
  return
}

// -----

func.func @rank(%a: tensor<2x5x4xf32>, %la: tensor<2x5xf32>) {
  // expected-error @+1 {{partial output #0 must be a [B, H, S, D] tensor, got 'tensor<2x5x4xf32>'}}
  %o, %l = attn.lse_merge %a, %a lse %la, %la : (tensor<2x5x4xf32>, tensor<2x5x4xf32>, tensor<2x5xf32>, tensor<2x5xf32>) -> (tensor<2x5x4xf32>, tensor<2x5xf32>)
  return
}
