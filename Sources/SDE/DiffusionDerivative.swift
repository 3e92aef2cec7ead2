import Foundation

/// ∂gᵢ/∂xᵢ by central differences, for Milstein when the problem gives no
/// derivative.
public enum DiffusionDerivative {
  /// Relative step ε^(1/3) ≈ 6e-6 balances the O(h²) truncation error of a
  /// central difference against its O(ε/h) rounding error, giving ~1e-11
  /// relative accuracy for smooth g.
  public static let relativeStep = cbrt(Double.ulpOfOne)

  /// Writes ∂gᵢ/∂xᵢ for every state of the batch into `out`. Probes one
  /// coordinate j at a time for the whole batch (2n evaluations of g), since
  /// perturbing all coordinates at once would add the off-diagonal ∂gᵢ/∂xⱼ.
  public static func centralDifference(
    problem: SDEProblem, states: UnsafeBufferPointer<Double>, time: Double,
    into out: UnsafeMutableBufferPointer<Double>, workspace: SDEWorkspace
  ) {
    let n = problem.dimension, count = states.count, m = count / n
    let probe = UnsafeMutableBufferPointer(rebasing: workspace.probe[0..<count])
    let values = UnsafeMutableBufferPointer(rebasing: workspace.probeValues[0..<count])
    _ = probe.update(fromContentsOf: states)
    for j in 0..<n {
      // h is made exactly representable as (x + h) − x so the quotient's
      // denominator is the step actually taken.
      for r in 0..<m {
        let i = r * n + j
        let x = states[i]
        let h = relativeStep * max(1, abs(x))
        probe[i] = x + h
      }
      problem.diffusion(UnsafeBufferPointer(probe), time, values)
      for r in 0..<m { out[r * n + j] = values[r * n + j] }
      for r in 0..<m {
        let i = r * n + j
        let x = states[i]
        let h = relativeStep * max(1, abs(x))
        probe[i] = x - h
      }
      problem.diffusion(UnsafeBufferPointer(probe), time, values)
      for r in 0..<m {
        let i = r * n + j
        let x = states[i]
        let h = relativeStep * max(1, abs(x))
        let width = (x + h) - (x - h)
        out[i] = (out[i] - values[i]) / width
        probe[i] = x
      }
    }
  }
}
