/// Scratch memory for stepping a batch of M states of dimension n: four
/// M×n arrays that schemes use for μ, g, g′ and finite-difference probes.
/// Allocated once per batch (per thread) in `init`, freed in `deinit`, so
/// the step loop never allocates.
public final class SDEWorkspace {
  public let batch: Int
  public let dimension: Int
  public let drift: UnsafeMutableBufferPointer<Double>
  public let diffusion: UnsafeMutableBufferPointer<Double>
  public let derivative: UnsafeMutableBufferPointer<Double>
  public let probe: UnsafeMutableBufferPointer<Double>
  /// A second probe buffer (central differences need g at x ± h).
  public let probeValues: UnsafeMutableBufferPointer<Double>

  public init(batch: Int, dimension: Int) {
    self.batch = batch
    self.dimension = dimension
    let count = batch * dimension
    func buffer() -> UnsafeMutableBufferPointer<Double> {
      let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: count)
      b.initialize(repeating: 0)
      return b
    }
    drift = buffer()
    diffusion = buffer()
    derivative = buffer()
    probe = buffer()
    probeValues = buffer()
  }

  deinit {
    drift.deallocate()
    diffusion.deallocate()
    derivative.deallocate()
    probe.deallocate()
    probeValues.deallocate()
  }
}
