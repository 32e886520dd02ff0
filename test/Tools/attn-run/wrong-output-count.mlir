// The entry returns 2 results: 1 or 3 --output files is an error naming both
// counts, exit 1, and none of the named files is written.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy values %t/len.npy --dtype i4 --shape 2 --values=2,5
// RUN: %expect_exit --absent %t/a.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/len.npy --output %t/a.npy | FileCheck %s --check-prefix=ONE
// ONE: attn-run: error: 'main' returns 2 result(s) but 1 --output file(s) were given
// ONE: expect_exit: OK exit code 1
// RUN: %expect_exit --absent %t/a.npy --absent %t/b.npy --absent %t/c.npy --no-partial %t -- \
// RUN:   attn-run %s --input %t/len.npy --output %t/a.npy --output %t/b.npy --output %t/c.npy \
// RUN:   | FileCheck %s --check-prefix=THREE
// THREE: attn-run: error: 'main' returns 2 result(s) but 3 --output file(s) were given
// THREE: expect_exit: OK exit code 1
func.func @main(%len: tensor<2xi32>) -> (tensor<2x5xi1>, tensor<2x5xi1>) {
  %m = attn.mask_from_lengths %len size 5 : tensor<2xi32>
  return %m, %m : tensor<2x5xi1>, tensor<2x5xi1>
}
