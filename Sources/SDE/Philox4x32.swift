/// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror & Shaw,
/// "Parallel random numbers: as easy as 1, 2, 3" (SC'11).
///
/// A pure function of a 128-bit counter and a 64-bit key: block k of stream s
/// is computed without producing blocks 0…k−1, so every trajectory of an
/// ensemble owns an independent stream (key = seed, counter = (block, stream))
/// and no result depends on which thread ran it. Ten rounds is Random123's
/// default, which passes TestU01's BigCrush with a margin (7 rounds suffice).
public enum Philox4x32 {
  public static let multiplier0: UInt32 = 0xD251_1F53
  public static let multiplier1: UInt32 = 0xCD9E_8D57
  public static let weyl0: UInt32 = 0x9E37_79B9  // golden ratio
  public static let weyl1: UInt32 = 0xBB67_AE85  // √3 − 1

  /// The 4×32-bit output block for `counter` under `key`.
  @inlinable
  public static func block(
    _ counter: (UInt32, UInt32, UInt32, UInt32), key: (UInt32, UInt32)
  ) -> (UInt32, UInt32, UInt32, UInt32) {
    var (c0, c1, c2, c3) = counter
    var (k0, k1) = key
    for round in 0..<10 {
      if round > 0 {
        k0 &+= weyl0
        k1 &+= weyl1
      }
      let p0 = UInt64(multiplier0) &* UInt64(c0)
      let p1 = UInt64(multiplier1) &* UInt64(c2)
      let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
      let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
      (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
    }
    return (c0, c1, c2, c3)
  }

  /// Blocks `first` … `first + 3` of stream (counter high half) `stream`,
  /// as 8 words: block first+i gives words 2i and 2i+1, each two 32-bit
  /// outputs (low word first) — the same words `block` gives one at a time.
  /// Four independent blocks are interleaved so that the multiplies of one
  /// hide the latency of the others (one block alone is latency-bound).
  @inlinable
  public static func fourBlocks(first: UInt64, stream: UInt64, key: (UInt32, UInt32)) -> SIMD8<UInt64> {
    let s0 = UInt32(truncatingIfNeeded: stream), s1 = UInt32(truncatingIfNeeded: stream >> 32)
    var a = (UInt32(truncatingIfNeeded: first), UInt32(truncatingIfNeeded: first >> 32), s0, s1)
    var b = (UInt32(truncatingIfNeeded: first &+ 1), UInt32(truncatingIfNeeded: (first &+ 1) >> 32), s0, s1)
    var c = (UInt32(truncatingIfNeeded: first &+ 2), UInt32(truncatingIfNeeded: (first &+ 2) >> 32), s0, s1)
    var d = (UInt32(truncatingIfNeeded: first &+ 3), UInt32(truncatingIfNeeded: (first &+ 3) >> 32), s0, s1)
    var (k0, k1) = key
    @inline(__always) func round(_ x: inout (UInt32, UInt32, UInt32, UInt32), _ k0: UInt32, _ k1: UInt32) {
      let p0 = UInt64(multiplier0) &* UInt64(x.0)
      let p1 = UInt64(multiplier1) &* UInt64(x.2)
      x = (
        UInt32(truncatingIfNeeded: p1 >> 32) ^ x.1 ^ k0, UInt32(truncatingIfNeeded: p1),
        UInt32(truncatingIfNeeded: p0 >> 32) ^ x.3 ^ k1, UInt32(truncatingIfNeeded: p0)
      )
    }
    for r in 0..<10 {
      if r > 0 {
        k0 &+= weyl0
        k1 &+= weyl1
      }
      round(&a, k0, k1)
      round(&b, k0, k1)
      round(&c, k0, k1)
      round(&d, k0, k1)
    }
    @inline(__always) func lo(_ x: (UInt32, UInt32, UInt32, UInt32)) -> UInt64 { UInt64(x.0) | UInt64(x.1) << 32 }
    @inline(__always) func hi(_ x: (UInt32, UInt32, UInt32, UInt32)) -> UInt64 { UInt64(x.2) | UInt64(x.3) << 32 }
    return SIMD8(lo(a), hi(a), lo(b), hi(b), lo(c), hi(c), lo(d), hi(d))
  }
}
