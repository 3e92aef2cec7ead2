import CGSL

/// A seeded GSL random number generator (MT19937 by default), the project's
/// reference generator (DESIGN.md, "Random numbers"). Owns its `gsl_rng`.
///
/// Not thread-safe: give each trajectory or thread its own instance.
public final class GSLRandom: RandomNumberGenerator {
  public enum Kind: Sendable { case mt19937, ranlxd2 }

  private let rng: UnsafeMutablePointer<gsl_rng>
  public let seed: UInt

  public init(seed: UInt, kind: Kind = .mt19937) throws(GSLError) {
    GSLRuntime.ensureInitialised()
    let type = kind == .mt19937 ? cgsl_rng_mt19937() : cgsl_rng_ranlxd2()
    guard let rng = gsl_rng_alloc(type) else { throw GSLError(status: Int32(GSL_ENOMEM), context: "allocating a random number generator") }
    gsl_rng_set(rng, seed)
    self.rng = rng
    self.seed = seed
  }

  deinit { gsl_rng_free(rng) }

  /// Uniform on [0, 1).
  @inline(__always) public func uniform() -> Double { gsl_rng_uniform(rng) }

  /// Uniform on (0, 1), never 0.
  @inline(__always) public func uniformPositive() -> Double { gsl_rng_uniform_pos(rng) }

  /// Standard normal by the Marsaglia–Tsang ziggurat (GSL's fastest exact sampler).
  @inline(__always) public func gaussian() -> Double { gsl_ran_gaussian_ziggurat(rng, 1.0) }

  /// Fills `buffer` with standard normals.
  public func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>) {
    for i in buffer.indices { buffer[i] = gsl_ran_gaussian_ziggurat(rng, 1.0) }
  }

  /// 64 random bits, from two 32-bit MT19937 outputs (Swift's `RandomNumberGenerator`).
  public func next() -> UInt64 {
    // gsl_rng_get returns values in [min, max]; MT19937 spans all 32 bits.
    let hi = UInt64(gsl_rng_get(rng) & 0xFFFF_FFFF)
    let lo = UInt64(gsl_rng_get(rng) & 0xFFFF_FFFF)
    return hi << 32 | lo
  }
}
