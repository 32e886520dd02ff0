// SVG2's cluster ops parse, infer their result types and print back
// (static and dynamic shapes); the verifiers name what is wrong: zero
// iterations, init centroids of another head dim, a top_p outside [0, 1],
// sizes of another cluster count, labels of the wrong shape, a selection
// that is not i1.
// RUN: attn-opt %s -split-input-file -verify-diagnostics | FileCheck %s

// CHECK-LABEL: func.func @layer(
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = attn.kmeans %arg0, %arg3 iterations 2 : tensor<1x2x96x16xbf16>, tensor<1x2x6x16xf32>
// CHECK: attn.cluster_select %{{.*}}, %{{.*}}, %{{.*}} top_p 0.899999976 min_kc_ratio 1.000000e-01 : tensor<1x2x6x16xf32>, tensor<1x2x10x16xf32>, tensor<1x2x10xi32>
// CHECK: attn.cluster_attention %arg0, %arg1, %arg2, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x2x96x16xbf16>, tensor<1x2x96x16xbf16>, tensor<1x2x96x16xbf16>, tensor<1x2x96xi32>, tensor<1x2x96xi32>, tensor<1x2x6x10xi1>) -> tensor<1x2x96x16xbf16>
func.func @layer(%q: tensor<1x2x96x16xbf16>, %k: tensor<1x2x96x16xbf16>, %v: tensor<1x2x96x16xbf16>,
                 %iq: tensor<1x2x6x16xf32>, %ik: tensor<1x2x10x16xf32>) -> tensor<1x2x96x16xbf16> {
  %ql, %qc, %qs = attn.kmeans %q, %iq iterations 2 : tensor<1x2x96x16xbf16>, tensor<1x2x6x16xf32>
  %kl, %kc, %ks = attn.kmeans %k, %ik iterations 2 : tensor<1x2x96x16xbf16>, tensor<1x2x10x16xf32>
  %sel = attn.cluster_select %qc, %kc, %ks top_p 0.9 min_kc_ratio 0.1 : tensor<1x2x6x16xf32>, tensor<1x2x10x16xf32>, tensor<1x2x10xi32>
  %o = attn.cluster_attention %q, %k, %v, %ql, %kl, %sel : (tensor<1x2x96x16xbf16>, tensor<1x2x96x16xbf16>, tensor<1x2x96x16xbf16>, tensor<1x2x96xi32>, tensor<1x2x96xi32>, tensor<1x2x6x10xi1>) -> tensor<1x2x96x16xbf16>
  return %o : tensor<1x2x96x16xbf16>
}

// -----

// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME: -> (tensor<?x2x?xi32>, tensor<?x2x?x16xf32>, tensor<?x2x?xi32>)
func.func @dynamic(%x: tensor<?x2x?x16xf32>, %c: tensor<?x2x?x16xf32>) -> (tensor<?x2x?xi32>, tensor<?x2x?x16xf32>, tensor<?x2x?xi32>) {
  %l, %m, %s = attn.kmeans %x, %c iterations 1 : tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>
  return %l, %m, %s : tensor<?x2x?xi32>, tensor<?x2x?x16xf32>, tensor<?x2x?xi32>
}

// -----

func.func @zero_iterations(%x: tensor<1x2x96x16xf32>, %c: tensor<1x2x6x16xf32>) {
  // expected-error @+1 {{'attn.kmeans' op attribute 'iterations' must be in [1, 100000], got 0}}
  %l, %m, %s = attn.kmeans %x, %c iterations 0 : tensor<1x2x96x16xf32>, tensor<1x2x6x16xf32>
  return
}

// -----

func.func @init_head_dim(%x: tensor<1x2x96x16xf32>, %c: tensor<1x2x6x8xf32>) {
  // expected-error @+1 {{'attn.kmeans' op operand 'init' must have shape [B, H, K, D] = [1, 2, 6, 16], got 'tensor<1x2x6x8xf32>'}}
  %l, %m, %s = attn.kmeans %x, %c iterations 2 : tensor<1x2x96x16xf32>, tensor<1x2x6x8xf32>
  return
}

// -----

func.func @top_p_range(%q: tensor<1x2x6x16xf32>, %k: tensor<1x2x10x16xf32>, %s: tensor<1x2x10xi32>) {
  // expected-error @+1 {{'attn.cluster_select' op attribute 'top_p' must be in [0, 1], got 1.5}}
  %r = attn.cluster_select %q, %k, %s top_p 1.5 : tensor<1x2x6x16xf32>, tensor<1x2x10x16xf32>, tensor<1x2x10xi32>
  return
}

// -----

func.func @sizes_count(%q: tensor<1x2x6x16xf32>, %k: tensor<1x2x10x16xf32>, %s: tensor<1x2x9xi32>) {
  // expected-error @+1 {{'attn.cluster_select' op operand 'k_sizes' must have shape [B, H, KC] = [1, 2, 10], got 'tensor<1x2x9xi32>'}}
  %r = attn.cluster_select %q, %k, %s top_p 0.9 : tensor<1x2x6x16xf32>, tensor<1x2x10x16xf32>, tensor<1x2x9xi32>
  return
}

// -----

func.func @label_shape(%q: tensor<1x2x96x16xf32>, %l: tensor<1x2x95xi32>, %s: tensor<1x2x6x10xi1>) {
  // expected-error @+1 {{'attn.cluster_attention' op operand 'q_labels' must have shape [B, Hq, Sq] = [1, 2, 96], got 'tensor<1x2x95xi32>'}}
  %o = attn.cluster_attention %q, %q, %q, %l, %l, %s : (tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x95xi32>, tensor<1x2x95xi32>, tensor<1x2x6x10xi1>) -> tensor<1x2x96x16xf32>
  return
}

// -----

func.func @selection_type(%q: tensor<1x2x96x16xf32>, %l: tensor<1x2x96xi32>, %s: tensor<1x2x6x10xi32>) {
  // expected-error @+1 {{'attn.cluster_attention' op operand 'selection' must be a tensor of i1, got 'tensor<1x2x6x10xi32>'}}
  %o = attn.cluster_attention %q, %q, %q, %l, %l, %s : (tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x96x16xf32>, tensor<1x2x96xi32>, tensor<1x2x96xi32>, tensor<1x2x6x10xi32>) -> tensor<1x2x96x16xf32>
  return
}
