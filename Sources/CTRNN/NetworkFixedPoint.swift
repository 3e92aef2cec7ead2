import Foundation
import GSL
import GaussianMoments

/// A fixed point h* = f(W h* + c) of the noiseless network, with the
/// eigen-decomposition of the discrete map's Jacobian (1−γ)I + γ diag(f′) W there.
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
  /// The modes with |λ| > 1 (the saddle's unstable directions), by
  /// decreasing |λ|; a complex pair counts twice, once per member.
  public var unstableModes: [Mode] = []
  /// The stable mode (|λ| < 1) with the largest |λ|: the direction along
  /// which the point is approached most slowly; nil when no mode is stable.
  public var slowestMode: Mode?
  /// How many searched starts converged to this point (1: found once, a
  /// sign the search is not saturated near it).
  public var timesFound = 1

  /// The index: the number of unstable directions (0 for an attractor).
  public var index: Int { eigenvalues.filter { $0.magnitude > 1 }.count }

  /// One eigenpair of the map's Jacobian; `vector` has unit Euclidean norm and
  /// its largest component real and positive (`NonsymmetricEigen.Decomposition`).
  public struct Mode: Sendable {
    public var eigenvalue: Eigenvalue
    public var vector: [Eigenvalue]
  }
}

/// How to look for fixed points: a first batch of random starts (and given
/// ones), then batches of starts sampled from runs of the map itself, until
/// no new fixed point appears in `patience` batches or `maxStarts` is spent.
public struct FixedPointSearch: Sendable {
  /// Random starts of the first batch, h = f(c + wide random pre-activation),
  /// so every start lies in f's range.
  public var randomStarts = 24
  public var seed: UInt64 = 1
  /// A root is accepted when max |f(Wh+c) − h| is below this.
  public var residualTolerance = 1e-10
  /// Two roots are one when max |a − b| ≤ this · (1 + max |a|): far above
  /// the solver's accuracy (residual 1e-10 with a Jacobian conditioned to
  /// ~1e3 moves a root by ~1e-7 at most), far below the distance between
  /// distinct fixed points of a network with O(1) weights.
  public var uniquenessTolerance = 1e-7
  /// Map runs per sampled batch; each gives up to `startsPerRun` starts.
  /// 0 turns the sampled batches off (the first batch alone).
  public var runsPerBatch = 16
  /// Stop after this many consecutive sampled batches without a new point.
  public var patience = 3
  /// Budget: no batch starts once this many Newton starts were used.
  public var maxStarts = 2000
  /// Noise σ of the noisy runs (the network's own noise placement): enough
  /// to leave a basin now and then, so noisy runs visit the basin boundaries.
  public var samplingSigma = 0.1
  /// A point farther from the centroid of the sampled states than this many
  /// times their mean distance from it is an outlier and is dropped
  /// (FixedPointFinder's `outlier_distance_scale`, 10 by default there too).
  public var outlierDistanceScale = 10.0
  public init() {}
}

extension Network {
  /// Solutions of h = f(W h + c) from `search.randomStarts` random starts
  /// and every state in `starts` (e.g. states visited by simulation), by
  /// GSL's hybridsj with the analytic Jacobian diag(f′(u)) W − I;
  /// deduplicated, stable ones first, then by readout.
  public func deterministicFixedPoints(starts given: [[Double]] = [], search: FixedPointSearch = .init()) throws -> [NetworkFixedPoint] {
    let starts = try searchStarts(given: given, search: search)
    let solver = try rootSolver(search), cache = newtonCache()
    var found: [[Double]] = []
    for start in starts {
      guard let root = root(from: start, search: search, solver: solver, cache: cache) else { continue }
      if !found.contains(where: { search.same($0, root) }) { found.append(root) }
    }
    return try found.map { try fixedPoint($0) }.sorted(by: NetworkFixedPoint.reportOrder)
  }

  /// The solver `root(from:search:solver:)` uses: one per thread, reused
  /// for every start there.
  func rootSolver(_ search: FixedPointSearch) throws -> MultirootSolver {
    try MultirootSolver(dimension: size, maxIterations: 200, residualTolerance: search.residualTolerance * 0.1)
  }

  /// A cache of Newton factorisations when f′ is piecewise constant (relu,
  /// hardtanh, hardsigmoid, linear), so the Jacobian recurs exactly; nil
  /// otherwise, where it would never be hit.
  func newtonCache() -> LUCache? {
    [.relu, .hardtanh, .hardsigmoid, .linear].contains(activation) ? LUCache() : nil
  }

  /// The one call into the multiroot solver: GSL's hybridsj on
  /// f(W h + c) − h with the analytic Jacobian diag(f′(u)) W − I from
  /// `start`; nil unless it ends on a genuine root (residual ≤ the
  /// tolerance, finite).
  func root(from start: [Double], search: FixedPointSearch, solver: MultirootSolver, cache: LUCache? = nil) -> [Double]? {
    let f = activation, n = size, weights = recurrent.elements
    let equations = { (h: [Double]) -> [Double] in zip(self.preactivation(h, weights: weights), h).map { f($0) - $1 } }
    /// diag(slopes) W − I, filled row-major in one pass.
    func matrix(slopes: [Double]) -> Matrix {
      var j = [Double](repeating: 0, count: n * n)
      for i in 0..<n {
        for k in 0..<n { j[i * n + k] = slopes[i] * weights[i * n + k] }
        j[i * n + i] -= 1
      }
      return Matrix(rows: n, columns: n, elements: j)
    }
    let jacobian = { (h: [Double]) -> Matrix in matrix(slopes: self.preactivation(h, weights: weights).map(f.derivative)) }
    // Plain Newton on LAPACK's LU first (milliseconds at N = 512, where
    // hybridsj's unblocked QR takes a large fraction of a second per
    // start); hybridsj from the same start whenever Newton does not pass
    // the residual test with a falling residual at every step. With a
    // cache, the slopes are the key: the same slopes, the same matrix.
    let newton = { () throws -> MultirootResult? in
      guard let cache else { return try solver.newton(start: start, residual: equations, jacobian: jacobian) }
      return try solver.newton(
        start: start, residual: equations,
        step: { h, rhs in
          let slopes = self.preactivation(h, weights: weights).map(f.derivative)
          return cache.solve(key: slopes, rhs: rhs) { matrix(slopes: slopes) }
        })
    }
    guard
      let r = (try? newton())
        ?? (try? solver.solve(start: start, residual: equations, jacobian: jacobian, context: "fixed point"))
    else { return nil }
    // A relu kink can stop hybridsj on a small step rather than a root:
    // only genuine roots are kept.
    let residual = zip(preactivation(r.x), r.x).map { abs(f($0) - $1) }.max() ?? 0
    guard residual <= search.residualTolerance, r.x.allSatisfy(\.isFinite) else { return nil }
    return r.x
  }

  /// `preactivation(h)` with W read from its row-major elements: the same
  /// sums in the same order (so the same bits), without a subscript call per
  /// weight — the search's inner loop.
  func preactivation(_ h: [Double], weights: [Double]) -> [Double] {
    Self.preactivation(h, weights: weights, drive: drive)
  }

  /// drive + W h, each row summed in column order from its drive (the
  /// bits of the plain loop), four rows at a time: four independent
  /// addition chains instead of one, so the adds are no longer waiting on
  /// each other's latency.
  static func preactivation(_ h: [Double], weights: [Double], drive: [Double]) -> [Double] {
    let n = drive.count
    var u = drive
    weights.withUnsafeBufferPointer { w in
      h.withUnsafeBufferPointer { x in
        u.withUnsafeMutableBufferPointer { out in
          var i = 0
          while i + 4 <= n {
            var s0 = out[i], s1 = out[i + 1], s2 = out[i + 2], s3 = out[i + 3]
            let r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n
            for j in 0..<n {
              let xj = x[j]
              s0 += w[r0 + j] * xj
              s1 += w[r1 + j] * xj
              s2 += w[r2 + j] * xj
              s3 += w[r3 + j] * xj
            }
            out[i] = s0
            out[i + 1] = s1
            out[i + 2] = s2
            out[i + 3] = s3
            i += 4
          }
          while i < n {
            var s = out[i]
            for j in 0..<n { s += w[i * n + j] * x[j] }
            out[i] = s
            i += 1
          }
        }
      }
    }
    return u
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

  /// The fixed-point record (residual, spectrum, modes, readout) of a state.
  public func fixedPoint(_ h: [Double]) throws -> NetworkFixedPoint {
    let f = activation, u = preactivation(h)
    let step = zip(u, h).map { f($0) - $1 }
    let g = gamma
    let speed = 0.5 * step.reduce(0) { $0 + g * g * $1 * $1 }
    let d = try NonsymmetricEigen.decompose(mapJacobian(h))
    func mode(_ k: Int) -> NetworkFixedPoint.Mode { .init(eigenvalue: d.values[k], vector: d.vectors.map { $0[k] }) }
    let unstable = d.values.indices.filter { d.values[$0].magnitude > 1 }
    let slowest = d.values.indices.first { d.values[$0].magnitude < 1 }
    return NetworkFixedPoint(
      h: h, residual: step.map(abs).max() ?? 0, eigenvalues: d.values, readout: readout(h), speed: speed,
      unstableModes: unstable.map(mode), slowestMode: slowest.map(mode))
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

extension NetworkFixedPoint {
  /// Stable points first, then by the first readout.
  static func reportOrder(_ a: NetworkFixedPoint, _ b: NetworkFixedPoint) -> Bool {
    a.stable != b.stable ? a.stable : (a.readout.first ?? 0) < (b.readout.first ?? 0)
  }
}

extension FixedPointSearch {
  /// Whether the root `b` is the known root `a` (`uniquenessTolerance`,
  /// relative to b's size).
  func same(_ a: [Double], _ b: [Double]) -> Bool {
    let scale = 1 + (b.map(abs).max() ?? 0)
    return zip(a, b).allSatisfy { abs($0 - $1) <= uniquenessTolerance * scale }
  }
}
