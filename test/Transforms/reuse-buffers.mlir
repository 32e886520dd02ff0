// RUN: attn-opt %s --attn-reuse-buffers -split-input-file | FileCheck %s
// RUN: attn-opt %s --attn-reuse-buffers=report -split-input-file -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// Two buffers of one type with disjoint lifetimes share one allocation.
// CHECK-LABEL: func @disjoint_lifetimes_share
// CHECK: %[[A:.*]] = memref.alloc() : memref<64xf32>
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[A]]
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[A]]
// REPORT: allocated bytes per call 512 -> 256 (shared 1, hoisted 0, zero fills hoisted 0)
func.func @disjoint_lifetimes_share(%out: memref<64xf32>) {
  %c1 = arith.constant 1.0 : f32
  %c2 = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c1 : f32) outs(%a : memref<64xf32>)
  memref.copy %a, %out : memref<64xf32> to memref<64xf32>
  %b = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c2 : f32) outs(%b : memref<64xf32>)
  memref.copy %b, %out : memref<64xf32> to memref<64xf32>
  return
}

// -----

// A view of the first buffer is still read after the second is allocated:
// reusing it would clobber contents that can still be read (the aliasing
// hazard of FastVideo's cached tile buffer). No sharing.
// CHECK-LABEL: func @live_view_blocks_reuse
// CHECK: %[[A:.*]] = memref.alloc() : memref<64xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<64xf32>
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<32xf32, strided<[1]>> to memref<32xf32>
// REPORT: allocated bytes per call 512 -> 512 (shared 0
func.func @live_view_blocks_reuse(%out: memref<64xf32>, %half: memref<32xf32>) {
  %c1 = arith.constant 1.0 : f32
  %c2 = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c1 : f32) outs(%a : memref<64xf32>)
  %view = memref.subview %a[0] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1]>>
  %b = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c2 : f32) outs(%b : memref<64xf32>)
  memref.copy %b, %out : memref<64xf32> to memref<64xf32>
  memref.copy %view, %half : memref<32xf32, strided<[1]>> to memref<32xf32>
  return
}

// -----

// A returned buffer escapes: never shared, even after its last local use.
// CHECK-LABEL: func @escaping_buffer_not_shared
// CHECK-COUNT-2: memref.alloc()
// REPORT: (shared 0, hoisted 0
func.func @escaping_buffer_not_shared(%out: memref<64xf32>) -> memref<64xf32> {
  %c1 = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c1 : f32) outs(%a : memref<64xf32>)
  %b = memref.alloc() : memref<64xf32>
  linalg.fill ins(%c1 : f32) outs(%b : memref<64xf32>)
  memref.copy %b, %out : memref<64xf32> to memref<64xf32>
  return %a : memref<64xf32>
}

// -----

// A per-iteration scratch buffer moves out of the layer loop (30 iterations
// of 256 bytes become one allocation).
// CHECK-LABEL: func @scratch_hoisted_out_of_loop
// CHECK: memref.alloc() : memref<64xf32>
// CHECK: scf.for
// CHECK-NOT: memref.alloc
// REPORT: allocated bytes per call 7680 -> 256 (shared 0, hoisted 1, zero fills hoisted 0)
func.func @scratch_hoisted_out_of_loop(%out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c30 step %c1 {
    %a = memref.alloc() : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%a : memref<64xf32>)
    memref.copy %a, %out : memref<64xf32> to memref<64xf32>
  }
  return
}

// -----

// A buffer yielded out of the iteration is not loop-local: not hoisted.
// CHECK-LABEL: func @yielded_buffer_stays
// CHECK: scf.for
// CHECK: memref.alloc
// REPORT: (shared 0, hoisted 0
func.func @yielded_buffer_stays(%init: memref<64xf32>) -> memref<64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%x = %init) -> memref<64xf32> {
    %a = memref.alloc() : memref<64xf32>
    memref.copy %x, %a : memref<64xf32> to memref<64xf32>
    scf.yield %a : memref<64xf32>
  }
  return %r : memref<64xf32>
}

// -----

// A padded buffer (as tensor.pad bufferizes): zero-filled, then only its
// constant interior is written (fully) before it is read. The pads stay zero
// across iterations, so the fill happens once, before the loop.
// CHECK-LABEL: func @pad_zeroed_once
// CHECK: %[[P:.*]] = memref.alloc() : memref<24xf32>
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[P]] : memref<24xf32>)
// CHECK: scf.for
// CHECK-NOT: linalg.fill
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<20xf32> to memref<20xf32, strided<[1]>>
// REPORT: (shared 0, hoisted 1, zero fills hoisted 1)
func.func @pad_zeroed_once(%src: memref<20xf32>, %out: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  scf.for %i = %c0 to %c30 step %c1 {
    %z = arith.constant 0.0 : f32
    %p = memref.alloc() : memref<24xf32>
    linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
    %in = memref.subview %p[0] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1]>>
    memref.copy %src, %in : memref<20xf32> to memref<20xf32, strided<[1]>>
    memref.copy %p, %out : memref<24xf32> to memref<24xf32>
  }
  return
}

// -----

// A scatter with a computed index may write pad slots: the fill stays in the
// loop (the buffer itself is still hoisted).
// CHECK-LABEL: func @scatter_keeps_fill_in_loop
// CHECK: memref.alloc() : memref<24xf32>
// CHECK: scf.for
// CHECK: linalg.fill
// CHECK: memref.store
// REPORT: (shared 0, hoisted 1, zero fills hoisted 0)
func.func @scatter_keeps_fill_in_loop(%src: memref<20xf32>, %idx: memref<20xindex>, %out: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  scf.for %i = %c0 to %c30 step %c1 {
    %z = arith.constant 0.0 : f32
    %p = memref.alloc() : memref<24xf32>
    linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
    %j = memref.load %idx[%i] : memref<20xindex>
    %v = memref.load %src[%i] : memref<20xf32>
    memref.store %v, %p[%j] : memref<24xf32>
    memref.copy %p, %out : memref<24xf32> to memref<24xf32>
  }
  return
}

// -----

// The covering copy is conditional (inside scf.if): the pad proof does not
// hold on iterations where it does not run, so the fill stays in the loop.
// CHECK-LABEL: func @conditional_copy_keeps_fill
// CHECK: scf.for
// CHECK: linalg.fill
// CHECK: scf.if
// REPORT: (shared 0, hoisted 1, zero fills hoisted 0)
func.func @conditional_copy_keeps_fill(%src: memref<20xf32>, %out: memref<24xf32>, %c: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  scf.for %i = %c0 to %c30 step %c1 {
    %z = arith.constant 0.0 : f32
    %p = memref.alloc() : memref<24xf32>
    linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
    %in = memref.subview %p[0] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1]>>
    scf.if %c {
      memref.copy %src, %in : memref<20xf32> to memref<20xf32, strided<[1]>>
    }
    memref.copy %p, %out : memref<24xf32> to memref<24xf32>
  }
  return
}

// -----

// The interior is read before it is rewritten: hoisting the fill would let
// that read see the previous iteration's data. The fill stays.
// CHECK-LABEL: func @read_before_copy_keeps_fill
// CHECK: scf.for
// CHECK: linalg.fill
// REPORT: (shared 0, hoisted 1, zero fills hoisted 0)
func.func @read_before_copy_keeps_fill(%src: memref<20xf32>, %out: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  scf.for %i = %c0 to %c30 step %c1 {
    %z = arith.constant 0.0 : f32
    %p = memref.alloc() : memref<24xf32>
    linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
    memref.copy %p, %out : memref<24xf32> to memref<24xf32>
    %in = memref.subview %p[0] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1]>>
    memref.copy %src, %in : memref<20xf32> to memref<20xf32, strided<[1]>>
  }
  return
}

// -----

// Manually managed lifetimes (a dealloc is present) are left alone: sharing
// or hoisting across a dealloc would use freed memory.
// CHECK-LABEL: func @dealloc_is_an_escape
// CHECK: scf.for
// CHECK: memref.alloc
// CHECK: memref.dealloc
// REPORT: (shared 0, hoisted 0, zero fills hoisted 0)
func.func @dealloc_is_an_escape(%out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %a = memref.alloc() : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%a : memref<64xf32>)
    memref.copy %a, %out : memref<64xf32> to memref<64xf32>
    memref.dealloc %a : memref<64xf32>
  }
  return
}

// -----

// A buffer passed to a call escapes (the callee may keep it): it is neither
// moved out of the loop nor given to the later allocation of the same type,
// which (local to the iteration) alone leaves the loop.
// CHECK-LABEL: func @call_is_an_escape
// CHECK: %[[B:.*]] = memref.alloc() : memref<64xf32>
// CHECK-NEXT: scf.for
// CHECK-NEXT: %[[A:.*]] = memref.alloc() : memref<64xf32>
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[A]]
// CHECK-NEXT: func.call @keep(%[[A]])
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[B]]
// CHECK-NEXT: memref.copy %[[B]], %{{.*}}
// CHECK-NEXT: }
// REPORT: (shared 0, hoisted 1, zero fills hoisted 0)
func.func private @keep(memref<64xf32>)
func.func @call_is_an_escape(%out: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %a = memref.alloc() : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%a : memref<64xf32>)
    func.call @keep(%a) : (memref<64xf32>) -> ()
    %b = memref.alloc() : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%b : memref<64xf32>)
    memref.copy %b, %out : memref<64xf32> to memref<64xf32>
  }
  return
}

// -----

// A write into the pads after the covering copy: the next iteration must see
// zero pads again, so the fill stays in the loop (the buffer still leaves).
// CHECK-LABEL: func @write_after_copy_keeps_fill
// CHECK: %[[P:.*]] = memref.alloc() : memref<24xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.for
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.0
// CHECK-NEXT: linalg.fill ins(%[[Z]] : f32) outs(%[[P]] : memref<24xf32>)
// CHECK-NEXT: memref.subview %[[P]]
// CHECK-NEXT: memref.copy
// CHECK-NEXT: memref.store
// REPORT: (shared 0, hoisted 1, zero fills hoisted 0)
func.func @write_after_copy_keeps_fill(%src: memref<20xf32>, %out: memref<24xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c22 = arith.constant 22 : index
  %c30 = arith.constant 30 : index
  scf.for %i = %c0 to %c30 step %c1 {
    %z = arith.constant 0.0 : f32
    %p = memref.alloc() : memref<24xf32>
    linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
    %in = memref.subview %p[0] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1]>>
    memref.copy %src, %in : memref<20xf32> to memref<20xf32, strided<[1]>>
    memref.store %v, %p[%c22] : memref<24xf32>
    memref.copy %p, %out : memref<24xf32> to memref<24xf32>
  }
  return
}

// -----

// The covering copy reads from the buffer itself (a shifted view): with the
// fill hoisted it would read the previous iteration's interior instead of
// zeros, so the fill stays in the loop.
// CHECK-LABEL: func @aliasing_copy_source_keeps_fill
// CHECK: %[[P:.*]] = memref.alloc() : memref<24xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.for
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.0
// CHECK-NEXT: linalg.fill ins(%[[Z]] : f32) outs(%[[P]] : memref<24xf32>)
// REPORT: (shared 0, hoisted 1, zero fills hoisted 0)
func.func @aliasing_copy_source_keeps_fill(%out: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  scf.for %i = %c0 to %c30 step %c1 {
    %z = arith.constant 0.0 : f32
    %p = memref.alloc() : memref<24xf32>
    linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
    %in = memref.subview %p[0] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1]>>
    %tail = memref.subview %p[4] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1], offset: 4>>
    memref.copy %tail, %in : memref<20xf32, strided<[1], offset: 4>> to memref<20xf32, strided<[1]>>
    memref.copy %p, %out : memref<24xf32> to memref<24xf32>
  }
  return
}

// -----

// Nested loops: the per-layer buffer leaves both loops (one allocation per
// call instead of 4 x 30); its zero fill leaves the layer loop, where the
// covering copy is, but stays in the step loop: from the step loop's body the
// copy is inside another loop, which proves nothing about every iteration.
// CHECK-LABEL: func @nested_loops
// CHECK: %[[P:.*]] = memref.alloc() : memref<24xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.for
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[P]] : memref<24xf32>)
// CHECK-NEXT: scf.for
// CHECK-NOT: linalg.fill
// CHECK-NOT: memref.alloc
// CHECK: memref.copy %{{.*}}, %{{.*}} : memref<20xf32> to memref<20xf32, strided<[1]>>
// CHECK-NEXT: memref.copy %[[P]], %{{.*}} : memref<24xf32> to memref<24xf32>
// REPORT: allocated bytes per call 11520 -> 96 (shared 0, hoisted 2, zero fills hoisted 1)
func.func @nested_loops(%src: memref<20xf32>, %out: memref<24xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c30 = arith.constant 30 : index
  scf.for %s = %c0 to %c4 step %c1 {
    scf.for %l = %c0 to %c30 step %c1 {
      %z = arith.constant 0.0 : f32
      %p = memref.alloc() : memref<24xf32>
      linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
      %in = memref.subview %p[0] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1]>>
      memref.copy %src, %in : memref<20xf32> to memref<20xf32, strided<[1]>>
      memref.copy %p, %out : memref<24xf32> to memref<24xf32>
    }
  }
  return
}

// -----

// Nested loops, unsafe: the step loop's buffer is zero-filled and covered by
// the copy in the step body, but a layer loop nested in that body writes a
// pad slot. A nested write proves nothing about what the next step sees, so
// the fill stays in the step loop (the buffer itself leaves it).
// CHECK-LABEL: func @nested_pad_write_keeps_fill
// CHECK: %[[P:.*]] = memref.alloc() : memref<24xf32>
// CHECK-NOT: linalg.fill
// CHECK: scf.for
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.0
// CHECK-NEXT: linalg.fill ins(%[[Z]] : f32) outs(%[[P]] : memref<24xf32>)
// CHECK: scf.for
// CHECK-NEXT: memref.store %{{.*}}, %[[P]]
// REPORT: (shared 0, hoisted 1, zero fills hoisted 0)
func.func @nested_pad_write_keeps_fill(%src: memref<20xf32>, %out: memref<24xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c22 = arith.constant 22 : index
  scf.for %s = %c0 to %c4 step %c1 {
    %z = arith.constant 0.0 : f32
    %p = memref.alloc() : memref<24xf32>
    linalg.fill ins(%z : f32) outs(%p : memref<24xf32>)
    %in = memref.subview %p[0] [20] [1] : memref<24xf32> to memref<20xf32, strided<[1]>>
    memref.copy %src, %in : memref<20xf32> to memref<20xf32, strided<[1]>>
    scf.for %l = %c0 to %c4 step %c1 {
      memref.store %v, %p[%c22] : memref<24xf32>
    }
    memref.copy %p, %out : memref<24xf32> to memref<24xf32>
  }
  return
}
