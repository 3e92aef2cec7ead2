import Foundation
import GSL

/// The stationary law of a discrete-time Markov chain on R, without
/// simulation, by Ulam's method: cut a domain into cells, let P_ij be the
/// probability that a point of cell i lands in cell j (from differences of
/// the conditional CDF F(y | x) = P(x' ≤ y | x), averaged over x in cell i by
/// 3-point Gauss–Legendre), and solve π = πP.
///
/// Differences of a CDF put every atom of x' in the cell that holds it (an
/// atom exactly on an edge goes to the cell on its left, cells being
/// (e_j, e_{j+1}]), so point masses and very concentrated kernels need no
/// special case. Mass that leaves the grid is returned to the end cell it
/// left by (a clamp) and reported as a leak rate, so a domain that is too
/// small shows up in the result instead of silently biasing it.
///
/// For the noise-in neuron x' = (1−γ)x + γ f(wx + b + σξ) with monotone f,
/// F(y | x) = Φ(z) with z = (f⁻¹((y − (1−γ)x)/γ) − wx − b)/σ (DESIGN.md,
/// "Transfer operator"); pass z as `gaussianThreshold` so that differences
/// of Φ in the upper tail keep their digits (`Normal.probability`).
public struct TransferOperator1D {
  public enum Kernel {
    /// F(y | x) directly.
    case cdf((_ y: Double, _ x: Double) -> Double)
    /// z(y | x) with F(y | x) = Φ(z), non-decreasing in y; ±∞ allowed.
    case gaussianThreshold((_ y: Double, _ x: Double) -> Double)
  }

  public let kernel: Kernel

  public init(conditionalCDF: @escaping (_ y: Double, _ x: Double) -> Double) { kernel = .cdf(conditionalCDF) }
  public init(gaussianThreshold: @escaping (_ y: Double, _ x: Double) -> Double) { kernel = .gaussianThreshold(gaussianThreshold) }

  /// Gauss–Legendre nodes and weights on [−1, 1], 3 points (exact to degree 5).
  static let nodes = [-(0.6).squareRoot(), 0, (0.6).squareRoot()]
  static let weights = [5.0 / 9, 8.0 / 9, 5.0 / 9]

  /// The stationary density on `domain` (or one found from `center` and
  /// `scale`: grown until less than 1e-13 of the mass leaves per step and
  /// the outer cells are empty, then trimmed to the mass), with `cells`
  /// cells; the discretisation error is estimated by also solving on
  /// cells/2 and cells/4 and extrapolating (Richardson, observed order).
  public func solve(
    domain: ClosedRange<Double>? = nil, center: Double = 0, scale: Double = 1, cells: Int = 400
  ) throws -> TransferOperatorDensity {
    guard cells >= 8 else { throw SDEError.invalidArgument("cells is \(cells); need at least 8") }
    let domain = try domain ?? findDomain(center: center, scale: scale, cells: min(cells, 200))
    guard domain.lowerBound.isFinite, domain.upperBound.isFinite, domain.upperBound > domain.lowerBound else {
      throw SDEError.invalidArgument("domain \(domain) must be finite with upper > lower")
    }
    let fine = try stationary(on: domain, cells: cells)
    let half = try stationary(on: domain, cells: cells / 2)
    let quarter = try stationary(on: domain, cells: cells / 4)
    // Richardson with the observed order p: the error of the finest value
    // is (fine − half)/(2^p − 1), and adding it extrapolates to h → 0.
    func estimate(_ f: Double, _ h: Double, _ q: Double) -> (error: Double, order: Double, extrapolated: Double) {
      let d1 = abs(h - f), d2 = abs(q - h)
      guard d1 > 0, d2 > d1 else { return (max(d1, d2), .nan, f) }
      let p = log2(d2 / d1)
      return (d1 / (pow(2, p) - 1), p, f + (f - h) / (pow(2, p) - 1))
    }
    let m = estimate(fine.mean, half.mean, quarter.mean)
    let v = estimate(fine.variance, half.variance, quarter.variance)
    // The mean of a symmetric law can be exact at every grid size (its
    // differences are round-off): the variance's order is the informative one.
    return TransferOperatorDensity(
      edges: fine.edges, cellProbabilities: fine.pi, mean: fine.mean, variance: fine.variance,
      meanDiscretisationError: m.error, varianceDiscretisationError: v.error, observedOrder: v.order,
      extrapolatedMean: m.extrapolated, extrapolatedVariance: v.extrapolated,
      leakRate: fine.leak, maxRowLeak: fine.maxRowLeak, residual: fine.residual)
  }

  struct Solution {
    var edges: [Double]
    var pi: [Double]
    var mean: Double
    var variance: Double
    var leak: Double
    var leakBelow: Double
    var leakAbove: Double
    var maxRowLeak: Double
    var residual: Double
  }

  /// Cell-to-cell probabilities from one source point x: row[j] for cells
  /// j, plus the mass below the first edge and above the last.
  func kernelRow(from x: Double, edges: [Double], into row: inout [Double]) -> (below: Double, above: Double) {
    let cells = edges.count - 1
    switch kernel {
    case .cdf(let f):
      var previous = f(edges[0], x)
      let below = previous
      for j in 0..<cells {
        let next = j == cells - 1 ? f(edges[cells], x) : f(edges[j + 1], x)
        row[j] += max(0, next - previous)
        previous = next
      }
      return (below, max(0, 1 - previous))
    case .gaussianThreshold(let z):
      var previous = z(edges[0], x)
      let below = Self.lowerTail(previous)
      for j in 0..<cells {
        let next = z(edges[j + 1], x)
        row[j] += Self.probability(from: previous, to: next)
        previous = next
      }
      return (below, Self.upperTail(previous))
    }
  }

  /// Φ(z) and 1 − Φ(z) with z = ±∞ allowed (f⁻¹ outside f's range).
  static func lowerTail(_ z: Double) -> Double { z == -.infinity ? 0 : z == .infinity ? 1 : Normal.cdf(z) }
  static func upperTail(_ z: Double) -> Double { z == -.infinity ? 1 : z == .infinity ? 0 : Normal.tail(z) }
  /// Φ(b) − Φ(a) without cancellation, ends possibly infinite.
  static func probability(from a: Double, to b: Double) -> Double {
    if !(a < b) { return 0 }
    if a == -.infinity { return lowerTail(b) }
    if b == .infinity { return upperTail(a) }
    return Normal.probability(from: a, to: b)
  }

  func stationary(on domain: ClosedRange<Double>, cells n: Int) throws -> Solution {
    let a = domain.lowerBound, h = (domain.upperBound - a) / Double(n)
    let edges = (0...n).map { $0 == n ? domain.upperBound : a + Double($0) * h }
    // P row-major; leaked mass clamped into the end cells.
    var p = [Double](repeating: 0, count: n * n)
    var leakBelow = [Double](repeating: 0, count: n), leakAbove = leakBelow
    var row = [Double](repeating: 0, count: n)
    for i in 0..<n {
      for j in 0..<n { row[j] = 0 }
      var below = 0.0, above = 0.0
      let mid = 0.5 * (edges[i] + edges[i + 1])
      var scratch = [Double](repeating: 0, count: n)
      for q in 0..<3 {
        for j in 0..<n { scratch[j] = 0 }
        let l = kernelRow(from: mid + 0.5 * h * Self.nodes[q], edges: edges, into: &scratch)
        let w = 0.5 * Self.weights[q]
        for j in 0..<n { row[j] += w * scratch[j] }
        below += w * l.below
        above += w * l.above
      }
      guard row.allSatisfy(\.isFinite), below.isFinite, above.isFinite else {
        throw SDEError.numerical("the conditional CDF is not finite from cell \(i) (x ≈ \(mid))")
      }
      row[0] += below
      row[n - 1] += above
      leakBelow[i] = below
      leakAbove[i] = above
      for j in 0..<n { p[i * n + j] = row[j] }
    }
    var pi = try Self.stationaryVector(p, n: n)
    // Ulam's vector is a probability vector; round-off can leave −1e-17s.
    for i in 0..<n { pi[i] = max(0, pi[i]) }
    let total = pi.reduce(0, +)
    for i in 0..<n { pi[i] /= total }
    var residual = 0.0
    for j in 0..<n {
      var s = 0.0
      for i in 0..<n { s += pi[i] * p[i * n + j] }
      residual += abs(s - pi[j])
    }
    var mean = 0.0, second = 0.0
    for i in 0..<n {
      let c = 0.5 * (edges[i] + edges[i + 1])
      mean += pi[i] * c
      second += pi[i] * (c * c + h * h / 12)  // uniform within the cell
    }
    let lb = zip(pi, leakBelow).reduce(0) { $0 + $1.0 * $1.1 }
    let la = zip(pi, leakAbove).reduce(0) { $0 + $1.0 * $1.1 }
    let maxRow = zip(leakBelow, leakAbove).map { $0 + $1 }.max() ?? 0
    return Solution(
      edges: edges, pi: pi, mean: mean, variance: second - mean * mean, leak: lb + la, leakBelow: lb,
      leakAbove: la, maxRowLeak: maxRow, residual: residual)
  }

  /// π with π P = π, Σπ = 1: LU solve of (Pᵀ − I) π = 0 with one equation
  /// replaced by the normalisation (GSL's LU, `LinearSystem.solve`). If the
  /// chain is reducible on the grid the system is singular; power iteration
  /// from the uniform vector then gives the limit from a spread-out start.
  static func stationaryVector(_ p: [Double], n: Int) throws -> [Double] {
    var a = Matrix(rows: n, columns: n)
    var b = [Double](repeating: 0, count: n)
    for i in 0..<n {
      for j in 0..<n {
        a[i, j] = (i == n - 1 ? 1 : p[j * n + i]) - (i == j && i != n - 1 ? 1 : 0)
      }
      b[i] = i == n - 1 ? 1 : 0
    }
    // A singular system (or any failure of the solve) falls through to the
    // power iteration below.
    var pi = (try? LinearSystem.solve(a, b)) ?? []
    var ok = pi.count == n
    ok = ok && pi.allSatisfy { $0.isFinite && $0 > -1e-10 }
    if ok {
      var residual = 0.0
      for j in 0..<n {
        var s = 0.0
        for i in 0..<n { s += pi[i] * p[i * n + j] }
        residual += abs(s - pi[j])
      }
      ok = residual < 1e-9
    }
    if ok { return pi }
    pi = [Double](repeating: 1 / Double(n), count: n)
    var next = pi
    for _ in 0..<20000 {
      for j in 0..<n { next[j] = 0 }
      for i in 0..<n where pi[i] != 0 {
        let w = pi[i]
        for j in 0..<n { next[j] += w * p[i * n + j] }
      }
      var change = 0.0
      for j in 0..<n { change += abs(next[j] - pi[j]) }
      swap(&pi, &next)
      if change < 1e-14 { return pi }
    }
    throw SDEError.numerical("the \(n)-cell transfer operator's stationary vector did not converge (singular system, slow power iteration): give a domain that holds one basin, or more cells")
  }

  func findDomain(center: Double, scale: Double, cells: Int) throws -> ClosedRange<Double> {
    guard scale > 0, scale.isFinite, center.isFinite else {
      throw SDEError.invalidArgument("automatic domain needs a finite center and a positive scale (got \(center), \(scale))")
    }
    var lower = center - scale, upper = center + scale
    for _ in 0..<40 {
      let s = try stationary(on: lower...upper, cells: cells)
      let edge = max(1, cells / 20)
      let massLow = s.pi[0..<edge].reduce(0, +), massHigh = s.pi[(cells - edge)...].reduce(0, +)
      let width = upper - lower
      var grew = false
      if s.leakBelow > 1e-13 || massLow > 1e-10 {
        lower -= width
        grew = true
      }
      if s.leakAbove > 1e-13 || massHigh > 1e-10 {
        upper += width
        grew = true
      }
      if grew { continue }
      // Trim to where the mass is, keeping a margin of 5 % of the width.
      var cumulative = 0.0, first = 0, last = cells - 1
      for (i, m) in s.pi.enumerated() {
        cumulative += m
        if cumulative <= 1e-15 { first = i + 1 }
      }
      cumulative = 0
      for (i, m) in s.pi.enumerated().reversed() {
        cumulative += m
        if cumulative <= 1e-15 { last = i - 1 }
      }
      let lo = s.edges[max(0, first)], hi = s.edges[min(cells, last + 1)]
      let margin = 0.05 * (hi - lo) + (s.edges[1] - s.edges[0])
      return max(lower, lo - margin)...min(upper, hi + margin)
    }
    throw SDEError.notNormalisable(
      "the chain's mass kept leaving a domain grown 40 times from \(center) ± \(scale): it may have no stationary law; pass a domain")
  }
}

/// A stationary law on a grid from `TransferOperator1D`.
public struct TransferOperatorDensity: Sendable {
  /// cells + 1 equally spaced edges.
  public let edges: [Double]
  /// π_i, the stationary probability of cell i (sums to 1).
  public let cellProbabilities: [Double]
  public let mean: Double
  /// Variance with the within-cell spread h²/12 included.
  public let variance: Double
  /// |mean(cells) − mean(∞ cells)| estimated from cells, cells/2, cells/4.
  public let meanDiscretisationError: Double
  public let varianceDiscretisationError: Double
  /// Order observed in the variance's grid refinement (nan when the
  /// differences do not shrink).
  public let observedOrder: Double
  /// Richardson extrapolations to zero cell width (equal to mean/variance
  /// when no order could be observed); typically far more accurate.
  public let extrapolatedMean: Double
  public let extrapolatedVariance: Double
  /// Stationary probability per step of leaving the grid (clamped back in).
  public let leakRate: Double
  /// Largest probability of leaving the grid from any cell.
  public let maxRowLeak: Double
  /// ‖πP − π‖₁ of the returned vector.
  public let residual: Double

  public var cells: Int { cellProbabilities.count }
  public var domain: ClosedRange<Double> { edges[0]...edges[cells] }
  public var centers: [Double] { (0..<cells).map { 0.5 * (edges[$0] + edges[$0 + 1]) } }
  /// π_i / width: a piecewise-constant density.
  public var density: [Double] { (0..<cells).map { cellProbabilities[$0] / (edges[$0 + 1] - edges[$0]) } }
  /// P(X ≤ e_j) at the edges.
  public var cdf: [Double] {
    var c = [0.0]
    for p in cellProbabilities { c.append((c.last ?? 0) + p) }
    return c
  }
}
