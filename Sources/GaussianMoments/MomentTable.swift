import Foundation

/// m(u) = E f(u + σξ) and v(u) = Var f(u + σξ) tabulated on a uniform grid of
/// the pre-activation u and read back by 4-point (cubic) Lagrange
/// interpolation, so the SDE's drift and diffusion cost a few flops per step
/// instead of a quadrature, and are `Sendable`.
///
/// m and v are smooth for σ > 0 (Gaussian convolutions), so the interpolation
/// error is O(h⁴ · max|m⁗|); with the default 4001 nodes over a few units it is
/// far below Monte-Carlo error. Outside the grid m is extrapolated linearly
/// from the end slope and v is held at its end value (both are the exact
/// asymptotics for relu/linear/softplus far out, and for bounded f the state
/// never goes far beyond f's range).
public struct MomentTable: Sendable {
  public let lower: Double
  public let upper: Double
  public let step: Double
  let mean: [Double]
  let variance: [Double]

  public init(activation f: Activation, sigma: Double, lower: Double, upper: Double, nodes: Int = 4001) throws {
    precondition(nodes >= 4)
    // A range from huge weights or biases (u ≈ 1e16) whose nodes would
    // coincide: an error, not a trap.
    guard lower.isFinite, upper.isFinite, upper > lower,
      (upper - lower) / Double(nodes - 1) > max(lower.magnitude, upper.magnitude).ulp
    else { throw MomentError.unresolvableRange(lower: lower, upper: upper) }
    let evaluator = try MomentEvaluator()
    self.lower = lower
    self.upper = upper
    step = (upper - lower) / Double(nodes - 1)
    let h = step
    let u = (0..<nodes).map { i in i == nodes - 1 ? upper : lower + Double(i) * h }
    // One s for every node: the batched path's single-rule elements share
    // their node exponentials (`MomentEvaluator.batchedMoments`).
    let r = try evaluator.batchedMoments(f, mu: u, sigma: [Double](repeating: sigma, count: nodes), [.mean, .variance])
    mean = r.mean
    variance = r.variance.map { max($0, 0) }
  }

  /// The first of the four nodes around position s (in steps from
  /// `lower`): ⌊s⌋ − 1 clamped to 0...n−4. A NaN or far-off s (a diverging
  /// trajectory) never reaches Int(_:), which traps on it; NaN gives node 0
  /// and so a NaN value, which the ensemble reports as a divergence.
  @inline(__always) static func node(_ s: Double, count n: Int) -> Int {
    let i = s >= 1 && s < Double(n) ? Int(s.rounded(.down)) - 1 : (s >= Double(n) ? n : 0)
    return min(max(i, 0), n - 4)
  }

  @inline(__always) func interpolate(_ table: [Double], _ u: Double) -> Double {
    let n = table.count
    let s = (u - lower) / step
    let i = Self.node(s, count: n)
    let t = s - Double(i)  // position relative to node i, nodes at 0,1,2,3
    let y0 = table[i], y1 = table[i + 1], y2 = table[i + 2], y3 = table[i + 3]
    let l0 = -(t - 1) * (t - 2) * (t - 3) / 6
    let l1 = t * (t - 2) * (t - 3) / 2
    let l2 = -t * (t - 1) * (t - 3) / 2
    let l3 = t * (t - 1) * (t - 2) / 6
    return l0 * y0 + l1 * y1 + l2 * y2 + l3 * y3
  }

  /// d/du of the cubic interpolant of `table` at u (inside the grid).
  @inline(__always) func interpolateSlope(_ table: [Double], _ u: Double) -> Double {
    let n = table.count
    let s = (u - lower) / step
    let i = Self.node(s, count: n)
    let t = s - Double(i)
    let y0 = table[i], y1 = table[i + 1], y2 = table[i + 2], y3 = table[i + 3]
    // Derivatives of the four Lagrange basis polynomials in t, divided by the step.
    let d0 = -((t - 2) * (t - 3) + (t - 1) * (t - 3) + (t - 1) * (t - 2)) / 6
    let d1 = ((t - 2) * (t - 3) + t * (t - 3) + t * (t - 2)) / 2
    let d2 = -((t - 1) * (t - 3) + t * (t - 3) + t * (t - 1)) / 2
    let d3 = ((t - 1) * (t - 2) + t * (t - 2) + t * (t - 1)) / 6
    return (d0 * y0 + d1 * y1 + d2 * y2 + d3 * y3) / step
  }

  /// v′(u) = d/du Var f(u + σξ), 0 outside the grid (where v is held constant).
  public func varianceSlope(_ u: Double) -> Double {
    if u <= lower || u >= upper { return 0 }
    return interpolateSlope(variance, u)
  }

  /// m(u) = E f(u + σξ).
  public func mean(_ u: Double) -> Double {
    if u < lower { return mean[0] + (u - lower) * (mean[1] - mean[0]) / step }
    if u > upper {
      let n = mean.count
      return mean[n - 1] + (u - upper) * (mean[n - 1] - mean[n - 2]) / step
    }
    return interpolate(mean, u)
  }

  /// v(u) = Var f(u + σξ) (≥ 0).
  public func variance(_ u: Double) -> Double {
    if u <= lower { return variance[0] }
    if u >= upper { return variance[variance.count - 1] }
    return max(interpolate(variance, u), 0)
  }
}
