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
}
