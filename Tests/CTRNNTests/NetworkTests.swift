import Foundation
import GSL
import GaussianMoments
import Neuron
import SDE
import XCTest
import _TestSupport

@testable import CTRNN

/// Networks built in code (no checkpoint file): u = 0, so the drive c is b.
enum TestNetworks {
  static func network(
    _ f: Activation, _ noise: NoisePlacement, w: [[Double]], b: [Double], readout: [[Double]]? = nil,
    dt: Double = 0.1, tau: Double = 1, sigmaTrain: Double = 0
  ) throws -> Network {
    let n = b.count
    let out = readout ?? [[Double](repeating: 1, count: n)]
    let k = try Checkpoint(
      activation: f, noise: noise, sigmaTrain: sigmaTrain, dt: dt, tau: tau,
      recurrent: Matrix(rows: n, columns: n, elements: w.flatMap { $0 }),
      inputWeights: Matrix(rows: n, columns: 1), bias: b,
      readoutWeights: Matrix(rows: out.count, columns: n, elements: out.flatMap { $0 }),
      readoutBias: [Double](repeating: 0, count: out.count))
    return try Network(checkpoint: k, input: [0])
  }

  /// A fixed, mildly non-normal 3×3 coupling with spectral radius < 1.
  static let w3: [[Double]] = [[0.2, -0.4, 0.1], [0.3, 0.1, -0.2], [-0.1, 0.5, 0.0]]
  static let b3: [Double] = [0.3, -0.2, 0.5]
}

final class SteinEquationTests: XCTestCase {
  func testScalarIsQOverOneMinusASquared() throws {
    let c = try SteinEquation.solve(a: Matrix(rows: 1, columns: 1, elements: [0.9]), q: Matrix(rows: 1, columns: 1, elements: [0.01]))
    // Closed form 0.01/(1 − 0.81); doubling sums a geometric series: ~10 roundings.
    XCTAssertEqual(c[0, 0], 0.01 / 0.19, accuracy: 1e-15 * 0.06)
  }

  /// Against vec(C) = (I − A⊗A)⁻¹ vec(Q), solved here by Gaussian
  /// elimination with partial pivoting: an independent method (only for
  /// tests — it is the N²×N² system the library must not use).
  func testMatchesKroneckerSolve() throws {
    let a = Matrix(rows: 3, columns: 3, elements: [0.5, -0.3, 0.2, 0.4, 0.6, -0.1, -0.2, 0.3, 0.7])
    let q = Matrix(rows: 3, columns: 3, elements: [1.0, 0.2, -0.1, 0.2, 0.5, 0.05, -0.1, 0.05, 0.3])
    let c = try SteinEquation.solve(a: a, q: q)
    let n = 3, m = n * n
    var big = [[Double]](repeating: [Double](repeating: 0, count: m + 1), count: m)
    for i in 0..<n { for j in 0..<n {
      let r = i * n + j
      big[r][r] += 1
      for k in 0..<n { for l in 0..<n { big[r][k * n + l] -= a[i, k] * a[j, l] } }
      big[r][m] = q[i, j]
    } }
    for col in 0..<m {
      let p = (col..<m).max { abs(big[$0][col]) < abs(big[$1][col]) }!
      big.swapAt(col, p)
      for r in 0..<m where r != col {
        let f = big[r][col] / big[col][col]
        for k in col...m { big[r][k] -= f * big[col][k] }
      }
    }
    // Both solutions are backward stable; I − A⊗A has condition number ~30
    // here (ρ(A) ≈ 0.8), so 1e-13 relative is ~100 ulps of slack.
    for i in 0..<n { for j in 0..<n {
      let exact = big[i * n + j][m] / big[i * n + j][i * n + j]
      XCTAssertEqual(c[i, j], exact, accuracy: 1e-13 * max(1, abs(exact)))
    } }
    XCTAssertLessThan(SteinEquation.residual(c: c, a: a, q: q), 1e-14)
  }

  func testRejectsNonContractingMap() {
    XCTAssertThrowsError(try SteinEquation.solve(a: Matrix(rows: 1, columns: 1, elements: [1.0]), q: .identity(1)))
  }
}

final class NetworkFixedPointTests: XCTestCase {
  /// Linear f: the one fixed point is (I − W)⁻¹ c (Cramer's rule in 3-D here).
  func testLinearNetworkFixedPointSolvesLinearSystem() throws {
    let net = try TestNetworks.network(.linear, .outside, w: TestNetworks.w3, b: TestNetworks.b3)
    let points = try net.deterministicFixedPoints()
    XCTAssertEqual(points.count, 1)
    let h = points[0].h
    // Residual of (I − W) h = c, each row: rounding of a 3-term sum.
    for i in 0..<3 {
      let row = h[i] - (0..<3).reduce(0) { $0 + TestNetworks.w3[i][$1] * h[$1] }
      XCTAssertEqual(row, TestNetworks.b3[i], accuracy: 1e-12)
    }
    XCTAssertTrue(points[0].stable)
  }

  /// Two uncoupled bistable tanh neurons (w = 2): 3 × 3 = 9 fixed points,
  /// each coordinate a root of the 1-D equation that `SingleNeuron` finds by
  /// an independent method (Brent on a scan); stable iff both coordinates are.
  func testUncoupledBistableNeuronsGiveAllNineFixedPoints() throws {
    let net = try TestNetworks.network(.tanh, .outside, w: [[2, 0], [0, 2]], b: [0, 0.1])
    var search = FixedPointSearch()
    search.randomStarts = 200
    let points = try net.deterministicFixedPoints(search: search)
    XCTAssertEqual(points.count, 9)
    let roots0 = try SingleNeuron(activation: .tanh, w: 2, b: 0, sigma: 0.1, noise: .outside, dt: 0.1, tau: 1).deterministicFixedPoints()
    let roots1 = try SingleNeuron(activation: .tanh, w: 2, b: 0.1, sigma: 0.1, noise: .outside, dt: 0.1, tau: 1).deterministicFixedPoints()
    for p in points {
      // Both solvers converge to ~1e-14; 1e-10 leaves room for hybridsj's step test.
      let a = roots0.first { abs($0.x - p.h[0]) < 1e-10 }, b = roots1.first { abs($0.x - p.h[1]) < 1e-10 }
      XCTAssertNotNil(a, "h0 = \(p.h[0]) is not a 1-D root")
      XCTAssertNotNil(b, "h1 = \(p.h[1]) is not a 1-D root")
      if let a, let b { XCTAssertEqual(p.stable, a.stable && b.stable) }
      XCTAssertLessThan(p.residual, 1e-10)
    }
    XCTAssertEqual(points.filter(\.stable).count, 4)
  }

  /// Uncoupled noise-in relu neurons: the noise-averaged fixed point of each
  /// coordinate is the 1-D one `SingleNeuron` finds by Brent on the same
  /// closed-form moments — agreement to solver tolerance (1e-10).
  func testNoiseAveragedBranchMatchesOneDimensionalRoots() throws {
    let w: [Double] = [0.5, -0.3], b: [Double] = [0.2, -0.1]
    let net = try TestNetworks.network(.relu, .inside, w: [[w[0], 0], [0, w[1]]], b: b)
    let start = try net.deterministicFixedPoints()[0]
    let branch = try net.averagedBranch(from: start, sigmas: [0, 0.3, 0.8])
    XCTAssertEqual(branch.outcome, .reachedEnd)
    for p in branch.points where p.sigma > 0 {
      for i in 0..<2 {
        let neuron = try SingleNeuron(activation: .relu, w: w[i], b: b[i], sigma: p.sigma, noise: .inside, dt: 0.1, tau: 1)
        let roots = try neuron.noiseAveragedFixedPoints()
        XCTAssertEqual(roots.count, 1)
        XCTAssertEqual(p.h[i], roots[0].x, accuracy: 1e-10)
      }
    }
    // The noise-induced shift is upward for relu (E relu(x + σξ) > relu(x)).
    XCTAssertGreaterThan(branch.points.last!.h[1], start.h[1])
  }
}

final class NetworkDynamicsTests: XCTestCase {
  /// A one-neuron network and `SingleNeuron` run the same chain with the same
  /// noise streams: the two codes (dgemm vs scalar product) must give the
  /// same stationary statistics up to rounding.
  func testOneNeuronChainMatchesSingleNeuronChain() throws {
    let net = try TestNetworks.network(.relu, .inside, w: [[0.4]], b: [0.1])
    let neuron = try SingleNeuron(activation: .relu, w: 0.4, b: 0.1, sigma: 0.5, noise: .inside, dt: 0.1, tau: 1)
    let options = EnsembleOptions(trajectories: 8, seed: 3, threads: 1, stationary: StationaryOptions(burnIn: 100))
    let a = try Ensemble.solve(net.chain(sigma: 0.5, initialState: [0.2], steps: 1000), options: options)
    let b = try Ensemble.solve(neuron.chain(initialState: 0.2, steps: 1000), options: options)
    // 1000 steps of a contraction: rounding differences stay at ~1e-15.
    XCTAssertEqual(a.statistics!.mean[0], b.statistics!.mean[0], accuracy: 1e-12)
    XCTAssertEqual(a.statistics!.variance[0], b.statistics!.variance[0], accuracy: 1e-12)
  }

  /// Linear noise-out: the closure is exact — m = (I − W)⁻¹ c and C the
  /// Stein solution — so the ensemble must agree within Monte-Carlo error.
  /// 4 SE: 9 comparisons (3 means, 6 covariance entries), so a correct
  /// closure fails the 4-SE bound by chance with probability < 9 × 6e-5.
  func testLinearNoiseOutEnsembleMatchesClosure() throws {
    let net = try TestNetworks.network(.linear, .outside, w: TestNetworks.w3, b: TestNetworks.b3)
    let sigma = 0.4
    let fp = try net.deterministicFixedPoints()[0]
    let closure = try net.gaussianClosure(sigma: sigma, start: fp.h)
    for i in 0..<3 { XCTAssertEqual(closure.mean[i], fp.h[i], accuracy: 1e-12) }
    var options = NetworkSimulationOptions()
    options.trajectories = 64
    options.steps = 4000
    options.burnIn = 200
    let sim = try net.stationaryEstimate(sigma: sigma, scheme: .chain, start: fp.h, options: options, table: nil)
    let (simCovariance, simCovarianceSE) = try sim.stateCovariance()
    for i in 0..<3 {
      XCTAssertEqual(sim.mean[i], closure.mean[i], accuracy: 4 * sim.meanStandardError[i])
    }
    for i in 0..<3 {
      for j in 0..<3 {
        XCTAssertEqual(simCovariance[i, j], closure.covariance[i, j], accuracy: 4 * simCovarianceSE[i, j])
      }
    }
  }

  /// Noise-in relu, one neuron: the exact chain's stationary mean by the
  /// transfer operator (Ulam, with its own discretisation error) against the
  /// closure and the mean-field point. The closure neglects the state's
  /// non-Gaussianity; at γ = 0.1 the state sd is ~√(γ/2)·σ·f′ ≈ 0.1, so its
  /// curvature effect is ~γ of the mean-field shift: 20 % of the shift is a
  /// generous bound for the closure and must hold; the mean-field must be
  /// farther from the truth than the closure (it ignores the fluctuations).
  func testClosureBeatsMeanFieldOnOneNeuron() throws {
    let (w, b, s) = (0.3, -0.1, 0.6)
    let net = try TestNetworks.network(.relu, .inside, w: [[w]], b: [b])
    let neuron = try SingleNeuron(activation: .relu, w: w, b: b, sigma: s, noise: .inside, dt: 0.1, tau: 1)
    let exact = try neuron.transferOperator(cells: 800)
    let fp = try net.deterministicFixedPoints()[0]
    let branch = try net.averagedBranch(from: fp, sigmas: [s])
    let meanField = branch.points[0].h[0]
    let closure = try net.gaussianClosure(sigma: s, start: [meanField]).mean[0]
    let shift = exact.mean - fp.h[0]
    XCTAssertGreaterThan(shift, 0.05)  // a real noise-induced shift
    XCTAssertLessThan(abs(closure - exact.mean), 0.2 * shift)
    XCTAssertLessThanOrEqual(abs(closure - exact.mean), abs(meanField - exact.mean) + exact.meanDiscretisationError)
  }
}

final class SlowPointTests: XCTestCase {
  /// One tanh neuron, w = 2, b = −0.6: past the saddle-node at b* ≈ −0.533
  /// the upper pair of fixed points has vanished, leaving a ghost. For one
  /// neuron q = ½γ²(tanh(2x+b) − x)², whose non-zero minimum sits where the
  /// slope of tanh(2x+b) − x vanishes: 2 sech²(2x+b) = 1, i.e.
  /// x* = (atanh(1/√2) − b)/2 exactly.
  func testGhostOfASaddleNodeIsASlowPoint() throws {
    let net = try TestNetworks.network(.tanh, .outside, w: [[2]], b: [-0.6])
    let starts = stride(from: -1.0, through: 1.0, by: 0.1).map { [$0] }
    let slow = net.slowPoints(starts: starts, maxSpeed: 1e-2)
    XCTAssertEqual(slow.count, 1)
    let x = (atanh(1 / 2.0.squareRoot()) - (-0.6)) / 2
    // LM stops at ‖∇q‖ ≤ 1e-8γ; q'' ≈ γ²·g''·g ~ 1e-3 here, so |Δx| ≲ 1e-5.
    XCTAssertEqual(slow[0].h[0], x, accuracy: 1e-5)
    XCTAssertGreaterThan(slow[0].speed, 0)
    // And the one real fixed point (the lower branch) is not reported as slow.
    XCTAssertTrue(slow.allSatisfy { $0.h[0] > 0 })
  }
}

final class NetworkAnalysisTests: XCTestCase {
  /// A bistable tanh neuron (w = 2, b = 0.05) has three fixed points; the
  /// analysis continues a mean-field branch from each. Noise-in tanh pulls
  /// E tanh(u + σξ) towards 0, which flattens the curve until the upper
  /// stable point and the saddle merge in a fold: that branch must end (the
  /// solver or the stability test stops it) before σ = 1.5, where
  /// E tanh(2x + 0.05 + 1.5ξ) has slope ≤ 2 E sech²(1.5ξ) = 0.919 < 1
  /// everywhere (one root left).
  func testBranchesFromEveryFixedPointAndAFoldEndsOne() throws {
    let k = try Checkpoint(
      activation: .tanh, noise: .inside, sigmaTrain: 0, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 1, columns: 1, elements: [2]), inputWeights: Matrix(rows: 1, columns: 1, elements: [0]),
      bias: [0.05], readoutWeights: Matrix(rows: 1, columns: 1, elements: [1]), readoutBias: [0])
    var options = NetworkAnalysis.Options()
    options.sigmas = [0, 0.5, 1.0, 1.5]
    options.simulation.trajectories = 8
    options.simulation.steps = 400
    options.simulation.burnIn = 100
    let a = try NetworkAnalysis(checkpoint: k, input: [0], options: options)
    XCTAssertEqual(a.fixedPoints.count, 3)
    XCTAssertEqual(a.branches.count, 3)
    XCTAssertEqual(a.fixedPoints.filter(\.stable).count, 2)
    // Only one solution survives at σ = 1.5, so at most one branch reaches it.
    XCTAssertLessThanOrEqual(a.branches.filter { $0.point(at: 1.5) != nil }.count, 1)
    XCTAssertTrue(a.branches.contains { $0.endedAt != nil })
    // At σ = 0 the bias is exactly zero (no simulation: the fixed point itself).
    XCTAssertEqual(a.levels[0].bias, [0])
  }

  /// The stages called one by one give the analysis the one-call pipeline
  /// gives, to the bit (same seeds, same order of floating-point work).
  func testStagesComposeToThePipeline() throws {
    let k = try Checkpoint(
      activation: .tanh, noise: .inside, sigmaTrain: 0, dt: 0.1, tau: 1,
      recurrent: Matrix(rows: 1, columns: 1, elements: [2]), inputWeights: Matrix(rows: 1, columns: 1, elements: [0]),
      bias: [0.05], readoutWeights: Matrix(rows: 1, columns: 1, elements: [1]), readoutBias: [0])
    var options = NetworkAnalysis.Options()
    options.sigmas = [0.5, 0, 1.5]
    options.schemes = [.chain, .milstein]
    options.simulation.trajectories = 8
    options.simulation.steps = 400
    options.simulation.burnIn = 100
    let whole = try NetworkAnalysis(checkpoint: k, input: [0], options: options)

    let problem = try AnalysisProblem(checkpoint: k, input: [0])
    let net = problem.network
    let sigmas = options.sortedSigmas
    XCTAssertEqual(sigmas, [0, 0.5, 1.5])
    let census = try net.findFixedPoints(
      largestSigma: 1.5, simulation: options.simulation, search: options.search, slowPointSpeed: nil)
    let branches = try net.continueBranches(from: census, sigmas: sigmas)
    // The fold ends a branch with an outcome a caller can switch on.
    for b in branches.all where b.outcome != .reachedEnd {
      switch b.outcome {
      case .reachedEnd: XCTFail("unreachable")
      case .lostBranch(_, let to, _, _): XCTAssertEqual(b.endedAt, to)
      case .stabilityChanged(let sigma, _, _): XCTAssertEqual(b.endedAt, sigma)
      }
      XCTAssertNotNil(b.outcome.endReason)
    }
    XCTAssertTrue(branches.all.contains { $0.outcome != .reachedEnd })
    var previousClosure: GaussianClosure?  // the pipeline warm-starts each σ's closure from the last one
    for (sigma, level) in zip(sigmas, whole.levels) {
      let meanField = branches.reference.point(at: sigma)
      let start = meanField?.h ?? census.reference.h
      let closure = net.closure(sigma: sigma, start: start, previous: previousClosure, threads: options.simulation.threads)
      previousClosure = closure.closure
      let simulated = try net.simulate(
        sigma: sigma, start: start, closure: closure.closure, schemes: options.schemes, options: options.simulation)
      let staged = NetworkAnalysis.Level(
        sigma: sigma, meanField: meanField, closure: closure, simulated: simulated, reference: census.reference,
        target: problem.target)
      XCTAssertEqual(staged.sigma, level.sigma)
      XCTAssertEqual(staged.simulatedMean, level.simulatedMean)
      XCTAssertEqual(staged.simulatedStandardError, level.simulatedStandardError)
      XCTAssertEqual(staged.bias, level.bias)
      XCTAssertEqual(staged.z, level.z)
      XCTAssertEqual(staged.closure?.mean, level.closure?.mean)
      XCTAssertEqual(staged.simulated.map(\.scheme), sigma > 0 ? [.chain, .milstein] : [])
    }
  }
}
