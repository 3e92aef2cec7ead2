import Foundation
import GSL
import GaussianMoments
import SDE

extension Network {
  /// The exact discrete chain with Bernoulli dropout at `site` (rates
  /// `dropoutRates`, inverted scaling) and the network's additive Gaussian
  /// noise at σ:
  ///   state: x = W (m ⊙ h)/(1 − p) + c,  h ← (1−γ) h + γ f(x [+ σξ]) [+ γσξ]
  ///   input: x = W h + c,                h ← (1−γ) h + γ f(m ⊙ (x [+ σξ])/(1 − p)) [+ γσξ]
  /// ([+ σξ] for noise-in, [+ γσξ] for noise-out). Each step draws 2N
  /// standard normals per trajectory from its own stream: the first N make
  /// the masks (unit i kept iff ηᵢ ≥ Φ⁻¹(pᵢ), probability exactly 1 − pᵢ),
  /// the second N are ξ (unit i's noise is σ·`noiseProfile`ᵢ·ξᵢ). Dropout on f's input masks the noisy
  /// pre-activation, noise included: the unit's whole input is dropped.
  func dropoutChain(_ site: DropoutSite, sigma: Double, initialState h0: [Double], steps: Int) throws -> MarkovChainProblem {
    try requireGaussianNoise(for: "dropout")
    try checkDropoutRates(dropoutRates)
    let n = size, g = gamma, keep = 1 - g, f = activation, c = drive, inside = noise == .inside
    let product = RecurrentProduct(recurrent)
    // p = 0 gives −∞: every unit kept, as it must be.
    let thresholds = dropoutRates.map { $0 > 0 ? Normal.quantile($0) : -Double.infinity }
    let scales = dropoutRates.map { 1 / (1 - $0) }
    let sigmas = noiseProfile.map { sigma * $0 }
    var problem = try MarkovChainProblem(dimension: n, noiseDimension: 2 * n, initialState: h0, steps: steps) { x, eta, next in
      let m = x.count / n
      switch site {
      case .state:
        // The masked state goes through one dgemm like the plain chain's.
        var masked = [Double](repeating: 0, count: x.count)
        for r in 0..<m {
          let o = r * n, e = r * 2 * n
          for j in 0..<n where eta[e + j] >= thresholds[j] { masked[o + j] = x[o + j] * scales[j] }
        }
        masked.withUnsafeBufferPointer { product.apply($0, into: next, batch: m) }
        for r in 0..<m {
          let o = r * n, e = r * 2 * n
          for i in 0..<n {
            let u = next[o + i] + c[i], xi = sigmas[i] * eta[e + n + i]
            next[o + i] = inside ? keep * x[o + i] + g * f(u + xi) : keep * x[o + i] + g * (f(u) + xi)
          }
        }
      case .input:
        product.apply(x, into: next, batch: m)
        for r in 0..<m {
          let o = r * n, e = r * 2 * n
          for i in 0..<n {
            let xi = sigmas[i] * eta[e + n + i]
            let kept = eta[e + i] >= thresholds[i] ? scales[i] : 0
            let u = (next[o + i] + c[i] + (inside ? xi : 0)) * kept
            next[o + i] = keep * x[o + i] + g * (f(u) + (inside ? 0 : xi))
          }
        }
      }
    }
    problem.variates = .gaussian
    return problem
  }

  /// Throws unless there is one rate per unit, each in 0...`DropoutSite.maximumRate`.
  func checkDropoutRates(_ rates: [Double]) throws(NetworkError) {
    guard rates.count == size else {
      throw .invalidParameter(.dropoutRate, message: "has \(rates.count) values for N = \(size)")
    }
    if let p = rates.first(where: { !($0.isFinite && $0 >= 0 && $0 <= DropoutSite.maximumRate) }) {
      throw .invalidParameter(.dropoutRate, message: "values must be in 0...\(DropoutSite.maximumRate), got \(p)")
    }
  }

  /// This network with every unit's dropout rate set to `rate` (the
  /// analysis's test rate).
  public func withDropoutRate(_ rate: Double) throws(NetworkError) -> Network {
    var net = self
    net.dropoutRates = [Double](repeating: rate, count: size)
    try checkDropoutRates(net.dropoutRates)
    return net
  }
}
