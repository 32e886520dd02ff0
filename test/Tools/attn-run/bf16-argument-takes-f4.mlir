// A bf16 argument takes <f4 data, rounded to nearest even; a bf16 result is
// written as <f4. Values: 1+2^-8 is a tie between 1.0 (even) and 1+2^-7 (odd),
// so it rounds to 1.0; 1+3*2^-8 ties to 1+2^-6 (even); 65504 rounds up to 65536.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %mknpy values %t/x.npy --dtype f4 --shape 2,3 \
// RUN:   --values=1.0,1.00390625,1.01171875,-0.0025,65504,3.140625
// RUN: attn-run %s --input %t/x.npy --output %t/o.npy
// RUN: %python -c "import numpy as np; a = np.load('%t/o.npy'); print(a.dtype.str, a.shape, a.tolist())" \
// RUN:   | FileCheck %s
// CHECK: <f4 (2, 3) {{\[}}[1.0, 1.0, 1.015625], [-0.00250244140625, 65536.0, 3.140625]]
func.func @main(%x: tensor<2x3xbf16>) -> tensor<2x3xbf16> {
  return %x : tensor<2x3xbf16>
}
