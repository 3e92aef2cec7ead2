import Foundation

/// The law of the unit-variance variates a Markov chain consumes per step.
/// Each trajectory draws them from its own `GaussianStream`, so results
/// stay a pure function of (seed, trajectory) whatever the law: the same
/// on any number of threads.
public enum ChainVariates: Sendable, Equatable {
  /// Standard normals (ziggurat): the default, and the only law of SDEs.
  case gaussian
  /// Laplace with scale 1/√2 (variance 1), one uniform per variate.
  case laplace
  /// |Z|/√(1 − 2/π) with Z standard normal: variance 1, mean
  /// √(2/π)/√(1 − 2/π) — not centred (see `NoiseLaw.halfNormal`).
  case halfNormal
  /// 0 with probability 1 − p, ±1/√p with probability p/2 each (variance
  /// 1): additive salt-and-pepper noise, one uniform per variate.
  case impulse(rate: Double)
}

extension GaussianStream {
  /// A Laplace variate with variance 1 (scale b = 1/√2), by inverse CDF:
  /// u on the symmetric open grid (k + ½)·2⁻⁵³, then b ln(2u) below ½ and
  /// −b ln(2(1 − u)) above (1 − u is exact there), so no log of 0 and the
  /// two tails are mirror images.
  @inline(__always)
  public mutating func laplace() -> Double {
    let u = (Double(next() >> 11) + 0.5) * 0x1.0p-53
    let b = 0.5.squareRoot()
    return u < 0.5 ? b * log(2 * u) : -b * log(2 * (1 - u))
  }

  /// A half-normal variate scaled to variance 1, uncentred.
  @inline(__always)
  public mutating func halfNormal() -> Double {
    abs(gaussian()) * Self.inverseHalfNormalSD
  }

  /// A salt-and-pepper variate of impulse probability p (variance 1): one
  /// uniform u on the open grid, −1/√p below p/2, +1/√p in [p/2, p), else 0.
  @inline(__always)
  public mutating func impulse(rate p: Double) -> Double {
    let u = (Double(next() >> 11) + 0.5) * 0x1.0p-53
    guard u < p else { return 0 }
    let a = 1 / p.squareRoot()
    return u < p / 2 ? -a : a
  }

  /// 1/√(1 − 2/π).
  static let inverseHalfNormalSD = 1 / (1 - 2 / Double.pi).squareRoot()

  /// Fills `buffer` with variates of `law`, in order. The Gaussian case is
  /// `fillGaussian` itself, so Gaussian chains draw exactly what they did.
  public mutating func fill(_ buffer: UnsafeMutableBufferPointer<Double>, law: ChainVariates) {
    switch law {
    case .gaussian: fillGaussian(buffer)
    case .laplace: for i in buffer.indices { buffer[i] = laplace() }
    case .halfNormal: for i in buffer.indices { buffer[i] = halfNormal() }
    case .impulse(let p): for i in buffer.indices { buffer[i] = impulse(rate: p) }
    }
  }
}
