import Foundation
import GSL
import GaussianMoments

/// The mean field under any noise law (the Gaussian analysis has its own,
/// `NoiseAveragedFixedPoint`, with closed forms and moment tables).
extension Network {
  /// The averaged nonlinearity m(u) at σ (in the network's amplitude
  /// convention): E f(u + σ_c ξ) under the network's law for noise-in
  /// (quadrature against the law's density), f(u) + σ_c E ξ for noise-out
  /// (non-zero only for the uncentred half-normal); with Gulcehre's gate,
  /// the expectation network's unit E_ξ φ(u, ξ) (their Eq. 13; at the
  /// input site the exact average E_ξ h(u + σ d G ξ)).
  public func lawAveragedActivation(_ u: Double, sigma: Double, integrator: Integrator) throws -> Double {
    let s = chainSigma(sigma)
    if let gate = noiseGate { return try gate.averagedUnit(activation, u, sigma: s, law: noiseLaw, integrator: integrator) }
    switch noise {
    case .inside: return try activation.noiseAverage(at: u, sigma: s, law: noiseLaw, integrator: integrator).mean
    case .outside: return activation(u) + s * noiseLaw.mean
    }
  }

  /// The mean-field fixed point under the network's noise law,
  /// h = m(W h + c) with m from `lawAveragedActivation`: the state's own
  /// fluctuations in W h are ignored, so it is exact when W = 0 and an
  /// approximation otherwise (the Gaussian closure's job, which assumes
  /// Gaussian noise). Found by iterating the averaged map
  /// h ← (1−γ) h + γ m(W h + c) from `start` until no component moves by
  /// more than `tolerance`; throws `.notContracting` if it has not within
  /// `maxIterations`.
  public func lawMeanField(
    sigma: Double, start: [Double], tolerance: Double = 1e-12, maxIterations: Int = 200_000
  ) throws -> [Double] {
    try checkSigma(sigma)
    guard start.count == size else { throw NetworkError.badInput("start has \(start.count) values for N = \(size)") }
    let integrator = try Integrator(limit: 2000, absoluteTolerance: 1e-15, relativeTolerance: 1e-12)
    integrator.acceptsRoundoff = true
    var h = start
    let g = gamma
    for _ in 0..<maxIterations {
      let u = preactivation(h)
      var moved = 0.0
      var next = h
      for i in 0..<size {
        next[i] = (1 - g) * h[i] + g * (try lawAveragedActivation(u[i], sigma: sigma, integrator: integrator))
        moved = max(moved, abs(next[i] - h[i]))
      }
      h = next
      guard h.allSatisfy(\.isFinite) else { break }
      if moved <= tolerance * max(1, h.map(abs).max() ?? 0) { return h }
    }
    throw NetworkError.notContracting(
      "the \(noiseLaw.label) mean-field map at sigma = \(sigma) did not settle within \(maxIterations) iterations")
  }
}

extension Checkpoint {
  /// Throws unless the noise is additive Gaussian with amplitude γσ: what
  /// the Gaussian closure, and the analyses built on it (the network
  /// analysis, task loss, mechanism, debias), assume. Other laws run in the
  /// exact chain (`Network.chain`) and have a mean field
  /// (`Network.lawMeanField`); these analyses refuse them rather than
  /// report a Gaussian answer for a non-Gaussian network.
  public func requireClosureNoise() throws(NetworkError) {
    guard noiseGate == nil else {
      throw .invalidParameter(
        .noiseLaw,
        message: "is gated (Gulcehre's saturation gate): the Gaussian closure assumes additive noise, so this analysis does "
          + "not run on the checkpoint; its exact chain, expectation network and law closure do")
    }
    guard noiseLaw.isGaussian else {
      throw .invalidParameter(
        .noiseLaw,
        message: "is \(noiseLaw.label): the Gaussian closure assumes Gaussian noise, so this analysis does not run on "
          + "the checkpoint; its exact chain and mean field under that law do (library: Network.chain, Network.lawMeanField)")
    }
    guard noiseAmplitude == .gammaSigma else {
      throw .invalidParameter(
        .noiseAmplitude,
        message: "is \(noiseAmplitude.rawValue): this analysis takes sigma in the gamma convention and does not convert "
          + "yet; its exact chain does (sigma_c = sqrt(2/gamma) sigma)")
    }
    if let dropout {
      throw .invalidParameter(
        .dropoutRate,
        message: "is \(dropoutRate) (\(dropout.label)): this analysis has no dropout; the dropout closure and the exact chain "
          + "do (library: DropoutStudy)")
    }
  }
}
