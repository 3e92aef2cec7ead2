import GaussianMoments

extension Checkpoint {
  /// This checkpoint with Bernoulli dropout at `site` and training rate
  /// `rate` (nil site: no dropout, rate 0). The rate must be in
  /// 0...`DropoutSite.maximumRate`; dropout is refused with a non-Gaussian
  /// additive law (the dropout chain draws its masks from the Gaussian
  /// variates' stream, and the dropout closure assumes Gaussian noise).
  public func withDropout(_ site: DropoutSite?, rate: Double) throws(CheckpointError) -> Checkpoint {
    var k = self
    guard let site else {
      k.dropout = nil
      k.dropoutRate = 0
      k.unitSigmas = nil
      k.unitDropoutRates = nil
      return k
    }
    guard rate.isFinite, rate >= 0, rate <= DropoutSite.maximumRate else {
      throw .badMetadata("dropout_rate must be a number in 0...\(DropoutSite.maximumRate), got \(rate)")
    }
    guard noiseLaw.isGaussian, noiseAmplitude == .gammaSigma else {
      throw .badMetadata("dropout goes with Gaussian noise of amplitude gamma only; this file's noise is \(noiseModel.label)")
    }
    k.dropout = site
    k.dropoutRate = rate
    return k
  }

  /// This checkpoint with learned per-unit noise: σᵢ (`sigmas`) and
  /// dropout rates pᵢ (`rates`), one each per unit, on a checkpoint that
  /// already has dropout. Sets `sigmaTrain` to √(mean σᵢ²) and
  /// `dropoutRate` to the mean pᵢ, so reports that print one σ and one p
  /// print these.
  public func withLearnedNoise(sigmas: [Double], rates: [Double]) throws(CheckpointError) -> Checkpoint {
    guard let site = dropout else { throw .badMetadata("noise_sigmas and dropout_rates need dropout (state or input)") }
    let n = hiddenSize
    guard sigmas.count == n, rates.count == n else {
      throw .badMetadata("noise_sigmas has \(sigmas.count) and dropout_rates \(rates.count) values; the network has N = \(n) units")
    }
    if let s = sigmas.first(where: { !($0.isFinite && $0 >= 0) }) { throw .badMetadata("noise_sigmas must be finite and >= 0, got \(s)") }
    if let p = rates.first(where: { !($0.isFinite && $0 >= 0 && $0 <= DropoutSite.maximumRate) }) {
      throw .badMetadata("dropout_rates must be in 0...\(DropoutSite.maximumRate), got \(p)")
    }
    var k = try withDropout(site, rate: rates.reduce(0, +) / Double(n))
    k.sigmaTrain = (sigmas.reduce(0) { $0 + $1 * $1 } / Double(n)).squareRoot()
    k.unitSigmas = sigmas
    k.unitDropoutRates = rates
    return k
  }
}
