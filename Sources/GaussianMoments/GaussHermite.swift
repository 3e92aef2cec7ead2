import Foundation

/// Gauss–Hermite rules for E g(ξ), ξ ~ N(0, 1) (probabilists' weights,
/// summing to 1), stored as the positive half: E g = Σ wᵢ [g(xᵢ) + g(−xᵢ)]
/// for even n.
///
/// Exact for polynomials of degree < 2n; for analytic g the error falls
/// geometrically at a rate set by the distance of g's nearest complex
/// singularity (tanh: iπ/2, scaled by 1/s), so the rule is accurate for
/// moderate s only. The evaluator therefore always runs two rules and
/// falls back to adaptive quadrature when they disagree.
struct GaussHermiteRule: Sendable {
  let nodes: [Double]
  let weights: [Double]

  static let n40 = GaussHermiteRule(n: 40)
  static let n64 = GaussHermiteRule(n: 64)

  /// Nodes by Newton's method on the orthonormal Hermite recurrence with the
  /// classical initial guesses (Numerical Recipes §4.6, `gauher`), then
  /// rescaled from the physicists' weight e^{−x²} to the standard normal.
  init(n: Int) {
    precondition(n % 2 == 0 && n >= 2)
    let m = n / 2
    let piToMinusQuarter = 0.7511255444649425
    var x = [Double](repeating: 0, count: m)
    var w = [Double](repeating: 0, count: m)
    var z = 0.0
    for i in 0..<m {
      switch i {
      case 0: z = (Double(2 * n + 1)).squareRoot() - 1.85575 * pow(Double(2 * n + 1), -0.16667)
      case 1: z -= 1.14 * pow(Double(n), 0.426) / z
      case 2: z = 1.86 * z - 0.86 * x[0]
      case 3: z = 1.91 * z - 0.91 * x[1]
      default: z = 2 * z - x[i - 2]
      }
      var pp = 0.0
      for _ in 0..<100 {
        var p1 = piToMinusQuarter, p2 = 0.0
        for j in 1...n {
          let p3 = p2
          p2 = p1
          p1 = z * (2 / Double(j)).squareRoot() * p2 - (Double(j - 1) / Double(j)).squareRoot() * p3
        }
        pp = (2 * Double(n)).squareRoot() * p2
        let z1 = z
        z = z1 - p1 / pp
        if abs(z - z1) <= 1e-15 * Swift.max(1, abs(z)) { break }
      }
      x[i] = z
      w[i] = 2 / (pp * pp)
    }
    // Physicists' (x, w) → probabilists': x√2, w/√π.
    nodes = x.map { $0 * 2.0.squareRoot() }
    weights = w.map { $0 / Double.pi.squareRoot() }
  }

  /// ∫₀^∞ h(ξ) φ(ξ) dξ where h(ξ) = g(ξ) + g(−ξ) is already folded.
  func integrateFolded(_ h: (Double) -> Double) -> Double {
    var sum = 0.0
    for i in nodes.indices.reversed() { sum += weights[i] * h(nodes[i]) }
    return sum
  }
}
