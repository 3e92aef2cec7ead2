import Foundation
import GSL

/// The stationary density of a 1-D Itô SDE dX = μ(X) dt + g(X) dW without
/// simulation: the zero-flux solution of the stationary Fokker–Planck
/// equation, p(x) ∝ g(x)⁻² exp(∫ˣ 2μ/g²), by GSL quadrature.
///
/// Generic: μ and g are closures; nothing here knows about activations.
public struct FokkerPlanck1D {
  public let drift: (Double) -> Double
  public let diffusion: (Double) -> Double

  /// The density is taken as zero where it is below e^(−logCutoff) of its
  /// peak (e^−46 ≈ 1e-20) when the domain is found automatically.
  public static let logCutoff = 46.0

  public init(drift: @escaping (Double) -> Double, diffusion: @escaping (Double) -> Double) {
    self.drift = drift
    self.diffusion = diffusion
  }

  /// The normalised density on `domain`, or on a domain found by marching
  /// out from `center` in steps of `scale` until the density has fallen by
  /// e^−46 on both sides (then trimmed to where it has not).
  ///
  /// - Parameters:
  ///   - cells: cells of the output grid (each integrated adaptively, so
  ///     moments do not depend on it beyond quadrature accuracy).
  ///   - relativeTolerance: requested relative accuracy of each quadrature.
  public func solve(
    domain: ClosedRange<Double>? = nil, center: Double = 0, scale: Double = 1, cells: Int = 200,
    relativeTolerance: Double = 1e-10
  ) throws -> FokkerPlanckDensity {
    guard cells >= 2 else { throw SDEError.invalidArgument("cells is \(cells); need at least 2") }
    // Φ enters as exp(Φ): an absolute error δ in Φ is a relative error δ in
    // p, so the inner rule gets an absolute tolerance (a relative one cannot
    // be met where Φ's increment crosses zero).
    let inner = try Integrator(limit: 200, absoluteTolerance: relativeTolerance * 1e-2, relativeTolerance: relativeTolerance * 1e-2)
    let outer = try Integrator(limit: 200, absoluteTolerance: 0, relativeTolerance: relativeTolerance)
    let domain = try domain ?? findDomain(center: center, scale: scale, inner: inner)
    guard domain.lowerBound.isFinite, domain.upperBound.isFinite, domain.upperBound > domain.lowerBound else {
      throw SDEError.invalidArgument("domain \(domain) must be finite with upper > lower")
    }
    let a = domain.lowerBound, width = (domain.upperBound - a) / Double(cells)
    let edges = (0...cells).map { $0 == cells ? domain.upperBound : a + Double($0) * width }
    return try density(edges: edges, inner: inner, outer: outer)
  }

  /// The normalised density with cells between the given increasing `edges`
  /// (e.g. a histogram's, padded by the domain ends), so cell probabilities
  /// can be compared bin by bin. Mass outside [first, last] is not counted.
  public func solve(edges: [Double], relativeTolerance: Double = 1e-10) throws -> FokkerPlanckDensity {
    guard edges.count >= 2, edges.allSatisfy(\.isFinite), zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw SDEError.invalidArgument("edges must be at least two finite, strictly increasing values")
    }
    let inner = try Integrator(limit: 200, absoluteTolerance: relativeTolerance * 1e-2, relativeTolerance: relativeTolerance * 1e-2)
    let outer = try Integrator(limit: 200, absoluteTolerance: 0, relativeTolerance: relativeTolerance)
    return try density(edges: edges, inner: inner, outer: outer)
  }

  /// 2μ/g², the derivative of the potential Φ with p ∝ g⁻² e^Φ.
  func potentialSlope(_ x: Double) throws -> Double {
    let g = diffusion(x)
    guard g != 0, g.isFinite else {
      throw SDEError.notNormalisable("g(\(x)) = \(g): the diffusion must be non-zero and finite on the domain")
    }
    return 2 * drift(x) / (g * g)
  }

  /// Φ(b) − Φ(a).
  func potentialChange(from a: Double, to b: Double, inner: Integrator) throws -> Double {
    if a == b { return 0 }
    return try inner.integrate({ try self.potentialSlope($0) }, from: a, to: b, context: "∫ 2μ/g² on [\(a), \(b)]").value
  }

  func logWeight(_ x: Double, potential: Double) -> Double {
    potential - 2 * log(abs(diffusion(x)))
  }

  func findDomain(center: Double, scale: Double, inner: Integrator) throws -> ClosedRange<Double> {
    guard scale > 0, scale.isFinite, center.isFinite else {
      throw SDEError.invalidArgument("automatic domain needs a finite center and a positive scale (got \(center), \(scale))")
    }
    let maxSteps = 4000
    var peak = logWeight(center, potential: 0)
    guard peak.isFinite else { throw SDEError.notNormalisable("density is not finite at the center \(center): give another center") }
    var ends: [Double] = []
    for direction in [-1.0, 1.0] {
      var x = center, phi = 0.0, steps = 0
      while true {
        let next = x + direction * scale
        let dphi = try potentialChange(from: x, to: next, inner: inner)
        phi += dphi
        x = next
        let lw = logWeight(x, potential: phi)
        peak = max(peak, lw)
        steps += 1
        if lw < peak - Self.logCutoff && dphi < 0 { break }
        guard steps < maxSteps else {
          throw SDEError.notNormalisable(
            "the density is still above e^-\(Int(Self.logCutoff)) of its peak \(maxSteps) steps of \(scale) from \(center): the drift may not confine the process; pass a domain or a larger scale")
        }
      }
      ends.append(x)
    }
    return ends[0]...ends[1]
  }

  func density(edges: [Double], inner: Integrator, outer: Integrator) throws -> FokkerPlanckDensity {
    let cells = edges.count - 1, domain = edges[0]...edges[cells]
    // Φ at the edges by cumulative cell integrals, anchored at 0 at the left.
    var phi = [0.0]
    for k in 0..<cells { phi.append(phi[k] + (try potentialChange(from: edges[k], to: edges[k + 1], inner: inner))) }
    let logAtEdges = (0...cells).map { logWeight(edges[$0], potential: phi[$0]) }
    guard let shift = logAtEdges.filter(\.isFinite).max() else {
      throw SDEError.notNormalisable("the density is not finite anywhere on \(domain)")
    }
    // Cell integrals of p̃, p̃·(x − c), p̃·(x − c)² with c the cell midpoint,
    // p̃ = exp(log p − shift) so nothing overflows.
    var mass = [Double](repeating: 0, count: cells), first = mass, second = mass
    var errorBound = 0.0
    for k in 0..<cells {
      let left = edges[k], mid = 0.5 * (edges[k] + edges[k + 1]), phiLeft = phi[k]
      let width = edges[k + 1] - edges[k]
      let weight: (Double) throws -> Double = { x in
        let lw = self.logWeight(x, potential: phiLeft + (try self.potentialChange(from: left, to: x, inner: inner)))
        return exp(lw - shift)
      }
      outer.absoluteTolerance = 0
      let m0 = try outer.integrate(weight, from: edges[k], to: edges[k + 1], context: "∫ p over cell \(k)")
      // The first and second moments about the midpoint can vanish by
      // symmetry: ask for accuracy relative to the cell's mass instead.
      outer.absoluteTolerance = outer.relativeTolerance * abs(m0.value) * width
      let m1 = try outer.integrate({ try weight($0) * ($0 - mid) }, from: edges[k], to: edges[k + 1], context: "∫ x p over cell \(k)")
      outer.absoluteTolerance *= width
      let m2 = try outer.integrate({ let d = $0 - mid; return try weight($0) * d * d }, from: edges[k], to: edges[k + 1], context: "∫ x² p over cell \(k)")
      mass[k] = m0.value
      first[k] = m1.value + mid * m0.value
      second[k] = m2.value + 2 * mid * m1.value + mid * mid * m0.value
      errorBound += m0.errorBound
    }
    let z = mass.reduce(0, +)
    guard z > 0, z.isFinite else { throw SDEError.notNormalisable("∫ p = \(z) on \(domain)") }
    let mean = first.reduce(0, +) / z
    let variance = second.reduce(0, +) / z - mean * mean
    let probabilities = mass.map { $0 / z }
    var cdf = [0.0]
    for p in probabilities { cdf.append(cdf.last! + p) }  // safe: cdf starts non-empty
    return FokkerPlanckDensity(
      edges: edges, density: logAtEdges.map { exp($0 - shift) / z }, cellProbabilities: probabilities,
      cdf: cdf, mean: mean, variance: variance, relativeQuadratureError: errorBound / z,
      boundaryDensity: (exp(logAtEdges[0] - shift) / z, exp(logAtEdges[cells] - shift) / z))
  }
}

/// A 1-D stationary density on a grid, with its moments.
public struct FokkerPlanckDensity: Sendable {
  /// Grid nodes, cells + 1 of them (equally spaced unless given).
  public let edges: [Double]
  /// The normalised density at each node (for plotting).
  public let density: [Double]
  /// ∫ p over each cell (exact to quadrature accuracy; sums to 1).
  public let cellProbabilities: [Double]
  /// P(X ≤ edge), at each node.
  public let cdf: [Double]
  public let mean: Double
  public let variance: Double
  /// Sum of GSL's error bounds on the cell masses over the normalisation:
  /// the relative accuracy of the probabilities and moments.
  public let relativeQuadratureError: Double
  /// Normalised density at the two ends of the domain; well below the peak
  /// when the domain holds essentially all the mass.
  public let boundaryDensity: (lower: Double, upper: Double)

  public var domain: ClosedRange<Double> { edges[0]...edges[edges.count - 1] }
  /// CDF at any x in the domain, interpolating linearly within a cell.
  public func cdf(at x: Double) -> Double {
    if x <= edges[0] { return 0 }
    if x >= edges[edges.count - 1] { return 1 }
    // Last edge ≤ x, by bisection (edges may be uneven).
    var lo = 0, hi = edges.count - 1
    while hi - lo > 1 {
      let mid = (lo + hi) / 2
      if edges[mid] <= x { lo = mid } else { hi = mid }
    }
    let k = lo
    return cdf[k] + cellProbabilities[k] * (x - edges[k]) / (edges[k + 1] - edges[k])
  }
}
