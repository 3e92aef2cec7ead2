import Foundation
import GSL
import GaussianMoments

/// A fixed point h* = f(W h* + c) of the noiseless network, with the
/// eigenvalues of the discrete map's Jacobian (1−γ)I + γ diag(f′) W there.
public struct NetworkFixedPoint: Sendable {
  public var h: [Double]
  /// max |f(W h + c) − h|.
  public var residual: Double
  /// Eigenvalues of the discrete map's Jacobian, by decreasing magnitude.
  public var eigenvalues: [Eigenvalue]
  public var readout: [Double]
  /// max |λ|: the fixed point attracts (locally) when this is < 1.
  public var spectralRadius: Double { eigenvalues.first?.magnitude ?? 0 }
  public var stable: Bool { spectralRadius < 1 }
  /// The slow-point speed q = ½‖F(h) − h‖² of the map (0 at a fixed point).
  public var speed: Double
}

/// How to look for fixed points: from many starts, random and given.
public struct FixedPointSearch: Sendable {
  /// Random starts, h = f(c + wide random pre-activation), so every start
  /// lies in f's range.
  public var randomStarts = 24
  public var seed: UInt64 = 1
  /// A root is accepted when max |f(Wh+c) − h| is below this.
  public var residualTolerance = 1e-10
  public init() {}
}

extension Network {
  /// Solutions of h = f(W h + c) from `search.randomStarts` random starts
  /// and every state in `starts` (e.g. states visited by simulation), by
  /// GSL's hybridsj with the analytic Jacobian diag(f′(u)) W − I;
  /// deduplicated, stable ones first, then by readout.
  public func deterministicFixedPoints(starts given: [[Double]] = [], search: FixedPointSearch = .init()) throws -> [NetworkFixedPoint] {
    let f = activation
    let starts = try searchStarts(given: given, search: search)
    let solver = try MultirootSolver(dimension: size, maxIterations: 200, residualTolerance: search.residualTolerance * 0.1)
    var found: [[Double]] = []
    for start in starts {
      guard
        let r = try? solver.solve(
          start: start,
          residual: { h in zip(self.preactivation(h), h).map { f($0) - $1 } },
          jacobian: { h in self.averagedJacobian(h, slopes: self.preactivation(h).map(f.derivative)) },
          context: "fixed point")
      else { continue }
      // A relu kink can stop hybridsj on a small step rather than a root:
      // only genuine roots are kept.
      let residual = zip(preactivation(r.x), r.x).map { abs(f($0) - $1) }.max() ?? 0
      guard residual <= search.residualTolerance, r.x.allSatisfy(\.isFinite) else { continue }
      let scale = 1 + (r.x.map(abs).max() ?? 0)
      if !found.contains(where: { zip($0, r.x).allSatisfy { abs($0 - $1) <= 1e-7 * scale } }) { found.append(r.x) }
    }
    return try found.map(fixedPoint).sorted {
      $0.stable != $1.stable ? $0.stable : ($0.readout.first ?? 0) < ($1.readout.first ?? 0)
    }
  }

  /// The given starts (finite, right size), one step from the input-driven
  /// state f(c), and `search.randomStarts` random ones drawn by GSL's
  /// MT19937 from `search.seed`.
  public func searchStarts(given: [[Double]], search: FixedPointSearch) throws -> [[Double]] {
    let n = size, f = activation
    let rng = try GSLRandom(seed: UInt(truncatingIfNeeded: search.seed))
    var starts = given.filter { $0.count == n && $0.allSatisfy(\.isFinite) }
    starts.append(map(drive.map { f($0) }))
    for _ in 0..<search.randomStarts {
      starts.append(drive.map { ci in f(ci + (2 * rng.uniform() - 1) * 3 * (1 + abs(ci))) })
    }
    return starts
  }

  /// The fixed-point record (residual, spectrum, readout) of a state.
  public func fixedPoint(_ h: [Double]) throws -> NetworkFixedPoint {
    let f = activation, u = preactivation(h)
    let step = zip(u, h).map { f($0) - $1 }
    let g = gamma
    let speed = 0.5 * step.reduce(0) { $0 + g * g * $1 * $1 }
    return NetworkFixedPoint(
      h: h, residual: step.map(abs).max() ?? 0,
      eigenvalues: try NonsymmetricEigen.eigenvalues(mapJacobian(h)), readout: readout(h), speed: speed)
  }

  /// diag(slopes) W − I: the Jacobian of h ↦ m(W h + c) − h.
  func averagedJacobian(_ h: [Double], slopes: [Double]) -> Matrix {
    let n = size
    var j = Matrix(rows: n, columns: n)
    for i in 0..<n {
      for k in 0..<n { j[i, k] = slopes[i] * recurrent[i, k] }
      j[i, i] -= 1
    }
    return j
  }
}
