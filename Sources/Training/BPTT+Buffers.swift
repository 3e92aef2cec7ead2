import Foundation
import GaussianMoments

/// The batch's fixed trial slices (run on two threads) and the plain
/// pointers the slice threads share: what makes BPTT's passes parallel and
/// still the same bits on any core count.
extension BPTT {
  /// Calls body(first, end) for each fixed slice of the batch's trials:
  /// two halves from 16 trials on, run on two threads when there are two
  /// cores, else one slice. The slices depend on the batch size alone, never
  /// on the core count, and each row's arithmetic is the same in any slice.
  static func forEachSlice(trials b: Int, _ body: (Int, Int) -> Void) {
    guard b >= 16 else { return body(0, b) }
    let half = b / 2
    if ProcessInfo.processInfo.activeProcessorCount > 1 {
      // The slices write disjoint rows of shared buffers and are joined
      // before anything reads them, hence the unchecked wrapper.
      withoutActuallyEscaping(body) { body in
        let work = UncheckedBox(body)
        DispatchQueue.concurrentPerform(iterations: 2) { s in
          s == 0 ? work.value(0, half) : work.value(half, b)
        }
      }
    } else {
      body(0, half)
      body(half, b)
    }
  }
}

/// A value handed to the slice threads (see `BPTT.forEachSlice`).
struct UncheckedBox<V>: @unchecked Sendable {
  let value: V
  init(_ value: V) { self.value = value }
}

/// The forward pass's buffers as plain pointers for the slice threads
/// (the dropout ones nil without dropout, or at the other site).
struct BPTTPointers<T>: @unchecked Sendable {
  let hs: UnsafeMutablePointer<T>, xs: UnsafeMutablePointer<T>, noise: UnsafePointer<T>?
  let wRec: UnsafePointer<T>, bias: UnsafePointer<T>
  let masks: UnsafePointer<T>?, maskedStates: UnsafeMutablePointer<T>?, unmasked: UnsafeMutablePointer<T>?
}

/// The backward pass's buffers as plain pointers for the slice threads.
struct BPTTBackPointers<T>: @unchecked Sendable {
  let dz: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, xs: UnsafePointer<T>
  let wRec: UnsafePointer<T>, wOut: UnsafePointer<T>
  let hs: UnsafePointer<T>
  /// Dropout: the masks, x before the mask (f's input site), whether the
  /// masks are on the state; the input gradients when wanted.
  let masks: UnsafePointer<T>?, unmasked: UnsafePointer<T>?, stateMasks: Bool
  let noiseGradient: UnsafeMutablePointer<T>?, maskGradient: UnsafeMutablePointer<T>?
  /// The held noise (gated noise's slope needs it); nil without noise.
  let noise: UnsafePointer<T>?
}

extension BPTT {
  /// Calls body with the noise's base address (nil without noise).
  @inline(__always)
  static func noisePointer<T>(_ noise: [T]?, _ body: (UnsafePointer<T>?) -> Void) {
    if let noise { noise.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
  }

  /// Calls body with the array's base address when `use` (nil otherwise).
  @inline(__always)
  static func mutablePointer<T>(_ a: inout [T], if use: Bool, _ body: (UnsafeMutablePointer<T>?) -> Void) {
    if use { a.withUnsafeMutableBufferPointer { body($0.baseAddress) } } else { body(nil) }
  }

  /// The forward pass's dropout buffers: the masks, M ⊙ h (on the state)
  /// and x before the mask (on f's input); nil where they do not apply.
  @inline(__always)
  static func dropoutPointers<T>(
    _ masks: [T]?, _ maskedStates: inout [T], _ unmasked: inout [T], site: DropoutSite?,
    _ body: (UnsafePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?) -> Void
  ) {
    noisePointer(masks) { m in
      mutablePointer(&maskedStates, if: site == .state) { ms in
        mutablePointer(&unmasked, if: site == .input) { un in body(m, ms, un) }
      }
    }
  }

  /// The backward pass's extra buffers: the masks (nil without), the
  /// states, x before the mask (its base address; meaningful for dropout on
  /// f's input only) and the input gradients (nil when empty: not wanted).
  @inline(__always)
  static func backwardPointers<T>(
    _ masks: [T]?, _ states: [T], _ unmasked: [T], _ noiseGradient: inout [T], _ maskGradient: inout [T],
    _ body: (UnsafePointer<T>?, UnsafePointer<T>, UnsafePointer<T>?, UnsafeMutablePointer<T>?, UnsafeMutablePointer<T>?) -> Void
  ) {
    noisePointer(masks) { m in
      states.withUnsafeBufferPointer { hs in
        unmasked.withUnsafeBufferPointer { un in
          mutablePointer(&noiseGradient, if: !noiseGradient.isEmpty) { gn in
            mutablePointer(&maskGradient, if: !maskGradient.isEmpty) { gm in body(m, hs.baseAddress!, un.baseAddress, gn, gm) }
          }
        }
      }
    }
  }
}
