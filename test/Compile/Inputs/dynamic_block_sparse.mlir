// attn.block_sparse over run-time batch and lengths, its tables entry
// arguments (test/Compile/attn-compile-run-time-sizes.test).
func.func @main(%q: tensor<?x4x?x64xf16>, %k: tensor<?x4x?x64xf16>, %v: tensor<?x4x?x64xf16>,
                %idx: tensor<?x4x?x?xi32>, %cnt: tensor<?x4x?xi32>) -> tensor<?x4x?x64xf16> {
  %o = attn.block_sparse %q, %k, %v, %idx, %cnt block_q 64 block_kv 64
      : (tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?x64xf16>, tensor<?x4x?x?xi32>, tensor<?x4x?xi32>) -> tensor<?x4x?x64xf16>
  return %o : tensor<?x4x?x64xf16>
}
