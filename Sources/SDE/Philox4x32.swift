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
}
