import Foundation

/// A stream of uniform and standard-normal variates owned by one trajectory:
/// Philox4x32-10 keyed by `seed`, with the counter's high half set to
/// `stream` (the trajectory index) and its low half counting blocks.
///
/// Streams with different (seed, stream) never overlap (they differ in key or
/// counter), and a stream's values depend on nothing else — in particular not
/// on threads, chunking or the order trajectories are run in. Normals come
/// from a 256-layer ziggurat (`Ziggurat`); GSL's MT19937 + ziggurat stays the
/// reference it is tested against (DESIGN.md, "Random numbers").
public struct GaussianStream: RandomNumberGenerator, Sendable {
  public let seed: UInt64
  public let stream: UInt64
  @usableFromInline var block: UInt64 = 0
  /// Four blocks' worth of words; `position` is the next unread one.
  @usableFromInline var words = SIMD8<UInt64>()
  @usableFromInline var position = 8
  /// The shared ziggurat tables, held as plain pointers so the hot loop
  /// touches no reference count (an atomic shared by every thread).
  let tables: Ziggurat.Tables

  public init(seed: UInt64, stream: UInt64) {
    self.seed = seed
    self.stream = stream
    self.tables = Ziggurat.shared.tables
  }

  @inline(never) @usableFromInline
  mutating func refill() {
    words = Philox4x32.fourBlocks(
      first: block, stream: stream, key: (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32)))
    block &+= 4
    position = 0
  }

  /// 64 random bits: block k's outputs (x0, x1, x2, x3) give the words
  /// x0 | x1<<32 then x2 | x3<<32, blocks in counter order.
  @inline(__always)
  public mutating func next() -> UInt64 {
    if position == 8 { refill() }
    let w = words[position]
    position += 1
    return w
  }

  /// Uniform on [0, 1) with 53 random bits.
  @inline(__always)
  public mutating func uniform() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A standard normal variate (ziggurat).
  @inline(__always)
  public mutating func gaussian() -> Double {
    gaussian(tables)
  }

  /// Fills `buffer` with standard normals, in order.
  public mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>) {
    let z = tables
    for i in buffer.indices { buffer[i] = gaussian(z) }
  }

  @inline(__always)
  mutating func gaussian(_ z: Ziggurat.Tables) -> Double {
    while true {
      let r = next()
      let layer = Int(truncatingIfNeeded: r & 0xff)
      let abscissa = (r >> 9) & 0x000f_ffff_ffff_ffff
      let x = (r >> 8) & 1 == 0 ? Double(abscissa) * z.w[layer] : -(Double(abscissa) * z.w[layer])
      if abscissa < z.k[layer] { return x }
      if layer == 0 {
        // The tail beyond r: Marsaglia's exponential-rejection sampler
        // (1 − U keeps log away from 0).
        while true {
          let xx = -Ziggurat.inverseR * log1p(-uniform())
          let yy = -log1p(-uniform())
          if yy + yy > xx * xx {
            return (abscissa >> 8) & 1 == 0 ? Ziggurat.r + xx : -(Ziggurat.r + xx)
          }
        }
      } else if (z.f[layer - 1] - z.f[layer]) * uniform() + z.f[layer] < exp(-0.5 * x * x) {
        return x
      }
    }
  }
}
