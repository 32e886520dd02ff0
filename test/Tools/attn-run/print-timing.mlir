// --print-timing prints the pipeline and one timing line (compile time, median run time, number
// of runs) to stderr; --repeat N runs the function N times. The run still
// writes its output.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %npy rand %t/x.npy --shape 2,3
// RUN: attn-run %s --input %t/x.npy --output %t/o.npy --print-timing 2>&1 | FileCheck %s
// CHECK: attn-run: pipeline attn-to-cpu
// CHECK-NEXT: attn-run: compile {{[0-9]+\.[0-9]+}} s, run median {{[0-9]+\.[0-9]+}} s over 1 run(s)
// RUN: attn-run %s --input %t/x.npy --output %t/o.npy --print-timing --repeat 3 2>&1 \
// RUN:   | FileCheck %s --check-prefix=REPEAT
// REPEAT: attn-run: compile {{[0-9]+\.[0-9]+}} s, run median {{[0-9]+\.[0-9]+}} s over 3 run(s)
// RUN: %npy equal %t/x.npy %t/o.npy
// Without --print-timing nothing is printed.
// RUN: attn-run %s --input %t/x.npy --output %t/o.npy 2>&1 | count 0
func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
