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

/// The large per-pass buffers of BPTT (states, pre-activations, ∂L/∂x; a few
/// MB at 64 units, batch 32, T = 100), kept from one training iteration to
/// the next: allocating and zeroing them afresh each pass cost page faults
/// and memsets, ~5 % of a float32 iteration (perf). A pass takes an array
/// out (the workspace then holds an empty one) and hands it back when done,
/// so the arrays are never shared while written; the lock makes two passes
/// that happen to share a workspace safe (the second simply allocates).
final class BPTTWorkspace<T: TrainingScalar>: @unchecked Sendable {
  private let lock = NSLock()
  private var states: [T] = [], preactivations: [T] = [], dxs: [T] = []

  enum Slot { case states, preactivations, dxs }

  /// The slot's array resized to `count`, its first `zeroed` entries 0 and
  /// the rest unspecified (the pass overwrites them); a fresh zeroed array
  /// when the slot is empty or of another size.
  func take(_ slot: Slot, count: Int, zeroed: Int) -> [T] {
    lock.lock()
    var a: [T] = []
    switch slot {
    case .states: swap(&a, &states)
    case .preactivations: swap(&a, &preactivations)
    case .dxs: swap(&a, &dxs)
    }
    lock.unlock()
    guard a.count == count else { return [T](repeating: 0, count: count) }
    a.withUnsafeMutableBufferPointer { p in
      for k in 0..<Swift.min(zeroed, count) { p[k] = 0 }
    }
    return a
  }

  /// Hands an array back for the next pass.
  func give(_ slot: Slot, _ a: inout [T]) {
    lock.lock()
    defer { lock.unlock() }
    switch slot {
    case .states: swap(&a, &states)
    case .preactivations: swap(&a, &preactivations)
    case .dxs: swap(&a, &dxs)
    }
  }
}

extension BPTT {
  /// A buffer for a pass: from the workspace when there is one, else a fresh
  /// zeroed array.
  static func buffer<T: TrainingScalar>(_ workspace: BPTTWorkspace<T>?, _ slot: BPTTWorkspace<T>.Slot, count: Int, zeroed: Int) -> [T] {
    workspace?.take(slot, count: count, zeroed: zeroed) ?? [T](repeating: 0, count: count)
  }
}
