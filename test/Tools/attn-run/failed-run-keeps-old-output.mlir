// An --output path that already holds a file from an earlier run: a run that
// fails before writing leaves that file exactly as it was (outputs are written
// to PATH.partial and renamed into place only on success), and no
// PATH.partial. The exit code (1) is what tells the caller the file is stale.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy values %t/len.npy --dtype i4 --shape 2 --values=2,5
// RUN: %mknpy values %t/bad.npy --dtype i8 --shape 2 --values=2,5
// RUN: attn-run %s --input %t/len.npy --input %t/len.npy --output %t/a.npy --output %t/b.npy
// RUN: %expect_exit --unchanged %t/a.npy --unchanged %t/b.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/len.npy --input %t/bad.npy --output %t/a.npy --output %t/b.npy \
// RUN:   | FileCheck %s
// CHECK: attn-run: error: argument #1 expects tensor<2xi32>
// CHECK: expect_exit: OK exit code 1
func.func @main(%len: tensor<2xi32>, %big: tensor<2xi32>) -> (tensor<2x5xi1>, tensor<2x4xi1>) {
  %a = attn.mask_from_lengths %len size 5 : tensor<2xi32>
  %b = attn.mask_from_lengths %big size 4 : tensor<2xi32>
  return %a, %b : tensor<2x5xi1>, tensor<2x4xi1>
}
